//! `keeper devnet`, what `make demo` runs: a fresh anvil, the suite deployed, three
//! orchestrators and their delegators, a gateway paying with tickets, two keepers (both approved
//! verifiers, the committee's fallback) doing the rounds, and a cheater caught: its receipt
//! spot-checked by keeper a, which re-runs the job and wins a proof game against the cheater's
//! agent (each move printed, [`proof`]), and slashed after the veto window; then a governance
//! proposal, audited with `sim proposal`, voted, queued and executed.

mod audit;
mod governance;
pub mod job;
mod live;
pub mod proof;
pub mod story;
pub mod world;

use std::{
    net::{Ipv4Addr, TcpListener},
    path::PathBuf,
};

use anyhow::{Context, bail};

#[derive(clap::Args, Clone, Debug)]
pub struct DevnetArgs {
    /// Port for the local anvil node.
    #[arg(long, default_value_t = 8545)]
    pub port: u16,
    /// Blocks per round on the devnet.
    #[arg(long, default_value_t = 20)]
    pub round_length: u64,
    /// Rounds of rewards and fees before the disputed job.
    #[arg(long, default_value_t = 3)]
    pub rounds: u64,
    /// Where the images, the job files and the keepers' stores go.
    #[arg(long, default_value = ".demo")]
    pub out: PathBuf,
    /// Serve the image jobs on the CPU reference instead of wgpu.
    #[arg(long)]
    pub cpu: bool,
    /// At the end, keep anvil running (until Ctrl-C) and print the addresses and `lpt` commands
    /// to explore it.
    #[arg(long)]
    pub keep_running: bool,
    /// The image job's prompt, in the demo model's words (shapes, colours, positions; an unknown
    /// word is refused before anything starts).
    #[arg(long, default_value = verifier::demo::DEMO_PROMPT)]
    pub prompt: String,
}

pub async fn run(args: DevnetArgs) -> anyhow::Result<()> {
    if args.round_length < 15 {
        bail!(
            "--round-length must be at least 15 blocks (the story sends a dozen transactions a round)"
        );
    }
    ensure_port_free(args.port)?;
    if args.rounds == 0 {
        bail!("--rounds must be at least 1");
    }
    verifier::demo::job_input(&args.prompt).context("--prompt")?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    story::tell(&args).await
}

/// Fails with a clear message when something already listens on the port anvil would take.
fn ensure_port_free(port: u16) -> anyhow::Result<()> {
    match TcpListener::bind((Ipv4Addr::LOCALHOST, port)) {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::AddrInUse => bail!(
            "port {port} is already in use (another anvil or node?): stop it or pass --port <free port>"
        ),
        Err(err) => Err(err).with_context(|| format!("checking that port {port} is free")),
    }
}
