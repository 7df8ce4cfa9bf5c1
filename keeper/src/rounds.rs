//! The round's duties: initialize it if nobody has, then call `reward` for every served
//! orchestrator that is active and not yet rewarded. Reads are batched (one JSON-RPC request
//! per kind of read), dry runs are batched, and the rewards go out in one batch with
//! consecutive nonces: a round of N orchestrators costs a handful of HTTP requests, not N.

use alloy::{primitives::Address, providers::Provider, sol_types::SolCall};
use bindings::{
    BondingManager, ProtocolError, RoundsManager,
    bonding_manager::BondingManager::BondingManagerErrors,
};
use tracing::{debug, info, warn};

use crate::{
    config::Served,
    keeper::Keeper,
    rpc::{call, call_many},
    txs::{Action, Outcome},
};

/// What the round duties did this tick.
#[derive(Clone, Debug, Default)]
pub struct RoundReport {
    pub round: u64,
    /// This keeper initialized the round.
    pub initialized: bool,
    /// Orchestrators this keeper rewarded.
    pub rewarded: Vec<Address>,
    /// Served orchestrators rewarded before (by themselves or another keeper).
    pub already_rewarded: usize,
    /// Which those were (for the operator's view and the last-rewarded metric).
    pub already: Vec<Address>,
    /// Served orchestrators not in this round's active set.
    pub inactive: usize,
    /// Rewards that did not land, with why.
    pub failed: Vec<(Address, String)>,
    /// Every duty of the round is done (initialized, every served orchestrator rewarded or
    /// inactive): nothing needs reading again before the next round starts.
    pub complete: bool,
}

pub async fn run(k: &mut Keeper) -> anyhow::Result<RoundReport> {
    let rounds = k.addresses.rounds;
    let round: u64 = call(&k.chain, rounds, RoundsManager::currentRoundCall {})
        .await?
        .to();
    let mut report = RoundReport {
        round,
        ..Default::default()
    };
    k.metrics.set(&k.metrics.current_round, round);
    if k.config.rewards.act_after_blocks > 0 {
        let start: u64 = call(
            &k.chain,
            rounds,
            RoundsManager::currentRoundStartBlockCall {},
        )
        .await?
        .to();
        let head = k.chain.get_block_number().await?;
        if head < start + k.config.rewards.act_after_blocks {
            return Ok(report);
        }
    }

    if !call(
        &k.chain,
        rounds,
        RoundsManager::currentRoundInitializedCall {},
    )
    .await?
    {
        let action = Action {
            key: format!("initializeRound:{round}"),
            to: rounds,
            input: RoundsManager::initializeRoundCall {}.abi_encode().into(),
        };
        let wait = k.tx_wait();
        let outcomes = k.txs.submit(&k.store, vec![action], wait).await?;
        match &outcomes[0].1 {
            Outcome::Done(r) => {
                report.initialized = true;
                k.metrics.inc(&k.metrics.rounds_initialized);
                info!(round, gas = r.gas_used, "initialized the round");
            }
            Outcome::NotDue(why) => debug!(round, %why, "round not initialized by us"),
            other => warn!(round, ?other, "initializeRound did not land"),
        }
        if !call(
            &k.chain,
            rounds,
            RoundsManager::currentRoundInitializedCall {},
        )
        .await?
        {
            return Ok(report);
        }
    }
    if !k.config.rewards.enabled {
        report.complete = true;
        return Ok(report);
    }

    let bonding = k.addresses.bonding;
    let served = match &k.config.rewards.orchestrators {
        Served::All => call(&k.chain, bonding, BondingManager::activeSetCall {}).await?,
        Served::List(list) => list.clone(),
    };
    let active = call_many(
        &k.client,
        bonding,
        &served
            .iter()
            .map(|&orchestrator| BondingManager::isActiveOrchestratorCall { orchestrator })
            .collect::<Vec<_>>(),
    )
    .await?;
    let mut actions = Vec::new();
    for (&o, is_active) in served.iter().zip(active) {
        if !is_active {
            report.inactive += 1;
        } else {
            // Rewarded already (by itself or another keeper): the dry run says so
            // (`AlreadyRewarded`) and nothing is sent.
            // No hints: the contract walks from the pool's old place, cheap for a reward's move.
            let input = BondingManager::rewardCall {
                orchestrator: o,
                prevHint: Address::ZERO,
                nextHint: Address::ZERO,
            };
            actions.push(Action {
                key: format!("reward:{round}:{o}"),
                to: bonding,
                input: input.abi_encode().into(),
            });
        }
    }
    let wait = k.tx_wait();
    for (action, outcome) in k.txs.submit(&k.store, actions, wait).await? {
        let orchestrator = action_target(&action.key);
        match outcome {
            Outcome::Done(_) => {
                k.metrics.inc(&k.metrics.rewards_called);
                report.rewarded.push(orchestrator);
            }
            Outcome::NotDue(why)
                if matches!(
                    why.protocol(),
                    Some(ProtocolError::BondingManager(
                        BondingManagerErrors::AlreadyRewarded(_)
                    ))
                ) =>
            {
                report.already_rewarded += 1;
                report.already.push(orchestrator);
            }
            Outcome::NotDue(why) => report.failed.push((orchestrator, why.to_string())),
            Outcome::Reverted(r) => {
                k.metrics.inc(&k.metrics.txs_reverted);
                report.failed.push((
                    orchestrator,
                    format!(
                        "reverted in {} (gas used {})",
                        r.transaction_hash, r.gas_used
                    ),
                ));
            }
            Outcome::Pending => report.failed.push((orchestrator, "still pending".into())),
        }
    }
    if !report.rewarded.is_empty() || !report.failed.is_empty() {
        info!(
            round,
            initialized = report.initialized,
            rewarded = report.rewarded.len(),
            already = report.already_rewarded,
            inactive = report.inactive,
            failed = report.failed.len(),
            "round duties"
        );
    }
    for (o, why) in &report.failed {
        warn!(round, orchestrator = %o, why, "reward did not land");
    }
    report.complete = report.failed.is_empty();
    Ok(report)
}

/// The orchestrator named at the end of a `reward:<round>:<address>` key.
fn action_target(key: &str) -> Address {
    key.rsplit(':')
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or_default()
}

/// The first block of the round after the current one (read once a round's duties are done).
pub async fn next_round_start(k: &Keeper) -> anyhow::Result<u64> {
    let rounds = k.addresses.rounds;
    let start: u64 = call(
        &k.chain,
        rounds,
        RoundsManager::currentRoundStartBlockCall {},
    )
    .await?
    .to();
    let length: u64 = call(&k.chain, rounds, RoundsManager::roundLengthCall {})
        .await?
        .to();
    Ok(start + length.max(1))
}
