//! `lpt`: a delegator's and voter's command line for the protocol. Reads positions and
//! orchestrators, bonds, unbonds, rebonds, withdraws and claims without round numbers, and lists,
//! votes, queues and executes proposals. Reverts are decoded with the suite's own ABI
//! ([`bindings::Revert`]); the key comes from a keystore (password in `LPT_KEYSTORE_PASSWORD`) or
//! `LPT_PRIVATE_KEY`, never from the command line.

mod chain;
mod governance;
mod orchestrators;
mod position;
mod staking;
mod time;
mod tx;
mod units;

use std::process::ExitCode;

use alloy::primitives::{Address, U256};
use clap::{Parser, Subcommand};

use crate::chain::Target;

#[derive(Parser)]
#[command(
    name = "lpt",
    version,
    about = "A delegator's and voter's command line for the LPT protocol",
    after_help = "The key (for bond, unbond, rebond, withdraw, withdraw-fees, claim, vote, queue, execute) comes \
from --keystore with its password in LPT_KEYSTORE_PASSWORD, or from LPT_PRIVATE_KEY; never from a flag."
)]
struct Cli {
    #[command(flatten)]
    target: Target,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// An account's stake, delegate, pending rewards and fees, earnings and unbonding locks.
    Position {
        /// The account (default: the key's address).
        account: Option<Address>,
    },
    /// Every registered orchestrator: stake, cuts, reputation, capabilities and prices.
    Orchestrators,
    /// Bond LPT (e.g. `lpt bond 100 --to 0x…`), approving the BondingManager as needed.
    Bond {
        /// LPT, with decimals (`100`, `12.5`).
        amount: String,
        /// The orchestrator (default: the one already bonded to).
        #[arg(long)]
        to: Option<Address>,
    },
    /// Unbond LPT into an unbonding lock (withdrawable after the unbonding period).
    Unbond {
        /// LPT, with decimals, or `all`.
        amount: String,
    },
    /// Bond an unbonding lock's LPT again.
    Rebond {
        /// The lock id (`lpt position` lists them).
        lock_id: U256,
        /// The orchestrator (default: the lock's own).
        #[arg(long)]
        to: Option<Address>,
    },
    /// Withdraw a matured unbonding lock's LPT.
    Withdraw {
        /// The lock id (`lpt position` lists them).
        lock_id: U256,
    },
    /// Withdraw earned fees (ETH).
    WithdrawFees {
        /// ETH, with decimals (default: all claimed fees).
        amount: Option<String>,
        /// Where the ETH goes (default: the key's address).
        #[arg(long)]
        to: Option<Address>,
    },
    /// Claim rewards and fees earned so far into the stored position.
    Claim,
    /// Proposals: state, tallies, snapshot and deadline.
    Proposals,
    /// Vote on a proposal.
    Vote {
        proposal_id: U256,
        /// for, against or abstain.
        support: governance::Support,
        /// A reason, recorded in the VoteCast event.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Queue a succeeded proposal in the timelock (its actions are read from ProposalCreated).
    Queue { proposal_id: U256 },
    /// Execute a queued proposal once the timelock delay has passed.
    Execute { proposal_id: U256 },
}

fn main() -> ExitCode {
    // Rust ignores SIGPIPE, so a closed pipe (`lpt orchestrators | head`) would make every print
    // panic; the default action ends the process quietly instead, as for any Unix tool.
    // SAFETY: no other thread exists yet; SIG_DFL is a valid disposition for SIGPIPE.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: starting the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let chain = cli.target.connect().await?;
    match cli.command {
        Command::Position { account } => {
            let account = match account {
                Some(a) => a,
                None => cli.target.signer()?.address(),
            };
            position::show(&chain, account).await
        }
        Command::Orchestrators => orchestrators::show(&chain).await,
        Command::Bond { amount, to } => {
            let me = chain.with_key(cli.target.signer()?);
            staking::bond(&me, &amount, to).await
        }
        Command::Unbond { amount } => {
            let me = chain.with_key(cli.target.signer()?);
            staking::unbond(&me, &amount).await
        }
        Command::Rebond { lock_id, to } => {
            let me = chain.with_key(cli.target.signer()?);
            staking::rebond(&me, lock_id, to).await
        }
        Command::Withdraw { lock_id } => {
            let me = chain.with_key(cli.target.signer()?);
            staking::withdraw(&me, lock_id).await
        }
        Command::WithdrawFees { amount, to } => {
            let me = chain.with_key(cli.target.signer()?);
            staking::withdraw_fees(&me, amount.as_deref(), to).await
        }
        Command::Claim => {
            let me = chain.with_key(cli.target.signer()?);
            staking::claim(&me).await
        }
        Command::Proposals => governance::list(&chain).await,
        Command::Vote {
            proposal_id,
            support,
            reason,
        } => {
            let me = chain.with_key(cli.target.signer()?);
            governance::vote(&me, proposal_id, support, reason).await
        }
        Command::Queue { proposal_id } => {
            let me = chain.with_key(cli.target.signer()?);
            governance::queue(&me, proposal_id).await
        }
        Command::Execute { proposal_id } => {
            let me = chain.with_key(cli.target.signer()?);
            governance::execute(&me, proposal_id).await
        }
    }
}
