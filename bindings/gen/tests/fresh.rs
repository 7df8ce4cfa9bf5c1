//! The bindings are generated, never written by hand: this test compiles `contracts/` with
//! foundry-compilers, using the compiler executable and settings of `foundry.toml` (the same ones
//! forge uses), and fails when `bindings/artifacts/` or `bindings/src/generated.rs` differ from
//! what the contracts compile to. `make bindings` (this test with `BINDINGS_UPDATE=1`) rewrites them.

use std::{
    collections::BTreeMap,
    fs,
    path::{Path, PathBuf},
    str::FromStr,
};

use foundry_compilers::{
    Artifact, ProjectBuilder, ProjectPathsConfig,
    artifacts::{
        BytecodeHash, EvmVersion, Optimizer, Remapping, Settings, SettingsMetadata,
        output_selection::OutputSelection,
    },
    solc::{Solc, SolcCompiler, SolcLanguage, SolcSettings},
};
use serde::Deserialize;

/// The part of `foundry.toml` that decides the bytecode: `[profile.default]` (other profiles, such
/// as `deep` for long fuzzing, only override test settings and are not read).
#[derive(Deserialize)]
struct FoundryToml {
    profile: BTreeMap<String, toml::Value>,
}

#[derive(Deserialize)]
struct Profile {
    src: String,
    test: String,
    script: String,
    solc: String,
    evm_version: String,
    optimizer: bool,
    optimizer_runs: usize,
    bytecode_hash: String,
    cbor_metadata: bool,
    remappings: Vec<String>,
    libs: Vec<String>,
}

/// Contracts outside `contracts/` that the suite deploys (or, for the planner, evaluates) and so
/// needs bindings for.
const EXTERNAL_CONTRACTS: &[&str] = &["AccessManager", "TimelockController", "DeployPlanner"];

/// The role ids' one source; `pub mod roles` in the generated module repeats them for Rust.
const ROLES_SOL: &str = "contracts/access/Roles.sol";

/// `bindings/gen` is two levels below the repository root.
fn repo_root() -> PathBuf {
    let gen_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    gen_dir
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .to_path_buf()
}

fn read_profile(root: &Path) -> Profile {
    let text = fs::read_to_string(root.join("foundry.toml")).expect("read foundry.toml");
    let mut parsed: FoundryToml = toml::from_str(&text).expect("parse foundry.toml");
    parsed
        .profile
        .remove("default")
        .expect("foundry.toml has [profile.default]")
        .try_into()
        .expect("parse [profile.default]")
}

/// Compiles the contracts as forge does and returns `name -> artifact JSON` for every contract in
/// `contracts/` with a non-empty ABI, plus the external ones the deployment uses.
fn compile_artifacts(root: &Path) -> BTreeMap<String, String> {
    let profile = read_profile(root);
    let solc = Solc::new(root.join(&profile.solc)).expect("run the repo's compiler executable");
    let build_dir = root.join("target/bindings-solc");
    let remappings: Vec<Remapping> = profile
        .remappings
        .iter()
        .map(|r| Remapping::from_str(r).expect("valid remapping"))
        .collect();
    let paths = ProjectPathsConfig::builder()
        .root(root)
        .sources(root.join(&profile.src))
        // The same sources as forge, tests and scripts included: solc numbers AST nodes across the
        // whole compilation and that numbering reaches the bytecode (internal function order), so a
        // smaller compilation would give other bytes than forge's.
        .tests(root.join(&profile.test))
        .scripts(root.join(&profile.script))
        .artifacts(build_dir.join("out"))
        .cache(build_dir.join("cache/solidity-files-cache.json"))
        .libs(profile.libs.iter().map(|lib| root.join(lib)))
        .remappings(remappings.clone())
        .build_with_root::<SolcLanguage>(root);

    let settings = Settings {
        optimizer: Optimizer {
            enabled: Some(profile.optimizer),
            runs: Some(profile.optimizer_runs),
            details: None,
        },
        evm_version: Some(EvmVersion::from_str(&profile.evm_version).expect("evm version")),
        metadata: Some(SettingsMetadata::new(
            BytecodeHash::from_str(&profile.bytecode_hash).expect("bytecode hash"),
            profile.cbor_metadata,
        )),
        remappings,
        output_selection: OutputSelection::default_output_selection(),
        ..Default::default()
    };
    let project = ProjectBuilder::<SolcCompiler>::default()
        .paths(paths)
        .settings(SolcSettings {
            settings,
            ..Default::default()
        })
        .build(SolcCompiler::Specific(solc))
        .expect("configure the project");
    let output = project.compile().expect("compile");
    assert!(!output.has_compiler_errors(), "compile errors:\n{output}");

    let contracts_dir = root.join(&profile.src);
    let mut artifacts = BTreeMap::new();
    for (id, artifact) in output.into_artifacts() {
        let ours = id.source.starts_with(&contracts_dir)
            || id.source.starts_with(&profile.src)
            || EXTERNAL_CONTRACTS.contains(&id.name.as_str());
        if !ours {
            continue;
        }
        let (abi, bytecode, deployed) = artifact.into_parts();
        let abi = abi.expect("artifact has an ABI");
        if abi.is_empty() {
            continue;
        }
        let mut json = serde_json::json!({ "abi": abi });
        if let (Some(code), Some(deployed)) = (bytecode, deployed)
            && !code.is_empty()
        {
            json["bytecode"] = serde_json::json!({ "object": code.to_string() });
            json["deployedBytecode"] = serde_json::json!({ "object": deployed.to_string() });
        }
        let text = serde_json::to_string_pretty(&json).unwrap() + "\n";
        let previous = artifacts.insert(id.name.clone(), text);
        assert!(
            previous.is_none(),
            "two contracts named {}: bindings need unique names",
            id.name
        );
    }
    artifacts
}

