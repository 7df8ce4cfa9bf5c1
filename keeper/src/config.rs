//! `keeper.toml`: what the keeper serves and how it behaves. Unknown keys are errors, so a typo
//! does not silently fall back to a default.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use alloy::primitives::Address;
use anyhow::{Context, bail};
use serde::Deserialize;

/// The whole configuration file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the protocol lives.
    pub contracts: Contracts,
    /// Which orchestrators to call `reward` for.
    #[serde(default)]
    pub rewards: Rewards,
    /// Whether and how to act as a dispute verifier.
    #[serde(default)]
    pub verifier: VerifierConfig,
    /// Where the signing key comes from (never from a flag).
    #[serde(default)]
    pub key: KeyConfig,
    /// Timing, persistence and observability.
    #[serde(default)]
    pub keeper: Tuning,
    /// RPC endpoints with failover.
    #[serde(default)]
    pub rpc: RpcConfig,
    /// The operator's admin API and health thresholds.
    #[serde(default)]
    pub admin: AdminConfig,
    /// Playing proof games (docs/proof-game.md, *Keepers*).
    #[serde(default)]
    pub game: GameConfig,
}

/// The proof game: as challenger, the keeper re-runs the spot checks dropped in `inbox` and opens
/// a game (or a committee dispute) on a wrong result, then picks to the end; as the
/// orchestrator's agent (its key is the orchestrator's), it answers every game against that
/// orchestrator from the job archives in `archive`. Either side calls `timeout` on a silent
/// opponent.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GameConfig {
    /// Play the games this keeper's address is a party to (needs `contracts.proof_game`).
    #[serde(default)]
    pub enabled: bool,
    /// Spot checks: a directory where the gateway drops signed receipts (`*.json`, see
    /// [`crate::spot::SpotCheck`]) for this keeper to re-run (needs `verifier.source` for the
    /// model, the input and the claimed layer list). Each file moves to `done/`, `honest/` or
    /// `refused/` below it once handled.
    pub inbox: Option<PathBuf>,
    /// The orchestrator's agent: the directory where the serving node writes each job's layer
    /// outputs (`<commitment root>.job`, [`verifier::game::JobTensors::to_archive`]) and the
    /// model files (`<model id>`). Archives past the liability window are pruned.
    pub archive: Option<PathBuf>,
    /// The largest spot-check file read from the inbox (bytes); a bigger one is refused unread.
    #[serde(default = "default_spot_max_bytes")]
    pub spot_max_bytes: u64,
    /// Spot checks taken per tick (the rest wait for the next ticks, in turn): thousands of
    /// files dropped at once never stall a tick.
    #[serde(default = "default_spots_per_tick")]
    pub spots_per_tick: usize,
}

impl Default for GameConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            inbox: None,
            archive: None,
            spot_max_bytes: default_spot_max_bytes(),
            spots_per_tick: default_spots_per_tick(),
        }
    }
}

/// A receipt, a signature and a delivered output (hex) fit with room to spare.
fn default_spot_max_bytes() -> u64 {
    1 << 20
}
fn default_spots_per_tick() -> usize {
    16
}

impl GameConfig {
    fn check(&self, contracts: &Contracts, verifier: &VerifierConfig) -> anyhow::Result<()> {
        if !self.enabled {
            return Ok(());
        }
        if contracts.proof_game.is_none() {
            bail!("game.enabled needs contracts.proof_game (the ProofGame's address)");
        }
        if self.spots_per_tick == 0 || self.spot_max_bytes == 0 {
            bail!("game.spots_per_tick and game.spot_max_bytes must be at least 1");
        }
        if self.inbox.is_some() && verifier.source.is_none() {
            bail!(
                "game.inbox needs verifier.source (where the jobs' models, inputs and layer lists are)"
            );
        }
        Ok(())
    }
}

