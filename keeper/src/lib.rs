//! # keeper: the operator's daemon for the protocol
//!
//! Each tick a [`Keeper`] reads the chain and does what is due: initializes the round if nobody
//! has, calls `reward` for the orchestrators it serves, follows disputes from a persisted block
//! cursor, re-runs disputed jobs with the reference verifier and votes, finalizes disputes whose
//! verdict period ran out and executes slashes whose veto window has passed. Every action is
//! checked against chain state (a dry run) right before it is sent, so a restart or a second
//! keeper does no harm; transactions go through [`txs::TxManager`], which owns the nonce, bumps
//! stuck transactions and persists what is in flight in the [`store::Store`].
//!
//! [`daemon::run`] wraps the tick in a loop with backoff, signal handling, metrics and health;
//! `devnet` (the `make demo` story) drives keepers tick by tick. The RPC can be several endpoints
//! with failover ([`failover`]); transactions are signed by a local key or a remote signer
//! ([`signer`]); operators see and steer a running keeper through [`ops`] (the admin API in
//! [`http`], `keeper status` in [`status`]).

pub mod archive;
pub mod background;
pub mod config;
pub mod daemon;
pub mod devnet;
pub mod disputes;
pub mod failover;
pub mod files;
pub mod games;
pub mod http;
pub mod judge;
pub mod judging;
pub mod keeper;
pub mod key;
pub mod metrics;
pub mod ops;
pub mod repeats;
pub mod revert;
pub mod rounds;
pub mod rpc;
pub mod signer;
pub mod spot;
pub mod status;
pub mod store;
pub mod summary;
pub mod turns;
pub mod txs;

pub use config::Config;
pub use keeper::{Keeper, TickReport};
