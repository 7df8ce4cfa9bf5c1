//! `lpt`'s integration tests, one binary (each file a module): the command line end to end on
//! anvil, and every shell command of the READMEs run as written.

mod cli;
mod readme;
mod support;
