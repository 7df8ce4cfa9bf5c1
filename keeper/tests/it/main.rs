//! The keeper's integration tests, one binary (each file a module): the daemon as a process, the
//! devnet command line, and the keeper driven tick by tick in process.

mod cooperation;
mod daemon;
mod devnet_cli;
mod game_trust;
mod games;
mod in_process;
mod nonce_gaps;
mod operator;
mod ops_files;
mod support;
mod trust;
