//! The storage layouts of the suite's deployed contracts, as solc lays them out:
//! `layouts/storage.json`, generated from the same compile as the bindings (`make bindings`; the
//! staleness test in `gen/tests/fresh.rs` fails while it is out of date).

use std::{collections::BTreeMap, sync::OnceLock};

use serde::Deserialize;

/// The generated file's text.
pub const STORAGE_JSON: &str = include_str!("../layouts/storage.json");

/// A storage variable, as solc lays it out.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Variable {
    /// The variable's name.
    pub label: String,
    /// Its first slot.
    pub slot: u64,
    /// Its byte offset in the slot (packed variables).
    pub offset: u64,
    /// Its type, in solc's words.
    #[serde(rename = "type")]
    pub ty: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// For a mapping: the size of its values.
    #[serde(default)]
    pub mapping_value_bytes: Option<u64>,
    /// For a mapping of mappings: the size of the inner values.
    #[serde(default)]
    pub nested_value_bytes: Option<u64>,
}

/// Why the layouts could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    /// The file is not the generator's format.
    #[error("bindings/layouts/storage.json does not parse (run `make bindings`): {0}")]
    Parse(String),
    /// No layout for this contract.
    #[error("no storage layout for contract {0} in bindings/layouts/storage.json")]
    Unknown(String),
}

/// Every deployed contract's storage variables, by contract name.
pub fn all() -> Result<&'static BTreeMap<String, Vec<Variable>>, &'static LayoutError> {
    static LAYOUTS: OnceLock<Result<BTreeMap<String, Vec<Variable>>, LayoutError>> =
        OnceLock::new();
    LAYOUTS
        .get_or_init(|| {
            serde_json::from_str(STORAGE_JSON).map_err(|e| LayoutError::Parse(e.to_string()))
        })
        .as_ref()
}

/// The storage variables of contract `name`.
pub fn of(name: &str) -> Result<&'static [Variable], LayoutError> {
    match all() {
        Ok(layouts) => layouts
            .get(name)
            .map(Vec::as_slice)
            .ok_or_else(|| LayoutError::Unknown(name.to_string())),
        Err(LayoutError::Parse(e)) => Err(LayoutError::Parse(e.clone())),
        Err(LayoutError::Unknown(n)) => Err(LayoutError::Unknown(n.clone())),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_generated_layouts_load() {
        let all = super::all().unwrap();
        assert!(
            all["BondingManager"]
                .iter()
                .any(|v| v.label == "_delegators")
        );
        assert!(super::of("DisputeManager").is_ok());
        assert!(super::of("NoSuchContract").is_err());
    }
}
