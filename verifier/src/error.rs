//! Error type shared by the loader, the executors and the verifier.

use thiserror::Error;

/// Everything that can go wrong while loading a model, preparing an input or executing a job.
#[derive(Debug, Error)]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("i/o error on {path}: {source}")]
    Io {
        /// The file involved.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a well-formed safetensors container (truncated, bad header, bad offsets).
    #[error("malformed safetensors file: {0}")]
    Safetensors(String),
    /// The safetensors `__metadata__` has no graph entry.
    #[error("model file has no `{0}` entry in its safetensors __metadata__")]
    MissingGraph(&'static str),
    /// The graph JSON does not parse or has the wrong structure.
    #[error("invalid graph description: {0}")]
    GraphJson(String),
    /// A node names an operator this runtime does not implement.
    #[error("node {node}: unknown op `{op}`")]
    UnknownOp {
        /// Index of the offending node.
        node: usize,
        /// The op name found in the file.
        op: String,
    },
    /// A node refers to a tensor that the file does not contain.
    #[error("node {node}: tensor `{name}` is not in the file")]
    MissingTensor {
        /// Index of the offending node.
        node: usize,
        /// Tensor name.
        name: String,
    },
    /// A tensor has the wrong element type.
    #[error("tensor `{name}`: expected dtype {expected}, found {found}")]
    DType {
        /// Tensor name.
        name: String,
        /// Expected dtype.
        expected: &'static str,
        /// Dtype found in the file.
        found: String,
    },
    /// A tensor or an activation has a shape incompatible with the node that uses it.
    #[error("node {node}: shape mismatch for {what}: expected {expected:?}, found {found:?}")]
    ShapeMismatch {
        /// Index of the offending node.
        node: usize,
        /// What was being checked.
        what: String,
        /// Expected shape.
        expected: Vec<usize>,
        /// Shape found.
        found: Vec<usize>,
    },
    /// A scalar parameter is out of its specified range.
    #[error("node {node}: invalid parameter: {msg}")]
    InvalidParam {
        /// Index of the offending node.
        node: usize,
        /// Explanation.
        msg: String,
    },
    /// The file carries tensors that no node uses (the file must be exactly its graph).
    #[error("tensor `{0}` is not used by any node")]
    UnusedTensor(String),
    /// The job input does not have the size the model expects.
    #[error("input has {found} bytes, model expects {expected}")]
    InputSize {
        /// Expected byte count.
        expected: usize,
        /// Byte count given.
        found: usize,
    },
    /// The model exceeds a resource budget (see [`crate::model::Budget`]); nothing was run.
    #[error("model over budget: {what} is {value}, the limit is {limit}")]
    Budget {
        /// Which budget (`nodes`, `multiply-accumulates`, `memory bytes`).
        what: &'static str,
        /// The model's value (a lower bound when the check stopped early).
        value: u64,
        /// The configured limit.
        limit: u64,
    },
    /// The GPU device cannot run this model (a buffer over its binding or size limits);
    /// refused before any work. The CPU reference can still run it.
    #[error("the GPU device cannot run this model: {0}")]
    DeviceLimit(String),
    /// The GPU executor's start-up known-answer self-test failed: the device computes wrong
    /// results and is refused.
    #[error("GPU self-test failed on {adapter}: {detail}")]
    SelfTest {
        /// The adapter refused.
        adapter: String,
        /// What differed.
        detail: String,
    },
    /// No wgpu adapter could be found (no GPU and no software Vulkan driver such as lavapipe).
    #[error("no GPU adapter available: {0} (install mesa-vulkan-drivers for lavapipe)")]
    NoAdapter(String),
    /// A wgpu call failed.
    #[error("gpu error: {0}")]
    Gpu(String),
    /// A claim or hash string is malformed.
    #[error("invalid claim: {0}")]
    Claim(String),
    /// PNG encoding failed or the tensor is not an image.
    #[error("image error: {0}")]
    Image(String),
}

impl Error {
    /// Wraps an i/o error with the path it concerns.
    pub fn io(path: impl AsRef<std::path::Path>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().display().to_string(),
            source,
        }
    }
}

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
