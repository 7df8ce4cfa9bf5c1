//! `/metrics`, `/health` and the admin API over plain HTTP/1.1, answered and closed: a tiny
//! server on tokio's listener instead of a web framework in the build.
//!
//! Admin routes (JSON; from loopback peers only unless `admin.remote`):
//! `GET /admin/status` (everything below at once), `GET /admin/in-flight`, `GET /admin/disputes`,
//! `GET /admin/duties`, `GET /admin/games`, `GET /admin/fee-cap`; `POST /admin/pause`, `POST /admin/resume`,
//! `POST /admin/fee-cap?gwei=N` (or the number as the body).

use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};
use tracing::{info, warn};

use crate::{metrics::Metrics, ops::Ops};

/// The largest request read (admin bodies are a number).
const MAX_REQUEST: usize = 8 * 1024;

/// Binds `addr` (an error if taken) and serves `/metrics` and `/health` until the task is
/// dropped. Health is good while the last successful tick is younger than `stale_after`.
pub async fn serve(
    addr: SocketAddr,
    metrics: Arc<Metrics>,
    stale_after: Duration,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    serve_with(addr, metrics, stale_after, None).await
}

/// Like [`serve`], with the admin API when `ops` is given; `/health` then also fails on
/// overdue duties and a wallet that cannot pay for a reward.
pub async fn serve_with(
    addr: SocketAddr,
    metrics: Arc<Metrics>,
    stale_after: Duration,
    ops: Option<Arc<Ops>>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("metrics_addr {addr}: {e}"))?;
    info!(%addr, admin = ops.is_some(), "serving /metrics and /health");
    Ok(tokio::spawn(async move {
        loop {
            let Ok((mut socket, peer)) = listener.accept().await else {
                continue;
            };
            let metrics = metrics.clone();
            let ops = ops.clone();
            tokio::spawn(async move {
                let Some(request) = read_request(&mut socket).await else {
                    return;
                };
                let response = route(&request, peer.ip(), &metrics, ops.as_deref(), stale_after);
                let bytes = format!(
                    "HTTP/1.1 {}\r\ncontent-type: {}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{}",
                    response.status,
                    response.content_type,
                    response.body.len(),
                    response.body
                );
                if let Err(e) = socket.write_all(bytes.as_bytes()).await {
                    warn!(error = %e, "writing an HTTP response");
                }
            });
        }
    }))
}

/// A parsed request: method, path, query and body.
struct Request {
    method: String,
    path: String,
    query: String,
    body: String,
}

/// Reads the head and (up to its content-length, bounded) the body; `None` on a slow, broken
/// or oversized request.
async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<Request> {
    let mut buf = Vec::with_capacity(1024);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let mut chunk = [0u8; 1024];
        let n = tokio::time::timeout_at(deadline, socket.read(&mut chunk))
            .await
            .ok()?
            .ok()?;
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf);
        if let Some(end) = text.find("\r\n\r\n") {
            let head = &text[..end];
            let length: usize = head
                .lines()
                .filter_map(|l| l.split_once(':'))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.trim().parse().ok())
                .unwrap_or(0);
            if end + 4 + length > MAX_REQUEST {
                return None;
            }
            if buf.len() >= end + 4 + length || n == 0 {
                let mut words = head.split_whitespace();
                let method = words.next()?.to_string();
                let target = words.next()?.to_string();
                let (path, query) = target.split_once('?').unwrap_or((&target, ""));
                let body = text[end + 4..].to_string();
                return Some(Request {
                    method,
                    path: path.into(),
                    query: query.into(),
                    body,
                });
            }
        }
        if n == 0 || buf.len() > MAX_REQUEST {
            return None;
        }
    }
}

struct Response {
    status: &'static str,
    content_type: &'static str,
    body: String,
}

fn text(status: &'static str, body: impl Into<String>) -> Response {
    Response {
        status,
        content_type: "text/plain; version=0.0.4",
        body: body.into(),
    }
}

fn json(value: &impl serde::Serialize) -> Response {
    match serde_json::to_string_pretty(value) {
        Ok(body) => Response {
            status: "200 OK",
            content_type: "application/json",
            body: body + "\n",
        },
        Err(e) => text("500 Internal Server Error", format!("{e}\n")),
    }
}

const NOT_FOUND: &str = "try /metrics, /health or /admin/status\n";

fn route(
    request: &Request,
    peer: IpAddr,
    metrics: &Metrics,
    ops: Option<&Ops>,
    stale_after: Duration,
) -> Response {
    match (request.method.as_str(), request.path.as_str()) {
        ("GET", "/metrics") => text("200 OK", metrics.render()),
        ("GET", "/health") => health(metrics, ops, stale_after),
        (_, path) if path.starts_with("/admin/") => match ops {
            None => text("404 Not Found", "the admin API is off (admin.enabled)\n"),
            Some(ops) if !ops.admin.remote && !peer.is_loopback() => text(
                "403 Forbidden",
                "the admin API answers this host only (admin.remote)\n",
            ),
            Some(ops) => admin(request, ops),
        },
        ("GET", _) => text("404 Not Found", NOT_FOUND),
        _ => text("405 Method Not Allowed", NOT_FOUND),
    }
}

