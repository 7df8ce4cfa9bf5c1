//! `keeper`: the operator's daemon for the protocol (`keeper run`) and the devnet story that
//! `make demo` runs (`keeper devnet`).

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use keeper::{Config, daemon, devnet, key};
use tracing_subscriber::EnvFilter;

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
    /// Run the daemon: initialize rounds, call rewards, verify disputes, execute slashes. The key
    /// comes from key.keystore (password in KEEPER_KEYSTORE_PASSWORD) or KEEPER_PRIVATE_KEY.
    Run {
        /// The Ethereum JSON-RPC endpoint (http://).
        #[arg(long, env = "KEEPER_RPC_URL")]
        rpc_url: url::Url,
        /// The keeper's TOML config.
        #[arg(long, default_value = "keeper.toml")]
        config: PathBuf,
        /// Logs as JSON lines (for log shippers).
        #[arg(long)]
        json_logs: bool,
    },
    /// Start a local anvil, deploy the suite and run the whole story: rounds, rewards, ticket
    /// fees, an image job, a cheater disputed and slashed.
    Devnet(devnet::DevnetArgs),
}

fn main() -> std::process::ExitCode {
    // Vulkan's window-system probing complains on stderr without a runtime dir (headless CI);
    // set one before any thread starts.
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
        // SAFETY: single-threaded here: the tokio runtime starts below.
        unsafe { std::env::set_var("XDG_RUNTIME_DIR", std::env::temp_dir()) };
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: starting the async runtime: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    runtime.block_on(run_cli())
}

async fn run_cli() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run {
            rpc_url,
            config,
            json_logs,
        } => {
            init_logs(json_logs, "info");
            run(rpc_url, config).await
        }
        Command::Devnet(args) => {
            init_logs(false, "warn");
            devnet::run(args).await
        }
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(rpc_url: url::Url, config: PathBuf) -> anyhow::Result<()> {
    if rpc_url.scheme() != "http" {
        anyhow::bail!("--rpc-url {rpc_url}: only http:// endpoints are supported");
    }
    let config = Config::load(&config)?;
    let signer = key::load_signer(&config.key)?;
    daemon::run(rpc_url, signer, config).await
}

fn init_logs(json: bool, default: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}
