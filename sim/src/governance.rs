//! Carries a proposal through the governor on the fork, the way it would pass: proposed by the
//! voter with the most votes (when not yet made), voted for by the active orchestrators, queued
//! and, once the timelock's delay is over, handed to `Governor.execute` by an account without
//! privileges. Every rule is the contracts' own (threshold, quorum, quota, timelock delay), and
//! the clock is read from the governor (`clock()`, `proposalSnapshot`, `proposalDeadline`,
//! `proposalEta`), whether it counts rounds, blocks or seconds: moving it only moves the block
//! number and timestamp. Impersonating voters was chosen over writing the governor's and the
//! timelock's private storage: it needs no knowledge of their layouts and is the path anvil takes.

use alloy::{
    primitives::{Address, B256, Bytes, U256, address, keccak256},
    sol_types::SolCall,
};
use anyhow::{Context as _, Result, bail, ensure};
use bindings::{BondingManager, Deployment, LivepeerGovernor, RoundsManager};
use revm::{Database, DatabaseCommit};
use serde::Serialize;

use crate::{
    evm::{Chain, SuppliedBlockHashes},
    proposal::Call,
};

/// The account that calls `propose` for nobody in particular, `queue` and `execute`: anyone may.
pub const EXECUTOR: Address = address!("0x00000000000000000000000000000000005e1a00");

/// Seconds per block while the simulator moves the clock (a node's usual block time).
const BLOCK_TIME: u64 = 12;

/// A proposal as the governor hashes it.
#[derive(Clone, Debug)]
pub struct Proposal {
    pub calls: Vec<Call>,
    pub description: String,
}

impl Proposal {
    fn targets(&self) -> Vec<Address> {
        self.calls.iter().map(|c| c.target).collect()
    }
    fn values(&self) -> Vec<U256> {
        self.calls.iter().map(|c| c.value).collect()
    }
    fn calldatas(&self) -> Vec<Bytes> {
        self.calls.iter().map(|c| c.data.clone()).collect()
    }
    pub fn description_hash(&self) -> B256 {
        keccak256(self.description.as_bytes())
    }

    /// The governor's `execute(...)` calldata for this proposal.
    pub fn execute_calldata(&self) -> Bytes {
        LivepeerGovernor::executeCall {
            targets: self.targets(),
            values: self.values(),
            calldatas: self.calldatas(),
            descriptionHash: self.description_hash(),
        }
        .abi_encode()
        .into()
    }
}

/// One step the simulator took to bring the proposal to execution.
#[derive(Clone, Debug, Serialize)]
pub struct Stage {
    pub what: String,
    pub block: u64,
    /// Unix seconds.
    pub timestamp: u64,
}

fn state<DB: Database + DatabaseCommit>(
    chain: &mut Chain<DB>,
    governor: Address,
    id: U256,
) -> Result<&'static str> {
    let s = chain.view(governor, LivepeerGovernor::stateCall { proposalId: id })?;
    Ok(bindings::governance::state_name(s))
}

/// Moves the block clock forward until the governor's `clock()` is past `timepoint`.
fn advance_past<DB: Database + DatabaseCommit>(
    chain: &mut Chain<DB>,
    governor: Address,
    timepoint: U256,
) -> Result<()> {
    let (block, timestamp) = (chain.block_number(), chain.timestamp());
    let at = |chain: &mut Chain<DB>, b: u64| -> Result<bool> {
        chain.set_block(b, timestamp + BLOCK_TIME * (b - block));
        let now = chain.view(governor, LivepeerGovernor::clockCall {})?;
        Ok(U256::from(now) > timepoint)
    };
    if at(chain, block)? {
        return Ok(());
    }
    // Double until past, then bisect: the first block whose clock is past `timepoint`.
    let (mut before, mut past) = (block, block + 1);
    while !at(chain, past)? {
        ensure!(
            past - block < 1 << 40,
            "the governor's clock never passes {timepoint}"
        );
        before = past;
        past = block + 2 * (past - block);
    }
    while past - before > 1 {
        let mid = before + (past - before) / 2;
        if at(chain, mid)? {
            past = mid;
        } else {
            before = mid;
        }
    }
    at(chain, past)?;
    Ok(())
}

fn stage<DB: Database + DatabaseCommit>(chain: &Chain<DB>, what: String) -> Stage {
    Stage {
        what,
        block: chain.block_number(),
        timestamp: chain.timestamp(),
    }
}

