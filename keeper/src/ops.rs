//! The operator's side of a running keeper: what it is doing (this round's duties, what is in
//! flight, the disputes it follows, the fee cap, the wallet), whether it is healthy, and the
//! controls (pause, resume, the fee cap). The daemon's loop feeds it after every tick; the admin
//! API ([`crate::http`]) reads and sets it from its own task.
//!
//! Reads are few: the balance and gas price once a round, at its start (before the duties they
//! pay for); the round's start block comes from the keeper's own round clock.

use std::{
    collections::BTreeMap,
    sync::{
        Arc, Mutex, OnceLock,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
};

use alloy::{
    primitives::{Address, U256},
    providers::Provider,
};
use bindings::{RoundsManager, enums::Vote};
use serde::{Deserialize, Serialize};
use tracing::{info, warn};

use crate::{
    TickReport, config::AdminConfig, keeper::Keeper, metrics::Metrics, rpc::call, store::Store,
};

/// One served orchestrator's reward this round, as far as the keeper knows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Duty {
    /// This keeper's reward landed.
    Rewarded,
    /// Rewarded by someone else (itself, another keeper).
    RewardedByOther,
    /// The last attempt did not land, with why.
    Failed(String),
}

/// This round's duties.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RoundView {
    pub round: u64,
    /// The round's first block (0 until read).
    pub start_block: u64,
    /// The block by which every served orchestrator should be rewarded.
    pub due_by_block: u64,
    pub initialized_by_me: bool,
    /// Every served orchestrator rewarded or inactive.
    pub complete: bool,
    /// By orchestrator address.
    pub duties: BTreeMap<Address, Duty>,
    /// Served orchestrators outside the active set.
    pub inactive: usize,
}

/// A followed dispute, for the operator.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DisputeView {
    pub id: u64,
    pub orchestrator: Address,
    pub conflict: bool,
    pub opened_block: u64,
    pub offense_round: u64,
    /// `awaiting judgement`, or the vote the keeper's finding gives (`guilty`, `innocent`,
    /// `draw`); conflict disputes need no judgement.
    pub state: String,
}

/// A proof game in progress, for the operator (as last read on chain).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GameView {
    pub dispute: u64,
    /// `challenger` or `agent` (the orchestrator's).
    pub role: String,
    pub layer: u32,
    pub depth: u8,
    /// `Reveal`, `Pick`, `Final`, `Settled` (`None` before the first reading).
    pub phase: String,
    /// The side whose move is due (`challenger` / `agent`), if any.
    pub to_move: Option<String>,
    pub this_keeper_to_move: bool,
    /// The last block of the mover's window; after it, the other side may call `timeout`.
    pub deadline_block: u64,
    /// Moves this keeper made, and their gas.
    pub moves: usize,
    pub gas: u64,
}

/// A spot check waiting in the inbox, for the operator.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SpotView {
    pub file: String,
    /// Why it waits (being re-run, its job not fetchable yet, the last error).
    pub state: String,
}

/// A transaction in flight, for the operator.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InFlightView {
    pub key: String,
    pub nonce: u64,
    pub max_fee_gwei: f64,
    pub priority_fee_gwei: f64,
    pub hashes: Vec<alloy::primitives::B256>,
}

/// Everything `GET /admin/status` answers.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Status {
    pub keeper: Option<Address>,
    pub paused: bool,
    pub head: u64,
    pub fee_cap_gwei: u64,
    pub fee_cap_binding: bool,
    pub wallet_balance_gwei: u64,
    pub reward_cost_gwei: u64,
    pub missed_rounds: u64,
    /// Why `/health` is 503 (empty: healthy apart from tick staleness).
    pub problems: Vec<String>,
    pub round: RoundView,
    pub in_flight: Vec<InFlightView>,
    pub disputes: Vec<DisputeView>,
    pub endpoints: Vec<EndpointView>,
    #[serde(default)]
    pub games: Vec<GameView>,
    #[serde(default)]
    pub spot_checks: Vec<SpotView>,
}

/// An RPC endpoint, for the operator.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EndpointView {
    pub endpoint: String,
    pub healthy: bool,
    pub requests: u64,
    pub errors: u64,
}

