//! # verifier: bit-exact int8 inference for dispute resolution
//!
//! When a gateway disputes an inference result, verifiers re-run the job and compare hashes.
//! That only works if every machine produces the same bytes, so this crate's spec is **LiteRT
//! int8 semantics** (TensorFlow Lite full-integer quantization, the reference kernels of
//! ai-edge-litert 2.3.0): [`litert`] imports `.tflite` files and runs them bit-exactly, checked
//! op by op against LiteRT itself.
//!
//! * [`model`]: the verifier's model file, a `.tflite` converted in Rust (safetensors + graph
//!   JSON with every derived requantization integer); `Model::id()` is the model commitment
//!   ([`opening`]: the chunk root over one node record per op, openable by a contract).
//! * [`CpuExecutor`]: the reference; [`GpuExecutor`]: the wgpu adapter (see its docs).
//! * [`commit`]: chunk commitments (per-layer roots, the layer commitment, range proofs).
//! * [`opening`]: the model commitment's node records and the proof game's element openings.
//! * [`game`]: the proof game's off-chain player (reveals, picks, the final step, job archives).
//! * [`verify()`]: the keeper's API returning a [`Verdict`].
//! * [`demo`]: the text-to-image demo model, its tokenizer and the cheater's alteration.
//!
//! ```no_run
//! use verifier::{CpuExecutor, Executor, Model, demo, verify};
//! let model = Model::from_bytes(&demo::demo_model_bytes()?)?;
//! let input = demo::job_input("a red circle above a blue square")?;
//! let exec = CpuExecutor.run(&model, &input)?;
//! let verdict = verify(&model, &input, exec.output_hash, Some(&exec.layer_roots))?;
//! assert!(verdict.matches);
//! # Ok::<(), verifier::Error>(())
//! ```

#![warn(missing_docs)]

pub mod abi;
pub mod commit;
pub mod cpu;
pub mod demo;
pub mod error;
pub mod exec;
pub mod game;
pub mod gpu;
pub mod hash;
pub mod image;
pub mod litert;
pub mod model;
pub mod opening;
pub mod verify;

pub use cpu::CpuExecutor;
pub use error::{Error, Result};
pub use exec::{Execution, Executor, Tensor};
pub use gpu::GpuExecutor;
pub use hash::{Hash32, keccak};
pub use image::{encode_png, write_png};
pub use model::{Budget, Model};
pub use verify::{
    ClaimFile, Confirmed, LayerVerdict, Verdict, compare, verify, verify_confirmed, verify_layer,
    verify_with,
};
