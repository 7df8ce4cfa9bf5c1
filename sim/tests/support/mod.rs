//! What the simulator's anvil tests share: a node and its wallets.
#![allow(dead_code)] // each test binary uses its own subset

use alloy::{
    node_bindings::{Anvil, AnvilInstance},
    providers::{Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use bindings::toolchain;

/// A fresh anvil node from the repo's pinned binary.
pub fn spawn_anvil() -> AnvilInstance {
    Anvil::new()
        .path(toolchain::anvil_bin())
        .try_spawn()
        .expect("anvil starts (run `npm ci` to install it)")
}

/// A provider that signs as anvil's dev account `index`.
pub fn wallet(anvil: &AnvilInstance, index: usize) -> impl Provider + Clone {
    let signer: PrivateKeySigner = anvil.keys()[index].clone().into();
    ProviderBuilder::new()
        .wallet(signer)
        .connect_http(anvil.endpoint_url())
}
