//! The bindings are generated, never written by hand: this test builds `contracts/` with forge
//! (`forge build`, the settings of `foundry.toml`) and fails when `bindings/artifacts/`,
//! `bindings/src/generated.rs` (the contract modules, role ids, enums and `ProtocolError`) or
//! `bindings/layouts/storage.json` (solc's storage layouts, forge's `extra_output`) differ from
//! forge's artifacts. `make bindings` (this test with `BINDINGS_UPDATE=1`) rewrites them.

use std::{
    collections::BTreeMap,
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use alloy_json_abi::JsonAbi;
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
    out: String,
    cache_path: String,
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

/// What one compile gives: `name -> artifact JSON` for every contract in `contracts/` with a
/// non-empty ABI, plus the external ones the deployment uses; and the storage layouts of those with
/// code (`storage.json`, in the form `sim` reads).
struct Compiled {
    artifacts: BTreeMap<String, String>,
    layouts: String,
}

/// Builds the contracts with forge and reads forge's own artifacts. The bindings must equal what
/// forge deploys, so they are forge's output, not a second compile's (which also cost `make test`
/// two minutes of solc-js); after `make test`'s forge run, `forge build` finds nothing to do.
fn compile(root: &Path) -> Compiled {
    let profile = read_profile(root);
    forge_build(root);
    let mut artifacts = BTreeMap::new();
    let mut layouts = serde_json::Map::new();
    for (source, name, path) in cached_artifacts(root, &profile) {
        let ours = Path::new(&source).starts_with(&profile.src)
            || EXTERNAL_CONTRACTS.contains(&name.as_str());
        if !ours {
            continue;
        }
        let text =
            fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let raw: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
        let artifact: ForgeArtifact = serde_json::from_value(raw)
            .unwrap_or_else(|e| panic!("{} is not a forge artifact: {e}", path.display()));
        if artifact.abi.is_empty() {
            continue;
        }
        let mut json = serde_json::json!({ "abi": artifact.abi });
        if artifact.bytecode.object.len() > "0x".len() {
            json["bytecode"] = serde_json::json!({ "object": artifact.bytecode.object });
            json["deployedBytecode"] =
                serde_json::json!({ "object": artifact.deployed_bytecode.object });
            let layout = artifact
                .storage_layout
                .unwrap_or_else(|| panic!("{name} has no storage layout"));
            layouts.insert(name.clone(), layout_json(&layout));
        }
        let text = serde_json::to_string_pretty(&json).unwrap() + "\n";
        let previous = artifacts.insert(name.clone(), text);
        assert!(
            previous.is_none(),
            "two contracts named {name}: bindings need unique names"
        );
    }
    let layouts = serde_json::to_string_pretty(&layouts).unwrap() + "\n";
    Compiled { artifacts, layouts }
}

/// Runs `forge build` in the repository (incremental: a no-op when nothing changed). `make` puts
/// the pinned forge of `node_modules/.bin` on `PATH`; a bare `cargo test` finds it there too.
fn forge_build(root: &Path) {
    let pinned = root.join("node_modules/.bin/forge");
    let forge = if pinned.exists() {
        pinned
    } else {
        PathBuf::from("forge")
    };
    let status = Command::new(&forge)
        .args(["build", "--quiet"])
        .current_dir(root)
        .status()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {} ({e}): run `make deps` (or `make test`) first",
                forge.display()
            )
        });
    assert!(status.success(), "`forge build` failed: {status}");
}

/// `(source, contract name, artifact path)` of every contract of the last build, from forge's
/// cache: it lists exactly what each source compiled to, where `out/` may still hold the file of a
/// contract since deleted from its source.
fn cached_artifacts(root: &Path, profile: &Profile) -> Vec<(String, String, PathBuf)> {
    let cache_path = root
        .join(&profile.cache_path)
        .join("solidity-files-cache.json");
    let text = fs::read_to_string(&cache_path)
        .unwrap_or_else(|e| panic!("read {}: {e}", cache_path.display()));
    let cache: serde_json::Value = serde_json::from_str(&text).expect("forge's cache is JSON");
    let mut found = Vec::new();
    for (source, entry) in cache["files"].as_object().expect("cache lists files") {
        for (name, versions) in entry["artifacts"].as_object().into_iter().flatten() {
            // One compiler version and the default profile: the only build this repo makes.
            let paths: Vec<&str> = versions
                .as_object()
                .into_iter()
                .flat_map(|v| v.values())
                .filter_map(|profiles| profiles["default"]["path"].as_str())
                .collect();
            assert_eq!(
                paths.len(),
                1,
                "{source}: {name} built {} times",
                paths.len()
            );
            found.push((
                source.clone(),
                name.clone(),
                root.join(&profile.out).join(paths[0]),
            ));
        }
    }
    found.sort();
    found
}

