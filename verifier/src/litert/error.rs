//! Why a `.tflite` file was refused or an inference failed.

use thiserror::Error;

/// Everything the LiteRT importer and executor can refuse.
#[derive(Debug, Error, PartialEq)]
pub enum LiteRtError {
    /// The bytes are not a well-formed FlatBuffer / TFLite model (truncated, bad offsets).
    #[error("malformed .tflite file: {0}")]
    Malformed(String),
    /// A size exceeds the import budget (file, tensors, ops, elements, MACs).
    #[error("over budget: {what} is {found}, the limit is {limit}")]
    Budget {
        /// What was measured.
        what: &'static str,
        /// Its value in this file.
        found: u64,
        /// The budget's limit.
        limit: u64,
    },
    /// An operator this executor does not implement (its LiteRT builtin name or code).
    #[error("op {index}: unsupported operator {op}")]
    UnsupportedOp {
        /// Operator index in the subgraph.
        index: usize,
        /// Builtin name, or `code N` / `custom NAME`.
        op: String,
    },
    /// A tensor element type other than int8 activations/weights and int32 biases/ids/shapes.
    #[error("tensor {index} `{name}`: unsupported dtype {dtype}")]
    UnsupportedDtype {
        /// Tensor index.
        index: usize,
        /// Tensor name.
        name: String,
        /// The TFLite type name.
        dtype: String,
    },
    /// A quantization this executor does not implement (e.g. asymmetric per-channel weights).
    #[error("tensor {index} `{name}`: unsupported quantization: {why}")]
    UnsupportedQuant {
        /// Tensor index.
        index: usize,
        /// Tensor name.
        name: String,
        /// What is wrong.
        why: String,
    },
    /// An op option or operand layout this executor does not implement, or an inconsistent graph.
    #[error("op {index} ({op}): {why}")]
    Op {
        /// Operator index.
        index: usize,
        /// Builtin name.
        op: &'static str,
        /// What is wrong.
        why: String,
    },
    /// The subgraph's wiring is invalid (ids out of range, a tensor read before it is written).
    #[error("graph: {0}")]
    Graph(String),
    /// The wgpu executor failed or refused: no adapter, a failed self-test, a device limit or
    /// budget, a wgpu error, a timed-out wait.
    #[error("gpu: {0}")]
    Gpu(String),
    /// The inputs given to the executor do not match the graph's inputs.
    #[error("input: {0}")]
    Input(String),
}

/// Shorthand for results of this module.
pub type Result<T> = std::result::Result<T, LiteRtError>;
