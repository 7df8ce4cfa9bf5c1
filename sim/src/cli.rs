//! The command line.

use std::path::PathBuf;

use alloy::primitives::{Address, Bytes, U256};
use clap::{Args, Parser, Subcommand};

/// The auditors' simulator: the economy, governance proposals and disputes, in revm.
#[derive(Debug, Parser)]
#[command(name = "sim", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the economy of a scenario in an in-memory chain, checking invariants every round.
    Economy(EconomyArgs),
    /// Simulate a governance proposal on a fork of live state: proposed, voted, queued and run
    /// through `Governor.execute`; exits 2 when a check fails.
    Proposal(ProposalArgs),
    /// Replay a dispute's job with the verifier and show what each verdict would do.
    Dispute(DisputeArgs),
}

#[derive(Debug, Args)]
pub struct EconomyArgs {
    /// The scenario (TOML; see sim/scenarios/).
    #[arg(long)]
    pub scenario: PathBuf,
    /// Where the CSV and charts go.
    #[arg(long, default_value = "sim-out")]
    pub out: PathBuf,
    /// Overrides the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Overrides the scenario's number of rounds.
    #[arg(long)]
    pub rounds: Option<u64>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ProposalArgs {
    /// The node to fork.
    #[arg(long)]
    pub rpc_url: String,
    /// Block to fork at (default: the latest).
    #[arg(long)]
    pub block: Option<u64>,
    /// The LivepeerGovernor the proposal belongs to (its timelock executes the calls).
    #[arg(long)]
    pub governor: Address,
    /// A proposal already made on the governor.
    #[arg(long, conflicts_with_all = ["calldata", "target"])]
    pub proposal_id: Option<U256>,
    /// A proposal not yet made: the governor's `propose(...)` calldata.
    #[arg(long, conflicts_with = "target")]
    pub calldata: Option<Bytes>,
    /// A proposal not yet made, call by call: a target (repeat with --value and --data).
    #[arg(long = "target")]
    pub target: Vec<Address>,
    /// Wei sent with each call (default 0 for every call).
    #[arg(long = "value")]
    pub value: Vec<U256>,
    /// Calldata of each call.
    #[arg(long = "data")]
    pub data: Vec<Bytes>,
    /// Accept a change of who may do what, by the key the report prints (e.g.
    /// `grant-role:ADMIN:0x…`, `timelock-delay:0`); repeat for each. Unacknowledged, it fails.
    #[arg(long = "ack", value_name = "KEY")]
    pub ack: Vec<String>,
    /// JSON instead of the human-readable report (amounts in wei, as decimal strings).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DisputeArgs {
    /// The node to fork.
    #[arg(long)]
    pub rpc_url: String,
    /// The DisputeManager.
    #[arg(long)]
    pub disputes: Address,
    /// The dispute.
    #[arg(long)]
    pub dispute_id: U256,
    /// A folder of content-addressed job files: models and inputs named by their hash.
    #[arg(long)]
    pub files: Option<PathBuf>,
    /// Block to fork at (default: the latest).
    #[arg(long)]
    pub block: Option<u64>,
    /// The arbitrator (the timelock), to also simulate a veto.
    #[arg(long)]
    pub timelock: Option<Address>,
    /// JSON instead of the human-readable report.
    #[arg(long)]
    pub json: bool,
}
