//! Typed alloy bindings for the protocol's contracts, generated from the compiled Solidity (see
//! `gen/tests/fresh.rs`; never edited by hand, the role ids of `contracts/access/Roles.sol` included),
//! and [`deploy()`], which executes the Solidity deploy planner's steps on any RPC endpoint; and [`ticket`], payment tickets signed exactly as the TicketBroker verifies them.

#![allow(clippy::too_many_arguments)]

pub mod deadline;
mod deploy;
mod generated;
pub mod receipt;
pub mod ticket;
pub mod toolchain;

pub use deploy::{
    DeployConfig, DeployError, Deployment, LPT, PLANNER_ADDRESS, Plan, PlannedTx, deploy, plan,
    transactions,
};
pub use generated::*;
