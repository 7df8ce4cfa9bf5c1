//! The economy benchmark: a large economy in revm (by default 100 orchestrators, 10,000 delegators,
//! 1,000 rounds), timed; then the set-up and the first rounds' transactions replayed through
//! anvil's RPC, timed, and extrapolated to the whole run to give the speed-up.
//!
//! `cargo run -p sim --release --bin sim_bench -- [--delegators N] [--rounds N] ...`

use std::{collections::HashMap, time::Instant};

use alloy::{node_bindings::Anvil, primitives::Address, providers::ProviderBuilder};
use anyhow::{Context as _, Result};
use bindings::{BondingLens, toolchain};
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use sim::{
    actors, bench,
    economy::Economy,
    scenario::{DelegatorClass, Scenario},
};

/// Benchmark the economy in revm against the same transactions through anvil's RPC.
#[derive(Debug, Parser)]
struct Args {
    #[arg(long, default_value_t = 100)]
    orchestrators: usize,
    #[arg(long, default_value_t = 10_000)]
    delegators: usize,
    #[arg(long, default_value_t = 1_000)]
    rounds: u64,
    /// Rounds (after the set-up) whose transactions are replayed on anvil.
    #[arg(long, default_value_t = 3)]
    sample_rounds: u64,
    /// Check the invariants every N rounds.
    #[arg(long, default_value_t = 1)]
    checks_every: u64,
    /// eth_calls timed on anvil to price the simulator's views.
    #[arg(long, default_value_t = 2_000)]
    sample_views: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Blocks per round: each transaction takes one, and anvil mines the rest of each round as
    /// empty blocks (slow there, so the default is short).
    #[arg(long, default_value_t = 2_000)]
    round_length: u64,
}

fn scenario(a: &Args) -> Scenario {
    let mut s = Scenario {
        seed: a.seed,
        rounds: a.rounds,
        ..Scenario::default()
    };
    // The recorded economy gives each transaction a block, as anvil does: a round must hold a
    // round's transactions (the set-up spans rounds), and the node mines the rest of each round
    // as empty blocks (slow on anvil: not counted, so short rounds keep the run short).
    s.protocol.round_length = a.round_length;
    s.protocol.num_active_orchestrators = a.orchestrators as u64;
    s.orchestrators.count = a.orchestrators;
    let whales = a.delegators / 20;
    s.delegator_classes = vec![
        DelegatorClass {
            name: "retail".into(),
            count: a.delegators - whales,
            stake_lpt: [10, 2_000],
            bond_probability: 0.01,
            unbond_probability: 0.005,
            claim_probability: 0.01,
            withdraw_fees_probability: 0.005,
            ..DelegatorClass::default()
        },
        DelegatorClass {
            name: "whale".into(),
            count: whales,
            stake_lpt: [20_000, 100_000],
            bond_probability: 0.01,
            unbond_probability: 0.005,
            unbond_fraction: 0.3,
            claim_probability: 0.05,
            withdraw_fees_probability: 0.02,
        },
    ];
    let need = 2 * ((a.delegators - whales) as u64 * 2_000 + whales as u64 * 100_000)
        + a.orchestrators as u64 * s.orchestrators.self_stake_lpt[1]
        + 10_000_000;
    s.protocol.genesis_supply_lpt = need * 2;
    s.fees.broadcasters = 5;
    s.fees.tickets_per_round = 20;
    s.disputes.probability = 0.01;
    s.checks.every = a.checks_every;
    s
}

fn main() -> Result<()> {
    let args = Args::parse();
    let s = scenario(&args);
    println!(
        "economy: {} orchestrators, {} delegators, {} rounds (invariants every {} rounds)",
        args.orchestrators, args.delegators, args.rounds, args.checks_every
    );

    // revm
    let started = Instant::now();
    let mut e = Economy::with_recording(s.clone(), true)?;
    let setup = started.elapsed();
    let bar = ProgressBar::new(args.rounds);
    bar.set_style(ProgressStyle::with_template(
        "{elapsed_precise} [{bar:40}] round {pos}/{len} eta {eta}",
    )?);
    let mut sampled = None;
    for i in 0..args.rounds {
        e.step()?;
        if i + 1 == args.sample_rounds.min(args.rounds) {
            sampled = e.chain.record.take();
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    let revm_time = started.elapsed();
    let sampled = sampled.context("no rounds sampled")?;
    println!(
        "revm:  {:.2?} in all ({:.2?} set-up); {} transactions ({:.2?} executing), {} views ({:.2?}); {} gas",
        revm_time,
        setup,
        e.chain.txs,
        e.chain.tx_time,
        e.chain.views,
        e.chain.view_time,
        e.chain.gas_used
    );

    // anvil
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let anvil = Anvil::new()
        .path(toolchain::anvil_bin())
        .args(["--auto-impersonate", "--base-fee", "0", "--gas-price", "0"])
        // States in memory only: a killed anvil otherwise leaves gigabytes in ~/.foundry/anvil/tmp.
        .args(["--prune-history", "64"])
        .try_spawn()
        .context("starting anvil")?;
    let provider = ProviderBuilder::new()
        .disable_recommended_fillers()
        .connect_http(anvil.endpoint_url());
    let keys: HashMap<Address, _> = (0..s.fees.broadcasters)
        .map(|i| {
            let key = actors::key(&format!("broadcaster-{i}"));
            (key.address(), key)
        })
        .collect();
    let broker = e.deployment.broker;
    let replay = runtime.block_on(bench::replay(
        &provider,
        &sampled,
        broker,
        e.deployment.rounds,
        &keys,
    ))?;
    // Price a view: pendingStake of sampled delegators, as the invariant checks read it.
    let lens = e.deployment.lens;
    let delegators: Vec<Address> = e.delegators.iter().map(|d| d.address).collect();
    let view_time = runtime.block_on(async {
        let lens = BondingLens::new(lens, &provider);
        let started = Instant::now();
        for d in delegators.iter().cycle().take(args.sample_views) {
            lens.pendingStake(*d).call().await?;
        }
        anyhow::Ok(started.elapsed())
    })?;
    let per_tx = replay.tx_time.as_secs_f64() / replay.txs as f64;
    let per_view = view_time.as_secs_f64() / args.sample_views as f64;
    println!(
        "anvil: replayed the set-up and {} rounds: {} transactions, {} succeeded, {:.2?} ({:.0} us each; {:.2?} mining empty blocks, not counted); {} eth_calls in {:.2?} ({:.0} us each)",
        args.sample_rounds,
        replay.txs,
        replay.succeeded,
        replay.tx_time,
        per_tx * 1e6,
        replay.clock_time,
        args.sample_views,
        view_time,
        per_view * 1e6
    );
    let anvil_txs = per_tx * e.chain.txs as f64;
    let anvil_views = per_view * e.chain.views as f64;
    println!(
        "anvil, extrapolated to the whole run: {:.0} s for the transactions + {:.0} s for the views = {:.0} s",
        anvil_txs,
        anvil_views,
        anvil_txs + anvil_views
    );
    println!(
        "speed-up: {:.1}x overall; transactions alone {:.1}x",
        (anvil_txs + anvil_views) / revm_time.as_secs_f64(),
        anvil_txs / e.chain.tx_time.as_secs_f64()
    );
    Ok(())
}
