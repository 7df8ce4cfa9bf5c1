//! Where the protocol is: the RPC endpoint and the deployment's addresses, from a deployment file
//! (what `keeper devnet` writes) or from the deploy planner's addresses for a deployer and nonce
//! (`bindings::planned_deployment`, the same CREATE rule the deployment used); and the key.

use std::path::PathBuf;

use alloy::{
    network::EthereumWallet,
    primitives::Address,
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use anyhow::{Context, bail};
use bindings::{Deployment, DeploymentFile, key::KeySource, planned_deployment};

/// Where `lpt` reads its key.
const KEY: KeySource = KeySource {
    key_env: "LPT_PRIVATE_KEY",
    password_env: "LPT_KEYSTORE_PASSWORD",
    keystore_setting: "--keystore",
};

/// The command line's connection flags.
#[derive(clap::Args)]
pub struct Target {
    /// The Ethereum JSON-RPC endpoint.
    #[arg(
        long,
        env = "LPT_RPC_URL",
        default_value = "http://127.0.0.1:8545",
        global = true
    )]
    rpc_url: url::Url,
    /// A deployment file (JSON: chain_id, deploy_block and the contracts, as `keeper devnet` writes).
    #[arg(long, env = "LPT_DEPLOYMENT", global = true)]
    deployment: Option<PathBuf>,
    /// Instead of a file: the account that deployed the suite (its addresses follow from it).
    #[arg(
        long,
        env = "LPT_DEPLOYER",
        conflicts_with = "deployment",
        global = true
    )]
    deployer: Option<Address>,
    /// With --deployer: its nonce at the deployment's first transaction.
    #[arg(long, default_value_t = 0, global = true)]
    deploy_nonce: u64,
    /// With --deployer: the block to read events from (proposals, registrations, history).
    #[arg(long, default_value_t = 0, global = true)]
    from_block: u64,
    /// An encrypted JSON keystore (its password in LPT_KEYSTORE_PASSWORD); without one the key is
    /// read from LPT_PRIVATE_KEY.
    #[arg(long, env = "LPT_KEYSTORE", global = true)]
    keystore: Option<PathBuf>,
}

/// The chain and the deployment, read-only.
pub struct Chain {
    pub provider: DynProvider,
    pub d: Deployment,
    /// Where event scans start.
    pub from_block: u64,
    url: url::Url,
}

/// The chain with a key: what sends transactions.
pub struct Keyed {
    pub chain: Chain,
    pub me: Address,
    pub wallet: DynProvider,
}

impl Target {
    /// Connects and finds the deployment; fails when nothing is deployed where it points.
    pub async fn connect(&self) -> anyhow::Result<Chain> {
        if !matches!(self.rpc_url.scheme(), "http" | "https") {
            bail!(
                "--rpc-url {}: only http:// and https:// endpoints are supported",
                self.rpc_url
            );
        }
        let provider = ProviderBuilder::new()
            .connect_http(self.rpc_url.clone())
            .erased();
        let chain_id = provider
            .get_chain_id()
            .await
            .with_context(|| format!("cannot reach the node at {}", self.rpc_url))?;
        let (d, from_block) = match (&self.deployment, self.deployer) {
            (Some(path), _) => {
                let file = DeploymentFile::read(path)?;
                if file.chain_id != chain_id {
                    bail!(
                        "{} is a deployment on chain {}, but {} is chain {chain_id}",
                        path.display(),
                        file.chain_id,
                        self.rpc_url
                    );
                }
                (file.contracts, file.deploy_block)
            }
            (None, Some(deployer)) => (
                planned_deployment(&provider, deployer, self.deploy_nonce)
                    .await
                    .context("evaluating the deploy planner's addresses")?,
                self.from_block,
            ),
            (None, None) => bail!(
                "where is the protocol? pass --deployment FILE (or LPT_DEPLOYMENT), or --deployer ADDR [--deploy-nonce N]"
            ),
        };
        let code = provider
            .get_code_at(d.bonding)
            .await
            .with_context(|| format!("reading code at {}", d.bonding))?;
        if code.is_empty() {
            bail!(
                "no contract at the BondingManager's address {} on {}: wrong deployment, deployer or nonce?",
                d.bonding,
                self.rpc_url
            );
        }
        Ok(Chain {
            provider,
            d,
            from_block,
            url: self.rpc_url.clone(),
        })
    }

    /// The key, from the keystore or the environment.
    pub fn signer(&self) -> anyhow::Result<PrivateKeySigner> {
        Ok(KEY.load(self.keystore.as_deref())?)
    }
}

impl Chain {
    /// The same chain, sending as `signer`.
    pub fn with_key(self, signer: PrivateKeySigner) -> Keyed {
        let me = signer.address();
        let wallet = ProviderBuilder::new()
            .wallet(EthereumWallet::from(signer))
            .connect_http(self.url.clone())
            .erased();
        Keyed {
            chain: self,
            me,
            wallet,
        }
    }
}
