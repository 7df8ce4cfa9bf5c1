//! `lpt`'s integration tests, one binary (each file a module): the command line end to end on
//! anvil.

mod cli;
mod support;
