//! # verifier: bit-exact quantized inference for dispute resolution
//!
//! When a gateway disputes an inference result, verifiers re-run the job and compare hashes.
//! That only works if every machine produces the same bytes, so this crate runs integer-only
//! quantized models (int8 activations and weights, int32 accumulation, fixed-point
//! requantization; Jacob et al. 2018) whose every operation is specified to the bit in
//! [`ops`]. Two executors implement the spec: [`CpuExecutor`], a plain Rust reference, and
//! [`GpuExecutor`], WGSL compute kernels on wgpu. They are tested to be byte-identical.
//!
//! * [`model`]: the model file (safetensors with the graph JSON in `__metadata__`);
//!   `Model::id()` is keccak256 of the file bytes.
//! * [`hash`]: per-layer hashes and the Merkle commitment.
//! * [`verify()`]: the keeper's API returning a [`Verdict`].
//! * [`demo`]: a deterministic 64×64 RGB image generator and the cheater's edit.
//!
//! ```no_run
//! use verifier::{CpuExecutor, Executor, Model, demo, verify};
//! let model = Model::from_bytes(&demo::demo_model_bytes()?)?;
//! let input = demo::job_input(42, "a watercolour fox");
//! let exec = CpuExecutor.run(&model, &input)?;
//! let verdict = verify(&model, &input, exec.output_hash, Some(&exec.layer_hashes))?;
//! assert!(verdict.matches);
//! # Ok::<(), verifier::Error>(())
//! ```

#![warn(missing_docs)]

pub mod cpu;
pub mod demo;
pub mod error;
pub mod exec;
pub mod gpu;
pub mod hash;
pub mod image;
pub mod litert;
pub mod model;
pub mod ops;
pub mod verify;

pub use cpu::CpuExecutor;
pub use error::{Error, Result};
pub use exec::{Execution, Executor, Tensor, input_from_bytes, input_to_bytes};
pub use gpu::GpuExecutor;
pub use hash::{Hash32, keccak, merkle_root};
pub use image::{encode_png, write_png};
pub use model::{Budget, Model};
pub use verify::{
    ClaimFile, Confirmed, LayerVerdict, Verdict, compare, verify, verify_confirmed, verify_layer,
    verify_with,
};
