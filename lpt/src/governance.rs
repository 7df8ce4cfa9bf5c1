//! Governance: proposals with their state and tallies, vote, queue and execute. A proposal's
//! actions (what queue and execute must be given again) come from its ProposalCreated event
//! ([`bindings::governance`]). Snapshot and deadline are printed in the governor's own clock
//! (`CLOCK_MODE`), whatever it counts.

use alloy::{
    primitives::{U256, utils::format_units},
    providers::Provider,
};
use anyhow::{Context, bail};
use bindings::{
    LivepeerGovernor,
    LivepeerGovernor::{ProposalCreated, ProposalQueued, VoteCast},
    enums::VoteType,
    governance::{self, description_hash, state_name},
};

use crate::{
    chain::{Chain, Keyed},
    staking::event,
    time::date,
    tx::send,
    units,
};

/// A vote's direction.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Support {
    For,
    Against,
    Abstain,
}

impl Support {
    fn vote_type(self) -> VoteType {
        match self {
            Self::For => VoteType::For,
            Self::Against => VoteType::Against,
            Self::Abstain => VoteType::Abstain,
        }
    }
}

pub async fn list(chain: &Chain) -> anyhow::Result<()> {
    let governor = LivepeerGovernor::new(chain.d.governor, &chain.provider);
    let proposals =
        governance::proposals(&chain.provider, chain.d.governor, chain.from_block, None).await?;
    let clock = governor.clock().call().await?;
    let mode = governor.CLOCK_MODE().call().await?;
    println!(
        "governor {}: clock {clock} ({mode}), {} proposal{}",
        chain.d.governor,
        proposals.len(),
        if proposals.len() == 1 { "" } else { "s" }
    );
    for p in proposals {
        let id = p.proposalId;
        let state = state_name(governor.state(id).call().await? as u8);
        let votes = governor.proposalVotes(id).call().await?;
        let snapshot = governor.proposalSnapshot(id).call().await?;
        let deadline = governor.proposalDeadline(id).call().await?;
        println!("\nproposal {id}: {state}");
        println!("  {}", p.description.lines().next().unwrap_or(""));
        println!("  proposer {}, {} action(s)", p.proposer, p.targets.len());
        println!("  snapshot {snapshot}, voting ends at {deadline} (clock now {clock})");
        let quorum = if snapshot < U256::from(clock) {
            governor
                .quorum(snapshot)
                .call()
                .await
                .map(|q| units::show(q, "LPT"))
                .unwrap_or_else(|_| "?".into())
        } else {
            "set at the snapshot".into()
        };
        println!(
            "  for {}, against {}, abstain {}; quorum {quorum}",
            units::show(votes.forVotes, "LPT"),
            units::show(votes.againstVotes, "LPT"),
            units::show(votes.abstainVotes, "LPT")
        );
        let eta = governor.proposalEta(id).call().await?;
        if !eta.is_zero() {
            println!("  executable from {}", date(eta.to()));
        }
    }
    Ok(())
}

pub async fn vote(
    k: &Keyed,
    id: U256,
    support: Support,
    reason: Option<String>,
) -> anyhow::Result<()> {
    let governor = LivepeerGovernor::new(k.chain.d.governor, &k.wallet);
    let support = support.vote_type() as u8;
    let receipt = match reason {
        Some(reason) => {
            send(
                "castVoteWithReason",
                governor.castVoteWithReason(id, support, reason),
            )
            .await?
        }
        None => send("castVote", governor.castVote(id, support)).await?,
    };
    let cast = event::<VoteCast>(&receipt)?;
    let name = match VoteType::try_from(cast.support) {
        Ok(VoteType::For) => "for",
        Ok(VoteType::Against) => "against",
        _ => "abstain",
    };
    println!(
        "{} voted {name} proposal {id} with {}",
        cast.voter,
        units::show(cast.weight, "LPT")
    );
    Ok(())
}

pub async fn queue(k: &Keyed, id: U256) -> anyhow::Result<()> {
    let p = created(&k.chain, id).await?;
    let governor = LivepeerGovernor::new(k.chain.d.governor, &k.wallet);
    let receipt = send(
        "queue",
        governor.queue(
            p.targets.clone(),
            p.values.clone(),
            p.calldatas.clone(),
            description_hash(&p),
        ),
    )
    .await?;
    let queued = event::<ProposalQueued>(&receipt)?;
    println!(
        "queued proposal {id}: executable from {}",
        date(queued.etaSeconds.to())
    );
    Ok(())
}

pub async fn execute(k: &Keyed, id: U256) -> anyhow::Result<()> {
    let p = created(&k.chain, id).await?;
    let governor = LivepeerGovernor::new(k.chain.d.governor, &k.wallet);
    let eta: u64 = governor.proposalEta(id).call().await?.to();
    let now = k
        .wallet
        .get_block_by_number(Default::default())
        .await?
        .context("the node has no latest block")?
        .header
        .timestamp;
    if eta != 0 && now < eta {
        bail!(
            "proposal {id} is queued; the timelock delay ends at {} (the chain's time is {})",
            date(eta),
            date(now)
        );
    }
    let value = p.values.iter().fold(U256::ZERO, |a, v| a + *v);
    send(
        "execute",
        governor.execute(
            p.targets.clone(),
            p.values.clone(),
            p.calldatas.clone(),
            description_hash(&p),
        ),
    )
    .await?;
    println!(
        "executed proposal {id}: {} action(s), {} ETH sent by the timelock",
        p.targets.len(),
        format_units(value, 18).unwrap_or_default()
    );
    Ok(())
}

async fn created(chain: &Chain, id: U256) -> anyhow::Result<ProposalCreated> {
    Ok(governance::proposal(
        &chain.provider,
        chain.d.governor,
        id,
        chain.from_block,
        None,
    )
    .await?)
}
