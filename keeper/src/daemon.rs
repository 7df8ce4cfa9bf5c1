//! `keeper run`: the tick in a loop. RPC errors are logged and retried with exponential backoff
//! (an endpoint that goes away and comes back costs nothing but time); SIGINT or SIGTERM lets the
//! current tick finish (its transactions are persisted anyway) and exits cleanly.

use std::{sync::Arc, time::Duration};

use tokio::sync::watch;
use tracing::{error, info, warn};

use crate::{
    config::Config,
    http,
    keeper::{ConnectError, Keeper},
    metrics::Metrics,
    ops::Ops,
    repeats::Repeats,
    rpc::Endpoints,
    signer::Signer,
};

/// How often a repeated failure is summed up in the log while it lasts.
const REPEATS_EVERY: Duration = Duration::from_secs(300);

/// Runs until a shutdown signal. Returns an error only for what retrying cannot fix.
pub async fn run(
    rpc: impl Into<Endpoints>,
    signer: impl Into<Signer>,
    config: Config,
) -> anyhow::Result<()> {
    let (rpc, signer) = (rpc.into(), signer.into());
    let metrics = Arc::new(Metrics::default());
    let shutdown = shutdown_signal();
    let tuning = config.keeper.clone();
    let ops = Ops::new(
        config.admin.clone(),
        config.rewards.act_after_blocks,
        metrics.clone(),
    );
    let _server = match tuning.metrics_addr {
        Some(addr) => {
            // A busy keeper ticks every poll interval; an idle one publishes when it wakes
            // (`Metrics::plan_next_tick`), and health allows this much beyond either.
            let stale = (tuning.poll_interval() * 10).max(Duration::from_secs(60));
            let admin = config.admin.enabled.then(|| ops.clone());
            Some(http::serve_with(addr, metrics.clone(), stale, admin).await?)
        }
        None => None,
    };
    let mut backoff = Backoff::new(tuning.poll_interval(), tuning.max_backoff());

    let mut unreachable = Repeats::new(REPEATS_EVERY);
    let mut keeper = loop {
        match Keeper::connect(rpc.clone(), signer.clone(), config.clone(), metrics.clone()).await {
            Ok(k) => break k,
            Err(ConnectError::Rpc(e)) => {
                let pause = backoff.fail();
                let note = unreachable.note(&e.to_string(), tokio::time::Instant::now());
                if note.log {
                    warn!(error = %e, retry_in = ?pause, "RPC unreachable");
                }
                if let Some(times) = note.repeated {
                    warn!(error = %e, times, retry_in = ?pause, "RPC still unreachable");
                }
                if sleep_or_shutdown(pause, &shutdown).await {
                    return Ok(());
                }
            }
            Err(ConnectError::Setup(e)) => return Err(e),
        }
    };
    ops.attach(&keeper);
    keeper.ops = Some(ops);
    info!(keeper = %keeper.address(), "keeper running");
    drive(&mut keeper, shutdown).await;
    info!("shutting down");
    Ok(())
}

/// The tick in a loop until `shutdown` turns true. Busy (a round's duties not done, a judgement
/// running) it ticks every poll interval; idle, it sleeps until about the block it waits for,
/// from the block time it measures (a tick then costs one head read, or nothing at all).
pub async fn drive(keeper: &mut Keeper, shutdown: watch::Receiver<bool>) {
    let tuning = keeper.config.keeper.clone();
    let mut backoff = Backoff::new(tuning.poll_interval(), tuning.max_backoff());
    let mut clock = BlockClock::new(tuning.block_time());
    // A failure repeated every tick (an RPC endpoint down) is one line, then a count.
    let mut repeats = Repeats::new(REPEATS_EVERY);
    loop {
        if let Some(ops) = keeper.ops.clone().filter(|o| o.paused()) {
            ops.observe_paused(keeper).await;
            if sleep_or_shutdown(tuning.poll_interval(), &shutdown).await {
                return;
            }
            continue;
        }
        let pause = match keeper.tick().await {
            Ok(report) => {
                backoff.reset();
                if let Some(ops) = keeper.ops.clone() {
                    ops.observe(keeper, &report).await;
                }
                if let Some((error, times)) = repeats.clear() {
                    info!(error, times, "ticks work again; the last failure repeated");
                }
                if let Some(head) = keeper.gate.head {
                    clock.saw(head, tokio::time::Instant::now());
                    keeper.txs.pace(clock.block_time());
                }
                match keeper.blocks_until_work() {
                    Some(blocks) => {
                        clock.pause_for(blocks, tuning.poll_interval(), tuning.max_idle())
                    }
                    None => tuning.poll_interval(),
                }
            }
            Err(e) => {
                keeper.metrics.inc(&keeper.metrics.tick_errors);
                let pause = backoff.fail();
                let error = format!("{e:#}");
                let note = repeats.note(&error, tokio::time::Instant::now());
                if let Some((error, times)) = note.ended {
                    warn!(error, times, "the previous failure repeated");
                }
                if note.log {
                    warn!(error, retry_in = ?pause, "tick failed");
                }
                if let Some(times) = note.repeated {
                    error!(error, times, failures = backoff.failures, retry_in = ?pause, "tick failed again, repeatedly");
                }
                pause
            }
        };
        keeper.metrics.plan_next_tick(pause);
        if sleep_until_woken(pause, &shutdown, keeper.ops.as_deref()).await {
            return;
        }
    }
}

