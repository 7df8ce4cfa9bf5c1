//! A deployed suite on anvil and `lpt` run against it.

use std::{path::PathBuf, process::Output, time::Duration};

use alloy::{
    node_bindings::AnvilInstance,
    primitives::{Address, U256},
    providers::Provider,
};
use bindings::{
    BondingManager, DeployConfig, Deployment, DeploymentFile, LPT, LivepeerToken,
    deadline::{WatchedAnvil, output_within},
    deploy, no_hints,
};
use testkit::{send, spawn_anvil, temp_dir, wallet};

/// Blocks per round on the test chain.
pub const ROUND_LENGTH: u64 = 10;

/// anvil with the suite deployed (handed over to governance) and its deployment file.
pub struct Net {
    pub anvil: WatchedAnvil,
    pub d: Deployment,
    pub file: PathBuf,
}

impl Net {
    pub async fn start(name: &str) -> Self {
        let anvil = spawn_anvil();
        let admin = anvil.addresses()[0];
        let provider = wallet(&anvil, 0);
        // The governor's delay and vote stay the defaults' rounds at this round length.
        let config = DeployConfig {
            roundLength: U256::from(ROUND_LENGTH),
            ..DeployConfig::defaults(&provider, admin).await.unwrap()
        };
        let d = deploy(&provider, &config).await.expect("deploy");
        let file = temp_dir("lpt", name).join("deployment.json");
        DeploymentFile {
            chain_id: provider.get_chain_id().await.unwrap(),
            deploy_block: 0,
            contracts: d,
        }
        .write(&file)
        .unwrap();
        drop(provider);
        Self { anvil, d, file }
    }

    pub fn address(&self, key: usize) -> Address {
        self.anvil.addresses()[key]
    }

    /// Account `key` registers as an orchestrator and self-bonds `lpt` LPT (sent by the admin).
    pub async fn orchestrator(&self, key: usize, lpt: u64) {
        let amount = U256::from(lpt) * LPT;
        self.fund(key, lpt).await;
        let w = wallet(&self.anvil, key);
        send!(LivepeerToken::new(self.d.token, &w).approve(self.d.bonding, amount));
        let bonding = BondingManager::new(self.d.bonding, &w);
        send!(bonding.registerOrchestrator(U256::from(100_000), U256::from(500_000)));
        send!(bonding.bond(amount, self.address(key), no_hints()));
    }

    /// The admin (the genesis holder) sends `lpt` LPT to account `key`.
    pub async fn fund(&self, key: usize, lpt: u64) {
        let admin = wallet(&self.anvil, 0);
        send!(
            LivepeerToken::new(self.d.token, &admin)
                .transfer(self.address(key), U256::from(lpt) * LPT)
        );
    }

    /// `lpt --deployment FILE args…` against this chain, signing (when it signs) as account `key`.
    pub fn lpt(&self, key: usize, args: &[&str]) -> Output {
        let mut with_file = vec!["--deployment", self.file.to_str().unwrap()];
        with_file.extend(args);
        self.lpt_bare(key, &with_file)
    }

    /// `lpt args…` (no deployment named) against this chain, signing as account `key`.
    pub fn lpt_bare(&self, key: usize, args: &[&str]) -> Output {
        let secret = key_hex(&self.anvil, key);
        output_within(
            std::process::Command::new(env!("CARGO_BIN_EXE_lpt"))
                .arg("--rpc-url")
                .arg(self.anvil.endpoint())
                .args(args)
                .env("LPT_PRIVATE_KEY", secret)
                .env_remove("LPT_KEYSTORE")
                .env_remove("LPT_DEPLOYMENT")
                .env_remove("LPT_DEPLOYER"),
            Duration::from_secs(60),
        )
    }

    /// `lpt args…` that must succeed; its stdout.
    pub fn ok(&self, key: usize, args: &[&str]) -> String {
        let out = self.lpt(key, args);
        let (stdout, stderr) = text(&out);
        assert!(
            out.status.success(),
            "lpt {args:?} failed:\n{stdout}\n{stderr}"
        );
        stdout
    }

    /// `lpt args…` that must fail (exit 1); its stderr.
    pub fn fails(&self, key: usize, args: &[&str]) -> String {
        expect_failure(&self.lpt(key, args), args)
    }

    /// `lpt args…` without a deployment file that must fail (exit 1); its stderr.
    pub fn fails_bare(&self, key: usize, args: &[&str]) -> String {
        expect_failure(&self.lpt_bare(key, args), args)
    }
}

fn expect_failure(out: &Output, args: &[&str]) -> String {
    let (stdout, stderr) = text(out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "lpt {args:?} should fail:\n{stdout}\n{stderr}"
    );
    stderr
}

pub fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn key_hex(anvil: &AnvilInstance, key: usize) -> String {
    format!("0x{}", alloy::hex::encode(anvil.keys()[key].to_bytes()))
}
