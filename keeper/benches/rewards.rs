//! Reward rounds with many served orchestrators: wall time and RPC traffic from the round's
//! first block until every reward has landed. `cargo bench -p keeper --bench rewards`
//! (`-- <orchestrators> <rounds>`, default 200 and 3). Not run by `make test`.
//!
//! How the keeper batches: per round it makes two single reads (current round, initialized?),
//! one initializeRound, one read of the active set, then one JSON-RPC batch each for
//! `isActiveOrchestrator`, the dry runs (`eth_estimateGas`, which also tell an orchestrator
//! rewarded already), the signed sends and the receipt polls: the HTTP request count does not
//! grow with the number of orchestrators; the call count does (~3 per orchestrator: status,
//! estimate, send, plus receipt polls).

use std::{sync::Arc, time::Instant};

use alloy::primitives::U256;
use bindings::{BondingManager, LPT, LivepeerToken, no_hints};
use keeper::{Keeper, devnet::world::World, metrics::Metrics};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter("warn").init();
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let n: usize = args.first().map_or(Ok(200), |a| a.parse())?;
    let rounds: usize = args.get(1).map_or(Ok(3), |a| a.parse())?;
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
    let config = world.keeper_config(&dir.join("state.redb"), None);
    let mut keeper = Keeper::connect(world.url(), world.signer(1), config, metrics.clone())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;

    println!(
        "\n| round | orchestrators rewarded | wall time | HTTP requests | JSON-RPC calls | calls / orchestrator |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    let mut times = Vec::new();
    for _ in 0..rounds {
        let round = world.mine_to_next_round().await?;
        let (req0, calls0) = metrics.rpc.snapshot();
        let start = Instant::now();
        let report = keeper.tick().await?;
        let elapsed = start.elapsed();
        if let Some((o, _)) = report.rounds.failed.first() {
            let err = BondingManager::new(world.d.bonding, world.admin())
                .reward(
                    *o,
                    alloy::primitives::Address::ZERO,
                    alloy::primitives::Address::ZERO,
                )
                .call()
                .await
                .unwrap_err();
            if let alloy::contract::Error::TransportError(e) = &err {
                println!("replayed: {:?}", keeper::revert::revert_of(e));
            }
            println!("replayed: {err}");
        }
        let (req1, calls1) = metrics.rpc.snapshot();
        anyhow::ensure!(
            report.rounds.initialized,
            "round {round} was not initialized"
        );
        anyhow::ensure!(
            report.rounds.rewarded.len() == n,
            "only {} rewards landed: {:?}",
            report.rounds.rewarded.len(),
            report.rounds.failed
        );
        let calls = calls1 - calls0;
        println!(
            "| {round} | {} | {:.0} ms | {} | {calls} | {:.1} |",
            report.rounds.rewarded.len(),
            elapsed.as_secs_f64() * 1e3,
            req1 - req0,
            calls as f64 / n as f64
        );
        times.push(elapsed.as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    println!(
        "\nmedian: {:.0} ms for {n} rewards (anvil; the keeper built by `cargo bench`, release)",
        times[times.len() / 2] * 1e3
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
