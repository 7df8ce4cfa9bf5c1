//! The auditors' simulator: runs the protocol's economy, governance proposals and disputes in
//! revm, in-process, and reports what they do.

pub mod actors;
pub mod bench;
pub mod charts;
pub mod cli;
pub mod dispute;
pub mod economy;
pub mod events;
pub mod evm;
pub mod fork;
pub mod game;
pub mod governance;
pub mod invariants;
pub mod known;
pub mod layout;
pub mod lens;
pub mod metrics;
pub mod permissions;
pub mod proposal;
pub mod proposal_checks;
pub mod proposal_source;
pub mod report;
pub mod revert;
pub mod run_economy;
pub mod scenario;
pub mod suite;
