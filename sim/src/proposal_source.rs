//! Where a proposal's calls come from: a proposal made on the governor (its `ProposalCreated`
//! event, read from the suite's deployment block), the governor's `propose(...)` calldata, or
//! calls given one by one.

use alloy::{
    primitives::{Address, U256},
    providers::Provider,
    sol_types::SolCall,
};
use anyhow::{Context as _, Result, ensure};
use bindings::LivepeerGovernor;

use crate::{governance::Proposal, proposal::Call};

/// The description given to a proposal passed as bare calls (its id depends on it).
pub const SIMULATED_DESCRIPTION: &str = "Simulated by `sim proposal`";

/// The proposal to simulate.
#[derive(Clone, Debug)]
pub enum Source {
    /// A proposal made on the governor.
    Id(U256),
    /// A proposal not yet made: the governor's `propose(...)` calldata.
    Calldata(alloy::primitives::Bytes),
    /// A proposal not yet made, call by call (described as [`SIMULATED_DESCRIPTION`]).
    Calls(Vec<Call>),
}

fn zip_calls(
    targets: &[Address],
    values: &[U256],
    calldatas: &[alloy::primitives::Bytes],
) -> Result<Vec<Call>> {
    ensure!(
        targets.len() == values.len() && targets.len() == calldatas.len(),
        "mismatched targets ({}), values ({}) and calldatas ({})",
        targets.len(),
        values.len(),
        calldatas.len()
    );
    Ok(targets
        .iter()
        .zip(values)
        .zip(calldatas)
        .map(|((t, v), d)| Call {
            target: *t,
            value: *v,
            data: d.clone(),
        })
        .collect())
}

/// A made proposal, from its `ProposalCreated` event between `from_block` and `to_block`.
pub async fn made_proposal(
    provider: &impl Provider,
    governor: Address,
    proposal_id: U256,
    from_block: u64,
    to_block: u64,
) -> Result<Proposal> {
    let p =
        bindings::governance::proposal(provider, governor, proposal_id, from_block, Some(to_block))
            .await
            .with_context(|| format!("in blocks {from_block} to {to_block}"))?;
    Ok(Proposal {
        calls: zip_calls(&p.targets, &p.values, &p.calldatas)
            .with_context(|| format!("proposal {proposal_id}"))?,
        description: p.description,
    })
}

/// A proposal not yet made, from the governor's `propose(...)` calldata.
pub fn from_calldata(data: &[u8]) -> Result<Proposal> {
    let p = LivepeerGovernor::proposeCall::abi_decode(data).context(
        "--calldata is not the governor's propose(address[],uint256[],bytes[],string) calldata",
    )?;
    Ok(Proposal {
        calls: zip_calls(&p.targets, &p.values, &p.calldatas).context("--calldata")?,
        description: p.description,
    })
}
