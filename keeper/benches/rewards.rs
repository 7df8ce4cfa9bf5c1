//! Whole reward rounds, as the daemon runs them: its loop (`daemon::drive`) on a chain that makes
//! a block every 10 ms, counting every JSON-RPC call from a round's first block to the next
//! round's first block (the duties and all the idle time of a 1,000-block round), for 1, 3 and
//! 200 served orchestrators.
//! `cargo bench -p keeper --bench rewards -- [orchestrators,…] [rounds]` (default `1,3,200` and
//! 2); the counts do not depend on the build profile, so `cargo test -p keeper --bench rewards --
//! 3 2` measures the same. Not run by `make test`.
//!
//! What a round costs: a head read per look (idle, the keeper sleeps until about the block it
//! waits for), one read of the round's clock (round, start, length), one pass of the duties (a
//! dry run of `initializeRound`, the active set, one batch each of reward dry runs, sends and
//! receipt polls) and one check of the dispute count.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use alloy::{
    primitives::{Address, U256, keccak256},
    providers::{DynProvider, Provider, ProviderBuilder, ext::AnvilApi},
    signers::local::PrivateKeySigner,
};
use bindings::{BondingManager, LPT, LivepeerToken, RoundsManager, no_hints};
use keeper::{Keeper, config::Tuning, devnet::world::World, metrics::Metrics};

/// The bench chain's block time.
const BLOCK_MS: u64 = 10;
/// Blocks per round.
const ROUND: u64 = 1_000;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter("warn").init();
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let sizes: Vec<usize> = match args.first() {
        Some(a) => a.split(',').map(str::parse).collect::<Result<_, _>>()?,
        None => vec![1, 3, 200],
    };
    let rounds: usize = args.get(1).map_or(Ok(2), |a| a.parse())?;
    let mut rows = Vec::new();
    for n in sizes {
        rows.extend(measure(n, rounds).await?);
    }
    println!(
        "\n| orchestrators | round | blocks | wall time | HTTP requests | JSON-RPC calls | calls / orchestrator |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        println!("{r}");
    }
    Ok(())
}

