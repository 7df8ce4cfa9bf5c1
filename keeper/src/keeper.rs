//! The [`Keeper`]: one connection, one key, one store, and [`Keeper::tick`], which does whatever
//! is due right now. The daemon calls it in a loop; the devnet calls it between story steps.

use content::Source;
use std::{sync::Arc, time::Duration};

use alloy::{
    primitives::Address,
    providers::{DynProvider, Provider},
    rpc::client::RpcClient,
    signers::local::PrivateKeySigner,
    transports::TransportError,
};
use tracing::info;

use crate::{
    config::Config,
    disputes::{self, DisputeReport},
    judging::Judges,
    metrics::Metrics,
    rounds::{self, RoundReport},
    rpc,
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
}

pub struct Keeper {
    pub chain: DynProvider,
    /// The same connection, for JSON-RPC batches.
    pub client: RpcClient,
    pub addresses: Addresses,
    pub config: Config,
    pub store: Store,
    pub txs: TxManager,
    pub metrics: Arc<Metrics>,
    pub source: Option<Source>,
    /// Judgements running in their own tasks.
    pub judges: Judges,
}

impl Keeper {
    /// Connects, checks the contracts are there, opens the store.
    pub async fn connect(
        rpc_url: url::Url,
        signer: PrivateKeySigner,
        config: Config,
        metrics: Arc<Metrics>,
    ) -> Result<Self, ConnectError> {
        let (chain, client) =
            rpc::connect(rpc_url, metrics.rpc.clone(), config.keeper.rpc_timeout())?;
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
        let store = Store::open_for(
            &config.keeper.store,
            Deployment {
                chain_id,
                dispute_manager: disputes,
            },
        )?;
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
    pub async fn tick(&mut self) -> anyhow::Result<TickReport> {
        let wait = self.tx_wait();
        self.txs.settle_in_flight(&self.store, wait).await?;
        let rounds = rounds::run(self).await?;
        let disputes = disputes::run(self, rounds.round).await?;
        self.metrics.inc(&self.metrics.ticks);
        self.metrics.mark_success();
        Ok(TickReport { rounds, disputes })
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
