//! The verifier's integration tests, one binary (the crate links once): the command line, the
//! converted model format and its refusals, the chunk-commitment vectors, the LiteRT importer and
//! its differential test against LiteRT itself, the wgpu executor against the CPU reference, the verify API and single-layer re-runs, the model commitment's openings.

mod cli;
mod commit_vectors;
mod common;
mod litert_gpu;
mod litert_hostile;
mod litert_oracle;
mod litert_refusals;
mod model_format;
mod opening;
mod verify_api;