/// Brings `proposal` on `governor` to the point where `Governor.execute` may run: returns its id
/// and the steps taken. A proposal that is already executed, canceled, defeated or expired is an
/// error, as is one the active orchestrators cannot pass.
pub fn bring_to_execution<DB: Database + DatabaseCommit + SuppliedBlockHashes>(
    chain: &mut Chain<DB>,
    d: &Deployment,
    proposal: &Proposal,
) -> Result<(U256, Vec<Stage>)> {
    let (governor, bonding) = (d.governor, d.bonding);
    let start = chain.block_number();
    let (targets, values, calldatas) =
        (proposal.targets(), proposal.values(), proposal.calldatas());
    let id = chain.view(
        governor,
        LivepeerGovernor::hashProposalCall {
            targets: targets.clone(),
            values: values.clone(),
            calldatas: calldatas.clone(),
            descriptionHash: proposal.description_hash(),
        },
    )?;
    let mut stages = Vec::new();
    let snapshot = chain.view(
        governor,
        LivepeerGovernor::proposalSnapshotCall { proposalId: id },
    )?;
    if snapshot.is_zero() {
        let proposer = proposer(chain, governor, bonding)?;
        chain
            .send(
                proposer,
                governor,
                LivepeerGovernor::proposeCall {
                    targets: targets.clone(),
                    values: values.clone(),
                    calldatas: calldatas.clone(),
                    description: proposal.description.clone(),
                },
            )
            .context("proposing")?;
        stages.push(stage(
            chain,
            format!("proposed by {proposer}, the voter with the most votes"),
        ));
    }
    loop {
        match state(chain, governor, id)? {
            "pending" => {
                let snapshot = chain.view(
                    governor,
                    LivepeerGovernor::proposalSnapshotCall { proposalId: id },
                )?;
                advance_past(chain, governor, snapshot)?;
                stages.push(stage(
                    chain,
                    format!("voting open (past the snapshot, clock {snapshot})"),
                ));
            }
            "active" => {
                let voters = vote_for(chain, governor, bonding, id)?;
                stages.push(stage(
                    chain,
                    format!("voted for by {voters} active orchestrators not yet voted"),
                ));
                let deadline = chain.view(
                    governor,
                    LivepeerGovernor::proposalDeadlineCall { proposalId: id },
                )?;
                advance_past(chain, governor, deadline)?;
                stages.push(stage(
                    chain,
                    format!("voting closed (past the deadline, clock {deadline})"),
                ));
                let after = state(chain, governor, id)?;
                if after != "succeeded" {
                    bail!(
                        "proposal {id} ends {after} even with every active orchestrator voting for it: it cannot execute"
                    );
                }
            }
            "succeeded" => {
                chain
                    .send(
                        EXECUTOR,
                        governor,
                        LivepeerGovernor::queueCall {
                            targets: targets.clone(),
                            values: values.clone(),
                            calldatas: calldatas.clone(),
                            descriptionHash: proposal.description_hash(),
                        },
                    )
                    .context("queueing")?;
                stages.push(stage(chain, "queued in the timelock".into()));
            }
            "queued" => {
                let eta = chain.view(
                    governor,
                    LivepeerGovernor::proposalEtaCall { proposalId: id },
                )?;
                let eta = u64::try_from(eta).context("the proposal's eta")?;
                let (block, timestamp) = (chain.block_number(), chain.timestamp());
                if eta > timestamp {
                    let blocks = (eta - timestamp).div_ceil(BLOCK_TIME);
                    chain.set_block(block + blocks, timestamp + blocks * BLOCK_TIME);
                    stages.push(stage(chain, "the timelock's delay is over".into()));
                }
                // Where the clock moved, rounds went by: a keeper would have started this one.
                if chain.block_number() != start
                    && !chain.view(d.rounds, RoundsManager::currentRoundInitializedCall {})?
                {
                    // The round keeps its previous block's hash: one the node never made.
                    let previous = chain.block_number() - 1;
                    chain.db_mut().supply_block_hash(previous);
                    chain
                        .send(EXECUTOR, d.rounds, RoundsManager::initializeRoundCall {})
                        .context("initializing the round of the execution")?;
                    stages.push(stage(
                        chain,
                        "the round initialized, as a keeper would".into(),
                    ));
                }
                return Ok((id, stages));
            }
            other => bail!("proposal {id} is {other}: there is nothing to execute"),
        }
    }
}

/// The voter with the most votes at `clock() - 1` (where `propose` reads the threshold): the
/// largest active orchestrator.
fn proposer<DB: Database + DatabaseCommit>(
    chain: &mut Chain<DB>,
    governor: Address,
    bonding: Address,
) -> Result<Address> {
    let clock = chain.view(governor, LivepeerGovernor::clockCall {})?;
    let threshold = chain.view(governor, LivepeerGovernor::proposalThresholdCall {})?;
    let timepoint = U256::from(clock).saturating_sub(U256::ONE);
    let mut best = (EXECUTOR, U256::ZERO);
    for o in chain.view(bonding, BondingManager::activeSetCall {})? {
        let votes = chain
            .view(
                governor,
                LivepeerGovernor::getVotesCall {
                    account: o,
                    timepoint,
                },
            )
            .unwrap_or_default();
        if votes > best.1 {
            best = (o, votes);
        }
    }
    ensure!(
        best.1 >= threshold,
        "no active orchestrator has the proposal threshold of {threshold} wei of votes to propose"
    );
    Ok(best.0)
}

/// Every active orchestrator with votes at the snapshot that has not voted votes for.
fn vote_for<DB: Database + DatabaseCommit>(
    chain: &mut Chain<DB>,
    governor: Address,
    bonding: Address,
    id: U256,
) -> Result<usize> {
    let snapshot = chain.view(
        governor,
        LivepeerGovernor::proposalSnapshotCall { proposalId: id },
    )?;
    let mut voted = 0;
    for o in chain.view(bonding, BondingManager::activeSetCall {})? {
        let votes = chain.view(
            governor,
            LivepeerGovernor::getVotesCall {
                account: o,
                timepoint: snapshot,
            },
        )?;
        let has = chain.view(
            governor,
            LivepeerGovernor::hasVotedCall {
                proposalId: id,
                account: o,
            },
        )?;
        if votes.is_zero() || has {
            continue;
        }
        chain
            .send(
                o,
                governor,
                LivepeerGovernor::castVoteCall {
                    proposalId: id,
                    support: 1,
                },
            )
            .with_context(|| format!("{o} voting for"))?;
        voted += 1;
    }
    Ok(voted)
}
