//! The auditor's view of the devnet's proposal: `sim proposal`'s report, from the simulator's
//! library. This is the one place the devnet calls it, so a change of the simulator's report API
//! is a change here only.

use alloy::primitives::{Address, U256};
use anyhow::Context;

/// The report `sim proposal --rpc-url <url> --governor <governor> --proposal-id <id>` prints,
/// and whether a check failed (the command's exit 2).
pub async fn proposal_report(
    url: &url::Url,
    governor: Address,
    id: U256,
) -> anyhow::Result<(String, bool)> {
    let url = url.to_string();
    // The simulator forks through its own runtime: run it off this one.
    tokio::task::spawn_blocking(move || {
        let sim = sim::proposal::report(
            &url,
            governor,
            sim::proposal_source::Source::Id(id),
            &sim::proposal::Options::default(),
        )?;
        Ok((sim.to_string(), !sim.passed))
    })
    .await
    .context("the simulator's task")?
}
