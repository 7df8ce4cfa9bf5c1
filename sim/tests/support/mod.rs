//! What the simulator's anvil tests share: a node and its wallets.
#![allow(dead_code)] // each test binary uses its own subset

use std::time::Duration;

use alloy::{
    node_bindings::AnvilInstance,
    primitives::Address,
    providers::{Provider, ProviderBuilder, ext::AnvilApi},
    signers::local::PrivateKeySigner,
};
use bindings::{
    RoundsManager,
    deadline::{WatchedAnvil, anvil_for_this_test},
};

/// Sends a contract call, waits for its receipt and asserts it succeeded.
macro_rules! send {
    ($call:expr) => {{
        let receipt = $call.send().await.unwrap().get_receipt().await.unwrap();
        assert!(receipt.status(), "transaction reverted");
        receipt
    }};
}
#[allow(unused_imports)] // each test binary uses its own subset
pub(crate) use send;

/// Mines to the last block before the next round starts and initializes that round.
pub async fn next_round(provider: &impl Provider, rounds: Address) {
    let r = RoundsManager::new(rounds, provider);
    let start = r.currentRoundStartBlock().call().await.unwrap().to::<u64>();
    let length = r.roundLength().call().await.unwrap().to::<u64>();
    let head = provider.get_block_number().await.unwrap();
    let target = start + length - 1;
    if target > head {
        provider
            .anvil_mine(Some(target - head), None)
            .await
            .unwrap();
    }
    send!(r.initializeRound());
}

/// How long one anvil test may run before it is killed and fails (CI must never hang on one).
pub const TEST_DEADLINE: Duration = Duration::from_secs(300);

/// A fresh anvil node from the repo's pinned binary, under the test's deadline.
pub fn spawn_anvil() -> WatchedAnvil {
    anvil_for_this_test(TEST_DEADLINE)
}

/// A provider that signs as anvil's dev account `index`.
pub fn wallet(anvil: &AnvilInstance, index: usize) -> impl Provider + Clone {
    let signer: PrivateKeySigner = anvil.keys()[index].clone().into();
    ProviderBuilder::new()
        .wallet(signer)
        .connect_http(anvil.endpoint_url())
}
