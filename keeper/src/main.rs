//! `keeper`: the operator's daemon for the protocol. This first cut has the `devnet` command that
//! `make demo` runs; the reward, dispute and slashing duties arrive with the keeper issue.

mod devnet;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "keeper",
    version,
    about = "Keeper for the LPT AI-inference protocol"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start a local anvil, deploy the suite, run a round, print what happened, stop anvil.
    Devnet(devnet::DevnetArgs),
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Devnet(args) => devnet::run(args).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
