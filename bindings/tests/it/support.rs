//! What the bindings' anvil tests share beyond `testkit`: bonding an account.

use alloy::{
    node_bindings::AnvilInstance, primitives::Address, primitives::U256, providers::Provider,
};
use bindings::{BondingManager, Deployment, LivepeerToken, no_hints};
use testkit::{send, wallet};

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