fn health(metrics: &Metrics, ops: Option<&Ops>, stale_after: Duration) -> Response {
    let unavailable = "503 Service Unavailable";
    match metrics.since_success() {
        None => text(unavailable, "starting: no good tick yet\n"),
        // Idle keepers sleep until their next duty (hours on a real chain): stale means no good
        // tick for `stale_after` and not asleep as planned either.
        Some(age) if age > stale_after.as_secs() && !metrics.sleeping_as_planned(stale_after) => {
            text(unavailable, format!("stale: last good tick {age}s ago\n"))
        }
        Some(age) => {
            let problems = ops.map(Ops::problems).unwrap_or_default();
            if problems.is_empty() {
                text("200 OK", format!("ok: last good tick {age}s ago\n"))
            } else {
                text(unavailable, problems.join("\n") + "\n")
            }
        }
    }
}

fn admin(request: &Request, ops: &Ops) -> Response {
    let status = || ops.status();
    let view = |pick: fn(crate::ops::Status) -> serde_json::Value| match status() {
        Ok(s) => json(&pick(s)),
        Err(e) => text("500 Internal Server Error", format!("{e:#}\n")),
    };
    match (request.method.as_str(), request.path.as_str()) {
        ("GET", "/admin/status") => match status() {
            Ok(s) => json(&s),
            Err(e) => text("500 Internal Server Error", format!("{e:#}\n")),
        },
        ("GET", "/admin/in-flight") => view(|s| serde_json::json!(s.in_flight)),
        ("GET", "/admin/disputes") => view(|s| serde_json::json!(s.disputes)),
        ("GET", "/admin/games") => {
            view(|s| serde_json::json!({"games": s.games, "spot_checks": s.spot_checks}))
        }
        ("GET", "/admin/duties") => view(|s| serde_json::json!(s.round)),
        ("GET", "/admin/fee-cap") => view(
            |s| serde_json::json!({ "fee_cap_gwei": s.fee_cap_gwei, "binding": s.fee_cap_binding }),
        ),
        ("POST", "/admin/pause") => {
            ops.set_paused(true);
            json(&serde_json::json!({ "paused": true }))
        }
        ("POST", "/admin/resume") => {
            ops.set_paused(false);
            json(&serde_json::json!({ "paused": false }))
        }
        ("POST", "/admin/fee-cap") => match fee_cap_of(request) {
            Some(gwei) if ops.set_fee_cap(gwei) => {
                json(&serde_json::json!({ "fee_cap_gwei": gwei }))
            }
            Some(_) => text(
                "503 Service Unavailable",
                "the keeper is not connected yet: try again\n",
            ),
            None => text(
                "400 Bad Request",
                "give the cap in gwei, at least 1: POST /admin/fee-cap?gwei=N (or N as the body)\n",
            ),
        },
        ("GET", _) | ("POST", _) => text("404 Not Found", NOT_FOUND),
        _ => text("405 Method Not Allowed", NOT_FOUND),
    }
}

/// The new cap from `?gwei=N` or a body holding N: a whole number of gwei, at least 1.
fn fee_cap_of(request: &Request) -> Option<u64> {
    let from_query = request
        .query
        .split('&')
        .find_map(|kv| kv.strip_prefix("gwei="));
    let raw = from_query.unwrap_or(request.body.trim());
    raw.trim().parse::<u64>().ok().filter(|&g| g >= 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: &str, target: &str, body: &str) -> Request {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        Request {
            method: method.into(),
            path: path.into(),
            query: query.into(),
            body: body.into(),
        }
    }

    #[test]
    fn fee_caps_come_from_the_query_or_the_body_and_must_be_whole_gwei() {
        assert_eq!(
            fee_cap_of(&req("POST", "/admin/fee-cap?gwei=250", "")),
            Some(250)
        );
        assert_eq!(
            fee_cap_of(&req("POST", "/admin/fee-cap", " 40\n")),
            Some(40)
        );
        for bad in ["", "0", "-3", "1.5", "lots"] {
            assert_eq!(
                fee_cap_of(&req("POST", "/admin/fee-cap", bad)),
                None,
                "{bad}"
            );
        }
    }

    #[test]
    fn admin_routes_refuse_other_hosts_and_answer_404_when_off() {
        let metrics = Arc::new(Metrics::default());
        let ops = Ops::new(crate::config::AdminConfig::default(), 0, metrics.clone());
        let remote: IpAddr = "10.1.2.3".parse().unwrap();
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        let pause = req("POST", "/admin/pause", "");
        let stale = Duration::from_secs(60);
        assert_eq!(
            route(&pause, remote, &metrics, Some(&ops), stale).status,
            "403 Forbidden"
        );
        assert!(!ops.paused());
        assert_eq!(
            route(&pause, local, &metrics, Some(&ops), stale).status,
            "200 OK"
        );
        assert!(ops.paused());
        assert_eq!(
            route(&pause, local, &metrics, None, stale).status,
            "404 Not Found"
        );
        let games = route(
            &req("GET", "/admin/games", ""),
            local,
            &metrics,
            Some(&ops),
            stale,
        );
        assert_eq!(games.status, "200 OK");
        let body: serde_json::Value = serde_json::from_str(&games.body).unwrap();
        assert_eq!(body, serde_json::json!({"games": [], "spot_checks": []}));
        let cap = req("POST", "/admin/fee-cap?gwei=9", "");
        // Not connected yet: nothing to set.
        assert!(
            route(&cap, local, &metrics, Some(&ops), stale)
                .status
                .starts_with("503")
        );
        assert!(
            route(&req("DELETE", "/metrics", ""), local, &metrics, None, stale)
                .status
                .starts_with("405")
        );
    }
}
