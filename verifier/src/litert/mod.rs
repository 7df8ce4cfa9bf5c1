//! # LiteRT (TFLite) int8 models: import and bit-exact CPU reference execution
//!
//! [`import`] reads a full-integer `.tflite` file (one subgraph; int8 activations with per-tensor
//! scale and zero point, symmetric per-channel int8 weights, int32 biases and token ids) into a
//! typed [`Graph`], refusing with a [`LiteRtError`] any op, type, quantization or option it does
//! not implement, within a [`LiteRtBudget`]. [`run`] executes it with the arithmetic of LiteRT's
//! **reference** kernels (`BUILTIN_REF`, ai-edge-litert 2.3.0, built with double rounding), each
//! op's rule documented in its kernel under [`ops`]; `tools/models/SPEC-NOTES.md` has the
//! derivation and `tests/it/litert_oracle.rs` checks every op output against LiteRT itself.
//!
//! [`gpu::LiteRtGpu`] runs the same graph on wgpu and returns the same bytes for every op
//! output (`LiteRtGpu::new()?.run(&graph, inputs)`, or `prepare` once and `run_prepared`): the
//! multipliers, shifts and tables come from the CPU kernels' own functions, the shaders do only
//! integer arithmetic (FULLY_CONNECTED's float64 requantization emulated exactly in 32-bit
//! limbs, [`gpu::f64fc`]), every reduction is split so that no invocation loops more than
//! [`gpu::RSPLIT`] times, device limits and a memory budget are checked before any work, and a
//! known-answer self-test refuses a device that disagrees with the CPU. `tests/it/litert_gpu.rs`
//! compares every op output of every committed model, random shapes with K past 70,000 (and one
//! FULLY_CONNECTED with K past a million) and extreme multipliers, and the float64 emulation on
//! adversarial pairs (`LITERT_GPU_DEEP=N` runs N random graphs per op instead of 6);
//! `litert-bench` times both executors.
//!
//! Supported: FULLY_CONNECTED, BATCH_MATMUL, CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV, ADD, SUB,
//! MUL, SQUARED_DIFFERENCE, RSQRT, MEAN, SOFTMAX, LOGISTIC, TANH, GELU, GATHER, RESHAPE,
//! TRANSPOSE, CONCATENATION, RESIZE_BILINEAR, RESIZE_NEAREST_NEIGHBOR; fused NONE/RELU/RELU6.
//!
//! ```no_run
//! let bytes = std::fs::read("tools/models/out/text2img.tflite").unwrap();
//! let graph = verifier::litert::import(&bytes, &Default::default())?;
//! let outs = verifier::litert::run(&graph, &[&[0u8; 32][..]])?;
//! println!("{} ops, last output {} bytes", outs.len(), outs.last().map_or(0, |o| o.bytes.len()));
//! # Ok::<(), verifier::litert::LiteRtError>(())
//! ```

pub mod error;
pub mod exec;
pub mod fixed;
mod flatbuf;
pub mod gpu;
pub mod graph;
pub(crate) mod import;
pub mod ops;
pub(crate) mod schema;
pub(crate) mod shapes;

pub use error::LiteRtError;
pub use exec::{OpOutput, run, run_op};
pub use graph::{Graph, LiteRtBudget};
pub use import::{import, import_with_options};
pub use schema::{BUILTIN_OPS, op};
pub use shapes::OptVal;
