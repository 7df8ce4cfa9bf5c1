//! The RPC connection: an HTTP client over one or several endpoints (with failover) that counts
//! requests and calls (for metrics and the benchmark), and JSON-RPC batches, so reading the
//! state of 200 orchestrators is one request.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    task::{Context, Poll},
    time::Duration,
};

use alloy::{
    eips::BlockId,
    network::TransactionBuilder,
    primitives::{Address, Bytes},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::{
        client::{ClientBuilder, RpcClient},
        json_rpc::{RequestPacket, ResponsePacket},
        types::TransactionRequest,
    },
    sol_types::SolCall,
    transports::{TransportError, TransportFut},
};
use anyhow::Context as _;

use crate::failover::{EndpointStats, Failover};

/// The RPC endpoints to use, in order of preference (one URL converts into one).
#[derive(Clone, Debug)]
pub struct Endpoints(pub Vec<url::Url>);

impl From<url::Url> for Endpoints {
    fn from(url: url::Url) -> Self {
        Endpoints(vec![url])
    }
}

impl From<Vec<url::Url>> for Endpoints {
    fn from(urls: Vec<url::Url>) -> Self {
        Endpoints(urls)
    }
}

/// Requests sent (an HTTP request each) and calls made (a batch carries many).
#[derive(Debug, Default)]
pub struct RpcCounters {
    pub requests: AtomicU64,
    pub calls: AtomicU64,
}

impl RpcCounters {
    pub fn snapshot(&self) -> (u64, u64) {
        (
            self.requests.load(Ordering::Relaxed),
            self.calls.load(Ordering::Relaxed),
        )
    }
}

/// A tower layer counting what goes through the transport.
#[derive(Clone)]
struct CountingLayer(Arc<RpcCounters>);

impl<S> tower::Layer<S> for CountingLayer {
    type Service = Counting<S>;
    fn layer(&self, inner: S) -> Self::Service {
        Counting {
            inner,
            counters: self.0.clone(),
        }
    }
}

#[derive(Clone)]
struct Counting<S> {
    inner: S,
    counters: Arc<RpcCounters>,
}

impl<S> tower::Service<RequestPacket> for Counting<S>
where
    S: tower::Service<
            RequestPacket,
            Response = ResponsePacket,
            Error = TransportError,
            Future = TransportFut<'static>,
        >,
{
    type Response = ResponsePacket;
    type Error = TransportError;
    type Future = TransportFut<'static>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: RequestPacket) -> Self::Future {
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        self.counters
            .calls
            .fetch_add(request.len() as u64, Ordering::Relaxed);
        self.inner.call(request)
    }
}

/// A read-only provider over HTTP whose traffic lands in `counters`. Transactions are signed
/// by the keeper's own [`crate::txs::TxManager`], not by a provider filler.
///
/// Every request has a deadline: an endpoint that accepts a connection and never answers would
/// otherwise hang the keeper for good.
pub fn connect(
    url: url::Url,
    counters: Arc<RpcCounters>,
    timeout: Duration,
) -> anyhow::Result<(DynProvider, RpcClient)> {
    let (chain, client, _) = connect_endpoints(
        &[url],
        counters,
        timeout,
        Duration::from_secs(1),
        Duration::from_secs(60),
    )?;
    Ok((chain, client))
}

/// Like [`connect`], over several endpoints with failover (see [`crate::failover`]): each
/// request has `timeout` on one endpoint; a failed endpoint rests `backoff` (doubling per
/// failure up to `max_backoff`) before it is tried again. Returns each endpoint's stats.
pub fn connect_endpoints(
    urls: &[url::Url],
    counters: Arc<RpcCounters>,
    timeout: Duration,
    backoff: Duration,
    max_backoff: Duration,
) -> anyhow::Result<(DynProvider, RpcClient, Vec<Arc<EndpointStats>>)> {
    if urls.is_empty() {
        anyhow::bail!("no RPC endpoint: give --rpc-url or rpc.urls in the config");
    }
    let http = reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .context("building the HTTP client")?;
    let failover = Failover::new(http, urls, backoff, max_backoff);
    let stats = failover.stats();
    let is_local = failover.is_local();
    let client = ClientBuilder::default()
        .layer(CountingLayer(counters))
        .transport(failover, is_local);
    Ok((
        ProviderBuilder::new()
            .connect_client(client.clone())
            .erased(),
        client,
        stats,
    ))
}

/// Calls `calls` on `to` in one JSON-RPC batch (chunks of 500) and decodes the results in order.
pub async fn call_many<C: SolCall>(
    client: &RpcClient,
    to: Address,
    calls: &[C],
) -> anyhow::Result<Vec<C::Return>> {
    let mut out = Vec::with_capacity(calls.len());
    for chunk in calls.chunks(500) {
        let mut batch = client.new_batch();
        let mut waiters = Vec::with_capacity(chunk.len());
        for call in chunk {
            let tx = TransactionRequest::default()
                .with_to(to)
                .with_input(call.abi_encode());
            waiters.push(batch.add_call::<_, Bytes>("eth_call", &(tx, BlockId::latest()))?);
        }
        batch.send().await?;
        for waiter in waiters {
            let bytes = waiter.await?;
            out.push(
                C::abi_decode_returns(&bytes)
                    .with_context(|| format!("decoding {} from {to}", C::SIGNATURE))?,
            );
        }
    }
    Ok(out)
}

/// One call, decoded.
pub async fn call<C: SolCall>(
    chain: &DynProvider,
    to: Address,
    call: C,
) -> anyhow::Result<C::Return> {
    let tx = TransactionRequest::default()
        .with_to(to)
        .with_input(call.abi_encode());
    let bytes = chain.call(tx).await?;
    C::abi_decode_returns(&bytes).with_context(|| format!("decoding {} from {to}", C::SIGNATURE))
}
