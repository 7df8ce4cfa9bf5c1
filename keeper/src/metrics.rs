//! Counters and gauges for Prometheus, rendered in its text format by hand: a dozen numbers do
//! not need a metrics framework.

use std::{
    collections::BTreeMap,
    fmt::Write,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{SystemTime, UNIX_EPOCH},
};

use alloy::primitives::Address;

use crate::{failover::EndpointStats, rpc::RpcCounters};

/// Everything the keeper counts.
#[derive(Debug, Default)]
pub struct Metrics {
    pub rpc: Arc<RpcCounters>,
    pub ticks: AtomicU64,
    pub tick_errors: AtomicU64,
    pub rounds_initialized: AtomicU64,
    pub rewards_called: AtomicU64,
    pub disputes_seen: AtomicU64,
    pub verdicts_submitted: AtomicU64,
    pub disputes_finalized: AtomicU64,
    pub slashes_executed: AtomicU64,
    pub txs_sent: AtomicU64,
    pub tx_bumps: AtomicU64,
    pub txs_reverted: AtomicU64,
    pub current_round: AtomicU64,
    pub open_disputes: AtomicU64,
    /// Proof-game moves (reveal, pick, finish, timeout) this keeper made.
    pub game_moves: AtomicU64,
    /// Proof games this keeper is playing.
    pub games_in_progress: AtomicU64,
    /// Judgements that failed (fetch error, timeout, oversized object): retried next tick.
    pub judge_errors: AtomicU64,
    /// Disputes whose on-chain identity no longer matched the recorded event (forgotten).
    pub disputes_changed: AtomicU64,
    /// Transactions in flight replaced by a no-op (target changed, or not due after a restart).
    pub txs_cancelled: AtomicU64,
    /// 1 while `max_fee_gwei` holds a fee below what the market or a replacement needs.
    pub fee_cap_binding: AtomicU64,
    /// Times the fee cap bound (a capped fee, or a replacement not sent).
    pub fee_cap_hits: AtomicU64,
    /// Unix seconds of the last tick that completed without error.
    pub last_success: AtomicU64,
    /// When the daemon plans its next tick (unix seconds): an idle keeper sleeps until the
    /// block its next duty is due, up to `keeper.max_idle_secs`.
    pub next_tick_at: AtomicU64,
    /// Each RPC endpoint's traffic and health (set at connect).
    pub endpoints: Mutex<Vec<Arc<EndpointStats>>>,
    /// Rounds that ended with a served orchestrator not rewarded.
    pub missed_rounds: AtomicU64,
    /// The last round each served orchestrator was seen rewarded in (by anyone).
    pub last_rewarded: Mutex<BTreeMap<Address, u64>>,
    /// The keeper's balance, in gwei (u64 wei would overflow at 18 ETH).
    pub wallet_balance_gwei: AtomicU64,
    /// What one reward transaction may cost at the current fee, in gwei.
    pub reward_cost_gwei: AtomicU64,
    /// The fee cap in force, in gwei.
    pub fee_cap_gwei: AtomicU64,
    /// 1 while the operator has paused the keeper.
    pub paused: AtomicU64,
    /// 1 while a served orchestrator is not rewarded `admin.overdue_blocks` into the round.
    pub duties_overdue: AtomicU64,
    /// 1 while the wallet cannot pay for one reward transaction at the current fee.
    pub wallet_short: AtomicU64,
}

impl Metrics {
    pub fn inc(&self, counter: &AtomicU64) {
        self.add(counter, 1);
    }

