//! `/metrics` and `/health` over plain HTTP/1.1. Two read-only routes, answered and closed: a
//! tiny server on tokio's listener instead of a web framework in the build.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};
use tracing::{info, warn};

use crate::metrics::Metrics;

/// Binds `addr` (an error if taken) and serves until the task is dropped. Health is good while
/// the last successful tick is younger than `stale_after`.
pub async fn serve(
    addr: SocketAddr,
    metrics: Arc<Metrics>,
    stale_after: Duration,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("metrics_addr {addr}: {e}"))?;
    info!(%addr, "serving /metrics and /health");
    Ok(tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                continue;
            };
            let metrics = metrics.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                let n = match tokio::time::timeout(Duration::from_secs(5), socket.read(&mut buf))
                    .await
                {
                    Ok(Ok(n)) => n,
                    _ => return,
                };
                let request = String::from_utf8_lossy(&buf[..n]);
                let path = request.split_whitespace().nth(1).unwrap_or("");
                let (status, body) = respond(path, &metrics, stale_after);
                let response = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: text/plain; version=0.0.4\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                if let Err(e) = socket.write_all(response.as_bytes()).await {
                    warn!(error = %e, "writing a metrics response");
                }
            });
        }
    }))
}

fn respond(path: &str, metrics: &Metrics, stale_after: Duration) -> (&'static str, String) {
    match path {
        "/metrics" => ("200 OK", metrics.render()),
        "/health" => match metrics.since_success() {
            Some(age) if age <= stale_after.as_secs() => {
                ("200 OK", format!("ok: last good tick {age}s ago\n"))
            }
            Some(age) => (
                "503 Service Unavailable",
                format!("stale: last good tick {age}s ago\n"),
            ),
            None => (
                "503 Service Unavailable",
                "starting: no good tick yet\n".into(),
            ),
        },
        _ => ("404 Not Found", "try /metrics or /health\n".into()),
    }
}
