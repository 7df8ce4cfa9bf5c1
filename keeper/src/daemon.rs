//! `keeper run`: the tick in a loop. RPC errors are logged and retried with exponential backoff
//! (an endpoint that goes away and comes back costs nothing but time); SIGINT or SIGTERM lets the
//! current tick finish (its transactions are persisted anyway) and exits cleanly.

use std::{sync::Arc, time::Duration};

use alloy::signers::local::PrivateKeySigner;
use tokio::sync::watch;
use tracing::{error, info, warn};

use crate::{
    config::Config,
    http,
    keeper::{ConnectError, Keeper},
    metrics::Metrics,
};

/// Runs until a shutdown signal. Returns an error only for what retrying cannot fix.
pub async fn run(
    rpc_url: url::Url,
    signer: PrivateKeySigner,
    config: Config,
) -> anyhow::Result<()> {
    let metrics = Arc::new(Metrics::default());
    let shutdown = shutdown_signal();
    let tuning = config.keeper.clone();
    let _server = match tuning.metrics_addr {
        Some(addr) => {
            let stale = (tuning.poll_interval() * 10).max(Duration::from_secs(60));
            Some(http::serve(addr, metrics.clone(), stale).await?)
        }
        None => None,
    };
    let mut backoff = Backoff::new(tuning.poll_interval(), tuning.max_backoff());

    let mut keeper = loop {
        match Keeper::connect(
            rpc_url.clone(),
            signer.clone(),
            config.clone(),
            metrics.clone(),
        )
        .await
        {
            Ok(k) => break k,
            Err(ConnectError::Rpc(e)) => {
                let pause = backoff.fail();
                warn!(error = %e, retry_in = ?pause, "RPC unreachable");
                if sleep_or_shutdown(pause, &shutdown).await {
                    return Ok(());
                }
            }
            Err(ConnectError::Setup(e)) => return Err(e),
        }
    };
    backoff.reset();
    info!(keeper = %keeper.address(), "keeper running");

    let mut last_round = None;
    loop {
        let pause = match keeper.tick().await {
            Ok(report) => {
                backoff.reset();
                let r = &report.rounds;
                if last_round != Some(r.round) {
                    info!(
                        round = r.round,
                        initialized_by_me = r.initialized,
                        rewarded = r.rewarded.len(),
                        already_rewarded = r.already_rewarded,
                        inactive = r.inactive,
                        failed = r.failed.len(),
                        open_disputes = keeper.store.disputes().map(|d| d.len()).unwrap_or(0),
                        "round summary"
                    );
                    last_round = Some(r.round);
                }
                tuning.poll_interval()
            }
            Err(e) => {
                keeper.metrics.inc(&keeper.metrics.tick_errors);
                let pause = backoff.fail();
                if backoff.failures > 3 {
                    error!(error = %format!("{e:#}"), retry_in = ?pause, failures = backoff.failures, "tick failed");
                } else {
                    warn!(error = %format!("{e:#}"), retry_in = ?pause, "tick failed");
                }
                pause
            }
        };
        if sleep_or_shutdown(pause, &shutdown).await {
            info!("shutting down");
            return Ok(());
        }
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
    let mut shutdown = shutdown.clone();
    if *shutdown.borrow() {
        return true;
    }
    tokio::select! {
        _ = tokio::time::sleep(pause) => *shutdown.borrow(),
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
}
