//! `sim economy`: runs a scenario with a progress bar, then writes the CSV and the charts.

use std::time::Instant;

use anyhow::{Context as _, Result};
use indicatif::{ProgressBar, ProgressStyle};

use crate::{charts, cli::EconomyArgs, economy::Economy, invariants, metrics, scenario::Scenario};

/// Runs `sim economy`.
pub fn run(args: &EconomyArgs) -> Result<()> {
    let mut scenario = Scenario::load(&args.scenario)?;
    if let Some(seed) = args.seed {
        scenario.seed = seed;
    }
    if let Some(rounds) = args.rounds {
        scenario.rounds = rounds;
    }
    scenario.validate()?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let started = Instant::now();
    let mut economy = Economy::new(scenario.clone())?;
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(scenario.rounds)
    };
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:40}] round {pos}/{len} {msg}")
            .context("progress bar template")?,
    );
    let result = economy.run(|_| {
        bar.inc(1);
    });
    bar.finish_and_clear();
    let classes: Vec<String> = scenario
        .delegator_classes
        .iter()
        .map(|c| c.name.clone())
        .collect();
    // What ran is written even when an invariant broke: the rows up to the failure.
    let csv = args.out.join("rounds.csv");
    metrics::write_csv(&csv, &economy.rows, &classes)?;
    result?;
    charts::draw(&args.out, &economy.rows, &classes)?;
    let last = economy.rows.last().context("no rounds ran")?;
    println!(
        "{} rounds, {} orchestrators, {} delegators: {} transactions, {} views in {:.1?}; all {} invariants held, checked every {} round(s): {}",
        scenario.rounds,
        scenario.orchestrators.count,
        economy.delegators.len(),
        economy.chain.txs,
        economy.chain.views,
        started.elapsed(),
        invariants::NAMES.len(),
        scenario.checks.every,
        invariants::NAMES.join(", ")
    );
    println!(
        "round {}: supply {} LPT, bonded {} LPT, inflation {:.7} % per round",
        last.round,
        metrics::decimal(last.total_supply),
        metrics::decimal(last.total_bonded),
        crate::economy::wei_f64(last.inflation_ppb) / 1e7
    );
    println!(
        "wrote {} and charts in {}",
        csv.display(),
        args.out.display()
    );
    Ok(())
}
