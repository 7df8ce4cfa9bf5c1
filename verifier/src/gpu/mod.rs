//! placeholder
pub struct GpuExecutor;