/// `n` orchestrators on a fresh chain, one keeper serving them all: a table row per round.
async fn measure(n: usize, rounds: usize) -> anyhow::Result<Vec<String>> {
    let setup = Instant::now();
    // Accounts 0 (admin) and 1 (keeper); the orchestrators' keys are made here (anvil is slow to
    // start with hundreds of accounts).
    let world = World::start_with(None, 2, |c| {
        // Anvil mines one transaction per block: a round must outlast 200 rewards.
        c.roundLength = U256::from(ROUND);
        c.numActiveOrchestrators = U256::from(n);
    })
    .await?;
    let admin = world.admin();
    let keys: Vec<PrivateKeySigner> = (0..n)
        .map(|i| PrivateKeySigner::from_bytes(&keccak256(format!("bench orchestrator {i}"))))
        .collect::<Result<_, _>>()?;
    // Each send is mined at once (anvil automines): send without waiting, check receipts last.
    let token = LivepeerToken::new(world.d.token, &admin);
    let mut sent = Vec::new();
    for key in &keys {
        admin
            .anvil_set_balance(key.address(), U256::from(10u64).pow(U256::from(20u64)))
            .await?;
        let tx = token.transfer(key.address(), U256::from(1_000u64) * LPT);
        sent.push(*tx.send().await?.tx_hash());
    }
    for (i, key) in keys.iter().enumerate() {
        let me = key.address();
        let w: DynProvider = ProviderBuilder::new()
            .wallet(key.clone())
            .connect_http(world.url())
            .erased();
        let token = LivepeerToken::new(world.d.token, &w);
        let bonding = BondingManager::new(world.d.bonding, &w);
        sent.push(
            *token
                .approve(world.d.bonding, U256::MAX)
                .send()
                .await?
                .tx_hash(),
        );
        sent.push(
            *bonding
                .registerOrchestrator(U256::from(100_000u64), U256::from(500_000u64))
                .send()
                .await?
                .tx_hash(),
        );
        sent.push(
            *bonding
                .bond(U256::from(100u64 + i as u64) * LPT, me, no_hints())
                .send()
                .await?
                .tx_hash(),
        );
    }
    for hash in sent {
        let mut tries = 0;
        let r = loop {
            match admin.get_transaction_receipt(hash).await? {
                Some(r) => break r,
                // Anvil may answer a send a moment before its block is in.
                None if tries < 100 => tokio::time::sleep(Duration::from_millis(50)).await,
                None => anyhow::bail!("set-up transaction {hash} not mined"),
            }
            tries += 1;
        };
        anyhow::ensure!(r.status(), "set-up transaction {hash} reverted");
    }
    let active: Vec<Address> = BondingManager::new(world.d.bonding, &admin)
        .activeSet()
        .call()
        .await?;
    anyhow::ensure!(
        active.len() == n,
        "expected {n} active orchestrators, got {}",
        active.len()
    );
    eprintln!(
        "set-up: {n} orchestrators bonded in {:.1} s",
        setup.elapsed().as_secs_f64()
    );

    let dir = std::env::temp_dir().join(format!("keeper-bench-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let metrics = Arc::new(Metrics::default());
    let mut config = world.keeper_config(&dir.join("state.redb"), None);
    // The daemon's loop as operators run it (production defaults), on a chain making a block
    // every BLOCK_MS: only the times scale down with the block time.
    let defaults = Tuning::default();
    config.keeper.confirmations = defaults.confirmations;
    config.keeper.dispute_every_blocks = defaults.dispute_every_blocks;
    config.keeper.poll_interval_ms = 5;
    config.keeper.block_time_ms = BLOCK_MS;
    config.keeper.max_idle_secs = 60;
    let mut keeper = Keeper::connect(world.url(), world.signer(1), config, metrics.clone())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let stop = Arc::new(AtomicBool::new(false));
    let miner = {
        let (p, stop) = (admin.clone(), stop.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                if p.anvil_mine(Some(1), None).await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(BLOCK_MS)).await;
            }
        })
    };
    let (shutdown, rx) = tokio::sync::watch::channel(false);
    let daemon = tokio::spawn(async move {
        keeper::daemon::drive(&mut keeper, rx).await;
        keeper
    });

    // Count from a round's first block to the next round's first block: duties and idle time.
    let rounds_mgr = RoundsManager::new(world.d.rounds, &admin);
    let current = || async { anyhow::Ok(rounds_mgr.currentRound().call().await?.to::<u64>()) };
    let mut round = current().await?;
    while current().await? == round {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    round += 1;
    let mut rows = Vec::new();
    let (_, calls_start) = metrics.rpc.snapshot();
    for _ in 0..rounds {
        let (req0, calls0) = metrics.rpc.snapshot();
        let rewarded0 = metrics.rewards_called.load(Ordering::Relaxed);
        let start = Instant::now();
        let first = admin.get_block_number().await?;
        while current().await? == round {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let (req1, calls1) = metrics.rpc.snapshot();
        let blocks = admin.get_block_number().await? - first;
        let rewarded = metrics.rewards_called.load(Ordering::Relaxed) - rewarded0;
        anyhow::ensure!(
            rewarded == n as u64,
            "round {round}: {rewarded} of {n} rewards landed"
        );
        let calls = calls1 - calls0;
        rows.push(format!(
            "| {n} | {round} | {blocks} | {:.1} s | {} | {calls} | {:.1} |",
            start.elapsed().as_secs_f64(),
            req1 - req0,
            calls as f64 / n as f64
        ));
        eprintln!("{}", rows.last().unwrap());
        round += 1;
    }
    // A round's duties may be counted in the row before or after (the keeper and the bench see
    // the new round at about the same moment): the mean over the rounds is the figure.
    let (_, calls_end) = metrics.rpc.snapshot();
    let mean = (calls_end - calls_start) as f64 / rounds as f64;
    rows.push(format!(
        "| {n} | mean of {rounds} | | | | {mean:.1} | **{:.1}** |",
        mean / n as f64
    ));
    stop.store(true, Ordering::Relaxed);
    let _ = shutdown.send(true);
    let _ = miner.await;
    drop(daemon.await?);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(rows)
}