    pub fn add(&self, counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub fn set(&self, gauge: &AtomicU64, value: u64) {
        gauge.store(value, Ordering::Relaxed);
    }

    pub fn mark_success(&self) {
        self.set(&self.last_success, now());
    }

    /// The daemon sleeps `pause` before its next tick.
    pub fn plan_next_tick(&self, pause: std::time::Duration) {
        self.set(&self.next_tick_at, now().saturating_add(pause.as_secs()));
    }

    /// The keeper is asleep as planned: its next tick is not more than `grace` late.
    pub fn sleeping_as_planned(&self, grace: std::time::Duration) -> bool {
        match self.next_tick_at.load(Ordering::Relaxed) {
            0 => false,
            t => now() <= t.saturating_add(grace.as_secs()),
        }
    }

    /// Seconds since the last successful tick (`None` before the first).
    pub fn since_success(&self) -> Option<u64> {
        match self.last_success.load(Ordering::Relaxed) {
            0 => None,
            t => Some(now().saturating_sub(t)),
        }
    }

    /// Shows `endpoints` in the exposition (one set per keeper: a reconnect replaces it).
    pub fn watch_endpoints(&self, endpoints: Vec<Arc<EndpointStats>>) {
        *self.endpoints.lock().unwrap_or_else(|e| e.into_inner()) = endpoints;
    }

    /// Records that `orchestrator` was rewarded in `round`.
    pub fn rewarded(&self, orchestrator: Address, round: u64) {
        let mut map = self.last_rewarded.lock().unwrap_or_else(|e| e.into_inner());
        let last = map.entry(orchestrator).or_insert(round);
        *last = (*last).max(round);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = self.render_plain();
        self.render_labelled(&mut out);
        out
    }

    /// The metrics with labels: per endpoint, per orchestrator.
    fn render_labelled(&self, out: &mut String) {
        let endpoints = self
            .endpoints
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        type Get = fn(&EndpointStats) -> u64;
        let per_endpoint: [(&str, &str, &str, Get); 3] = [
            (
                "keeper_rpc_endpoint_requests_total",
                "counter",
                "requests tried on each RPC endpoint",
                |e| e.requests.load(Ordering::Relaxed),
            ),
            (
                "keeper_rpc_endpoint_errors_total",
                "counter",
                "requests that failed on each RPC endpoint (and went to the next)",
                |e| e.errors.load(Ordering::Relaxed),
            ),
            (
                "keeper_rpc_endpoint_healthy",
                "gauge",
                "1 while the endpoint answers, 0 while it rests after a failure",
                |e| u64::from(e.healthy.load(Ordering::Relaxed)),
            ),
        ];
        for (name, kind, help, get) in per_endpoint {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (i, e) in endpoints.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "{name}{{index=\"{i}\",endpoint=\"{}\"}} {}",
                    e.label,
                    get(e)
                );
            }
        }
        let name = "keeper_last_rewarded_round";
        let _ = writeln!(
            out,
            "# HELP {name} the last round each served orchestrator was seen rewarded in\n# TYPE {name} gauge"
        );
        for (o, round) in self
            .last_rewarded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(out, "{name}{{orchestrator=\"{o:#x}\"}} {round}");
        }
    }

    fn render_plain(&self) -> String {
        let (requests, calls) = self.rpc.snapshot();
        let rows: [(&str, &str, &str, u64); 31] = [
            (
                "keeper_missed_rounds_total",
                "counter",
                "rounds that ended with a served orchestrator not rewarded",
                self.get(&self.missed_rounds),
            ),
            (
                "keeper_fee_cap_gwei",
                "gauge",
                "the fee cap in force (keeper.max_fee_gwei, or as set at run time)",
                self.get(&self.fee_cap_gwei),
            ),
            (
                "keeper_paused",
                "gauge",
                "1 while an operator has paused the keeper (nothing is sent)",
                self.get(&self.paused),
            ),
            (
                "keeper_duties_overdue",
                "gauge",
                "1 while a served orchestrator is not rewarded admin.overdue_blocks into the round",
                self.get(&self.duties_overdue),
            ),
            (
                "keeper_wallet_short",
                "gauge",
                "1 while the wallet cannot pay for one reward transaction at the current fee",
                self.get(&self.wallet_short),
            ),
            (
                "keeper_wallet_balance_gwei",
                "gauge",
                "the keeper's balance in gwei",
                self.get(&self.wallet_balance_gwei),
            ),
            (
                "keeper_reward_cost_gwei",
                "gauge",
                "what one reward transaction may cost at the current fee (admin.reward_gas), in gwei",
                self.get(&self.reward_cost_gwei),
            ),
            (
                "keeper_judge_errors_total",
                "counter",
                "judgements that failed (content fetch error, timeout, oversized object)",
                self.get(&self.judge_errors),
            ),
            (
                "keeper_disputes_changed_total",
                "counter",
                "disputes whose on-chain identity changed under their id (forgotten, re-read)",
                self.get(&self.disputes_changed),
            ),
            (
                "keeper_txs_cancelled_total",
                "counter",
                "transactions in flight replaced by a no-op",
                self.get(&self.txs_cancelled),
            ),
            (
                "keeper_fee_cap_binding",
                "gauge",
                "1 while max_fee_gwei keeps a fee below the market or a needed replacement",
                self.get(&self.fee_cap_binding),
            ),
            (
                "keeper_fee_cap_hits_total",
                "counter",
                "times the fee cap bound",
                self.get(&self.fee_cap_hits),
            ),
            (
                "keeper_rpc_requests_total",
                "counter",
                "HTTP requests to the RPC endpoint",
                requests,
            ),
            (
                "keeper_rpc_calls_total",
                "counter",
                "JSON-RPC calls (a batch carries many)",
                calls,
            ),
            (
                "keeper_ticks_total",
                "counter",
                "ticks run",
                self.get(&self.ticks),
            ),
            (
                "keeper_tick_errors_total",
                "counter",
                "ticks that failed (retried with backoff)",
                self.get(&self.tick_errors),
            ),
            (
                "keeper_rounds_initialized_total",
                "counter",
                "rounds this keeper initialized",
                self.get(&self.rounds_initialized),
            ),
            (
                "keeper_rewards_called_total",
                "counter",
                "reward calls that succeeded",
                self.get(&self.rewards_called),
            ),
            (
                "keeper_disputes_seen_total",
                "counter",
                "DisputeOpened events read",
                self.get(&self.disputes_seen),
            ),
            (
                "keeper_verdicts_submitted_total",
                "counter",
                "verdicts this keeper submitted",
                self.get(&self.verdicts_submitted),
            ),
            (
                "keeper_disputes_finalized_total",
                "counter",
                "disputes finalized as a draw after their verdict period",
                self.get(&self.disputes_finalized),
            ),
            (
                "keeper_slashes_executed_total",
                "counter",
                "slashes this keeper executed",
                self.get(&self.slashes_executed),
            ),
            (
                "keeper_txs_sent_total",
                "counter",
                "raw transactions accepted by the node",
                self.get(&self.txs_sent),
            ),
            (
                "keeper_tx_bumps_total",
                "counter",
                "fee bumps of stuck transactions",
                self.get(&self.tx_bumps),
            ),
            (
                "keeper_txs_reverted_total",
                "counter",
                "transactions mined reverted",
                self.get(&self.txs_reverted),
            ),
            (
                "keeper_current_round",
                "gauge",
                "the protocol's current round",
                self.get(&self.current_round),
            ),
            (
                "keeper_open_disputes",
                "gauge",
                "disputes the keeper is following",
                self.get(&self.open_disputes),
            ),
            (
                "keeper_game_moves_total",
                "counter",
                "proof-game moves (reveal, pick, finish, timeout) this keeper made",
                self.get(&self.game_moves),
            ),
            (
                "keeper_games_in_progress",
                "gauge",
                "proof games this keeper is playing",
                self.get(&self.games_in_progress),
            ),
            (
                "keeper_last_success_timestamp_seconds",
                "gauge",
                "unix time of the last good tick",
                self.get(&self.last_success),
            ),
            ("keeper_up", "gauge", "1 while the process runs", 1),
        ];
        let mut out = String::new();
        for (name, kind, help, value) in rows {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        }
        out
    }

    fn get(&self, v: &AtomicU64) -> u64 {
        v.load(Ordering::Relaxed)
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
