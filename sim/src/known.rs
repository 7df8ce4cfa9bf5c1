//! The suite's contracts as the simulator knows them (located by the deployment, `suite.rs`), with their
//! storage layouts (`bindings::layouts`, from solc's `storageLayout` in the bindings' compile) and their parameterless
//! views (from the generated bindings' ABIs), to name storage slots and read parameters.

use alloy::{
    json_abi::{Function, JsonAbi},
    primitives::{Address, Bytes, U256},
};
use std::sync::OnceLock;

use bindings::layouts::{self, LayoutError, Variable};
use serde::Deserialize;

/// A protocol contract kind.
pub struct Kind {
    pub name: &'static str,
    deployed: &'static Bytes,
    abi_json: &'static str,
    parsed: OnceLock<JsonAbi>,
}

macro_rules! kinds {
    ($($name:ident),+ $(,)?) => {
        [$(Kind {
            name: stringify!($name),
            deployed: &bindings::$name::DEPLOYED_BYTECODE,
            abi_json: include_str!(concat!("../../bindings/artifacts/", stringify!($name), ".json")),
            parsed: OnceLock::new(),
        }),+]
    };
}

/// Every deployable contract of the suite.
pub static KINDS: [Kind; 14] = kinds!(
    AccessManager,
    LivepeerToken,
    Minter,
    RoundsManager,
    BondingManager,
    BondingLens,
    TicketBroker,
    CapabilityRegistry,
    Reputation,
    DisputeManager,
    BondingVotes,
    TimelockController,
    LivepeerGovernor,
    ProofGame,
);

/// A kind by name.
pub fn kind(name: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.name == name)
}

impl Kind {
    /// The length of the deployed code (immutables are filled in place, so a deployment has it too).
    pub fn deployed_len(&self) -> usize {
        self.deployed.len()
    }

    /// The parameterless views returning one static value: the contract's parameters and totals.
    pub fn getters(&self) -> Vec<Function> {
        let mut getters: Vec<Function> = self
            .abi()
            .functions()
            .filter(|f| {
                f.inputs.is_empty()
                    && f.outputs.len() == 1
                    && matches!(
                        f.state_mutability,
                        alloy::json_abi::StateMutability::View
                            | alloy::json_abi::StateMutability::Pure
                    )
                    && is_word(&f.outputs[0].ty)
            })
            .cloned()
            .collect();
        getters.sort_by(|a, b| a.name.cmp(&b.name));
        getters
    }

    /// The contract's ABI (from its generated artifact, parsed once).
    pub fn abi(&self) -> &JsonAbi {
        self.parsed.get_or_init(|| abi(self.abi_json))
    }

    /// The storage variables of this contract (`bindings/layouts/storage.json`, generated with
    /// the bindings); an error names a contract the generated layouts lack.
    pub fn layout(&self) -> Result<&'static [Variable], LayoutError> {
        layouts::of(self.name)
    }
}

/// The ABI of a generated artifact (compiled in: one that does not parse is a build defect).
fn abi(json: &str) -> JsonAbi {
    #[derive(Deserialize)]
    struct Artifact {
        abi: JsonAbi,
    }
    serde_json::from_str::<Artifact>(json)
        .map(|a| a.abi)
        .unwrap_or_else(|e| {
            panic!("a generated artifact in bindings/artifacts does not parse: {e}")
        })
}

fn is_word(ty: &str) -> bool {
    ty == "address"
        || ty == "bool"
        || ty == "bytes32"
        || ty.starts_with("uint")
        || ty.starts_with("int")
}

/// A 32-byte return word in the words of its ABI type.
pub fn format_word(ty: &str, word: &[u8]) -> String {
    if word.len() < 32 {
        return format!("0x{}", alloy::hex::encode(word));
    }
    let w = &word[..32];
    match ty {
        "address" => Address::from_slice(&w[12..]).to_string(),
        "bool" => (w[31] != 0).to_string(),
        "bytes32" => format!("0x{}", alloy::hex::encode(w)),
        t if t.starts_with("uint") => U256::from_be_slice(w).to_string(),
        t if t.starts_with("int") => {
            alloy::primitives::I256::from_raw(U256::from_be_slice(w)).to_string()
        }
        _ => format!("0x{}", alloy::hex::encode(w)),
    }
}
