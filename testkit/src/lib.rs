//! What the integration tests of `bindings`, `keeper` and `sim` share: a fresh anvil node under
//! the test's deadline, its dev accounts as signers and wallets, moving to the next round, and
//! [`send!`] (send a call, wait for its receipt, insist that it succeeded).

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use alloy::{
    node_bindings::AnvilInstance,
    primitives::Address,
    providers::{Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use bindings::{
    RoundsManager,
    deadline::{WatchedAnvil, anvil_for_this_test},
    devchain::mine_to_round_end,
};

/// Sends a contract call, waits for its receipt and asserts that it succeeded (a test's panic).
#[macro_export]
macro_rules! send {
    ($call:expr) => {{
        let receipt = $call.send().await.unwrap().get_receipt().await.unwrap();
        assert!(
            receipt.status(),
            "transaction reverted: {}",
            stringify!($call)
        );
        receipt
    }};
}

/// How long one anvil test may run before it is killed and fails (CI must never hang on one).
pub const TEST_DEADLINE: Duration = Duration::from_secs(300);

/// A fresh anvil node from the repo's pinned binary, under [`TEST_DEADLINE`].
pub fn spawn_anvil() -> WatchedAnvil {
    anvil_for_this_test(TEST_DEADLINE)
}

/// Anvil's dev account `index` as a signer.
pub fn signer(anvil: &AnvilInstance, index: usize) -> PrivateKeySigner {
    anvil.keys()[index].clone().into()
}

/// A provider that signs as anvil's dev account `index`.
pub fn wallet(anvil: &AnvilInstance, index: usize) -> impl Provider + Clone {
    ProviderBuilder::new()
        .wallet(signer(anvil, index))
        .connect_http(anvil.endpoint_url())
}

/// Mines until the next transaction lands on the first block of the next round.
pub async fn mine_to_next_round(provider: &impl Provider, rounds: Address) {
    mine_to_round_end(provider, rounds)
        .await
        .expect("mine to the round's end");
}

/// Mines to the next round and initializes it.
pub async fn next_round(provider: &impl Provider, rounds: Address) {
    mine_to_next_round(provider, rounds).await;
    send!(RoundsManager::new(rounds, provider).initializeRound());
}

/// A fresh, empty directory for one test (`<temp>/<prefix>-<name>-<pid>`), for content stores,
/// keeper stores and outputs.
pub fn temp_dir(prefix: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{prefix}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a test directory");
    dir
}

/// Writes `bytes` into the content-addressed store `dir` under their keccak256 (`0x…` lowercase
/// hex), as the keeper's and the simulator's fetch read them; returns the hash.
pub fn put_content(dir: &Path, bytes: &[u8]) -> alloy::primitives::B256 {
    let hash = alloy::primitives::keccak256(bytes);
    std::fs::write(dir.join(format!("{hash}")), bytes).expect("write to the content store");
    hash
}
