//! The [`Keeper`]: one connection, one key, one store, and [`Keeper::tick`], which does whatever
//! is due right now. The daemon calls it in a loop; the devnet calls it between story steps.

use content::Source;
use std::{sync::Arc, time::Duration};

use alloy::{
    primitives::Address,
    providers::{DynProvider, Provider},
    rpc::client::RpcClient,
    transports::TransportError,
};
use tracing::info;

use crate::{
    config::Config,
    disputes::{self, DisputeReport},
    judging::Judges,
    metrics::Metrics,
    rounds::{self, Clock, RoundReport},
    rpc::{self, Endpoints},
    signer::Signer,
    store::{Deployment, Store},
    summary::Ledger,
    txs::TxManager,
};
use bindings::DisputeManager;

/// The protocol contracts the keeper talks to.
#[derive(Clone, Copy, Debug)]
pub struct Addresses {
    pub disputes: Address,
    pub bonding: Address,
    pub rounds: Address,
    /// The ProofGame (`contracts.proof_game`, checked at connect to be the DisputeManager's).
    pub proof_game: Option<Address>,
}

/// Why the keeper could not start: the RPC is unreachable (retry) or the setup is wrong (stop).
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("RPC unreachable: {0}")]
    Rpc(#[from] TransportError),
    #[error(transparent)]
    Setup(#[from] anyhow::Error),
}

/// What one tick did.
#[derive(Clone, Debug, Default)]
pub struct TickReport {
    pub rounds: RoundReport,
    pub disputes: DisputeReport,
    pub games: crate::games::GameReport,
    /// The head had not moved (and no judgement was waiting): nothing was read but the head.
    pub idle: bool,
}

/// What the keeper waits for between ticks: blocks, not time.
#[derive(Clone, Copy, Debug, Default)]
pub struct Gate {
    /// The head seen by the last tick.
    pub head: Option<u64>,
    /// Its hash: a head at the same or a lower height with another hash is a reorg.
    pub head_hash: alloy::primitives::B256,
    /// The round's clock as last read: the round is not read again before its next start.
    pub clock: Option<Clock>,
    /// The round whose duties are all done (nothing is read again before the next round).
    pub round_done: Option<u64>,
    /// This keeper's turn in the round (see [`crate::turns`]): nothing is read before it.
    pub turn: Option<u64>,
    /// The round whose start-of-round dispute pass ran.
    pub disputes_round: Option<u64>,
    /// The block from which a verifier reads dispute events and states again mid-round.
    pub next_dispute_read: u64,
    /// The last dispute pass left work for the next tick (a rewind, disputes just seen).
    pub again: bool,
    /// The dispute count when the events were last read: a check that finds it unchanged
    /// reads nothing more (one call).
    pub known_disputes: Option<u64>,
}

impl Gate {
    /// The next block at which something is due, if known: the next round, this keeper's turn,
    /// a verifier's mid-round dispute read.
    fn next_work(&self, verifier: bool) -> Option<u64> {
        let clock = self.clock?;
        let mut next = clock.next_start();
        if let Some(turn) = self.turn {
            next = next.min(turn);
        } else if self.round_done != Some(clock.round) {
            return None;
        }
        if verifier {
            next = next.min(self.next_dispute_read);
        }
        Some(next)
    }
}

pub struct Keeper {
    pub chain: DynProvider,
    /// The same connection, for JSON-RPC batches.
    pub client: RpcClient,
    pub addresses: Addresses,
    pub config: Config,
    /// Shared with the admin API, which reads what is in flight and the disputes.
    pub store: Arc<Store>,
    pub txs: TxManager,
    pub metrics: Arc<Metrics>,
    pub source: Option<Source>,
    /// Judgements running in their own tasks.
    pub judges: Judges,
    /// The block-number gate: what was read at which head.
    pub gate: Gate,
    /// The operator's view and controls (the daemon sets it; `None` in tests and the devnet).
    pub ops: Option<Arc<crate::ops::Ops>>,
    /// What the round in progress did, logged in one line when it ends.
    pub ledger: Ledger,
    /// The proof games' re-runs, archives and trees, kept between ticks.
    pub players: crate::games::Players,
}

impl Keeper {
    /// Connects (one endpoint, or several with failover), checks the contracts are there,
    /// opens the store.
    pub async fn connect(
        rpc: impl Into<Endpoints>,
        signer: impl Into<Signer>,
        config: Config,
        metrics: Arc<Metrics>,
    ) -> Result<Self, ConnectError> {
        let (chain, client, endpoints) = rpc::connect_endpoints(
            &rpc.into().0,
            metrics.rpc.clone(),
            config.keeper.rpc_timeout(),
            config.rpc.retry_after(),
            config.rpc.max_retry_after(),
        )?;
        metrics.watch_endpoints(endpoints);
        let disputes = config.contracts.dispute_manager;
        let chain_id = chain.get_chain_id().await?;
        if chain_id != config.contracts.chain_id {
            return Err(anyhow::anyhow!(
                "the RPC serves chain {chain_id}, but contracts.chain_id is {}: wrong RPC or wrong config",
                config.contracts.chain_id
            )
            .into());
        }
        let code = chain.get_code_at(disputes).await?;
        if code.is_empty() {
            let id = chain.get_chain_id().await?;
            return Err(anyhow::anyhow!(
                "no contract at contracts.dispute_manager {disputes} on chain {id}: wrong address or wrong chain"
            )
            .into());
        }
        let dm = DisputeManager::new(disputes, &chain);
        let bonding = dm.bonding().call().await.map_err(setup)?;
        let rounds = dm.rounds().call().await.map_err(setup)?;
        let proof_game = match config.contracts.proof_game {
            Some(pg) => Some(check_proof_game(&chain, pg, disputes).await?),
            None => None,
        };
        let source = match &config.verifier.source {
            Some(s) => {
                let s = Source::parse(s).map_err(anyhow::Error::from)?;
                s.check().map_err(anyhow::Error::from)?;
                Some(s)
            }
            None => None,
        };
        let store = Arc::new(Store::open_for(
            &config.keeper.store,
            Deployment {
                chain_id,
                dispute_manager: disputes,
            },
        )?);
        let tuning = &config.keeper;
        let txs = TxManager::new(
            chain.clone(),
            client.clone(),
            signer,
            chain_id,
            tuning.bump_after(),
            tuning.max_fee_gwei,
            tuning.poll_interval(),
            metrics.clone(),
        )
        .await
        .map_err(ConnectError::Setup)?;
        info!(keeper = %txs.address(), chain_id, %disputes, %bonding, %rounds, "connected");
        let judges = Judges::new(&config.verifier, metrics.clone());
        Ok(Self {
            chain,
            client,
            addresses: Addresses {
                disputes,
                bonding,
                rounds,
                proof_game,
            },
            config,
            store,
            txs,
            metrics,
            source,
            judges,
            gate: Gate::default(),
            ops: None,
            ledger: Ledger::default(),
            players: Default::default(),
        })
    }

    /// The keeper's address.
    pub fn address(&self) -> Address {
        self.txs.address()
    }

    /// Before a send that must not wait behind a lost nonce (a game move, an opening): when
    /// nothing of this keeper's is pending, the node's nonce is the one to use. A reorg may have
    /// dropped a mined transaction, freeing its nonce, without the head going back.
    pub fn fresh_nonce(&mut self) -> anyhow::Result<()> {
        if self.store.in_flight()?.is_empty() {
            self.txs.resync_nonce();
        }
        Ok(())
    }

    /// How long one batch of transactions may wait for its receipts before the tick moves on
    /// (they stay in flight and are settled first thing next tick).
    pub fn tx_wait(&self) -> Duration {
        self.config.keeper.bump_after() * 4
    }

    /// Does what is due: settles transactions left in flight, then the round's duties, then
    /// the disputes'. Every step reads chain state first, so calling it again is harmless.
    ///
    /// Driven by blocks: a tick reads the head first and reads nothing else unless it moved (or a
    /// judgement is waiting). The round's clock is read once at its start; nothing is read before
    /// this keeper's turn, and nothing once the round's duties are done, until the next round's
    /// first block. Disputes are checked at each round's duties (a count first, events only when
    /// it changed) and, by a verifier, every `dispute_every_blocks` as well: finalizing and
    /// executing are due at round starts only, voting as soon as possible.
    pub async fn tick(&mut self) -> anyhow::Result<TickReport> {
        let result = self.tick_once().await;
        if result.is_err() {
            // The failed tick did not do what it read the head for: the next one looks again
            // (else an unchanged head would pass for an idle one until the next block).
            self.gate.head = None;
        }
        result
    }

    async fn tick_once(&mut self) -> anyhow::Result<TickReport> {
        let wait = self.tx_wait();
        self.txs.settle_in_flight(&self.store, wait).await?;
        let latest = self
            .chain
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the node has no latest block"))?;
        let (head, hash) = (latest.header.number, latest.header.hash);
        let moved = self.gate.head != Some(head) || self.gate.head_hash != hash;
        if moved && self.gate.head.is_some_and(|h| head <= h) {
            // A reorg: what was done (a reward, a dispute read) may be undone; read it all again.
            info!(
                head,
                "the head went back or was replaced; re-reading the round and disputes"
            );
            self.gate = Gate::default();
        }
        self.gate.head = Some(head);
        self.gate.head_hash = hash;
        let judging = self.judges.running() > 0 || self.players.busy();
        let mut report = TickReport::default();
        let round_now = self.gate.clock.map_or(0, |c| c.round);
        if !moved && !judging && !self.gate.again {
            report.idle = true;
            report.rounds.round = round_now;
            report.rounds.complete = self.gate.round_done == Some(round_now);
            self.metrics.inc(&self.metrics.ticks);
            self.metrics.mark_success();
            return Ok(report);
        }
        let clock = match self.gate.clock {
            Some(c) if head < c.next_start() => c,
            _ => {
                let c = rounds::read_clock(self, self.gate.clock, head).await?;
                if self.gate.clock.is_none_or(|old| old.round != c.round) {
                    self.gate.turn = None;
                }
                self.gate.clock = Some(c);
                c
            }
        };
        let due = self.gate.round_done != Some(clock.round)
            && self.gate.turn.is_none_or(|turn| head >= turn);
        report.rounds = if due {
            let r = rounds::run(self, clock, head).await?;
            self.gate.turn = r.turn;
            if r.complete {
                self.gate.round_done = Some(clock.round);
            }
            r
        } else {
            RoundReport {
                round: clock.round,
                complete: self.gate.round_done == Some(clock.round),
                turn: self.gate.turn,
                ..Default::default()
            }
        };
        // Once per round, with the duties (after this keeper's turn); a verifier mid-round too.
        let start_of_round =
            report.rounds.turn.is_none() && self.gate.disputes_round != Some(clock.round);
        let verifier_read = self.config.verifier.enabled && head >= self.gate.next_dispute_read;
        // A game moves every few blocks: its player follows disputes at every new head.
        let playing = self.config.game.enabled;
        if start_of_round || verifier_read || judging || self.gate.again || playing {
            report.disputes = disputes::run(self, clock.round, head).await?;
            self.gate.again = report.disputes.rewound || !report.disputes.seen.is_empty();
            if report.rounds.turn.is_none() {
                self.gate.disputes_round = Some(clock.round);
            }
            if head >= self.gate.next_dispute_read {
                self.gate.next_dispute_read = head + self.config.keeper.dispute_every_blocks;
            }
        }
        report.games = crate::games::run(self, head, clock.round).await?;
        if let Some(ended) = self.ledger.record(&report) {
            ended.log();
        }
        self.metrics.inc(&self.metrics.ticks);
        self.metrics.mark_success();
        Ok(report)
    }

    /// Blocks until the next thing the keeper waits for (the next round, its turn, a verifier's
    /// dispute read), counted from the last head seen; `None` while something needs watching
    /// every interval (a round's duties not done, a judgement running, a transaction in flight).
    pub fn blocks_until_work(&self) -> Option<u64> {
        let head = self.gate.head?;
        // Transactions in flight are settled at every tick: watch them every interval.
        let in_flight = self.store.in_flight().map_or(true, |f| !f.is_empty());
        if self.judges.running() > 0 || self.players.busy() || self.gate.again || in_flight {
            return None;
        }
        // A game in progress is looked at every block: a move is due as soon as the other side
        // moved, and a window is `moveWindow` blocks, so no sleep may run past it.
        if crate::games::live(self) {
            return Some(1);
        }
        let next = self.gate.next_work(self.config.verifier.enabled)?;
        // Spot checks dropped in the inbox wait at most a dispute read's interval.
        let next = match self.config.game.inbox {
            Some(_) if self.config.game.enabled => {
                next.min(head + self.config.keeper.dispute_every_blocks)
            }
            _ => next,
        };
        Some(next.saturating_sub(head))
    }
}

/// Checks that `pg` is the ProofGame of the DisputeManager `disputes` (a wrong address is a
/// setup error: the keeper would play, or fail to play, another deployment's games).
async fn check_proof_game(
    chain: &DynProvider,
    pg: Address,
    disputes: Address,
) -> Result<Address, ConnectError> {
    let wrong = |why: String| {
        ConnectError::Setup(anyhow::anyhow!(
            "contracts.proof_game {pg} is not the ProofGame of DisputeManager {disputes}: {why}"
        ))
    };
    if chain.get_code_at(pg).await?.is_empty() {
        return Err(wrong("no contract there".into()));
    }
    let of = bindings::ProofGame::new(pg, chain)
        .disputes()
        .call()
        .await
        .map_err(|e| match e {
            alloy::contract::Error::TransportError(e) if e.as_error_resp().is_none() => {
                ConnectError::Rpc(e)
            }
            e => wrong(format!("it does not answer disputes(): {e}")),
        })?;
    if of != disputes {
        return Err(wrong(format!("its DisputeManager is {of}")));
    }
    Ok(pg)
}

fn setup(err: alloy::contract::Error) -> ConnectError {
    match err {
        alloy::contract::Error::TransportError(e) if e.as_error_resp().is_none() => {
            ConnectError::Rpc(e)
        }
        e => ConnectError::Setup(anyhow::anyhow!(
            "contracts.dispute_manager does not look like a DisputeManager: {e}"
        )),
    }
}