/// `pub mod roles`: each `uint64 internal constant NAME = N;` of `Roles.sol`, its NatSpec as docs
/// (constants are not in any ABI, so they are read from the source).
fn roles_module(source: &str) -> String {
    let mut out = format!("\n/// AccessManager role ids, from `{ROLES_SOL}`.\npub mod roles {{\n");
    let mut docs = Vec::new();
    for line in source.lines().map(str::trim) {
        if let Some(doc) = line.strip_prefix("///") {
            let doc = doc.trim();
            docs.push(doc.strip_prefix("@notice ").unwrap_or(doc).to_string());
        } else if let Some(constant) = line.strip_prefix("uint64 internal constant ") {
            let (name, value) = constant
                .trim_end_matches(';')
                .split_once(" = ")
                .unwrap_or_else(|| panic!("unexpected role line in {ROLES_SOL}: {line}"));
            for doc in docs.drain(..) {
                out.push_str(&format!("    /// {doc}\n"));
            }
            out.push_str(&format!("    pub const {name}: u64 = {value};\n"));
        } else {
            docs.clear();
        }
    }
    out.push_str("}\n");
    out
}

/// One module per contract (the types a contract's ABI names, such as `IBondingManager.Hints`,
/// live in its module, so two contracts naming the same type do not collide), re-exported by name,
/// then the role ids.
fn generated_module(names: &[&String], roles_sol: &str) -> String {
    let mut out = String::from(
        "// @generated by `make bindings` (bindings/gen/tests/fresh.rs) from the compiled contracts.\n\
         // Do not edit: change the Solidity and regenerate.\n",
    );
    for name in names {
        let module = snake_case(name);
        out.push_str(&format!(
            "\npub mod {module} {{\n    alloy::sol!(\n        #[sol(rpc)]\n        #[derive(Debug)]\n        \
             {name},\n        \"artifacts/{name}.json\"\n    );\n}}\npub use {module}::{name};\n"
        ));
    }
    out.push_str(&roles_module(roles_sol));
    out
}

fn snake_case(name: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let boundary = i > 0
            && c.is_uppercase()
            && (chars[i - 1].is_lowercase() || chars.get(i + 1).is_some_and(|n| n.is_lowercase()));
        if boundary {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[test]
fn bindings_match_the_contracts() {
    let root = repo_root();
    let artifacts = compile_artifacts(&root);
    let names: Vec<&String> = artifacts.keys().collect();
    let roles_sol = fs::read_to_string(root.join(ROLES_SOL)).expect("read Roles.sol");
    let module = generated_module(&names, &roles_sol);

    let artifacts_dir = root.join("bindings/artifacts");
    let module_path = root.join("bindings/src/generated.rs");

    if std::env::var_os("BINDINGS_UPDATE").is_some() {
        if artifacts_dir.exists() {
            fs::remove_dir_all(&artifacts_dir).unwrap();
        }
        fs::create_dir_all(&artifacts_dir).unwrap();
        for (name, text) in &artifacts {
            fs::write(artifacts_dir.join(format!("{name}.json")), text).unwrap();
        }
        fs::write(&module_path, module).unwrap();
        return;
    }

    let mut stale = Vec::new();
    let committed: BTreeMap<String, String> = fs::read_dir(&artifacts_dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .map(|p| {
                    let name = p.file_stem().unwrap().to_string_lossy().into_owned();
                    (name, fs::read_to_string(&p).unwrap())
                })
                .collect()
        })
        .unwrap_or_default();
    for (name, text) in &artifacts {
        match committed.get(name) {
            None => stale.push(format!("{name}: missing")),
            Some(old) if old != text => stale.push(format!("{name}: differs")),
            Some(_) => {}
        }
    }
    for name in committed.keys().filter(|n| !artifacts.contains_key(*n)) {
        stale.push(format!("{name}: no longer in contracts/"));
    }
    if fs::read_to_string(&module_path).ok().as_deref() != Some(module.as_str()) {
        stale.push("src/generated.rs: differs".into());
    }
    assert!(
        stale.is_empty(),
        "bindings are stale against contracts/ ({}); run `make bindings`",
        stale.join(", ")
    );
}
