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
pub mod graph;
pub(crate) mod import;
pub mod ops;
pub(crate) mod schema;
pub(crate) mod shapes;

pub use error::LiteRtError;
pub use exec::{OpOutput, run, run_op};
pub use graph::{Graph, LiteRtBudget};
pub use import::{import, import_with_options};
pub use shapes::OptVal;
