//! The simulator's integration tests, one binary (each file a module): the command line, the
//! deployment in revm against anvil, dispute and proposal replays, the economy.

mod cli;
mod deploy;
mod dispute;
mod economy;
mod proof_game;
mod proposal;
