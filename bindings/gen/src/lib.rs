//! Nothing to build: `tests/fresh.rs` generates `bindings/artifacts` and `bindings/src/generated.rs`
//! from the compiled contracts (`BINDINGS_UPDATE=1`), or checks that they are current.
