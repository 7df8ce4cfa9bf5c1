//! Live state through an RPC endpoint, forked into revm: accounts, code and storage are fetched
//! on first use (revm's `AlloyDB`) and cached; nothing is ever sent to the node.

use alloy::{
    eips::BlockId,
    network::Ethereum,
    providers::{DynProvider, Provider, ProviderBuilder},
};
use anyhow::{Context as _, Result};
use revm::database::{AlloyDB, CacheDB, WrapDatabaseAsync};
use tokio::runtime::Runtime;

use crate::evm::Chain;

/// The forked database.
pub type ForkDb = CacheDB<WrapDatabaseAsync<AlloyDB<Ethereum, DynProvider>>>;

/// A fork: the chain positioned one block after `block`, and the node it reads from.
pub struct Fork {
    pub chain: Chain<ForkDb>,
    pub provider: DynProvider,
    /// The forked block.
    pub block: u64,
    pub runtime: Runtime,
}

impl Fork {
    /// Forks `rpc_url` at `block` (default: the latest); the simulated transactions run in the
    /// next block, 12 seconds later.
    pub fn new(rpc_url: &str, block: Option<u64>) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        let url = rpc_url
            .parse()
            .with_context(|| format!("`{rpc_url}` is not a URL"))?;
        let provider = ProviderBuilder::new().connect_http(url).erased();
        let block = match block {
            Some(b) => b,
            None => runtime
                .block_on(provider.get_block_number())
                .with_context(|| format!("reading the latest block from {rpc_url}"))?,
        };
        let header = runtime
            .block_on(async { provider.get_block_by_number(block.into()).await })
            .with_context(|| format!("reading block {block} from {rpc_url}"))?
            .with_context(|| format!("{rpc_url} has no block {block}"))?;
        let db = AlloyDB::new(provider.clone(), BlockId::number(block));
        let db = CacheDB::new(WrapDatabaseAsync::with_handle(db, runtime.handle().clone()));
        let chain = Chain::with_db(db, block + 1, header.header.timestamp + 12);
        Ok(Self {
            chain,
            provider,
            block,
            runtime,
        })
    }
}
