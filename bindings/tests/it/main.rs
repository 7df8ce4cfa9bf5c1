//! The bindings' integration tests, one binary (each file a module): the suite on anvil through
//! the generated bindings.

mod anvil;
mod deploy_parity;
mod dispute;
mod governance;
mod support;
mod tickets;
