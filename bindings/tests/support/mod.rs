//! What the anvil integration tests share: a node, wallets, rounds, and bonding an account.
#![allow(dead_code)] // each test binary uses its own subset

use std::time::Duration;

use alloy::{
    node_bindings::AnvilInstance,
    primitives::{Address, U256},
    providers::{Provider, ProviderBuilder, ext::AnvilApi},
    signers::local::PrivateKeySigner,
};
use bindings::{
    BondingManager, Deployment, LivepeerToken, RoundsManager,
    bonding_manager::IBondingManager::Hints,
    deadline::{WatchedAnvil, anvil_for_this_test},
};

/// Sends a contract call, waits for its receipt and insists that it succeeded.
macro_rules! send {
    ($call:expr) => {{
        let receipt = $call.send().await.unwrap().get_receipt().await.unwrap();
        assert!(receipt.status(), "transaction reverted");
        receipt
    }};
}
#[allow(unused_imports)] // each test binary uses its own subset
pub(crate) use send;

/// How long one anvil test may run before it is killed and fails (CI must never hang on one).
pub const TEST_DEADLINE: Duration = Duration::from_secs(300);

/// A fresh anvil node from the repo's pinned binary, under the test's deadline.
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

/// No hints: the active set walks to the position itself.
pub fn no_hints() -> Hints {
    Hints {
        oldPrev: Address::ZERO,
        oldNext: Address::ZERO,
        newPrev: Address::ZERO,
        newNext: Address::ZERO,
    }
}

/// Mines until the next transaction lands on the first block of the next round.
pub async fn mine_to_next_round(provider: &impl Provider, rounds: Address) {
    let rounds = RoundsManager::new(rounds, provider);
    let start = rounds
        .currentRoundStartBlock()
        .call()
        .await
        .unwrap()
        .to::<u64>();
    let length = rounds.roundLength().call().await.unwrap().to::<u64>();
    let head = provider.get_block_number().await.unwrap();
    let target = start + length - 1;
    if target > head {
        provider
            .anvil_mine(Some(target - head), None)
            .await
            .unwrap();
    }
}

/// Mines to the next round and initializes it.
pub async fn next_round(provider: &impl Provider, rounds: Address) {
    mine_to_next_round(provider, rounds).await;
    send!(RoundsManager::new(rounds, provider).initializeRound());
}

/// Sends `amount` LPT from `funder` to anvil account `key`, which bonds it to `to`; when `to` is
/// the account itself it first registers as an orchestrator with `(reward_cut, fee_share)` (ppm).
pub async fn bond(
    funder: &impl Provider,
    anvil: &AnvilInstance,
    d: &Deployment,
    key: usize,
    to: Address,
    amount: U256,
    cuts: (u64, u64),
) {
    let account = anvil.addresses()[key];
    send!(LivepeerToken::new(d.token, funder).transfer(account, amount));
    let provider = wallet(anvil, key);
    send!(LivepeerToken::new(d.token, &provider).approve(d.bonding, amount));
    let bonding = BondingManager::new(d.bonding, &provider);
    if to == account {
        let (reward_cut, fee_share) = cuts;
        send!(bonding.registerOrchestrator(U256::from(reward_cut), U256::from(fee_share)));
    }
    send!(bonding.bond(amount, to, no_hints()));
}
