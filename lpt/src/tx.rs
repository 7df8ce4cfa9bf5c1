//! Sending a call: the node dry-runs it first (gas estimation), so a call that would revert
//! fails here with the revert decoded against the suite's own errors, by name.

use alloy::{
    contract::{CallBuilder, CallDecoder},
    providers::Provider,
    rpc::types::TransactionReceipt,
};
use anyhow::{Context, bail};
use bindings::{ProtocolError, Revert, bonding_manager::BondingManager::BondingManagerErrors};

use crate::units;

/// Sends `call` ("what" names it in errors), waits for its receipt and insists on success.
pub async fn send<P: Provider, D: CallDecoder>(
    what: &str,
    call: CallBuilder<P, D>,
) -> anyhow::Result<TransactionReceipt> {
    let pending = match call.send().await {
        Ok(pending) => pending,
        Err(err) => return Err(explain(what, err)),
    };
    let hash = *pending.tx_hash();
    let receipt = pending
        .get_receipt()
        .await
        .with_context(|| format!("waiting for the receipt of {what} ({hash})"))?;
    if !receipt.status() {
        bail!("{what} reverted on chain in transaction {hash}");
    }
    Ok(receipt)
}

/// A failed call in words: the decoded revert when it reverted, else the node's error.
pub fn explain(what: &str, err: alloy::contract::Error) -> anyhow::Error {
    if let Some(data) = err.as_revert_data() {
        let revert = Revert::decode(&data);
        return match hint(&revert) {
            Some(hint) => anyhow::anyhow!("{what} reverted: {revert}: {hint}"),
            None => anyhow::anyhow!("{what} reverted: {revert}"),
        };
    }
    if let alloy::contract::Error::TransportError(rpc) = &err
        && let Some(resp) = rpc.as_error_resp()
        && resp.message.contains("revert")
    {
        return anyhow::anyhow!("{what} reverted: {}", resp.message);
    }
    anyhow::anyhow!("{what} failed: {err}")
}

/// The amounts of the reverts a delegator meets most, in LPT and ETH rather than wei.
fn hint(revert: &Revert) -> Option<String> {
    match revert.protocol()? {
        ProtocolError::BondingManager(BondingManagerErrors::UnbondExceedsStake(e)) => {
            Some(format!(
                "{} asked, {} bonded",
                units::show(e.amount, "LPT"),
                units::show(e.stake, "LPT")
            ))
        }
        ProtocolError::BondingManager(BondingManagerErrors::InsufficientFees(e)) => Some(format!(
            "{} asked, {} claimable",
            units::show(e.amount, "ETH"),
            units::show(e.fees, "ETH")
        )),
        ProtocolError::BondingManager(BondingManagerErrors::LockNotWithdrawable(e)) => Some(
            format!("lock {} matures at round {}", e.lockId, e.withdrawRound),
        ),
        _ => None,
    }
}