/// What the running keeper shares with the admin API.
struct Attached {
    store: Arc<Store>,
    fee_cap: Arc<AtomicU64>,
    address: Address,
}

/// The operator's state and controls.
pub struct Ops {
    pub admin: AdminConfig,
    act_after_blocks: u64,
    metrics: Arc<Metrics>,
    paused: AtomicBool,
    attached: OnceLock<Attached>,
    view: Mutex<RoundView>,
    /// The games and spot checks as of the last tick.
    games: Mutex<(Vec<GameView>, Vec<SpotView>)>,
    head: AtomicU64,
    /// The last wallet read failed: read again at the next tick.
    wallet_read_failed: AtomicBool,
    /// Reads while paused are failing (logged once).
    paused_read_failing: AtomicBool,
    /// Wakes the daemon's idle sleep when the operator pauses or resumes: an idle keeper may
    /// sleep until the next round, and a pause must show (and a resume act) at once.
    wake: tokio::sync::Notify,
}

impl Ops {
    pub fn new(admin: AdminConfig, act_after_blocks: u64, metrics: Arc<Metrics>) -> Arc<Self> {
        Arc::new(Self {
            admin,
            act_after_blocks,
            metrics,
            paused: AtomicBool::new(false),
            attached: OnceLock::new(),
            view: Mutex::new(RoundView::default()),
            games: Mutex::new((Vec::new(), Vec::new())),
            head: AtomicU64::new(0),
            wallet_read_failed: AtomicBool::new(false),
            paused_read_failing: AtomicBool::new(false),
            wake: tokio::sync::Notify::new(),
        })
    }

    /// Connects the view to a running keeper (its store, fee cap and address); the first
    /// keeper attached stays.
    pub fn attach(&self, k: &Keeper) {
        let fee_cap = k.txs.fee_cap();
        self.metrics
            .set(&self.metrics.fee_cap_gwei, fee_cap.load(Ordering::Relaxed));
        let _ = self.attached.set(Attached {
            store: k.store.clone(),
            fee_cap,
            address: k.address(),
        });
    }

    /// Resolves when the operator pauses or resumes (a permit is kept if nobody waits yet).
    pub async fn woken(&self) {
        self.wake.notified().await
    }

    pub fn paused(&self) -> bool {
        self.paused.load(Ordering::Relaxed)
    }

    /// Pauses or resumes: paused, the keeper sends nothing (no duty, no bump) until resumed.
    pub fn set_paused(&self, paused: bool) {
        if self.paused.swap(paused, Ordering::Relaxed) != paused {
            if paused {
                warn!("paused by the operator: nothing is sent until resumed");
            } else {
                info!("resumed by the operator");
            }
            self.wake.notify_one();
        }
        self.metrics.set(&self.metrics.paused, u64::from(paused));
    }

    /// Sets the fee cap (gwei, at least 1); false before a keeper is attached.
    pub fn set_fee_cap(&self, gwei: u64) -> bool {
        let Some(a) = self.attached.get() else {
            return false;
        };
        let gwei = gwei.max(1);
        let old = a.fee_cap.swap(gwei, Ordering::Relaxed);
        if old != gwei {
            info!(
                from_gwei = old,
                to_gwei = gwei,
                "fee cap changed by the operator"
            );
        }
        self.metrics.set(&self.metrics.fee_cap_gwei, gwei);
        self.update_health();
        true
    }

    pub fn fee_cap_gwei(&self) -> u64 {
        self.attached
            .get()
            .map_or(0, |a| a.fee_cap.load(Ordering::Relaxed))
    }

    /// Takes in what a successful tick did. Reads the round's start block on a new round and
    /// the wallet on a new round; a failed read is logged and retried next time.
    pub async fn observe(&self, k: &Keeper, report: &TickReport) {
        if let Some(head) = k.gate.head {
            self.head.store(head, Ordering::Relaxed);
        }
        self.observe_round(k, &report.rounds).await;
        *self.games.lock().unwrap_or_else(|e| e.into_inner()) = crate::games::views(k);
    }