/// RPC endpoints in order of preference: a request that fails on one (refused, timed out, an
/// HTTP error) goes to the next healthy one; a failed endpoint rests before it is tried again.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RpcConfig {
    /// `http://` endpoints, first preferred; `--rpc-url` (repeatable, or comma-separated)
    /// replaces them.
    #[serde(default)]
    pub urls: Vec<url::Url>,
    /// Seconds a failed endpoint rests before it is tried again (doubling per failure).
    #[serde(default = "default_rpc_retry_secs")]
    pub retry_after_secs: u64,
    /// The longest rest.
    #[serde(default = "default_rpc_max_retry_secs")]
    pub max_retry_after_secs: u64,
}

impl Default for RpcConfig {
    fn default() -> Self {
        Self {
            urls: Vec::new(),
            retry_after_secs: default_rpc_retry_secs(),
            max_retry_after_secs: default_rpc_max_retry_secs(),
        }
    }
}

impl RpcConfig {
    pub fn retry_after(&self) -> Duration {
        Duration::from_secs(self.retry_after_secs)
    }
    pub fn max_retry_after(&self) -> Duration {
        Duration::from_secs(self.max_retry_after_secs).max(self.retry_after())
    }

    fn check(&self) -> anyhow::Result<()> {
        if let Some(url) = self.urls.iter().find(|u| u.scheme() != "http") {
            bail!("rpc.urls: {url}: only http:// endpoints are supported");
        }
        if self.retry_after_secs == 0 {
            bail!("rpc.retry_after_secs must be at least 1");
        }
        Ok(())
    }
}

fn default_rpc_retry_secs() -> u64 {
    5
}
fn default_rpc_max_retry_secs() -> u64 {
    300
}

/// The admin API (served under `/admin/` on `keeper.metrics_addr`) and what `/health` checks.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminConfig {
    /// Serve `/admin/…` (status, pause, resume, fee cap).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Answer admin requests from other hosts than this one (off: loopback peers only).
    #[serde(default)]
    pub remote: bool,
    /// Blocks into a round (after `rewards.act_after_blocks`) at which a served orchestrator
    /// still not rewarded makes the duties overdue: `/health` turns 503.
    #[serde(default = "default_overdue_blocks")]
    pub overdue_blocks: u64,
    /// Gas one reward transaction is allowed: the wallet must pay that at the current fee, or
    /// `/health` turns 503.
    #[serde(default = "default_reward_gas")]
    pub reward_gas: u64,
}

impl Default for AdminConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            remote: false,
            overdue_blocks: default_overdue_blocks(),
            reward_gas: default_reward_gas(),
        }
    }
}

impl AdminConfig {
    fn check(&self) -> anyhow::Result<()> {
        if self.overdue_blocks == 0 || self.reward_gas == 0 {
            bail!("admin.overdue_blocks and admin.reward_gas must be at least 1");
        }
        Ok(())
    }
}

fn default_overdue_blocks() -> u64 {
    100
}
fn default_reward_gas() -> u64 {
    400_000
}

/// The protocol's addresses. The DisputeManager names the rest (its bonding and rounds
/// immutables), so one address cannot disagree with another.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contracts {
    /// The chain the deployment lives on: the RPC must report it, and the store is bound to it.
    pub chain_id: u64,
    pub dispute_manager: Address,
    /// The block the suite was deployed at: where the dispute log scan starts on a fresh store.
    #[serde(default)]
    pub deploy_block: u64,
    /// The ProofGame (needed to play proof games): checked at start to be the one the
    /// DisputeManager's games go through (its `disputes()` is `dispute_manager`).
    #[serde(default)]
    pub proof_game: Option<Address>,
}

/// `orchestrators = "all"` (every member of the active set) or a list of addresses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Served {
    #[default]
    All,
    List(Vec<Address>),
}