/// The chain's block time, measured from the heads seen (the configured guess until a few
/// blocks have passed): the shorter of the average since the first look and the latest long
/// stretch between two looks. Shorter, because a sleep computed from too long a block time could
/// pass a whole round (a stretch that held a busy tick, a chain that sped up), while one too short
/// costs only another look.
struct BlockClock {
    guess: Duration,
    /// The first head seen and when; the latest new head and when.
    first: Option<(u64, tokio::time::Instant)>,
    latest: Option<(u64, tokio::time::Instant)>,
    /// The block time over the last stretch of at least [`RECENT_BLOCKS`] between two looks.
    recent: Option<Duration>,
}

/// Blocks a stretch between two looks must span to measure the block time on its own.
const RECENT_BLOCKS: u64 = 32;

impl BlockClock {
    fn new(guess: Duration) -> Self {
        Self {
            guess,
            first: None,
            latest: None,
            recent: None,
        }
    }

    fn saw(&mut self, head: u64, now: tokio::time::Instant) {
        if self.first.is_none() {
            self.first = Some((head, now));
        }
        match self.latest {
            Some((b, t)) if head > b => {
                if head - b >= RECENT_BLOCKS {
                    self.recent = Some((now - t) / u32::try_from(head - b).unwrap_or(u32::MAX));
                }
                self.latest = Some((head, now));
            }
            None => self.latest = Some((head, now)),
            _ => {}
        }
    }

    fn block_time(&self) -> Duration {
        let average = match (self.first, self.latest) {
            (Some((b0, t0)), Some((b1, t1))) if b1 >= b0 + 3 => {
                Some((t1 - t0) / u32::try_from(b1 - b0).unwrap_or(u32::MAX))
            }
            _ => None,
        };
        match (self.recent, average) {
            (Some(r), Some(a)) => r.min(a),
            (r, a) => r.or(a).unwrap_or(self.guess),
        }
    }

    /// The sleep before looking again for something `blocks` blocks away: 15/16 of the expected
    /// time (the last few blocks in full), at least `min`, at most `max`. Early costs one more
    /// look (a head read); late would delay the duty.
    fn pause_for(&self, blocks: u64, min: Duration, max: Duration) -> Duration {
        let aim = if blocks >= 16 {
            blocks - blocks / 16
        } else {
            blocks
        };
        let aim = u32::try_from(aim).unwrap_or(u32::MAX);
        self.block_time()
            .saturating_mul(aim)
            .clamp(min, max.max(min))
    }
}

/// Exponential backoff from the poll interval up to a cap.
struct Backoff {
    base: Duration,
    max: Duration,
    failures: u32,
}

impl Backoff {
    fn new(base: Duration, max: Duration) -> Self {
        Self {
            base,
            max,
            failures: 0,
        }
    }
    fn fail(&mut self) -> Duration {
        self.failures += 1;
        (self.base * 2u32.saturating_pow(self.failures.min(16))).min(self.max)
    }
    fn reset(&mut self) {
        self.failures = 0;
    }
}

/// A channel that turns true on SIGINT or SIGTERM.
fn shutdown_signal() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            _ = ctrl_c => {},
            _ = term => {},
        }
        let _ = tx.send(true);
    });
    rx
}

/// Sleeps for `pause`; true if a shutdown was asked for meanwhile (or before).
async fn sleep_or_shutdown(pause: Duration, shutdown: &watch::Receiver<bool>) -> bool {
    sleep_until_woken(pause, shutdown, None).await
}

/// Sleeps `pause`, cut short by a shutdown (true) or by the operator pausing or resuming.
async fn sleep_until_woken(
    pause: Duration,
    shutdown: &watch::Receiver<bool>,
    ops: Option<&Ops>,
) -> bool {
    let mut shutdown = shutdown.clone();
    if *shutdown.borrow() {
        return true;
    }
    let woken = async {
        match ops {
            Some(ops) => ops.woken().await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::time::sleep(pause) => *shutdown.borrow(),
        _ = woken => *shutdown.borrow(),
        _ = shutdown.changed() => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_its_cap_and_resets() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(10));
        let pauses: Vec<u64> = (0..5).map(|_| b.fail().as_secs()).collect();
        assert_eq!(pauses, [2, 4, 8, 10, 10]);
        b.reset();
        assert_eq!(b.fail().as_secs(), 2);
    }

    #[test]
    fn a_slow_stretch_never_stretches_a_sleep_past_the_average() {
        let ms = Duration::from_millis;
        let t0 = tokio::time::Instant::now();
        let mut c = BlockClock::new(ms(12_000));
        c.saw(0, t0);
        c.saw(1_000, t0 + ms(10_000));
        assert_eq!(c.block_time(), ms(10));
        // A stretch of 100 ms blocks (the node was busy with the keeper's own batch): the sleep
        // to the next round still follows the faster average, so it cannot pass the round.
        c.saw(1_040, t0 + ms(14_000));
        assert!(c.block_time() < ms(14), "{:?}", c.block_time());
        let pause = c.pause_for(960, ms(5), Duration::from_secs(60));
        assert!(pause < ms(960 * 14), "{pause:?}");
        // A chain that sped up is followed at once.
        c.saw(1_140, t0 + ms(14_500));
        assert_eq!(c.block_time(), ms(5));
        // Far targets are aimed a little short, near ones in full.
        assert_eq!(
            c.pause_for(1_600, ms(1), Duration::from_secs(60)),
            ms(5 * 1_500)
        );
        assert_eq!(c.pause_for(3, ms(1), Duration::from_secs(60)), ms(15));
    }
}
