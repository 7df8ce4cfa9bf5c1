//! Where the repo's pinned tools live (installed by `npm ci`, see `package.json`).

use std::path::PathBuf;

/// The repository root, as seen when this crate was compiled.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bindings/ has a parent")
        .to_path_buf()
}

/// The pinned `anvil` binary; `ANVIL_BIN` overrides it.
pub fn anvil_bin() -> PathBuf {
    tool("ANVIL_BIN", "anvil")
}

/// The pinned `forge` binary; `FORGE_BIN` overrides it.
pub fn forge_bin() -> PathBuf {
    tool("FORGE_BIN", "forge")
}

fn tool(env: &str, name: &str) -> PathBuf {
    std::env::var_os(env).map(PathBuf::from).unwrap_or_else(|| {
        repo_root().join(format!(
            "node_modules/@foundry-rs/{name}-linux-amd64/bin/{name}"
        ))
    })
}
