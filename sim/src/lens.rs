//! The BondingLens (the BondingManager's views for off-chain readers, over `extsload`) in a
//! simulated chain: created once, from a scratch account nothing else uses, on whatever state the
//! chain holds (the economy's fresh suite or a forked network). Creating it changes no protocol
//! state, so reports taken around it are unaffected.

use alloy::{
    primitives::{Address, address},
    sol_types::SolConstructor,
};
use anyhow::{Context as _, Result};
use bindings::BondingLens;
use revm::{Database, DatabaseCommit};

use crate::evm::Chain;

/// The scratch account that creates the lens (its first creation is the lens).
const LENS_CREATOR: Address = address!("0x00000000000000000000000000000000000b1e45");

/// The BondingLens over `bonding`, created in `chain` on first use.
pub fn bonding_lens<DB: Database + DatabaseCommit>(
    chain: &mut Chain<DB>,
    bonding: Address,
) -> Result<Address> {
    let lens = LENS_CREATOR.create(0);
    if !chain.code(lens)?.is_empty() {
        return Ok(lens);
    }
    let args = BondingLens::constructorCall { bonding_: bonding }.abi_encode();
    let init = [BondingLens::BYTECODE.as_ref(), &args].concat().into();
    chain
        .create(LENS_CREATOR, init)
        .context("creating the BondingLens")
}
