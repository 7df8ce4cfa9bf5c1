//! A local chain with the suite deployed and helpers to populate it: what the devnet story and
//! the keeper's end-to-end tests stand on.

use std::{path::Path, time::Duration};

use alloy::{
    node_bindings::{Anvil, AnvilInstance},
    primitives::{Address, U256},
    providers::{DynProvider, Provider, ProviderBuilder, ext::AnvilApi},
    signers::local::PrivateKeySigner,
};
use anyhow::{Context, bail};
use bindings::{
    BondingManager, DeployConfig, Deployment, DisputeManager, LPT, LivepeerToken, RoundsManager,
    deadline::Deadline, deploy, devchain::mine_to_round_end, no_hints, toolchain,
};

use crate::config::{Config, Contracts, KeyConfig, Rewards, Served, Tuning, VerifierConfig};

/// Sends a contract call, waits for its receipt and fails on a revert, naming the call.
#[macro_export]
macro_rules! send {
    ($call:expr) => {{
        let receipt = $call
            .send()
            .await
            .with_context(|| format!("sending {}", stringify!($call)))?
            .get_receipt()
            .await
            .with_context(|| format!("receipt of {}", stringify!($call)))?;
        if !receipt.status() {
            anyhow::bail!(
                "{} reverted in {}",
                stringify!($call),
                receipt.transaction_hash
            );
        }
        receipt
    }};
}

/// An anvil node with the suite deployed by account 0, which keeps its admin role (the devnet
/// approves verifiers directly; production hands everything to the timelock).
pub struct World {
    pub anvil: AnvilInstance,
    pub d: Deployment,
    pub config: DeployConfig,
    pub chain_id: u64,
    pub deploy_block: u64,
    /// Tests put the node under their deadline (see [`World::under_deadline`]).
    deadline: Option<Deadline>,
}

impl World {
    /// Starts anvil (`accounts` funded keys, on `port` or a free one) and deploys the suite.
    pub async fn start(
        port: Option<u16>,
        accounts: u32,
        round_length: u64,
    ) -> anyhow::Result<Self> {
        Self::start_with(port, accounts, |c| {
            c.roundLength = U256::from(round_length);
            // A 2-round vote (the deploy converts rounds to the governor's blocks).
            c.governance.votingPeriodRounds = U256::from(2);
        })
        .await
    }

    /// As [`World::start`], with the deploy config adjusted by `configure`.
    pub async fn start_with(
        port: Option<u16>,
        accounts: u32,
        configure: impl FnOnce(&mut DeployConfig),
    ) -> anyhow::Result<Self> {
        let bin = toolchain::anvil_bin();
        let mut anvil = Anvil::new()
            .path(&bin)
            .arg("--accounts")
            .arg(accounts.to_string())
            // States stay in memory (the last 256), never on disk: a killed anvil leaves its disk
            // state behind in ~/.foundry/anvil/tmp, gigabytes after a long benchmark.
            .args(["--prune-history", "256"]);
        if let Some(port) = port {
            anvil = anvil.port(port);
        }
        let anvil = anvil
            .try_spawn()
            .with_context(|| format!("starting anvil from {} (run `npm ci`)", bin.display()))?;
        let admin = anvil.addresses()[0];
        let provider = wallet_at(&anvil, 0);
        let mut config = DeployConfig {
            handOverToGovernance: false,
            ..DeployConfig::defaults(&provider, admin)
                .await
                .context("reading the deploy defaults")?
        };
        configure(&mut config);
        let d = deploy(&provider, &config)
            .await
            .context("deploying the suite")?;
        let chain_id = provider.get_chain_id().await?;
        let deploy_block = provider.get_block_number().await?;
        Ok(Self {
            anvil,
            d,
            config,
            chain_id,
            deploy_block,
            deadline: None,
        })
    }

    /// Puts the running test under a deadline: past `limit`, anvil is killed and the test binary
    /// fails, so a stalled test cannot hang CI.
    pub fn under_deadline(mut self, limit: Duration) -> Self {
        let deadline = Deadline::for_this_test(limit);
        deadline.watch(self.anvil.child().id());
        self.deadline = Some(deadline);
        self
    }

    pub fn url(&self) -> url::Url {
        self.anvil.endpoint_url()
    }

    pub fn signer(&self, index: usize) -> PrivateKeySigner {
        self.anvil.keys()[index].clone().into()
    }

    pub fn address(&self, index: usize) -> Address {
        self.anvil.addresses()[index]
    }

    /// A provider that signs as account `index`.
    pub fn wallet(&self, index: usize) -> DynProvider {
        wallet_at(&self.anvil, index)
    }

    pub fn admin(&self) -> DynProvider {
        self.wallet(0)
    }

    /// Approves `verifier` in the DisputeManager (the devnet admin still holds the role).
    pub async fn approve_verifier(&self, verifier: Address) -> anyhow::Result<()> {
        send!(DisputeManager::new(self.d.disputes, self.admin()).setVerifier(verifier, true));
        Ok(())
    }