impl<'de> Deserialize<'de> for Served {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Word(String),
            List(Vec<Address>),
        }
        match Raw::deserialize(d)? {
            Raw::Word(w) if w == "all" => Ok(Served::All),
            Raw::Word(w) => Err(serde::de::Error::custom(format!(
                "orchestrators must be \"all\" or a list of addresses, got \"{w}\""
            ))),
            Raw::List(list) => Ok(Served::List(list)),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rewards {
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub orchestrators: Served,
    /// Blocks into a round before this keeper initializes it or rewards: 0 for a primary keeper;
    /// a backup keeper sharing the duties waits a few blocks and acts only where the primary did
    /// not, so the two do not race to send the same transaction.
    #[serde(default)]
    pub act_after_blocks: u64,
    /// The other keepers serving the same orchestrators (their addresses). Each round the
    /// keepers take turns in an order drawn from the round and their addresses (see
    /// [`crate::turns`]): the one at place `p` acts from `act_after_blocks + p * slot_blocks`
    /// blocks into the round, after re-checking what the ones before it did.
    #[serde(default)]
    pub peers: Vec<Address>,
    /// Blocks each keeper in the order has before the next one steps in: long enough for its
    /// transactions to be mined.
    #[serde(default = "default_slot_blocks")]
    pub slot_blocks: u64,
}

impl Default for Rewards {
    fn default() -> Self {
        Self {
            enabled: true,
            orchestrators: Served::All,
            act_after_blocks: 0,
            peers: Vec::new(),
            slot_blocks: default_slot_blocks(),
        }
    }
}

fn default_slot_blocks() -> u64 {
    5
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifierConfig {
    /// Vote on disputes (the key must be an approved verifier).
    #[serde(default)]
    pub enabled: bool,
    /// Where job inputs, models and claimed layer lists are fetched from, each named by its hash
    /// (`0x…` lowercase hex): a local directory or an `http://` base URL.
    pub source: Option<String>,
    /// Re-run on the GPU (wgpu) instead of the CPU reference; both are bit-identical.
    #[serde(default)]
    pub gpu: bool,
    /// Disputes judged at once (each in its own task, off the duty loop).
    #[serde(default = "default_judges")]
    pub max_concurrent: usize,
    /// Seconds to connect to an HTTP source.
    #[serde(default = "default_connect_secs")]
    pub fetch_connect_timeout_secs: u64,
    /// Seconds one object's whole fetch may take.
    #[serde(default = "default_fetch_secs")]
    pub fetch_timeout_secs: u64,
    /// The largest object fetched, in MiB.
    #[serde(default = "default_max_object_mib")]
    pub max_object_mib: u64,
    /// Seconds one judgement (fetches and re-run) may take before it counts as failed.
    #[serde(default = "default_judge_secs")]
    pub judge_timeout_secs: u64,
    /// Milliseconds a tick waits for a judgement it started before moving on (the judgement
    /// goes on in its task and is picked up by a later tick).
    #[serde(default = "default_judge_wait_ms")]
    pub judge_wait_ms: u64,
}

impl Default for VerifierConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            source: None,
            gpu: false,
            max_concurrent: default_judges(),
            fetch_connect_timeout_secs: default_connect_secs(),
            fetch_timeout_secs: default_fetch_secs(),
            max_object_mib: default_max_object_mib(),
            judge_timeout_secs: default_judge_secs(),
            judge_wait_ms: default_judge_wait_ms(),
        }
    }
}

impl VerifierConfig {
    /// The bounds on each content fetch.
    pub fn limits(&self) -> content::Limits {
        content::Limits {
            connect_timeout: Duration::from_secs(self.fetch_connect_timeout_secs),
            total_timeout: Duration::from_secs(self.fetch_timeout_secs),
            max_bytes: self.max_object_mib.saturating_mul(1 << 20),
        }
    }
}

