//! The economy's accounts: deterministic addresses (and keys where an actor signs), and what the
//! simulator remembers about each between rounds.

use alloy::primitives::{Address, U256, address, keccak256};
use alloy::signers::local::PrivateKeySigner;

/// The deployer: anvil's first dev account, so a replay on a fresh anvil gets the same addresses.
pub const ADMIN: Address = address!("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266");

/// Calls the permissionless duties (round initialization, the treasury mint).
pub const KEEPER: Address = address!("00000000000000000000000000000000000000ee");

/// A signing key derived from a label (never a real key: the simulator's own actors).
pub fn key(label: &str) -> PrivateKeySigner {
    let mut seed = keccak256(format!("lpt-sim:{label}"));
    loop {
        if let Ok(key) = PrivateKeySigner::from_bytes(&seed) {
            return key;
        }
        seed = keccak256(seed);
    }
}

/// An address derived from a label (for actors that never sign).
pub fn address(label: &str) -> Address {
    Address::from_word(keccak256(format!("lpt-sim:{label}")))
}

/// An orchestrator: bonded to itself, rewards, redeems tickets, signs receipts.
pub struct Orchestrator {
    pub address: Address,
    pub key: PrivateKeySigner,
}

/// An unbonding lock the simulator knows of.
#[derive(Clone, Debug)]
pub struct Lock {
    pub id: U256,
    pub amount: U256,
    pub withdraw_round: u64,
}

/// A delegator of some class.
pub struct Delegator {
    pub address: Address,
    /// Index into the scenario's delegator classes.
    pub class: usize,
    /// The orchestrator it is bonded to.
    pub delegate: Address,
    /// LPT in its wallet.
    pub liquid: U256,
    /// Its open unbonding locks.
    pub locks: Vec<Lock>,
}

/// A broadcaster: pays orchestrators with tickets.
pub struct Broadcaster {
    pub address: Address,
    pub key: PrivateKeySigner,
}

/// What each account put in and took out, for the withdrawal invariant.
#[derive(Clone, Debug, Default)]
pub struct Flows {
    /// LPT bonded from its wallet.
    pub bonded: U256,
    /// LPT unbonded into locks.
    pub unbonded: U256,
    /// LPT withdrawn from locks.
    pub withdrawn: U256,
}