    /// While paused: reads the head and the round (two calls a poll) so that overdue duties and
    /// missed rounds still show; nothing is done.
    pub async fn observe_paused(&self, k: &Keeper) {
        let read = async {
            let head = k.chain.get_block_number().await?;
            let round: u64 = call(
                &k.chain,
                k.addresses.rounds,
                RoundsManager::currentRoundCall {},
            )
            .await?
            .to();
            anyhow::Ok((head, round))
        };
        match read.await {
            Ok((head, round)) => {
                self.paused_read_failing.store(false, Ordering::Relaxed);
                self.head.store(head, Ordering::Relaxed);
                let report = crate::rounds::RoundReport {
                    round,
                    ..Default::default()
                };
                self.observe_round(k, &report).await;
            }
            Err(e) => {
                // Once per failing streak: the loop polls this every interval.
                if !self.paused_read_failing.swap(true, Ordering::Relaxed) {
                    warn!(error = %format!("{e:#}"), "reading the head while paused");
                }
            }
        }
    }

    async fn observe_round(&self, k: &Keeper, r: &crate::rounds::RoundReport) {
        let new_round = r.round != 0 && r.round != self.view().round;
        if new_round {
            self.close_round(r.round);
            // The keeper's round clock already knows the start; only a paused keeper (which
            // reads nothing else) asks the chain for it.
            let start = match k.gate.clock.filter(|c| c.round == r.round) {
                Some(clock) => Ok(clock.start),
                None => call(
                    &k.chain,
                    k.addresses.rounds,
                    RoundsManager::currentRoundStartBlockCall {},
                )
                .await
                .map(|start| start.to::<u64>()),
            };
            match start {
                Ok(start) => {
                    let mut view = self.lock_view();
                    if view.round == r.round {
                        view.start_block = start;
                        view.due_by_block =
                            start + self.act_after_blocks + self.admin.overdue_blocks;
                    }
                }
                Err(e) => warn!(error = %format!("{e:#}"), "reading the round's start block"),
            }
        }
        if r.round != 0 && r.round == self.view().round {
            let mut view = self.lock_view();
            view.initialized_by_me |= r.initialized;
            view.inactive = view.inactive.max(r.inactive);
            for &o in &r.rewarded {
                view.duties.insert(o, Duty::Rewarded);
                self.metrics.rewarded(o, r.round);
            }
            for &o in &r.already {
                view.duties.entry(o).or_insert(Duty::RewardedByOther);
                self.metrics.rewarded(o, r.round);
            }
            for (o, why) in &r.failed {
                view.duties.insert(*o, Duty::Failed(why.clone()));
            }
            view.complete |= r.complete;
        }
        // Once a round (two calls), at every tick while the wallet is short (so a top-up shows at
        // once), or again after a failed read: a read after every send would cost more than the
        // duties it pays for.
        let short = self.metrics.wallet_short.load(Ordering::Relaxed) == 1;
        if new_round || short || self.wallet_read_failed.load(Ordering::Relaxed) {
            let failed = self.read_wallet(k).await.map_err(|e| {
                warn!(error = %format!("{e:#}"), "reading the wallet's balance");
            });
            self.wallet_read_failed
                .store(failed.is_err(), Ordering::Relaxed);
        }
        self.update_health();
    }

    /// A new round began: the last one counts as missed if its duties were not all done.
    fn close_round(&self, round: u64) {
        let mut view = self.lock_view();
        if view.round != 0 && !view.complete {
            self.metrics.inc(&self.metrics.missed_rounds);
            let failed: Vec<String> = view
                .duties
                .iter()
                .filter(|(_, d)| matches!(d, Duty::Failed(_)))
                .map(|(o, _)| format!("{o:#x}"))
                .collect();
            warn!(
                round = view.round,
                seen_rewarded = view.duties.len() - failed.len(),
                ?failed,
                paused = self.paused(),
                "round ended with duties not done (a missed round)"
            );
        }
        *view = RoundView {
            round,
            ..RoundView::default()
        };
    }

    async fn read_wallet(&self, k: &Keeper) -> anyhow::Result<()> {
        let balance = k.chain.get_balance(k.address()).await?;
        let price = k.chain.get_gas_price().await?;
        // A send offers about twice the current price (room for base fee rises), capped.
        let cap = u128::from(self.fee_cap_gwei()) * 1_000_000_000;
        let fee = price.saturating_mul(2).min(cap.max(1));
        let cost = U256::from(fee) * U256::from(self.admin.reward_gas);
        let gwei =
            |wei: U256| u64::try_from(wei / U256::from(1_000_000_000u64)).unwrap_or(u64::MAX);
        self.metrics
            .set(&self.metrics.wallet_balance_gwei, gwei(balance));
        self.metrics.set(&self.metrics.reward_cost_gwei, gwei(cost));
        self.metrics
            .set(&self.metrics.wallet_short, u64::from(balance < cost));
        Ok(())
    }