fn default_judges() -> usize {
    2
}
fn default_connect_secs() -> u64 {
    5
}
fn default_fetch_secs() -> u64 {
    60
}
fn default_max_object_mib() -> u64 {
    256
}
fn default_judge_secs() -> u64 {
    600
}
fn default_judge_wait_ms() -> u64 {
    3_000
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyConfig {
    /// An encrypted JSON keystore (its password in `KEEPER_KEYSTORE_PASSWORD`). Without one the
    /// key is read from `KEEPER_PRIVATE_KEY`.
    pub keystore: Option<PathBuf>,
    /// A remote signer serving `eth_signTransaction` (clef, Web3Signer): `http://…` (put it on
    /// this host or a private network: the link is not encrypted). Needs
    /// `address`; excludes `keystore`.
    pub remote_signer: Option<url::Url>,
    /// The account the remote signer signs for: what it returns must be signed by it.
    pub address: Option<Address>,
    /// Seconds one signing request may take.
    #[serde(default = "default_signer_secs")]
    pub remote_timeout_secs: u64,
}

impl Default for KeyConfig {
    fn default() -> Self {
        Self {
            keystore: None,
            remote_signer: None,
            address: None,
            remote_timeout_secs: default_signer_secs(),
        }
    }
}

impl KeyConfig {
    pub fn remote_timeout(&self) -> Duration {
        Duration::from_secs(self.remote_timeout_secs)
    }

    fn check(&self) -> anyhow::Result<()> {
        match (&self.remote_signer, self.address, &self.keystore) {
            (Some(_), _, Some(_)) => bail!("key.remote_signer and key.keystore exclude each other"),
            (Some(_), None, _) => {
                bail!("key.remote_signer needs key.address (the account the signer holds)")
            }
            (Some(url), Some(_), _) if url.scheme() != "http" => {
                bail!("key.remote_signer {url}: only http:// is supported")
            }
            (None, Some(_), _) => bail!("key.address is only for key.remote_signer"),
            _ => {}
        }
        if self.remote_timeout_secs == 0 {
            bail!("key.remote_timeout_secs must be at least 1");
        }
        Ok(())
    }
}

fn default_signer_secs() -> u64 {
    10
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tuning {
    /// The embedded store (cursor, disputes, transactions in flight).
    #[serde(default = "default_store")]
    pub store: PathBuf,
    /// Pause between ticks.
    #[serde(default = "default_poll_ms")]
    pub poll_interval_ms: u64,
    /// Blocks a dispute event must be buried under before the keeper acts on it (reorg safety).
    #[serde(default = "default_confirmations")]
    pub confirmations: u64,
    /// Seconds a transaction may stay unmined before it is re-sent with higher fees.
    #[serde(default = "default_bump_secs")]
    pub bump_after_secs: u64,
    /// The most the keeper pays per gas, in gwei, however stuck a transaction is.
    #[serde(default = "default_max_fee_gwei")]
    pub max_fee_gwei: u64,
    /// The longest pause between retries after RPC errors.
    #[serde(default = "default_max_backoff_secs")]
    pub max_backoff_secs: u64,
    /// Seconds one RPC request may take before it fails (and the tick is retried).
    #[serde(default = "default_rpc_timeout_secs")]
    pub rpc_timeout_secs: u64,
    /// `host:port` for `/metrics` (Prometheus) and `/health`; none: no server.
    pub metrics_addr: Option<SocketAddr>,
    /// The chain's block time, a first guess (the keeper measures it as blocks come): idle, the
    /// keeper sleeps until about the block it waits for instead of polling every interval.
    #[serde(default = "default_block_time_ms")]
    pub block_time_ms: u64,
    /// Every keeper checks disputes with each round's duties (finalizing and executing are due at
    /// round starts); a verifier also every this many blocks, to vote sooner.
    #[serde(default = "default_dispute_every_blocks")]
    pub dispute_every_blocks: u64,
    /// The longest idle sleep, in seconds (a bound on a wrong block-time estimate).
    #[serde(default = "default_max_idle_secs")]
    pub max_idle_secs: u64,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            store: default_store(),
            poll_interval_ms: default_poll_ms(),
            confirmations: default_confirmations(),
            bump_after_secs: default_bump_secs(),
            max_fee_gwei: default_max_fee_gwei(),
            max_backoff_secs: default_max_backoff_secs(),
            rpc_timeout_secs: default_rpc_timeout_secs(),
            metrics_addr: None,
            block_time_ms: default_block_time_ms(),
            dispute_every_blocks: default_dispute_every_blocks(),
            max_idle_secs: default_max_idle_secs(),
        }
    }
}

impl Tuning {
    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.poll_interval_ms)
    }
    pub fn bump_after(&self) -> Duration {
        Duration::from_secs(self.bump_after_secs)
    }
    pub fn rpc_timeout(&self) -> Duration {
        Duration::from_secs(self.rpc_timeout_secs)
    }
    pub fn max_backoff(&self) -> Duration {
        Duration::from_secs(self.max_backoff_secs)
    }
    pub fn block_time(&self) -> Duration {
        Duration::from_millis(self.block_time_ms)
    }
    pub fn max_idle(&self) -> Duration {
        Duration::from_secs(self.max_idle_secs).max(self.poll_interval())
    }
}