    /// Sets the verdict quorum.
    pub async fn set_quorum(&self, quorum: u64) -> anyhow::Result<()> {
        send!(DisputeManager::new(self.d.disputes, self.admin()).setQuorum(U256::from(quorum)));
        Ok(())
    }

    /// Sends `lpt` whole LPT from the genesis holder to `to`.
    pub async fn fund(&self, to: Address, lpt: u64) -> anyhow::Result<()> {
        send!(LivepeerToken::new(self.d.token, self.admin()).transfer(to, U256::from(lpt) * LPT));
        Ok(())
    }

    /// Account `index` registers as an orchestrator and self-bonds `lpt` LPT.
    pub async fn orchestrator(
        &self,
        index: usize,
        lpt: u64,
        reward_cut_ppm: u64,
        fee_share_ppm: u64,
    ) -> anyhow::Result<Address> {
        let me = self.address(index);
        self.fund(me, lpt).await?;
        let w = self.wallet(index);
        send!(LivepeerToken::new(self.d.token, &w).approve(self.d.bonding, U256::MAX));
        let bonding = BondingManager::new(self.d.bonding, &w);
        send!(bonding.registerOrchestrator(U256::from(reward_cut_ppm), U256::from(fee_share_ppm)));
        send!(bonding.bond(U256::from(lpt) * LPT, me, no_hints()));
        Ok(me)
    }

    /// Account `index` delegates `lpt` LPT to `to`.
    pub async fn delegate(&self, index: usize, to: Address, lpt: u64) -> anyhow::Result<()> {
        self.fund(self.address(index), lpt).await?;
        let w = self.wallet(index);
        send!(LivepeerToken::new(self.d.token, &w).approve(self.d.bonding, U256::MAX));
        send!(BondingManager::new(self.d.bonding, &w).bond(U256::from(lpt) * LPT, to, no_hints()));
        Ok(())
    }

    /// Mines to the first block of the next round (without initializing it).
    pub async fn mine_to_next_round(&self) -> anyhow::Result<u64> {
        let p = self.admin();
        let rounds = RoundsManager::new(self.d.rounds, &p);
        let current: u64 = rounds.currentRound().call().await?.to();
        // To the round's last block, then one more: the head is the next round's first block.
        mine_to_round_end(&p, self.d.rounds).await?;
        p.anvil_mine(Some(1), None).await?;
        let now: u64 = rounds.currentRound().call().await?.to();
        if now != current + 1 {
            bail!("expected round {} after mining, got {now}", current + 1);
        }
        Ok(now)
    }

    /// Mines `blocks` empty blocks.
    pub async fn mine(&self, blocks: u64) -> anyhow::Result<()> {
        self.admin().anvil_mine(Some(blocks), None).await?;
        Ok(())
    }

    /// A keeper config for this chain: serving every active orchestrator, voting when `source`
    /// is given, storing its state at `store`, acting on events at once (no confirmations).
    pub fn keeper_config(&self, store: &Path, source: Option<&Path>) -> Config {
        Config {
            contracts: Contracts {
                chain_id: self.chain_id,
                dispute_manager: self.d.disputes,
                deploy_block: self.deploy_block,
                proof_game: Some(self.d.proof_game),
            },
            rewards: Rewards {
                enabled: true,
                orchestrators: Served::All,
                ..Rewards::default()
            },
            verifier: VerifierConfig {
                enabled: source.is_some(),
                source: source.map(|p| p.display().to_string()),
                gpu: false,
                judge_wait_ms: 60_000,
                ..VerifierConfig::default()
            },
            key: KeyConfig::default(),
            keeper: Tuning {
                store: store.to_path_buf(),
                poll_interval_ms: 200,
                confirmations: 0,
                bump_after_secs: 5,
                // Story steps mine few blocks: read disputes at every new head.
                dispute_every_blocks: 1,
                ..Tuning::default()
            },
            rpc: Default::default(),
            admin: Default::default(),
            game: Default::default(),
        }
    }

    /// Waits until `check` holds, polling; fails after `timeout`.
    pub async fn eventually<F, Fut>(
        timeout: Duration,
        what: &str,
        mut check: F,
    ) -> anyhow::Result<()>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = anyhow::Result<bool>>,
    {
        let start = tokio::time::Instant::now();
        loop {
            if check().await.unwrap_or(false) {
                return Ok(());
            }
            if start.elapsed() > timeout {
                bail!("timed out after {timeout:?} waiting for {what}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn wallet_at(anvil: &AnvilInstance, index: usize) -> DynProvider {
    let signer: PrivateKeySigner = anvil.keys()[index].clone().into();
    let provider = ProviderBuilder::new()
        .wallet(signer)
        .connect_http(anvil.endpoint_url())
        .erased();
    // Anvil mines each transaction at once: poll receipts often rather than every 250 ms.
    provider
        .client()
        .set_poll_interval(Duration::from_millis(10));
    provider
}
