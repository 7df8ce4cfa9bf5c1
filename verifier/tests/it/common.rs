//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::sync::{Mutex, MutexGuard, OnceLock};

use verifier::{CpuExecutor, Execution, GpuExecutor, Model};

/// The process-wide GPU executor. Panics (never skips) when no adapter exists.
pub fn gpu() -> MutexGuard<'static, GpuExecutor> {
    static GPU: OnceLock<Mutex<GpuExecutor>> = OnceLock::new();
    GPU.get_or_init(|| {
        let exec = GpuExecutor::new().unwrap_or_else(|e| {
            panic!(
                "these tests need a wgpu adapter; on machines without a GPU install lavapipe \
                 (`apt-get install -y mesa-vulkan-drivers`): {e}"
            )
        });
        Mutex::new(exec)
    })
    .lock()
    .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs on both executors and asserts byte-identical outputs and hashes.
pub fn run_both(model: &Model, input: &[i8]) -> Execution {
    let cpu = CpuExecutor.run(model, input).expect("cpu run");
    let gpu = gpu().run(model, input).expect("gpu run");
    assert_eq!(cpu.output, gpu.output, "cpu and wgpu outputs differ");
    assert_eq!(cpu.layer_hashes, gpu.layer_hashes, "layer hashes differ");
    assert_eq!(cpu.commitment, gpu.commitment);
    cpu
}
