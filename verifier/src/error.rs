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
    /// The graph JSON is malformed (bad JSON, unknown or duplicate field, wrong format tag,
    /// derived integers that differ from what the scales give, tensors that do not match).
    #[error("invalid graph description: {0}")]
    GraphJson(String),
    /// The LiteRT graph is refused (unsupported op, dtype or quantization; bad wiring or shapes;
    /// over budget), by the `.tflite` importer or by the converted-file loader.
    #[error(transparent)]
    LiteRt(#[from] crate::litert::LiteRtError),
    /// The job input does not have the model's input size.
    #[error("input has {found} bytes, model expects {expected}")]
    InputSize {
        /// Bytes the model expects.
        expected: usize,
        /// Bytes given.
        found: usize,
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
    /// A demo prompt the tokenizer refuses (unknown word, too long).
    #[error("prompt: {0}")]
    Prompt(String),
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
