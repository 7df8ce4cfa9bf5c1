//! Where a proposal's calls come from: a proposal made on the governor (its `ProposalCreated`
//! event, read from the suite's deployment block), the governor's `propose(...)` calldata, or
//! calls given one by one.

use alloy::{
    primitives::{Address, U256},
    providers::Provider,
    rpc::types::Filter,
    sol_types::{SolCall, SolEvent},
};
use anyhow::{Context as _, Result, bail, ensure};
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
    let filter = Filter::new()
        .address(governor)
        .event_signature(LivepeerGovernor::ProposalCreated::SIGNATURE_HASH)
        .from_block(from_block)
        .to_block(to_block);
    let logs = provider
        .get_logs(&filter)
        .await
        .context("reading the governor's ProposalCreated events")?;
    for log in logs {
        let Ok(created) = LivepeerGovernor::ProposalCreated::decode_log(&log.inner) else {
            continue;
        };
        if created.proposalId == proposal_id {
            let p = created.data;
            return Ok(Proposal {
                calls: zip_calls(&p.targets, &p.values, &p.calldatas)
                    .with_context(|| format!("proposal {proposal_id}"))?,
                description: p.description,
            });
        }
    }
    bail!(
        "the governor {governor} has no proposal {proposal_id} in blocks {from_block} to {to_block}"
    )
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
