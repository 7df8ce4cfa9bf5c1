//! The wgpu executor, as a thin adapter over `litert::gpu` (a wgpu executor for
//! [`crate::litert::Graph`] with the same outputs as [`crate::litert::run`], being written on
//! its own branch). Until it is merged every call returns [`Error::Gpu`] ("not yet"), which the
//! callers treat as "use the CPU reference": [`crate::verify::verify_with`] falls back to it,
//! the keeper's devnet orchestrator too.
//!
//! To connect it: hold the `litert::gpu` executor here, run it in [`Executor::execute`] (every
//! op's output bytes, then [`Execution::new`]) and in [`Executor::execute_layer`] (one op).

use crate::exec::{Execution, Executor};
use crate::model::Model;
use crate::{Error, Result};

/// The wgpu executor (not yet connected: see the module docs).
#[derive(Debug, Default)]
pub struct GpuExecutor {
    _private: (),
}

fn not_yet() -> Error {
    Error::Gpu("not yet: the wgpu executor for LiteRT graphs (litert::gpu) is not merged".into())
}

impl GpuExecutor {
    /// Opens the executor. Until `litert::gpu` is merged this always fails with
    /// [`Error::Gpu`].
    pub fn new() -> Result<Self> {
        Err(not_yet())
    }

    /// The adapter's description.
    pub fn adapter(&self) -> String {
        "none".into()
    }
}

impl Executor for GpuExecutor {
    fn name(&self) -> &'static str {
        "wgpu"
    }

    fn execute(&mut self, _model: &Model, _input: &[u8]) -> Result<Execution> {
        Err(not_yet())
    }

    fn execute_layer(&mut self, _: &Model, _: usize, _: &[&[u8]]) -> Result<Vec<u8>> {
        Err(not_yet())
    }
}
