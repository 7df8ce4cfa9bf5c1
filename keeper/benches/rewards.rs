//! A whole reward round, as the daemon runs it: its loop (`daemon::drive`) on a chain that makes
//! a block every 10 ms, counting every JSON-RPC call from a round's first block to the next
//! round's first block (the duties and all the idle time of a 1,000-block round).
//! `cargo bench -p keeper --bench rewards -- <orchestrators> <rounds>` (default 200 and 2); the
//! counts do not depend on the build profile, so `cargo test -p keeper --bench rewards -- 3 2`
//! measures the same. Not run by `make test`.
//!
//! What a round costs: a head read per look (idle, the keeper sleeps until about the block it
//! waits for), one pass of the duties (current round, initialized?, initializeRound, active set,
//! one batch each of `isActiveOrchestrator`, dry runs, sends and receipt polls), two reads for the
//! next round's first block, and a read of dispute events every `dispute_every_blocks`.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use alloy::providers::{Provider, ext::AnvilApi};

use alloy::primitives::U256;
use bindings::{BondingManager, LPT, LivepeerToken, RoundsManager, no_hints};

/// The bench chain's block time.
const BLOCK_MS: u64 = 10;
use keeper::{Keeper, devnet::world::World, metrics::Metrics};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter("warn").init();
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let n: usize = args.first().map_or(Ok(200), |a| a.parse())?;
    let rounds: usize = args.get(1).map_or(Ok(2), |a| a.parse())?;
    let first = 2; // accounts 0 (admin) and 1 (keeper) are taken

    let setup = Instant::now();
    let world = World::start_with(None, (n + first + 1) as u32, |c| {
        // Anvil mines one transaction per block: a round must outlast 200 rewards.
        c.roundLength = U256::from(1_000);
        c.numActiveOrchestrators = U256::from(n);
    })
    .await?;
    // Orchestrators join without waiting for each receipt (anvil mines each send at once).
    let token = LivepeerToken::new(world.d.token, world.admin());
    for i in 0..n {
        let r = token
            .transfer(world.address(first + i), U256::from(1_000u64) * LPT)
            .send()
            .await?
            .get_receipt()
            .await?;
        anyhow::ensure!(r.status(), "funding {i} reverted");
    }
    for i in 0..n {
        let w = world.wallet(first + i);
        let me = world.address(first + i);
        let token = LivepeerToken::new(world.d.token, &w);
        let bonding = BondingManager::new(world.d.bonding, &w);
        let approve = token.approve(world.d.bonding, U256::MAX);
        let register = bonding.registerOrchestrator(U256::from(100_000u64), U256::from(500_000u64));
        let bond = bonding.bond(U256::from(100u64 + i as u64) * LPT, me, no_hints());
        for r in [
            approve.send().await?.get_receipt().await?,
            register.send().await?.get_receipt().await?,
            bond.send().await?.get_receipt().await?,
        ] {
            anyhow::ensure!(
                r.status(),
                "orchestrator {i}: reverted in {}",
                r.transaction_hash
            );
        }
    }
    let active = BondingManager::new(world.d.bonding, world.admin())
        .activeSet()
        .call()
        .await?;
    anyhow::ensure!(
        active.len() == n,
        "expected {n} active orchestrators, got {}",
        active.len()
    );
    println!(
        "set-up: {n} orchestrators bonded in {:.1} s",
        setup.elapsed().as_secs_f64()
    );

    let dir = std::env::temp_dir().join(format!("keeper-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let metrics = Arc::new(Metrics::default());
    let mut config = world.keeper_config(&dir.join("state.redb"), None);
    // The daemon's loop as operators run it, on a chain making a block every BLOCK_MS.
    config.keeper.poll_interval_ms = 5;
    config.keeper.block_time_ms = BLOCK_MS;
    config.keeper.max_idle_secs = 60;
    config.keeper.dispute_every_blocks = 240;
    let mut keeper = Keeper::connect(world.url(), world.signer(1), config, metrics.clone())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let stop = Arc::new(AtomicBool::new(false));
    let miner = {
        let (p, stop) = (world.admin().clone(), stop.clone());
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
    let rounds_mgr = RoundsManager::new(world.d.rounds, world.admin());
    let current = || async { anyhow::Ok(rounds_mgr.currentRound().call().await?.to::<u64>()) };
    let mut round = current().await?;
    while current().await? == round {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    round += 1;
    println!(
        "\n| round | blocks | orchestrators rewarded | wall time | HTTP requests | JSON-RPC calls | calls / orchestrator |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for _ in 0..rounds {
        let (req0, calls0) = metrics.rpc.snapshot();
        let rewarded0 = metrics.rewards_called.load(Ordering::Relaxed);
        let start = Instant::now();
        let first = world.admin().get_block_number().await?;
        while current().await? == round {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let (req1, calls1) = metrics.rpc.snapshot();
        let blocks = world.admin().get_block_number().await? - first;
        let rewarded = metrics.rewards_called.load(Ordering::Relaxed) - rewarded0;
        anyhow::ensure!(
            rewarded == n as u64,
            "round {round}: {rewarded} of {n} rewards landed"
        );
        let calls = calls1 - calls0;
        println!(
            "| {round} | {blocks} | {rewarded} | {:.1} s | {} | {calls} | {:.1} |",
            start.elapsed().as_secs_f64(),
            req1 - req0,
            calls as f64 / n as f64
        );
        round += 1;
    }
    stop.store(true, Ordering::Relaxed);
    let _ = shutdown.send(true);
    let _ = miner.await;
    drop(daemon.await?);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
