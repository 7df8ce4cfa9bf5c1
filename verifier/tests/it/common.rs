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

/// Runs the `verifier` binary with `args` in `dir` and returns its output, or kills it and fails
/// the test once it has run for two minutes: a stalled driver must fail CI, never hang it.
pub fn verifier(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    use std::{
        io::Read,
        process::{Command, Stdio},
        time::{Duration, Instant},
    };
    const LIMIT: Duration = Duration::from_secs(120);
    let mut child = Command::new(env!("CARGO_BIN_EXE_verifier"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn verifier");
    // Drain both pipes on their own threads so a chatty child never blocks on a full pipe.
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out.read_to_end(&mut buf);
        buf
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err.read_to_end(&mut buf);
        buf
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for verifier") {
            break status;
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("verifier {args:?} still running after {LIMIT:?}: killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    std::process::Output {
        status,
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
    }
}
