//! Governance as its clients read it: a proposal's actions from its `ProposalCreated` event (what
//! `queue` and `execute` must be given again), and the state names of OpenZeppelin's Governor.

use alloy::{
    primitives::{Address, B256, U256, keccak256},
    providers::Provider,
    rpc::types::Filter,
    sol_types::SolEvent,
};

use crate::LivepeerGovernor::ProposalCreated;

/// Why a proposal could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ProposalError {
    #[error("reading the governor's ProposalCreated events: {0}")]
    Logs(#[from] alloy::transports::TransportError),
    #[error("the governor {governor} has no proposal {id}")]
    Unknown { governor: Address, id: U256 },
}

/// Every proposal `governor` has created since `from_block` (its deployment block, or 0) and up
/// to `to_block` (the latest when `None`), in order.
pub async fn proposals(
    provider: &impl Provider,
    governor: Address,
    from_block: u64,
    to_block: Option<u64>,
) -> Result<Vec<ProposalCreated>, ProposalError> {
    let mut filter = Filter::new()
        .address(governor)
        .event_signature(ProposalCreated::SIGNATURE_HASH)
        .from_block(from_block);
    if let Some(to) = to_block {
        filter = filter.to_block(to);
    }
    let logs = provider.get_logs(&filter).await?;
    Ok(logs
        .iter()
        .filter_map(|log| ProposalCreated::decode_log(&log.inner).ok())
        .map(|log| log.data)
        .collect())
}

/// Proposal `id` of `governor`, as created (between `from_block` and `to_block`).
pub async fn proposal(
    provider: &impl Provider,
    governor: Address,
    id: U256,
    from_block: u64,
    to_block: Option<u64>,
) -> Result<ProposalCreated, ProposalError> {
    proposals(provider, governor, from_block, to_block)
        .await?
        .into_iter()
        .find(|p| p.proposalId == id)
        .ok_or(ProposalError::Unknown { governor, id })
}

/// The description hash `queue` and `execute` take.
pub fn description_hash(proposal: &ProposalCreated) -> B256 {
    keccak256(proposal.description.as_bytes())
}

/// The name of a `state(proposalId)` value: OpenZeppelin's `IGovernor.ProposalState`, whose
/// variant names the ABI does not carry (so they are not among the generated enums).
pub fn state_name(state: u8) -> &'static str {
    match state {
        0 => "pending",
        1 => "active",
        2 => "canceled",
        3 => "defeated",
        4 => "succeeded",
        5 => "queued",
        6 => "expired",
        7 => "executed",
        _ => "unknown",
    }
}