/// The parts of a forge artifact (`out/<Source>.sol/<Name>.json`) the bindings keep.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ForgeArtifact {
    abi: JsonAbi,
    bytecode: Code,
    deployed_bytecode: Code,
    storage_layout: Option<StorageLayout>,
}

/// Hex code, `0x`-prefixed (`0x` alone for an interface or abstract contract).
#[derive(Deserialize)]
struct Code {
    object: String,
}

/// solc's `storageLayout` output.
#[derive(Deserialize)]
struct StorageLayout {
    storage: Vec<StorageVariable>,
    types: BTreeMap<String, StorageType>,
}

#[derive(Deserialize)]
struct StorageVariable {
    label: String,
    slot: String,
    offset: u64,
    #[serde(rename = "type")]
    storage_type: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StorageType {
    encoding: String,
    label: String,
    number_of_bytes: String,
    value: Option<String>,
}

/// One contract's storage variables: label, slot, offset, type, size in bytes, and for a mapping
/// the size of its values (and of the inner values of a mapping of mappings).
fn layout_json(layout: &StorageLayout) -> serde_json::Value {
    let size = |ty: &str| -> u64 {
        layout
            .types
            .get(ty)
            .and_then(|t| t.number_of_bytes.parse().ok())
            .unwrap_or(32)
    };
    let variables = layout
        .storage
        .iter()
        .map(|v| {
            let ty = layout.types.get(&v.storage_type);
            let mut entry = serde_json::json!({
                "label": v.label,
                "slot": v.slot.parse::<u64>().expect("a storage slot fits in u64"),
                "offset": v.offset,
                "type": ty.map_or(v.storage_type.as_str(), |t| t.label.as_str()),
                "bytes": size(&v.storage_type),
            });
            if let Some(t) = ty.filter(|t| t.encoding == "mapping") {
                let value = t.value.as_deref().expect("a mapping has a value type");
                entry["mapping_value_bytes"] = size(value).into();
                if let Some(inner) = layout.types.get(value).filter(|t| t.encoding == "mapping") {
                    entry["nested_value_bytes"] =
                        size(inner.value.as_deref().expect("a mapping has a value type")).into();
                }
            }
            entry
        })
        .collect();
    serde_json::Value::Array(variables)
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

/// `pub mod enums`: every `enum` declared under `contracts/` as a Rust enum (`alloy::sol!` gives
/// it `TryFrom<u8>`; the ABI carries enums as `uint8`, so the JSON artifacts cannot).
/// `sources` is `(path relative to the root, text)`.
fn enums_module(sources: &[(String, String)]) -> String {
    let mut out = String::from(
        "\n/// The suite's Solidity enums as Rust enums, read from their declarations (the ABI carries\n\
         /// them as `uint8`: convert with `TryFrom<u8>`).\npub mod enums {\n    alloy::sol! {\n",
    );
    let mut seen = BTreeMap::new();
    for (path, text) in sources {
        // Comments out, so that variant lists read as plain comma-separated names.
        let code: String = text
            .lines()
            .map(|l| l.split("//").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        let mut rest = code.as_str();
        while let Some(at) = rest.find("enum ") {
            let preceded = rest[..at]
                .chars()
                .last()
                .is_none_or(|c| !c.is_alphanumeric() && c != '_');
            rest = &rest[at + "enum ".len()..];
            if !preceded {
                continue;
            }
            let (name, body) = rest.split_once('{').expect("enum NAME {");
            let (body, after) = body.split_once('}').expect("enum body ends with }");
            rest = after;
            let name = name.trim();
            let variants: Vec<&str> = body
                .split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .collect();
            if let Some(other) = seen.insert(name.to_string(), path.clone()) {
                panic!("enum {name} is declared in {other} and {path}: Rust needs unique names");
            }
            out.push_str(&format!(
                "        /// `{name}`, declared in `{path}`.\n        \
                 #[derive(Debug, PartialEq, Eq, Hash)]\n        enum {name} {{ {} }}\n",
                variants.join(", ")
            ));
        }
    }
    out.push_str("    }\n}\n");
    out
}

/// `ProtocolError`: revert data decoded against the custom errors of every deployed contract (those
/// with code whose ABI declares errors), in name order; the first that decodes names it.
fn errors_module(with_errors: &[&String]) -> String {
    let mut out = String::from(
        "\n/// A custom error of one of the suite's deployed contracts, decoded from revert data with\n\
         /// the contract's generated `…Errors` enum. An error several contracts share (OpenZeppelin's,\n\
         /// say) decodes as the first contract's in name order.\n\
         #[derive(Debug)]\npub enum ProtocolError {\n",
    );
    for name in with_errors {
        let module = snake_case(name);
        out.push_str(&format!(
            "    /// An error `{name}` declares.\n    {name}({module}::{name}::{name}Errors),\n"
        ));
    }
    out.push_str(
        "}\n\nimpl ProtocolError {\n    /// The suite error `data` encodes, or `None` when no contract declares its selector (or its\n    \
         /// arguments do not decode).\n    pub fn decode(data: &[u8]) -> Option<Self> {\n        \
         fn try_decode<E: alloy::sol_types::SolInterface>(data: &[u8]) -> Option<E> {\n            \
         E::abi_decode(data).ok()\n        }\n",
    );
    for name in with_errors {
        out.push_str(&format!(
            "        if let Some(e) = try_decode(data) {{\n            \
             return Some(Self::{name}(e));\n        }}\n"
        ));
    }
    out.push_str(
        "        None\n    }\n}\n\nimpl core::fmt::Display for ProtocolError {\n    \
                  fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {\n        \
                  match self {\n",
    );
    for name in with_errors {
        out.push_str(&format!(
            "            Self::{name}(e) => write!(f, \"{{e:?}}\"),\n"
        ));
    }
    out.push_str("        }\n    }\n}\n");
    out
}

/// One module per contract (the types a contract's ABI names, such as `IBondingManager.Hints`,
/// live in its module, so two contracts naming the same type do not collide), re-exported by name,
/// then the role ids, the enums and the protocol errors.
fn generated_module(
    artifacts: &BTreeMap<String, String>,
    roles_sol: &str,
    enum_sources: &[(String, String)],
) -> String {
    let mut out = String::from(
        "// @generated by `make bindings` (bindings/gen/tests/fresh.rs) from the compiled contracts.\n\
         // Do not edit: change the Solidity and regenerate.\n",
    );
    for name in artifacts.keys() {
        let module = snake_case(name);
        out.push_str(&format!(
            "\npub mod {module} {{\n    alloy::sol!(\n        #[sol(rpc)]\n        #[derive(Debug)]\n        \
             {name},\n        \"artifacts/{name}.json\"\n    );\n}}\npub use {module}::{name};\n"
        ));
    }
    out.push_str(&roles_module(roles_sol));
    out.push_str(&enums_module(enum_sources));
    let with_errors: Vec<&String> = artifacts
        .iter()
        .filter(|(_, text)| {
            let json: serde_json::Value = serde_json::from_str(text).unwrap();
            json.get("bytecode").is_some()
                && json["abi"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|item| item["type"] == "error")
        })
        .map(|(name, _)| name)
        .collect();
    out.push_str(&errors_module(&with_errors));
    out
}

/// Every `.sol` file under `dir`, as `(path relative to root, text)`, in path order.
fn solidity_sources(root: &Path, dir: &Path) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "sol") {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                found.push((rel, fs::read_to_string(&path).unwrap()));
            }
        }
    }
    found.sort();
    found
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
    let Compiled { artifacts, layouts } = compile(&root);
    let roles_sol = fs::read_to_string(root.join(ROLES_SOL)).expect("read Roles.sol");
    let enum_sources = solidity_sources(&root, &root.join("contracts"));
    let module = generated_module(&artifacts, &roles_sol, &enum_sources);

    let artifacts_dir = root.join("bindings/artifacts");
    let module_path = root.join("bindings/src/generated.rs");
    let layouts_path = root.join("bindings/layouts/storage.json");

    if std::env::var_os("BINDINGS_UPDATE").is_some() {
        if artifacts_dir.exists() {
            fs::remove_dir_all(&artifacts_dir).unwrap();
        }
        fs::create_dir_all(&artifacts_dir).unwrap();
        for (name, text) in &artifacts {
            fs::write(artifacts_dir.join(format!("{name}.json")), text).unwrap();
        }
        fs::write(&module_path, module).unwrap();
        fs::create_dir_all(layouts_path.parent().unwrap()).unwrap();
        fs::write(&layouts_path, layouts).unwrap();
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
    if fs::read_to_string(&layouts_path).ok().as_deref() != Some(layouts.as_str()) {
        stale.push("layouts/storage.json: differs".into());
    }
    assert!(
        stale.is_empty(),
        "bindings are stale against contracts/ ({}); run `make bindings`",
        stale.join(", ")
    );
}
