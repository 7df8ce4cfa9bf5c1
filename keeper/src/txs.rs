//! Sending transactions so that none is lost, doubled or stuck.
//!
//! * Dry run first: every action is estimated against the latest state; a revert means it is not
//!   due (another keeper did it, or the window has not opened) and nothing is sent.
//! * Own nonces: the next nonce is read from the chain when unknown and after any send error
//!   (alloy's cached nonce manager does not resynchronize), then counted locally so a batch of
//!   rewards goes out in one JSON-RPC request.
//! * Persist before broadcast: each signed transaction is written to the store as in flight
//!   before it is sent; after a crash, [`TxManager::settle_in_flight`] waits for it (re-sending
//!   it if the node forgot it) before the keeper does anything else.
//! * Gas bumping: a transaction unmined after `bump_after` is re-signed with the same nonce and
//!   fees 12.5% higher (the replacement minimum is 10%), capped at `max_fee`.
//! * Holes: a reorg can drop a mined transaction of the keeper, freeing its nonce while the
//!   keeper counts on from above it; everything sent later would wait behind the gap and run late,
//!   perhaps no longer due. Before each send and each settle, [`TxManager::fill_holes`] compares
//!   the chain's mined nonce with the transactions in flight: the transactions above a hole are
//!   dry-run again (cancelled when no longer due), each hole left below one of them is filled
//!   with a no-op self-transfer so they mine in order, and the next nonce is lowered to the
//!   first free one when nothing is in flight above it (lowering it alone would let a stale
//!   transaction run as soon as the gap filled).

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use alloy::{
    eips::eip1559::Eip1559Estimation,
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U64},
    providers::{DynProvider, Provider},
    rpc::client::RpcClient,
    rpc::types::{TransactionReceipt, TransactionRequest},
};
use anyhow::Context;
use bindings::Revert;
use tokio::time::Instant;
use tracing::{debug, info, warn};

use crate::{
    metrics::Metrics,
    revert::revert_of,
    signer::Signer,
    store::{InFlight, Store},
};

/// One thing the keeper wants done on chain.
#[derive(Clone, Debug)]
pub struct Action {
    /// What it does, unique while in flight (`reward:12:0xab…`).
    pub key: String,
    pub to: Address,
    pub input: Bytes,
}

/// How an action ended.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// Mined and succeeded.
    Done(Box<TransactionReceipt>),
    /// Mined and reverted (the state changed between the dry run and the block).
    Reverted(Box<TransactionReceipt>),
    /// The dry run reverted with this error: nothing was sent.
    NotDue(Arc<Revert>),
    /// Still unmined when the wait ended; it stays in flight and is settled next tick.
    Pending,
}

impl Outcome {
    pub fn is_done(&self) -> bool {
        matches!(self, Outcome::Done(_))
    }
}

/// The keeper's transaction sender.
pub struct TxManager {
    chain: DynProvider,
    client: RpcClient,
    signer: Signer,
    from: Address,
    chain_id: u64,
    next_nonce: Option<u64>,
    bump_after: Duration,
    /// The fee cap in gwei, shared with the admin API so a change applies to the next send or
    /// bump, even within a wait.
    cap_gwei: Arc<AtomicU64>,
    poll: Duration,
    metrics: Arc<Metrics>,
    /// True until the first settle after start: saved transactions are dry-run before re-send.
    restarted: bool,
    /// The fee cap's binding was logged (once per episode).
    cap_logged: bool,
    /// The last fee estimate and when: a round's batches, seconds apart, share one.
    fees: Option<(Instant, Eip1559Estimation)>,
    /// The chain's block time as the daemon measures it: receipts are polled about twice a
    /// block, not every poll interval.
    block_time: Option<Duration>,
}

/// How long a fee estimate is reused.
const FEES_FRESH: Duration = Duration::from_secs(3);

/// Fees grow by 1/8 per bump.
fn bumped(fee: u128) -> u128 {
    fee + fee / 8 + 1
}

/// The least fee a node accepts to replace one of `fee`: 10% more, rounded up.
fn replacement_minimum(fee: u128) -> u128 {
    fee + fee.div_ceil(10)
}

