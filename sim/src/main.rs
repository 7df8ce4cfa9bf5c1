//! `sim`: the auditors' simulator (see `sim --help`).

use clap::Parser;
use sim::cli::{Cli, Command};

fn main() {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Economy(args) => sim::run_economy::run(args),
        Command::Proposal(args) => sim::proposal::run(args),
        Command::Dispute(args) => sim::dispute::run(args),
    };
    if let Err(e) = result {
        eprintln!("sim: {e:#}");
        std::process::exit(1);
    }
}
