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
    rounds::{self, RoundReport},
    rpc::{self, Endpoints},
    signer::Signer,
    store::{Deployment, Store},
    txs::TxManager,
};
use bindings::DisputeManager;

/// The protocol contracts the keeper talks to.
#[derive(Clone, Copy, Debug)]
pub struct Addresses {
    pub disputes: Address,
    pub bonding: Address,
    pub rounds: Address,
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
    /// The round whose duties are all done, and the first block of the next one.
    pub round_done: Option<(u64, u64)>,
    /// The block from which dispute events and states are read again.
    pub next_dispute_read: u64,
    /// The last dispute pass left work for the next tick (a rewind, disputes just seen).
    pub again: bool,
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
            },
            config,
            store,
            txs,
            metrics,
            source,
            judges,
            gate: Gate::default(),
            ops: None,
        })
    }

    /// The keeper's address.
    pub fn address(&self) -> Address {
        self.txs.address()
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
    /// judgement is waiting); a round whose duties are done is not read again before the next
    /// round's first block; dispute events and states are read every `dispute_every_blocks`.
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
            self.gate.round_done = None;
            self.gate.next_dispute_read = 0;
        }
        self.gate.head = Some(head);
        self.gate.head_hash = hash;
        let judging = self.judges.running() > 0;
        let mut report = TickReport::default();
        if !moved && !judging && !self.gate.again {
            report.idle = true;
            report.rounds.round = self.gate.round_done.map_or(0, |(r, _)| r);
            self.metrics.inc(&self.metrics.ticks);
            self.metrics.mark_success();
            return Ok(report);
        }
        report.rounds = match self.gate.round_done {
            Some((round, next)) if head < next => RoundReport {
                round,
                complete: true,
                ..Default::default()
            },
            _ => {
                let r = rounds::run(self).await?;
                self.gate.round_done = if r.complete {
                    Some((r.round, rounds::next_round_start(self).await?))
                } else {
                    None
                };
                r
            }
        };
        if head >= self.gate.next_dispute_read || judging || self.gate.again {
            report.disputes = disputes::run(self, report.rounds.round).await?;
            self.gate.again = report.disputes.rewound || !report.disputes.seen.is_empty();
            if head >= self.gate.next_dispute_read {
                self.gate.next_dispute_read = head + self.config.keeper.dispute_every_blocks;
            }
        }
        self.metrics.inc(&self.metrics.ticks);
        self.metrics.mark_success();
        Ok(report)
    }

    /// Blocks until the next thing the keeper waits for (the next round, the next dispute
    /// read), counted from the last head seen; `None` while something needs watching every
    /// interval (a round's duties not done, a judgement running).
    pub fn blocks_until_work(&self) -> Option<u64> {
        let head = self.gate.head?;
        let (_, next_round) = self.gate.round_done?;
        if self.judges.running() > 0 || self.gate.again {
            return None;
        }
        Some(
            next_round
                .min(self.gate.next_dispute_read)
                .saturating_sub(head),
        )
    }
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
