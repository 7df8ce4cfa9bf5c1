//! The verifier's integration tests, one binary (the crate links once): the command line, the
//! model format and its hostile inputs, known answers, CPU/wgpu equivalence and the differential
//! test, the verify API and single-layer re-runs.

mod cli;
mod common;
mod differential;
mod gpu_equivalence;
mod hostile;
mod known_answers;
mod layer_rerun;
mod litert_gpu;
mod litert_hostile;
mod litert_oracle;
mod litert_refusals;
mod model_format;
mod verify_api;
