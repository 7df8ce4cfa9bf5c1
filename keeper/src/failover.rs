//! Several RPC endpoints behind one transport, with health-based failover.
//!
//! A request goes to the first healthy endpoint in the configured order (so reads come from one
//! node while it is well). A transport failure there (refused, reset, timed out, an HTTP error
//! status) marks it unhealthy and the same request goes to the next one. An unhealthy endpoint is
//! skipped until its backoff (doubling per failure, capped) has passed, then tried again with a
//! real request; a success makes it healthy. A JSON-RPC error answer (a revert, "nonce too low") is
//! an answer, not a failure: it is returned, never retried elsewhere.
//!
//! Why a transport and not several providers: everything the keeper does (single calls,
//! batches, sends) goes through one `RpcClient`, so failing over below it covers all of it
//! without touching any call site. Sends are safe to repeat: the transport only ever replays the
//! same request bytes, so a `eth_sendRawTransaction` that timed out on one node is the same
//! signed transaction (same hash) on the next; signing happens above, once.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    task::{Context, Poll},
    time::{Duration, Instant},
};

use alloy::{
    rpc::json_rpc::{RequestPacket, ResponsePacket},
    transports::{TransportError, TransportFut, http::Http},
};
use tracing::{info, warn};

/// One endpoint's health and traffic, shown as metrics.
#[derive(Debug)]
pub struct EndpointStats {
    /// `scheme://host:port` only: a path or query may hold an API key.
    pub label: String,
    pub requests: AtomicU64,
    pub errors: AtomicU64,
    pub healthy: AtomicBool,
    /// Failures in a row, and when the endpoint may be tried again.
    state: Mutex<(u32, Option<Instant>)>,
}

impl EndpointStats {
    pub fn new(label: String) -> Self {
        Self {
            label,
            requests: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            healthy: AtomicBool::new(true),
            state: Mutex::new((0, None)),
        }
    }

    /// Healthy, or unhealthy with its backoff passed.
    fn eligible(&self, now: Instant) -> bool {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.1.is_none_or(|at| now >= at)
    }

    fn succeeded(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if !self.healthy.swap(true, Ordering::Relaxed) {
            info!(endpoint = %self.label, "RPC endpoint healthy again");
        }
        *state = (0, None);
    }

    fn failed(&self, error: &TransportError, backoff: Duration, max: Duration) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.0 = state.0.saturating_add(1);
        let pause = backoff
            .saturating_mul(2u32.saturating_pow(state.0.saturating_sub(1).min(16)))
            .min(max);
        state.1 = Some(Instant::now() + pause);
        if self.healthy.swap(false, Ordering::Relaxed) {
            warn!(endpoint = %self.label, %error, retry_in = ?pause, "RPC endpoint failed; using the next one");
        }
    }
}

/// The label of `url` for logs and metrics: no credentials, path or query.
pub fn label(url: &url::Url) -> String {
    match (url.host_str(), url.port_or_known_default()) {
        (Some(host), Some(port)) => format!("{}://{host}:{port}", url.scheme()),
        _ => url.scheme().to_string(),
    }
}

#[derive(Clone, Debug)]
struct Endpoint {
    http: Http<reqwest::Client>,
    stats: Arc<EndpointStats>,
}

/// The failover transport (a tower service, as alloy's transports are).
#[derive(Clone, Debug)]
pub struct Failover {
    endpoints: Arc<[Endpoint]>,
    backoff: Duration,
    max_backoff: Duration,
}

impl Failover {
    /// One endpoint per URL, in order of preference, sharing one HTTP client (its timeout is
    /// each request's deadline on one endpoint).
    pub fn new(
        client: reqwest::Client,
        urls: &[url::Url],
        backoff: Duration,
        max_backoff: Duration,
    ) -> Self {
        let endpoints = urls
            .iter()
            .map(|url| Endpoint {
                http: Http::with_client(client.clone(), url.clone()),
                stats: Arc::new(EndpointStats::new(label(url))),
            })
            .collect();
        Self {
            endpoints,
            backoff,
            max_backoff,
        }
    }

    /// Every endpoint's stats, in order.
    pub fn stats(&self) -> Vec<Arc<EndpointStats>> {
        self.endpoints.iter().map(|e| e.stats.clone()).collect()
    }

    /// Whether all endpoints look local (alloy polls local nodes faster).
    pub fn is_local(&self) -> bool {
        self.endpoints.iter().all(|e| e.http.guess_local())
    }

    /// The order to try: eligible endpoints in preference order; if none is, all of them (an
    /// outage of every node should cost one round of tries, not an error without a try).
    fn order(&self) -> Vec<Endpoint> {
        let now = Instant::now();
        let eligible: Vec<Endpoint> = self
            .endpoints
            .iter()
            .filter(|e| e.stats.eligible(now))
            .cloned()
            .collect();
        if eligible.is_empty() {
            self.endpoints.to_vec()
        } else {
            eligible
        }
    }
}

impl tower::Service<RequestPacket> for Failover {
    type Response = ResponsePacket;
    type Error = TransportError;
    type Future = TransportFut<'static>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // reqwest's client is always ready.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: RequestPacket) -> Self::Future {
        let order = self.order();
        let (backoff, max) = (self.backoff, self.max_backoff);
        Box::pin(async move {
            let mut last = None;
            for mut endpoint in order {
                endpoint.stats.requests.fetch_add(1, Ordering::Relaxed);
                match tower::Service::call(&mut endpoint.http, request.clone()).await {
                    Ok(response) => {
                        endpoint.stats.succeeded();
                        return Ok(response);
                    }
                    Err(error) => {
                        endpoint.stats.failed(&error, backoff, max);
                        last = Some(error);
                    }
                }
            }
            Err(last.unwrap_or_else(|| {
                alloy::transports::TransportErrorKind::custom_str("no RPC endpoint configured")
            }))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_drop_keys_in_paths_and_credentials() {
        let url: url::Url = "https://user:pw@node.example:8443/v3/SECRET?key=x"
            .parse()
            .unwrap();
        assert_eq!(label(&url), "https://node.example:8443");
        let url: url::Url = "http://127.0.0.1/".parse().unwrap();
        assert_eq!(label(&url), "http://127.0.0.1:80");
    }

    #[test]
    fn a_failed_endpoint_backs_off_doubling_to_the_cap_and_recovers() {
        let stats = EndpointStats::new("x".into());
        let err = alloy::transports::TransportErrorKind::custom_str("down");
        let (base, max) = (Duration::from_secs(1), Duration::from_secs(3));
        let now = Instant::now();
        stats.failed(&err, base, max);
        assert!(!stats.healthy.load(Ordering::Relaxed));
        assert!(!stats.eligible(now));
        assert!(stats.eligible(now + Duration::from_millis(1_100)));
        stats.failed(&err, base, max);
        assert!(!stats.eligible(Instant::now() + Duration::from_millis(1_900)));
        stats.failed(&err, base, max);
        stats.failed(&err, base, max);
        // Capped at 3 s however many failures.
        assert!(stats.eligible(Instant::now() + Duration::from_millis(3_100)));
        stats.succeeded();
        assert!(stats.healthy.load(Ordering::Relaxed) && stats.eligible(Instant::now()));
        assert_eq!(stats.errors.load(Ordering::Relaxed), 4);
    }
}
