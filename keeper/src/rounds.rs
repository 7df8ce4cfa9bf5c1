//! The round's duties: initialize it if nobody has, then call `reward` for every served
//! orchestrator that is active and not yet rewarded. Reads are batched (one JSON-RPC request
//! per kind of read), dry runs are batched, and the rewards go out in one batch with
//! consecutive nonces: a round of N orchestrators costs a handful of HTTP requests, not N.

use alloy::{
    primitives::{Address, Bytes},
    sol_types::SolCall,
};
use bindings::{
    BondingManager, ProtocolError, RoundsManager,
    bonding_manager::BondingManager::BondingManagerErrors,
    rounds_manager::RoundsManager::RoundsManagerErrors,
};
use tracing::{debug, info, warn};

use crate::{
    config::Served,
    keeper::Keeper,
    rpc::call,
    turns,
    txs::{Action, Outcome},
};

/// The protocol's clock as read at a round's start: nothing about the round needs reading again
/// before `next_start`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Clock {
    pub round: u64,
    /// The round's first block.
    pub start: u64,
    /// Blocks per round.
    pub length: u64,
}

impl Clock {
    /// The first block of the next round.
    pub fn next_start(&self) -> u64 {
        self.start.saturating_add(self.length.max(1))
    }
}

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
    /// The duties were checked this tick (this keeper's turn had come, the round was not done).
    pub ran: bool,
    /// Not this keeper's turn yet (see [`crate::turns`]): nothing was read or done, and the turn
    /// comes at this block.
    pub turn: Option<u64>,
}

/// Reads the round and the round length in one batch; the round's first block follows from
/// the clock read before (`cached`) when the length is unchanged, and is read only otherwise
/// (a first read, or governance changed the length).
pub async fn read_clock(k: &Keeper, cached: Option<Clock>, head: u64) -> anyhow::Result<Clock> {
    let [round, length] = read_words(
        k,
        [
            RoundsManager::currentRoundCall {}.abi_encode(),
            RoundsManager::roundLengthCall {}.abi_encode(),
        ],
    )
    .await?;
    let predicted = cached
        .filter(|old| old.length == length && length > 0 && round >= old.round)
        .map(|old| old.start + (round - old.round) * length)
        .filter(|&start| start <= head && head < start + length);
    let start = match predicted {
        Some(start) => start,
        None => {
            let [start] = read_words(
                k,
                [RoundsManager::currentRoundStartBlockCall {}.abi_encode()],
            )
            .await?;
            start
        }
    };
    Ok(Clock {
        round,
        start,
        length,
    })
}

/// `eth_call`s to the RoundsManager returning one word each, in one batch.
async fn read_words<const N: usize>(k: &Keeper, inputs: [Vec<u8>; N]) -> anyhow::Result<[u64; N]> {
    let rounds = k.addresses.rounds;
    let mut batch = k.client.new_batch();
    let mut calls = Vec::new();
    for input in inputs {
        let tx = alloy::rpc::types::TransactionRequest {
            to: Some(rounds.into()),
            input: Bytes::from(input).into(),
            ..Default::default()
        };
        calls.push(batch.add_call::<_, Bytes>("eth_call", &(tx, alloy::eips::BlockId::latest()))?);
    }
    batch.send().await?;
    let mut words = [0u64; N];
    for (word, c) in words.iter_mut().zip(calls) {
        let bytes = c.await?;
        *word = <RoundsManager::roundLengthCall as SolCall>::abi_decode_returns(&bytes)
            .map_err(|e| anyhow::anyhow!("decoding the round clock from {rounds}: {e}"))?
            .saturating_to::<u64>();
    }
    Ok(words)
}

/// The round's duties at head `head`, once this keeper's turn has come: initialize the round if
/// nobody has, then reward every served orchestrator that is active and not yet rewarded. The dry
/// runs right before sending are the only state read: one that reverts with
/// `RoundAlreadyInitialized`, `AlreadyRewarded` or `NotActive` says the duty is not due.
pub async fn run(k: &mut Keeper, clock: Clock, head: u64) -> anyhow::Result<RoundReport> {
    let round = clock.round;
    let mut report = RoundReport {
        round,
        ..Default::default()
    };
    k.metrics.set(&k.metrics.current_round, round);
    let rewards = &k.config.rewards;
    let place = turns::place(round, k.address(), &rewards.peers);
    let turn = turns::turn_block(
        clock.start,
        rewards.act_after_blocks,
        rewards.slot_blocks,
        place,
    );
    if head < turn {
        debug!(round, place, turn, "waiting for this keeper's turn");
        report.turn = Some(turn);
        return Ok(report);
    }
    report.ran = true;

    let rounds = k.addresses.rounds;
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
        Outcome::NotDue(why)
            if matches!(
                why.protocol(),
                Some(ProtocolError::RoundsManager(
                    RoundsManagerErrors::RoundAlreadyInitialized(_)
                ))
            ) => {}
        Outcome::NotDue(why) => {
            warn!(round, %why, "initializeRound is not due for an unexpected reason");
            return Ok(report);
        }
        Outcome::Reverted(r) => {
            k.metrics.inc(&k.metrics.txs_reverted);
            warn!(round, tx = %r.transaction_hash, gas = r.gas_used, "initializeRound reverted");
            return Ok(report);
        }
        Outcome::Pending => {
            warn!(round, "initializeRound still pending");
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
    // No hints: the contract walks from the pool's old place, cheap for a reward's move.
    let actions = served
        .iter()
        .map(|&o| Action {
            key: format!("reward:{round}:{o}"),
            to: bonding,
            input: BondingManager::rewardCall {
                orchestrator: o,
                prevHint: Address::ZERO,
                nextHint: Address::ZERO,
            }
            .abi_encode()
            .into(),
        })
        .collect();
    let wait = k.tx_wait();
    for (action, outcome) in k.txs.submit(&k.store, actions, wait).await? {
        let orchestrator = action_target(&action.key);
        match outcome {
            Outcome::Done(_) => {
                k.metrics.inc(&k.metrics.rewards_called);
                report.rewarded.push(orchestrator);
            }
            Outcome::NotDue(why) => match why.protocol() {
                // Rewarded already, by itself or another keeper.
                Some(ProtocolError::BondingManager(BondingManagerErrors::AlreadyRewarded(_))) => {
                    report.already_rewarded += 1;
                    report.already.push(orchestrator);
                }
                Some(ProtocolError::BondingManager(BondingManagerErrors::NotActive(_))) => {
                    report.inactive += 1
                }
                _ => report.failed.push((orchestrator, why.to_string())),
            },
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