    /// Recomputes the overdue gauge from the head and the round's state.
    fn update_health(&self) {
        let head = self.head.load(Ordering::Relaxed);
        let view = self.view();
        let overdue =
            view.round != 0 && view.start_block != 0 && !view.complete && head >= view.due_by_block;
        self.metrics
            .set(&self.metrics.duties_overdue, u64::from(overdue));
    }

    /// Why the keeper is unhealthy beyond tick staleness: overdue duties, a wallet that cannot
    /// pay for a reward.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let m = &self.metrics;
        if m.duties_overdue.load(Ordering::Relaxed) == 1 {
            let view = self.view();
            out.push(format!(
                "duties overdue: round {} not done by block {} (head {})",
                view.round,
                view.due_by_block,
                self.head.load(Ordering::Relaxed)
            ));
        }
        if m.wallet_short.load(Ordering::Relaxed) == 1 {
            out.push(format!(
                "wallet cannot pay for a reward: balance {} gwei, one reward may cost {} gwei",
                m.wallet_balance_gwei.load(Ordering::Relaxed),
                m.reward_cost_gwei.load(Ordering::Relaxed)
            ));
        }
        out
    }

    /// Everything the admin API shows.
    pub fn status(&self) -> anyhow::Result<Status> {
        let m = &self.metrics;
        let (in_flight, disputes) = match self.attached.get() {
            Some(a) => (a.store.in_flight()?, a.store.disputes()?),
            None => (Vec::new(), Vec::new()),
        };
        let gwei = |wei: u128| wei as f64 / 1e9;
        let (games, spot_checks) = self.games.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let endpoints = m
            .endpoints
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|e| EndpointView {
                endpoint: e.label.clone(),
                healthy: e.healthy.load(Ordering::Relaxed),
                requests: e.requests.load(Ordering::Relaxed),
                errors: e.errors.load(Ordering::Relaxed),
            })
            .collect();
        Ok(Status {
            keeper: self.attached.get().map(|a| a.address),
            paused: self.paused(),
            head: self.head.load(Ordering::Relaxed),
            fee_cap_gwei: self.fee_cap_gwei(),
            fee_cap_binding: m.fee_cap_binding.load(Ordering::Relaxed) == 1,
            wallet_balance_gwei: m.wallet_balance_gwei.load(Ordering::Relaxed),
            reward_cost_gwei: m.reward_cost_gwei.load(Ordering::Relaxed),
            missed_rounds: m.missed_rounds.load(Ordering::Relaxed),
            problems: self.problems(),
            round: self.view(),
            in_flight: in_flight
                .into_iter()
                .map(|f| InFlightView {
                    key: f.key,
                    nonce: f.nonce,
                    max_fee_gwei: gwei(f.max_fee_per_gas),
                    priority_fee_gwei: gwei(f.max_priority_fee_per_gas),
                    hashes: f.hashes,
                })
                .collect(),
            disputes: disputes
                .into_iter()
                .map(|d| DisputeView {
                    state: match (&d.receipt, d.verdict) {
                        _ if d.conflict => "conflict (no judgement needed)".into(),
                        (Some(r), Some(f)) => {
                            Vote::of_verdict(r.output_hash, f.reference_output_hash)
                                .name()
                                .into()
                        }
                        _ => "awaiting judgement".into(),
                    },
                    id: d.id,
                    orchestrator: d.orchestrator,
                    conflict: d.conflict,
                    opened_block: d.opened_block,
                    offense_round: d.offense_round,
                })
                .collect(),
            endpoints,
            games,
            spot_checks,
        })
    }

    fn view(&self) -> RoundView {
        self.lock_view().clone()
    }

    fn lock_view(&self) -> std::sync::MutexGuard<'_, RoundView> {
        self.view.lock().unwrap_or_else(|e| e.into_inner())
    }
}
