//! The devnet's governance chapter: a treasury grant proposed by an orchestrator, shown as the
//! auditor's `sim proposal` report, voted for by two orchestrators with one's delegator overriding
//! it, queued in the timelock and executed. Times are read from the governor (its clock, snapshot
//! and deadline, in whatever unit `CLOCK_MODE` says) and the timelock (its delay), never assumed.

use alloy::{
    primitives::{Bytes, U256},
    providers::{DynProvider, ext::AnvilApi},
    sol_types::{SolCall, SolEvent},
};
use anyhow::{Context, bail};
use bindings::{
    AccessManager, LPT, LivepeerGovernor, LivepeerToken, TimelockController,
    enums::VoteType,
    governance::{description_hash, state_name},
    roles,
};

use super::{
    audit,
    story::{Cast, describe, lpt, step},
};
use crate::send;

/// OpenZeppelin's `IGovernor.ProposalState` values the chapter waits for.
const ACTIVE: u8 = 1;
const SUCCEEDED: u8 = 4;
/// Rounds (or clock steps) the chapter may wait for a state before it gives up.
const MAX_STEPS: usize = 64;

/// Who takes part: the proposer and a second orchestrator (account indexes), the proposer's
/// delegator (who overrides it), and the grant's recipient.
pub struct Voters {
    pub proposer: (usize, &'static str),
    pub second: (usize, &'static str),
    pub delegator: usize,
    pub grantee: usize,
}

pub async fn tell(cast: &mut Cast, who: Voters) -> anyhow::Result<()> {
    step(
        "governance: a treasury grant proposed, audited, voted (a delegator overrides), queued, executed",
    );
    let d = cast.world.d;
    let admin = cast.world.admin();
    let treasury = LPT * U256::from(5_000);
    let grant = LPT * U256::from(1_000);
    let grantee = cast.world.address(who.grantee);
    send!(LivepeerToken::new(d.token, &admin).transfer(d.timelock, treasury));
    // Production hands the authority's admin to the timelock; the devnet's admin keeps it (it
    // approves verifiers) and shares it with the timelock, so governance holds what it would.
    send!(AccessManager::new(d.manager, &admin).grantRole(roles::ADMIN, d.timelock, 0));
    println!(
        "  the treasury (timelock {}) holds {} LPT and the authority's ADMIN role",
        d.timelock,
        lpt(treasury)
    );

    let proposer = cast.world.wallet(who.proposer.0);
    let governor = LivepeerGovernor::new(d.governor, &proposer);
    let description = format!("Grant {} LPT from the treasury to {grantee}", lpt(grant));
    let data: Bytes = LivepeerToken::transferCall {
        to: grantee,
        value: grant,
    }
    .abi_encode()
    .into();
    let receipt = send!(governor.propose(
        vec![d.token],
        vec![U256::ZERO],
        vec![data],
        description.clone()
    ));
    let created = receipt
        .inner
        .logs()
        .iter()
        .find_map(|l| LivepeerGovernor::ProposalCreated::decode_log(&l.inner).ok())
        .context("propose emitted no ProposalCreated")?;
    let id = created.proposalId;
    let mode = governor.CLOCK_MODE().call().await?;
    println!("  {} proposes \"{description}\"", who.proposer.1);
    println!(
        "  proposal {id}: snapshot {}, voting ends at {} ({mode}; clock now {})",
        governor.proposalSnapshot(id).call().await?,
        governor.proposalDeadline(id).call().await?,
        governor.clock().call().await?
    );

    println!("\n  the auditor's report (sim proposal), before anyone votes:");
    match audit::proposal_report(&cast.world.url(), d.governor, id).await {
        Ok((report, failed)) => {
            for line in report.lines() {
                println!("  │ {line}");
            }
            println!(
                "  sim proposal: {}",
                if failed {
                    "a check failed (exit 2)"
                } else {
                    "no check failed (exit 0)"
                }
            );
        }
        Err(err) => println!("  sim proposal failed: {err:#}"),
    }

    wait_for(cast, &governor, id, |s| s == ACTIVE, "voting to open").await?;
    let tallies = |label: String| {
        let governor = governor.clone();
        async move {
            let v = governor.proposalVotes(id).call().await?;
            println!(
                "  {label}: for {}, against {}, abstain {}",
                lpt(v.forVotes),
                lpt(v.againstVotes),
                lpt(v.abstainVotes)
            );
            anyhow::Ok(())
        }
    };
    let ballots = [
        (who.proposer.0, who.proposer.1.to_string(), VoteType::For),
        (
            who.delegator,
            format!("{}'s delegator", who.proposer.1),
            VoteType::Against,
        ),
        (who.second.0, who.second.1.to_string(), VoteType::For),
    ];
    for (account, name, support) in ballots {
        let word = match support {
            VoteType::For => "for",
            VoteType::Against => "against",
            _ => "abstain",
        };
        let voter = cast.world.wallet(account);
        let receipt = send!(LivepeerGovernor::new(d.governor, &voter).castVote(id, support as u8));
        let cast_vote = receipt
            .inner
            .logs()
            .iter()
            .find_map(|l| LivepeerGovernor::VoteCast::decode_log(&l.inner).ok())
            .context("castVote emitted no VoteCast")?;
        tallies(format!(
            "{name} votes {word} with {} LPT; tally",
            lpt(cast_vote.weight)
        ))
        .await?;
    }
    println!(
        "  (the delegator's stake left {}'s vote when it voted itself: counted once, against)",
        who.proposer.1
    );

    wait_for(cast, &governor, id, |s| s != ACTIVE, "voting to close").await?;
    let state = governor.state(id).call().await? as u8;
    println!("  voting closed: {}", state_name(state));
    if state != SUCCEEDED {
        bail!("the proposal did not pass: {}", state_name(state));
    }
    // Anyone may queue and execute; a fresh provider each time (a wallet's nonce is cached).
    let anyone = cast.world.wallet(who.grantee);
    let governor = LivepeerGovernor::new(d.governor, &anyone);
    let queue = governor.queue(
        created.targets.clone(),
        created.values.clone(),
        created.calldatas.clone(),
        description_hash(&created),
    );
    send!(queue);
    let delay: u64 = TimelockController::new(d.timelock, &admin)
        .getMinDelay()
        .call()
        .await?
        .to();
    println!(
        "  queued in the timelock; its delay is {delay} s, passed on the devnet by moving time"
    );
    admin.anvil_increase_time(delay + 1).await?;
    admin.anvil_mine(Some(1), None).await?;
    let token = LivepeerToken::new(d.token, &admin);
    let before = token.balanceOf(grantee).call().await?;
    let anyone = cast.world.wallet(who.grantee);
    let governor = LivepeerGovernor::new(d.governor, &anyone);
    send!(governor.execute(
        created.targets.clone(),
        created.values.clone(),
        created.calldatas.clone(),
        description_hash(&created)
    ));
    let after = token.balanceOf(grantee).call().await?;
    println!(
        "  executed: {}; the grantee holds {} → {} LPT, the treasury {} LPT",
        state_name(governor.state(id).call().await? as u8),
        lpt(before),
        lpt(after),
        lpt(token.balanceOf(d.timelock).call().await?)
    );
    Ok(())
}

/// Moves the chain on (the keepers doing each round's duties) until the proposal's state
/// satisfies `done`. One step is a round when the governor counts rounds; in blocks or seconds,
/// one step goes straight past the next timepoint the proposal waits for.
async fn wait_for(
    cast: &mut Cast,
    governor: &LivepeerGovernor::LivepeerGovernorInstance<&DynProvider>,
    id: U256,
    done: impl Fn(u8) -> bool,
    what: &str,
) -> anyhow::Result<()> {
    let admin = cast.world.admin();
    for _ in 0..MAX_STEPS {
        if done(governor.state(id).call().await? as u8) {
            return Ok(());
        }
        let mode = governor.CLOCK_MODE().call().await?;
        let clock: u64 = governor.clock().call().await?.to();
        let snapshot: u64 = governor.proposalSnapshot(id).call().await?.to();
        let deadline: u64 = governor.proposalDeadline(id).call().await?.to();
        let target = if clock <= snapshot {
            snapshot
        } else {
            deadline
        };
        let gap = target.saturating_sub(clock) + 1;
        if mode.contains("blocknumber") {
            admin.anvil_mine(Some(gap), None).await?;
        } else if mode.contains("timestamp") {
            admin.anvil_increase_time(gap).await?;
            admin.anvil_mine(Some(1), None).await?;
        } else {
            let round = cast.world.mine_to_next_round().await?;
            let reports = cast.tick_all().await?;
            println!("  round {round}: {}", describe(&reports));
        }
    }
    bail!("waited {MAX_STEPS} steps for {what}");
}
