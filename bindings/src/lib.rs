//! Typed alloy bindings for the protocol's contracts, generated from the compiled Solidity (see
//! `tests/fresh.rs`; never edited by hand), and [`deploy()`], which deploys and wires the suite on
//! any RPC endpoint; and [`ticket`], payment tickets signed exactly as the TicketBroker verifies them.

#![allow(clippy::too_many_arguments)]

mod deploy;
mod generated;
pub mod receipt;
pub mod ticket;
pub mod toolchain;

pub use deploy::{DeployConfig, DeployError, Deployment, LPT, deploy, roles};
pub use generated::*;
