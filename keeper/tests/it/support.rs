//! Shared set-up for the keeper's end-to-end tests: a devnet world with three orchestrators, a
//! cheated job disputed, a count of reverted transactions, and a TCP proxy that can cut the RPC.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use alloy::{
    eips::BlockNumberOrTag,
    primitives::{Address, U256},
    providers::Provider,
};
use anyhow::Context;
use bindings::{DisputeManager, LivepeerToken, RoundsManager, enums::Status};
use keeper::{
    devnet::{job, world::World},
    send,
};
use testkit::TEST_DEADLINE;
use tokio::{
    io::copy_bidirectional,
    net::{TcpListener, TcpStream},
    sync::Notify,
};

pub const KEEPER_A: usize = 1;
pub const KEEPER_B: usize = 2;
pub const ORCHESTRATORS: [usize; 3] = [3, 4, 5];
pub const CHEATER: usize = 5;
pub const CHALLENGER: usize = 9;

/// How long one run of a command-line tool may take.
pub const PROCESS_DEADLINE: std::time::Duration = std::time::Duration::from_secs(120);

/// A world with three bonded orchestrators (accounts 3, 4, 5), under the test's deadline.
pub async fn world(round_length: u64) -> anyhow::Result<World> {
    let world = World::start(None, 12, round_length)
        .await?
        .under_deadline(TEST_DEADLINE);
    for (i, &account) in ORCHESTRATORS.iter().enumerate() {
        world
            .orchestrator(account, 10_000 * (i as u64 + 1), 100_000, 500_000)
            .await?;
    }
    world.delegate(6, world.address(CHEATER), 5_000).await?;
    Ok(world)
}

/// A fresh directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    testkit::temp_dir("keeper-e2e", name)
}

/// A world whose verifier quorum is one, with keeper A an approved verifier, and a fresh test
/// directory holding an empty `content/` folder (where job files get published).
/// Tests that re-run jobs with the verifier take turns (hold this for the whole test): side by side
/// on a loaded 2-core machine their judging slowed down enough to change which block an action
/// landed in (one reverted transaction seen once in a cold CI-like run, never reproduced alone).
pub static VERIFIER_TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub async fn verifier_world(name: &str) -> anyhow::Result<(World, PathBuf, PathBuf)> {
    let world = world(10).await?;
    world.set_quorum(1).await?;
    world.approve_verifier(world.address(KEEPER_A)).await?;
    let dir = temp_dir(name);
    let content = dir.join("content");
    std::fs::create_dir_all(&content)?;
    Ok((world, dir, content))
}

/// The cheater's job in the current round: an altered image, signed.
pub async fn cheat_job(world: &World) -> anyhow::Result<job::Job> {
    let d = world.d;
    let round: u64 = RoundsManager::new(d.rounds, world.admin())
        .currentRound()
        .call()
        .await?
        .to();
    let key = world.signer(CHEATER);
    job::serve(
        &key,
        world.address(CHEATER),
        round,
        7,
        "a red square",
        true,
        false,
        world.chain_id,
        d.disputes,
    )
}

/// The cheater serves an altered image in the current round, its job files are published to
/// `content` (unless `publish` is false), and the challenger disputes it. Returns the dispute id.
pub async fn open_cheat_dispute(
    world: &World,
    content: &Path,
    publish: bool,
) -> anyhow::Result<U256> {
    let job = cheat_job(world).await?;
    if publish {
        job.publish(content)?;
    }
    open_dispute(world, &job).await
}

/// Opens a dispute on `job` from the challenger (funded and approved here); returns its id.
pub async fn open_dispute(world: &World, job: &keeper::devnet::job::Job) -> anyhow::Result<U256> {
    let d = world.d;
    let challenger = world.address(CHALLENGER);
    world.fund(challenger, 1_000).await?;
    let w = world.wallet(CHALLENGER);
    send!(LivepeerToken::new(d.token, &w).approve(d.disputes, U256::MAX));
    send!(
        DisputeManager::new(d.disputes, &w)
            .openDispute((&job.receipt).into(), job.signature.clone())
    );
    Ok(DisputeManager::new(d.disputes, world.admin())
        .disputeCount()
        .call()
        .await?)
}

/// The dispute's status.
pub async fn status(world: &World, id: U256) -> anyhow::Result<Status> {
    Ok(Status::of(
        DisputeManager::new(world.d.disputes, world.admin())
            .getDispute(id)
            .call()
            .await?
            .status,
    ))
}

/// Transactions sent by `from` since `from_block`: (mined, reverted).
pub async fn txs_from(
    world: &World,
    from: Address,
    from_block: u64,
) -> anyhow::Result<(usize, usize)> {
    let p = world.admin();
    let head = p.get_block_number().await?;
    let (mut mined, mut reverted) = (0, 0);
    for n in from_block..=head {
        let receipts = p
            .get_block_receipts(BlockNumberOrTag::Number(n).into())
            .await?
            .context("block receipts")?;
        for r in receipts.iter().filter(|r| r.from == from) {
            mined += 1;
            if !r.status() {
                reverted += 1;
                let tx = p.get_transaction_by_hash(r.transaction_hash).await?;
                eprintln!(
                    "DEBUG reverted in block {n}: to {:?} tx {:?}",
                    r.to,
                    tx.map(|t| alloy::hex::encode(&alloy::consensus::Transaction::input(&t)[..4]))
                );
            }
        }
    }
    Ok((mined, reverted))
}

/// Transactions `from` sent to `to` since `from_block`.
pub async fn txs_to(
    world: &World,
    from: Address,
    to: Address,
    from_block: u64,
) -> anyhow::Result<usize> {
    let p = world.admin();
    let head = p.get_block_number().await?;
    let mut count = 0;
    for n in from_block..=head {
        let receipts = p
            .get_block_receipts(BlockNumberOrTag::Number(n).into())
            .await?
            .context("block receipts")?;
        count += receipts
            .iter()
            .filter(|r| r.from == from && r.to == Some(to))
            .count();
    }
    Ok(count)
}

/// A TCP proxy in front of the RPC endpoint that can be cut (connections refused and live ones
/// dropped) and restored: the endpoint "going away and coming back".
pub struct Proxy {
    pub addr: SocketAddr,
    up: Arc<AtomicBool>,
    cut: Arc<Notify>,
}

impl Proxy {
    pub async fn start(target: SocketAddr) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let up = Arc::new(AtomicBool::new(true));
        let cut = Arc::new(Notify::new());
        let (up2, cut2) = (up.clone(), cut.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let cut = cut2.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.notified() => {}
                    }
                });
            }
        });
        Ok(Self { addr, up, cut })
    }

    pub fn url(&self) -> url::Url {
        format!("http://{}", self.addr).parse().unwrap()
    }

    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cut.notify_waiters();
    }

    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// Keeper A on `world` with `config`.
pub async fn connect(
    world: &World,
    config: keeper::Config,
    metrics: std::sync::Arc<keeper::metrics::Metrics>,
) -> keeper::Keeper {
    keeper::Keeper::connect(world.url(), world.signer(KEEPER_A), config, metrics)
        .await
        .expect("keeper connects")
}
