//! `keeper`: the operator's daemon for the protocol (`keeper run`) and the devnet story that
//! `make demo` runs (`keeper devnet`).

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use keeper::{Config, daemon, devnet, key, status};
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
        /// The Ethereum JSON-RPC endpoint (http://); repeat it, or separate with commas, for
        /// failover (first preferred). Replaces rpc.urls in the config.
        #[arg(long, env = "KEEPER_RPC_URL", value_delimiter = ',')]
        rpc_url: Vec<url::Url>,
        /// The keeper's TOML config.
        #[arg(long, default_value = "keeper.toml")]
        config: PathBuf,
        /// Logs as JSON lines (for log shippers).
        #[arg(long)]
        json_logs: bool,
    },
    /// Ask a running keeper (its admin API) what it is doing: the round's duties, transactions
    /// in flight, disputes, fee cap, wallet, health. Exits non-zero when no keeper answers.
    Status {
        /// The keeper's metrics/admin address (`http://host:port`); without it, the config's
        /// keeper.metrics_addr.
        #[arg(long)]
        url: Option<url::Url>,
        /// The keeper's TOML config (for keeper.metrics_addr).
        #[arg(long, default_value = "keeper.toml")]
        config: PathBuf,
        /// Print the raw JSON.
        #[arg(long)]
        json: bool,
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
        Command::Status { url, config, json } => show_status(url, config, json).await,
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

async fn run(rpc_url: Vec<url::Url>, config: PathBuf) -> anyhow::Result<()> {
    if let Some(url) = rpc_url.iter().find(|u| u.scheme() != "http") {
        anyhow::bail!("--rpc-url {url}: only http:// endpoints are supported");
    }
    let config = Config::load(&config)?;
    let urls = if rpc_url.is_empty() {
        config.rpc.urls.clone()
    } else {
        rpc_url
    };
    if urls.is_empty() {
        anyhow::bail!(
            "no RPC endpoint: give --rpc-url (or KEEPER_RPC_URL) or rpc.urls in the config"
        );
    }
    let signer = key::load_signer(&config.key)?;
    daemon::run(urls, signer, config).await
}

async fn show_status(url: Option<url::Url>, config: PathBuf, json: bool) -> anyhow::Result<()> {
    let url = match url {
        Some(url) => url,
        None => {
            let config = Config::load(&config)?;
            let addr = config.keeper.metrics_addr.ok_or_else(|| {
                anyhow::anyhow!("keeper.metrics_addr is not set in the config: give --url")
            })?;
            format!("http://{addr}").parse()?
        }
    };
    let s = status::fetch(&url).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&s)?);
    } else {
        print!("{}", status::render(&s));
    }
    Ok(())
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
