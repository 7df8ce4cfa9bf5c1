//! Typed alloy bindings for the protocol's contracts, generated from the compiled Solidity (see
//! `gen/tests/fresh.rs`; never edited by hand, the role ids of `contracts/access/Roles.sol` included),
//! and [`deploy()`], which executes the Solidity deploy planner's steps on any RPC endpoint; [`ticket`]
//! and [`receipt`], tickets, receipts and verdicts signed (alloy's `PrivateKeySigner`) exactly as
//! the contracts verify them; the protocol's vocabulary: the Solidity enums ([`enums`]), revert
//! data as types ([`ProtocolError`], [`Revert`]), [`no_hints`]; and the contracts' storage
//! layouts ([`layouts`]), generated from the same compile; what the operators' tools share: a
//! proposal's actions from its event ([`governance`]) and the signing key ([`key`]).

#![allow(clippy::too_many_arguments)]

pub mod deadline;
mod deploy;
pub mod devchain;
mod generated;
pub mod governance;
pub mod key;
pub mod layouts;
pub mod receipt;
pub mod ticket;
pub mod toolchain;
mod vocab;

pub use deploy::{
    DeployConfig, DeployError, Deployment, DeploymentFile, DeploymentFileError, LPT,
    PLANNER_ADDRESS, Plan, PlannedTx, deploy, plan, planned_deployment, transactions,
};
pub use generated::*;
pub use vocab::{Revert, no_hints};