fn yes() -> bool {
    true
}
fn default_store() -> PathBuf {
    PathBuf::from("keeper-state.redb")
}
fn default_poll_ms() -> u64 {
    2_000
}
fn default_confirmations() -> u64 {
    2
}
fn default_bump_secs() -> u64 {
    30
}
fn default_max_fee_gwei() -> u64 {
    500
}
fn default_max_backoff_secs() -> u64 {
    60
}
fn default_rpc_timeout_secs() -> u64 {
    20
}
fn default_block_time_ms() -> u64 {
    12_000
}
fn default_dispute_every_blocks() -> u64 {
    240
}
fn default_max_idle_secs() -> u64 {
    // Six hours: about three wake-ups in a 19-hour mainnet round beyond the ones that home in on
    // its end; `/health` follows the planned wake, not this bound.
    21_600
}

impl Config {
    /// Reads and checks a config file; the error says which file and what is wrong.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading config {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("in config {}", path.display()))
    }

    /// Parses and checks a config text.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let config: Config = toml::from_str(text).map_err(|e| anyhow::anyhow!("{e}"))?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> anyhow::Result<()> {
        if self.contracts.dispute_manager == Address::ZERO {
            bail!("contracts.dispute_manager is the zero address");
        }
        if self.verifier.enabled && self.verifier.source.is_none() {
            bail!("verifier.enabled needs verifier.source (a directory or an http:// base URL)");
        }
        if let Some(source) = &self.verifier.source {
            content::Source::parse(source)?;
        }
        if self.contracts.chain_id == 0 {
            bail!("contracts.chain_id must be the deployment's chain id (not 0)");
        }
        let v = &self.verifier;
        if v.max_concurrent == 0
            || v.fetch_connect_timeout_secs == 0
            || v.fetch_timeout_secs == 0
            || v.max_object_mib == 0
            || v.judge_timeout_secs == 0
        {
            bail!(
                "verifier.max_concurrent, fetch_connect_timeout_secs, fetch_timeout_secs, max_object_mib and judge_timeout_secs must be at least 1"
            );
        }
        if self.keeper.poll_interval_ms == 0 {
            bail!("keeper.poll_interval_ms must be at least 1");
        }
        if self.keeper.rpc_timeout_secs == 0 {
            bail!("keeper.rpc_timeout_secs must be at least 1");
        }
        if self.keeper.dispute_every_blocks == 0 || self.keeper.block_time_ms == 0 {
            bail!("keeper.dispute_every_blocks and keeper.block_time_ms must be at least 1");
        }
        if !self.rewards.peers.is_empty() && self.rewards.slot_blocks == 0 {
            bail!("rewards.slot_blocks must be at least 1 when rewards.peers is set");
        }
        if self.keeper.max_fee_gwei == 0 {
            bail!("keeper.max_fee_gwei must be at least 1");
        }
        self.key.check()?;
        self.rpc.check()?;
        self.admin.check()?;
        self.game.check(&self.contracts, &self.verifier)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "[contracts]\nchain_id = 31337\ndispute_manager = \"0x5FbDB2315678afecb367f032d93F642f64180aa3\"\n";

    #[test]
    fn the_example_config_parses() {
        let text = include_str!("../keeper.example.toml").replace(
            "0x0000000000000000000000000000000000000000",
            "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        );
        let c = Config::parse(&text).unwrap();
        assert_eq!(c.keeper.confirmations, 2);
        assert!(
            Config::parse(include_str!("../keeper.example.toml")).is_err(),
            "zero address"
        );
    }

    #[test]
    fn games_need_the_proof_game_and_an_inbox_needs_a_source() {
        let pg = "proof_game = \"0x5FbDB2315678afecb367f032d93F642f64180aa3\"\n";
        let with = |contracts: &str, rest: &str| {
            Config::parse(&format!(
                "{MINIMAL}{contracts}\n[game]\nenabled = true\n{rest}"
            ))
        };
        let e = with("", "").unwrap_err().to_string();
        assert!(e.contains("contracts.proof_game"), "{e}");
        let e = with(pg, "inbox = \"/tmp/in\"").unwrap_err().to_string();
        assert!(e.contains("verifier.source"), "{e}");
        let c = with(pg, "archive = \"/tmp/jobs\"").unwrap();
        assert!(c.game.enabled && c.contracts.proof_game.is_some());
        assert!(
            Config::parse(MINIMAL)
                .unwrap()
                .contracts
                .proof_game
                .is_none()
        );
    }

    #[test]
    fn minimal_config_takes_defaults() {
        let c = Config::parse(MINIMAL).unwrap();
        assert_eq!(c.rewards.orchestrators, Served::All);
        assert!(c.rewards.enabled);
        assert!(!c.verifier.enabled);
        assert_eq!(c.keeper.confirmations, 2);
        assert!(c.rpc.urls.is_empty() && c.admin.enabled && !c.admin.remote);
        assert!(c.key.remote_signer.is_none());
    }

    #[test]
    fn several_endpoints_and_a_remote_signer() {
        let c = Config::parse(&format!(
            "{MINIMAL}[rpc]\nurls = [\"http://a:8545\", \"http://b:8545/key\"]\n[key]\nremote_signer = \"http://127.0.0.1:8550\"\naddress = \"0x70997970C51812dc3A010C7d01b50e0d17dc79C8\"\n"
        ))
        .unwrap();
        assert_eq!(c.rpc.urls.len(), 2);
        assert!(c.key.remote_signer.is_some() && c.key.address.is_some());
    }

    #[test]
    fn orchestrator_list_and_word() {
        let c = Config::parse(&format!(
            "{MINIMAL}[rewards]\norchestrators = [\"0x70997970C51812dc3A010C7d01b50e0d17dc79C8\"]\n"
        ))
        .unwrap();
        assert!(matches!(c.rewards.orchestrators, Served::List(ref l) if l.len() == 1));
        let err =
            Config::parse(&format!("{MINIMAL}[rewards]\norchestrators = \"some\"\n")).unwrap_err();
        assert!(format!("{err:#}").contains("\"all\" or a list"), "{err:#}");
    }

    #[test]
    fn bad_configs_say_what_is_wrong() {
        for (text, expected) in [
            ("[contracts]\nchain_id = 1\n", "dispute_manager"),
            (
                "[contracts]\ndispute_manager = \"0x5FbDB2315678afecb367f032d93F642f64180aa3\"\n",
                "chain_id",
            ),
            (
                &format!("{MINIMAL}[keeper]\npoll_interval = 3\n") as &str,
                "unknown field",
            ),
            (
                &format!("{MINIMAL}[verifier]\nenabled = true\n"),
                "verifier.source",
            ),
            (
                &format!("{MINIMAL}[verifier]\nsource = \"ftp://x\"\n"),
                "source",
            ),
            (
                "[contracts]\nchain_id = 1\ndispute_manager = \"0x12\"\n",
                "dispute_manager",
            ),
            (
                &format!("{MINIMAL}[key]\nremote_signer = \"http://127.0.0.1:8550\"\n"),
                "key.address",
            ),
            (
                &format!(
                    "{MINIMAL}[key]\nremote_signer = \"http://s\"\naddress = \"0x70997970C51812dc3A010C7d01b50e0d17dc79C8\"\nkeystore = \"k.json\"\n"
                ),
                "exclude each other",
            ),
            (
                &format!(
                    "{MINIMAL}[key]\naddress = \"0x70997970C51812dc3A010C7d01b50e0d17dc79C8\"\n"
                ),
                "only for key.remote_signer",
            ),
            (
                &format!("{MINIMAL}[rpc]\nurls = [\"ws://127.0.0.1:8546\"]\n"),
                "only http://",
            ),
            (
                &format!("{MINIMAL}[admin]\noverdue_blocks = 0\n"),
                "overdue_blocks",
            ),
        ] {
            let err = Config::parse(text).unwrap_err();
            assert!(format!("{err:#}").contains(expected), "{text}: {err:#}");
        }
    }
}