/// The fees of a replacement for a transaction paying (`max_fee`, `priority`), under `cap`:
/// both raised by 1/8 (at least the 10% nodes require), the max fee capped. `None` when the cap
/// leaves either field below the replacement minimum: such a replacement would be refused, so it
/// is not sent.
pub fn replacement_fees(max_fee: u128, priority: u128, cap: u128) -> Option<(u128, u128)> {
    let new_max = bumped(max_fee).min(cap);
    let new_priority = bumped(priority).min(new_max);
    (new_max >= replacement_minimum(max_fee) && new_priority >= replacement_minimum(priority))
        .then_some((new_max, new_priority))
}

fn gwei(wei: u128) -> f64 {
    wei as f64 / 1e9
}

impl TxManager {
    #[allow(clippy::too_many_arguments)]
    pub async fn new(
        chain: DynProvider,
        client: RpcClient,
        signer: impl Into<Signer>,
        chain_id: u64,
        bump_after: Duration,
        max_fee_gwei: u64,
        poll: Duration,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<Self> {
        let signer = signer.into();
        Ok(Self {
            from: signer.address(),
            signer,
            chain,
            client,
            chain_id,
            next_nonce: None,
            bump_after,
            cap_gwei: Arc::new(AtomicU64::new(max_fee_gwei.max(1))),
            poll,
            metrics,
            restarted: true,
            cap_logged: false,
            fees: None,
            block_time: None,
        })
    }

    pub fn address(&self) -> Address {
        self.from
    }

    /// The fee cap in force, in gwei.
    pub fn max_fee_gwei(&self) -> u64 {
        self.cap_gwei.load(Ordering::Relaxed)
    }

    /// The fee cap in force, in wei.
    fn max_fee(&self) -> u128 {
        u128::from(self.max_fee_gwei()) * 1_000_000_000
    }

    /// The cap itself, for the admin API: storing a new value there (at least 1) changes it.
    pub fn fee_cap(&self) -> Arc<AtomicU64> {
        self.cap_gwei.clone()
    }

    /// Changes the fee cap at run time; the next send or bump uses it.
    pub fn set_max_fee_gwei(&self, gwei: u64) {
        let old = self.cap_gwei.swap(gwei.max(1), Ordering::Relaxed);
        if old != gwei {
            info!(from_gwei = old, to_gwei = gwei, "fee cap changed");
        }
    }

    /// Dry-runs, signs, persists and sends `actions` in one batch, then waits (bumping fees) until
    /// each is mined or `wait` has passed. Outcomes come back in the order of `actions`.
    pub async fn submit(
        &mut self,
        store: &Store,
        actions: Vec<Action>,
        wait: Duration,
    ) -> anyhow::Result<Vec<(Action, Outcome)>> {
        if actions.is_empty() {
            return Ok(Vec::new());
        }
        let busy: Vec<String> = store.in_flight()?.into_iter().map(|t| t.key).collect();
        let mut outcomes: Vec<Option<Outcome>> = vec![None; actions.len()];
        let mut requests = Vec::new();
        let mut due = Vec::new();

        // Dry run, all in one batch.
        let mut batch = self.client.new_batch();
        let mut waiters = Vec::new();
        for (i, action) in actions.iter().enumerate() {
            if busy.contains(&action.key) {
                outcomes[i] = Some(Outcome::Pending);
                continue;
            }
            let request = TransactionRequest::default()
                .with_from(self.from)
                .with_to(action.to)
                .with_input(action.input.clone());
            waiters.push((
                i,
                batch.add_call::<_, U64>("eth_estimateGas", &(request.clone(),))?,
            ));
            requests.push(request);
        }
        batch.send().await?;
        for ((i, waiter), request) in waiters.into_iter().zip(requests) {
            match waiter.await {
                Ok(gas) => {
                    let gas = gas.to::<u64>();
                    due.push((i, request.with_gas_limit(gas + gas / 4 + 10_000)));
                }
                Err(err) => match revert_of(&err) {
                    Some(reason) => outcomes[i] = Some(Outcome::NotDue(Arc::new(reason))),
                    None => return Err(err).context("dry-running a transaction"),
                },
            }
        }

        if !due.is_empty() {
            let fees = self.fees().await?;
            self.cap_binds(fees.max_fee_per_gas > self.max_fee(), fees.max_fee_per_gas);
            let max_fee = fees.max_fee_per_gas.min(self.max_fee());
            let priority = fees.max_priority_fee_per_gas.min(max_fee);
            self.fill_holes(store).await?;
            let mut nonce = self.nonce().await?;
            let mut flights = Vec::with_capacity(due.len());
            for (i, request) in &due {
                flights.push((
                    *i,
                    InFlight {
                        key: actions[*i].key.clone(),
                        nonce,
                        request: request.clone(),
                        max_fee_per_gas: max_fee,
                        max_priority_fee_per_gas: priority,
                        hashes: Vec::new(),
                    },
                ));
                nonce += 1;
            }
            let mut signed = Vec::with_capacity(flights.len());
            for (_, flight) in &mut flights {
                let (hash, raw) = self.sign(flight).await?;
                flight.hashes.push(hash);
                signed.push(raw);
            }
            let refs: Vec<&InFlight> = flights.iter().map(|(_, f)| f).collect();
            store.put_in_flight(&refs)?;
            self.next_nonce = Some(nonce);
            self.broadcast(&signed).await?;
            let mut waiting: Vec<InFlight> = flights.iter().map(|(_, f)| f.clone()).collect();
            let settled = self.wait(store, &mut waiting, wait).await?;
            for (i, flight) in flights {
                outcomes[i] = Some(match settled.iter().find(|(k, _)| *k == flight.key) {
                    Some((_, receipt)) if receipt.status() => {
                        Outcome::Done(Box::new(receipt.clone()))
                    }
                    Some((_, receipt)) => Outcome::Reverted(Box::new(receipt.clone())),
                    None => Outcome::Pending,
                });
            }
        }
        Ok(actions
            .into_iter()
            .zip(outcomes)
            .map(|(a, o)| (a, o.unwrap_or(Outcome::Pending)))
            .collect())
    }

    /// Waits for whatever the store says is in flight (left by a crash or a slow tick).
    pub async fn settle_in_flight(
        &mut self,
        store: &Store,
        wait: Duration,
    ) -> anyhow::Result<usize> {
        let mut waiting = store.in_flight()?;
        if waiting.is_empty() {
            self.restarted = false;
            return Ok(0);
        }
        info!(count = waiting.len(), "settling transactions in flight");
        if std::mem::take(&mut self.restarted) {
            waiting = self.recheck_saved(store, waiting).await?;
            if waiting.is_empty() {
                return Ok(0);
            }
        }
        if self.fill_holes(store).await? {
            waiting = store.in_flight()?;
        }
        // The node may have dropped them (a restart): send each again; a duplicate is harmless.
        let mut raws = Vec::new();
        for flight in &mut waiting {
            let (hash, raw) = self.sign(flight).await?;
            if !flight.hashes.contains(&hash) {
                flight.hashes.push(hash);
            }
            raws.push(raw);
        }
        self.broadcast(&raws).await?;
        let settled = self.wait(store, &mut waiting, wait).await?;
        if waiting.is_empty() {
            self.next_nonce = None;
        }
        for (key, receipt) in &settled {
            self.count_settled(key, receipt);
        }
        Ok(settled.len())
    }

    /// A duty's transaction that landed after the tick that sent it (a slow receipt, an RPC cut,
    /// a restart) counts as that duty done, like one seen at once.
    fn count_settled(&self, key: &str, receipt: &TransactionReceipt) {
        if !receipt.status() {
            self.metrics.inc(&self.metrics.txs_reverted);
            warn!(key, tx = %receipt.transaction_hash, gas = receipt.gas_used, "a transaction settled late reverted");
            return;
        }
        let counter = if key.starts_with("initializeRound:") {
            &self.metrics.rounds_initialized
        } else if key.starts_with("reward:") {
            &self.metrics.rewards_called
        } else {
            return;
        };
        self.metrics.inc(counter);
        info!(
            key,
            gas = receipt.gas_used,
            "settled: landed after the tick that sent it"
        );
    }

    /// After a restart: each saved transaction not yet mined is dry-run again; one that is no
    /// longer due is not re-sent but replaced by a no-op if the node still holds it, or dropped.
    async fn recheck_saved(
        &mut self,
        store: &Store,
        saved: Vec<InFlight>,
    ) -> anyhow::Result<Vec<InFlight>> {
        let mut keep = Vec::new();
        for flight in saved {
            let noop = flight.key.starts_with("cancel:") || flight.key.starts_with("fill:");
            if noop || self.mined(&flight).await? {
                keep.push(flight);
                continue;
            }
            let request = TransactionRequest::default()
                .with_from(self.from)
                .with_to(
                    flight
                        .request
                        .to
                        .and_then(|t| t.to().copied())
                        .unwrap_or_default(),
                )
                .with_input(flight.request.input.input().cloned().unwrap_or_default());
            // Against the latest block: the pending state already holds this very transaction.
            match self
                .chain
                .estimate_gas(request)
                .block(alloy::eips::BlockId::latest())
                .await
            {
                Ok(_) => keep.push(flight),
                Err(err) => match revert_of(&err) {
                    Some(reason) => {
                        warn!(key = %flight.key, nonce = flight.nonce, %reason, "a saved transaction is no longer due; not re-sending it");
                        let key = flight.key.clone();
                        if !self.cancel(store, &key).await? {
                            store.remove_in_flight(&key)?;
                            self.next_nonce = None;
                        }
                    }
                    None => return Err(err).context("dry-running a saved transaction"),
                },
            }
        }
        // Cancellations were added to the store: wait for them as well.
        let kept: Vec<String> = keep.iter().map(|f| f.key.clone()).collect();
        keep.extend(
            store
                .in_flight()?
                .into_iter()
                .filter(|f| !kept.contains(&f.key)),
        );
        Ok(keep)
    }

    /// Finds nonces the chain has not used, below transactions in flight or below the next
    /// nonce, that no transaction in flight holds (a reorg dropped what was mined there): the
    /// transactions above are dry-run again (and cancelled when no longer due), each hole left
    /// below one of them gets a no-op self-transfer, and the next nonce becomes the first one
    /// above them. True when anything changed in flight.
    async fn fill_holes(&mut self, store: &Store) -> anyhow::Result<bool> {
        let flights = store.in_flight()?;
        let top = flights
            .iter()
            .map(|f| f.nonce + 1)
            .chain(self.next_nonce)
            .max()
            .unwrap_or(0);
        let mined = self.chain.get_transaction_count(self.from).latest().await?;
        let held = |flights: &[InFlight], n: u64| flights.iter().any(|f| f.nonce == n);
        let Some(hole) = (mined..top).find(|&n| !held(&flights, n)) else {
            return Ok(false);
        };
        let above: Vec<InFlight> = flights.into_iter().filter(|f| f.nonce > hole).collect();
        warn!(
            nonce = hole,
            mined,
            next = top,
            above = above.len(),
            "a nonce below ours is free again (a reorg): filling the gap"
        );
        if !above.is_empty() {
            // What is above ran its dry run before the reorg: run it again.
            self.recheck_saved(store, above).await?;
        }
        let flights = store.in_flight()?;
        let top = flights
            .iter()
            .map(|f| f.nonce + 1)
            .max()
            .unwrap_or(0)
            .max(mined);
        let holes: Vec<u64> = (mined..top).filter(|&n| !held(&flights, n)).collect();
        let mut raws = Vec::with_capacity(holes.len());
        if !holes.is_empty() {
            let fees = self.fees().await?;
            let max_fee = fees.max_fee_per_gas.min(self.max_fee());
            let priority = fees.max_priority_fee_per_gas.min(max_fee);
            let mut noops = Vec::with_capacity(holes.len());
            for nonce in holes {
                let mut noop = InFlight {
                    key: format!("fill:{nonce}"),
                    nonce,
                    request: self.noop_request(),
                    max_fee_per_gas: max_fee,
                    max_priority_fee_per_gas: priority,
                    hashes: Vec::new(),
                };
                let (hash, raw) = self.sign(&noop).await?;
                noop.hashes.push(hash);
                noops.push(noop);
                raws.push(raw);
            }
            let refs: Vec<&InFlight> = noops.iter().collect();
            store.put_in_flight(&refs)?;
            for _ in &noops {
                self.metrics.inc(&self.metrics.txs_cancelled);
            }
        }
        // What is kept above the holes goes out again with the fillers: the node may have
        // dropped it with the reorg; a duplicate is harmless.
        for flight in flights.iter().filter(|f| f.nonce > hole) {
            raws.push(self.sign(flight).await?.1);
        }
        // Set before sending: a rejection there forgets it again (the nonce is re-read).
        self.next_nonce = Some(top);
        if !raws.is_empty() {
            self.broadcast(&raws).await?;
        }
        Ok(true)
    }

    /// A self-transfer of nothing: takes a nonce, does nothing else.
    fn noop_request(&self) -> TransactionRequest {
        TransactionRequest::default()
            .with_from(self.from)
            .with_to(self.from)
            .with_value(alloy::primitives::U256::ZERO)
            .with_gas_limit(21_000)
    }

    /// Whether any hash sent for `flight` has a receipt.
    async fn mined(&self, flight: &InFlight) -> anyhow::Result<bool> {
        for hash in &flight.hashes {
            if self.chain.get_transaction_receipt(*hash).await?.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Replaces the transaction in flight under `key` (if any, and if the node still holds it)
    /// with a no-op self-transfer at the same nonce and replacement fees, so it can no longer
    /// mine; the no-op is kept in flight as `cancel:<key>`. False when there was nothing to
    /// cancel there (nothing in flight, already mined, unknown to the node) or the fee cap
    /// allows no valid replacement.
    pub async fn cancel(&mut self, store: &Store, key: &str) -> anyhow::Result<bool> {
        let Some(flight) = store.in_flight()?.into_iter().find(|f| f.key == key) else {
            return Ok(false);
        };
        if self.mined(&flight).await? {
            return Ok(false);
        }
        let mut known = false;
        for hash in &flight.hashes {
            known |= self.chain.get_transaction_by_hash(*hash).await?.is_some();
        }
        if !known {
            info!(
                key,
                nonce = flight.nonce,
                "the node does not hold it; dropping it"
            );
            store.remove_in_flight(key)?;
            self.next_nonce = None;
            return Ok(false);
        }
        let Some((max_fee, priority)) = replacement_fees(
            flight.max_fee_per_gas,
            flight.max_priority_fee_per_gas,
            self.max_fee(),
        ) else {
            self.cap_binds(true, bumped(flight.max_fee_per_gas));
            warn!(
                key,
                nonce = flight.nonce,
                "cannot cancel: the fee cap allows no valid replacement"
            );
            return Ok(false);
        };
        let mut noop = InFlight {
            key: format!("cancel:{key}"),
            nonce: flight.nonce,
            request: self.noop_request(),
            max_fee_per_gas: max_fee,
            max_priority_fee_per_gas: priority,
            hashes: flight.hashes.clone(),
        };
        let (hash, raw) = self.sign(&noop).await?;
        noop.hashes.push(hash);
        store.put_in_flight(&[&noop])?;
        store.remove_in_flight(key)?;
        self.metrics.inc(&self.metrics.txs_cancelled);
        warn!(
            key,
            nonce = noop.nonce,
            max_fee_gwei = gwei(max_fee),
            "cancelling a transaction in flight"
        );
        self.broadcast(&[raw]).await?;
        Ok(true)
    }

    /// Paces receipt polls to the chain's block time (as measured).
    pub fn pace(&mut self, block_time: Duration) {
        self.block_time = Some(block_time);
    }

    /// The node's fee estimate, reused for [`FEES_FRESH`].
    async fn fees(&mut self) -> anyhow::Result<Eip1559Estimation> {
        match self.fees {
            Some((at, fees)) if at.elapsed() < FEES_FRESH => Ok(fees),
            _ => {
                let fees = self.chain.estimate_eip1559_fees().await?;
                self.fees = Some((Instant::now(), fees));
                Ok(fees)
            }
        }
    }

    /// Records whether the fee cap binds now; logs once per episode.
    fn cap_binds(&mut self, binding: bool, wanted: u128) {
        self.metrics
            .set(&self.metrics.fee_cap_binding, u64::from(binding));
        if binding {
            self.metrics.inc(&self.metrics.fee_cap_hits);
            if !std::mem::replace(&mut self.cap_logged, true) {
                warn!(
                    wanted_gwei = gwei(wanted),
                    cap_gwei = gwei(self.max_fee()),
                    "the fee cap (keeper.max_fee_gwei) binds: fees are held below what is needed"
                );
            }
        } else {
            self.cap_logged = false;
        }
    }

    /// Forgets the cached nonce: the next send asks the node (after a reorg, a mined
    /// transaction of this keeper may be gone, and its nonce free again).
    pub fn resync_nonce(&mut self) {
        self.next_nonce = None;
    }

    async fn nonce(&mut self) -> anyhow::Result<u64> {
        if let Some(n) = self.next_nonce {
            return Ok(n);
        }
        let n = self
            .chain
            .get_transaction_count(self.from)
            .pending()
            .await?;
        self.next_nonce = Some(n);
        Ok(n)
    }

    /// Signs `flight` with its current fees and nonce: the transaction hash and its raw bytes.
    async fn sign(&self, flight: &InFlight) -> anyhow::Result<(B256, Bytes)> {
        let request = flight
            .request
            .clone()
            .with_nonce(flight.nonce)
            .with_chain_id(self.chain_id)
            .with_max_fee_per_gas(flight.max_fee_per_gas)
            .with_max_priority_fee_per_gas(flight.max_priority_fee_per_gas);
        Ok(self.signer.sign(request).await?)
    }

    /// Sends raw transactions in one batch. A rejected one (nonce already used, known, or
    /// underpriced) is logged, and the nonce is re-read before the next action; the wait loop
    /// finds out what became of it.
    async fn broadcast(&mut self, raws: &[Bytes]) -> anyhow::Result<()> {
        let mut batch = self.client.new_batch();
        let mut waiters = Vec::new();
        for raw in raws {
            waiters.push(batch.add_call::<_, B256>("eth_sendRawTransaction", &(raw.clone(),))?);
        }
        batch.send().await?;
        for waiter in waiters {
            match waiter.await {
                Ok(hash) => {
                    self.metrics.inc(&self.metrics.txs_sent);
                    debug!(%hash, "sent");
                }
                Err(err) if err.as_error_resp().is_some() => {
                    let msg = err.to_string();
                    if !msg.contains("already known") {
                        warn!(error = %msg, "the node rejected a transaction");
                        self.next_nonce = None;
                    }
                }
                Err(err) => return Err(err).context("sending a transaction"),
            }
        }
        Ok(())
    }

    /// Polls receipts of `waiting` until all are mined or `wait` passes, re-sending with higher
    /// fees every `bump_after`. Returns the receipts of those mined (by key), removing them from
    /// `waiting` and from the store.
    async fn wait(
        &mut self,
        store: &Store,
        waiting: &mut Vec<InFlight>,
        wait: Duration,
    ) -> anyhow::Result<Vec<(String, TransactionReceipt)>> {
        let start = Instant::now();
        let mut last_send = Instant::now();
        // Half a block (nothing mines sooner), doubling up to the poll interval or half a block.
        let half_block = self.block_time.map_or(Duration::ZERO, |b| b / 2);
        let mut pause = half_block.max(Duration::from_millis(20));
        let most = self.poll.max(half_block);
        let mut settled = Vec::new();
        let mut missing: HashMap<String, u32> = HashMap::new();
        loop {
            // Nothing mines at once: wait before each poll. A poll for several transactions
            // reads the account's nonce first and asks only for the receipts below it (mined, or
            // replaced); one for a single transaction asks for its receipt straight away.
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(most);
            let mined_nonce = if waiting.len() > 1 {
                Some(self.chain.get_transaction_count(self.from).await?)
            } else {
                None
            };
            let mut batch = self.client.new_batch();
            let mut waiters = Vec::new();
            for (i, flight) in waiting.iter().enumerate() {
                if mined_nonce.is_some_and(|n| flight.nonce >= n) {
                    continue;
                }
                for hash in &flight.hashes {
                    waiters.push((
                        i,
                        batch.add_call::<_, Option<TransactionReceipt>>(
                            "eth_getTransactionReceipt",
                            &(*hash,),
                        )?,
                    ));
                }
            }
            if !waiters.is_empty() {
                batch.send().await?;
            }
            let mut mined = vec![None; waiting.len()];
            for (i, waiter) in waiters {
                if let Some(receipt) = waiter.await? {
                    mined[i] = Some(receipt);
                }
            }
            let mut still = Vec::new();
            for (flight, receipt) in waiting.drain(..).zip(mined) {
                match receipt {
                    Some(receipt) => {
                        store.remove_in_flight(&flight.key)?;
                        settled.push((flight.key, receipt));
                    }
                    None => still.push(flight),
                }
            }
            *waiting = still;
            if waiting.is_empty() {
                return Ok(settled);
            }
            let mined_nonce = match mined_nonce {
                Some(n) => n,
                None => self.chain.get_transaction_count(self.from).await?,
            };
            // A nonce used by a transaction we do not know (another process with this key)
            // will never mine ours: forget it; the action is re-checked next tick. A node may
            // count a nonce as used a moment before it serves the receipt, so only a receipt
            // missing on three polls in a row counts.
            let (gone, live): (Vec<_>, Vec<_>) = waiting.drain(..).partition(|f| {
                let strikes = missing.entry(f.key.clone()).or_insert(0);
                if f.nonce < mined_nonce {
                    *strikes += 1;
                } else {
                    *strikes = 0;
                }
                *strikes >= 3
            });
            for flight in gone {
                warn!(key = %flight.key, nonce = flight.nonce, "nonce used elsewhere; dropping");
                store.remove_in_flight(&flight.key)?;
                self.next_nonce = None;
            }
            *waiting = live;
            if waiting.is_empty() {
                return Ok(settled);
            }
            if start.elapsed() >= wait {
                return Ok(settled);
            }
            if last_send.elapsed() >= self.bump_after {
                self.bump(store, waiting).await?;
                last_send = Instant::now();
            }
        }
    }

    async fn bump(&mut self, store: &Store, waiting: &mut [InFlight]) -> anyhow::Result<()> {
        let mut raws = Vec::new();
        let mut capped = false;
        for flight in waiting.iter_mut() {
            // A replacement must raise both fields by the node's minimum, or it is refused:
            // under a binding cap the transaction is re-sent as it is (the node may have lost it).
            match replacement_fees(
                flight.max_fee_per_gas,
                flight.max_priority_fee_per_gas,
                self.max_fee(),
            ) {
                Some((max_fee, priority)) => {
                    flight.max_fee_per_gas = max_fee;
                    flight.max_priority_fee_per_gas = priority;
                    self.metrics.inc(&self.metrics.tx_bumps);
                    info!(key = %flight.key, nonce = flight.nonce, max_fee_gwei = gwei(max_fee), priority_gwei = gwei(priority), "bumping a stuck transaction");
                }
                None => capped = true,
            }
            let (hash, raw) = self.sign(flight).await?;
            if !flight.hashes.contains(&hash) {
                flight.hashes.push(hash);
            }
            raws.push(raw);
        }
        self.cap_binds(capped, self.max_fee());
        let refs: Vec<&InFlight> = waiting.iter().collect();
        store.put_in_flight(&refs)?;
        self.broadcast(&raws).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replacements_raise_both_fees_by_ten_percent_or_are_not_sent() {
        let gwei = 1_000_000_000u128;
        // Room under the cap: both fields rise by 1/8.
        let (m, p) = replacement_fees(100 * gwei, 2 * gwei, 500 * gwei).unwrap();
        assert!(m * 10 >= 100 * gwei * 11 && p * 10 >= 2 * gwei * 11);
        // The capped edge: 190 -> 200 is +5.3%, below the node's minimum: not sent.
        assert_eq!(replacement_fees(190 * gwei, 2 * gwei, 200 * gwei), None);
        // Exactly +10% under the cap is a valid replacement, capped.
        assert_eq!(
            replacement_fees(100 * gwei, 2 * gwei, 110 * gwei),
            Some((110 * gwei, 2 * gwei + 2 * gwei / 8 + 1))
        );
        // A priority fee squeezed by the capped max fee below its own +10%: not sent.
        assert_eq!(
            replacement_fees(100 * gwei, 100 * gwei, 110 * gwei),
            Some((110 * gwei, 110 * gwei))
        );
        assert_eq!(replacement_fees(100 * gwei, 105 * gwei, 110 * gwei), None);
        // At the cap already: nothing to raise.
        assert_eq!(replacement_fees(200 * gwei, gwei, 200 * gwei), None);
        for fee in [0u128, 1, 9, 10, 11, 123_456_789_012] {
            let (m, p) = replacement_fees(fee, fee, u128::MAX).unwrap();
            assert!(m >= replacement_minimum(fee) && p >= replacement_minimum(fee));
        }
    }

    #[test]
    fn bumps_clear_the_replacement_minimum() {
        for fee in [1u128, 7, 1_000_000_000, 123_456_789_012] {
            assert!(super::bumped(fee) * 10 >= fee * 11, "{fee}");
        }
    }
}
