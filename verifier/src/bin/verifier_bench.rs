//! Throughput benchmark (not a test): inferences per second on the CPU reference and on wgpu for
//! the demo model and the large (≥ 50 M MAC) model, plus achieved integer ops/s (2 per MAC).
//!
//! `cargo run --release -p verifier --bin verifier-bench [-- SECONDS_PER_MEASUREMENT]`

use std::time::{Duration, Instant};

use anyhow::Result;
use verifier::{CpuExecutor, Executor, GpuExecutor, Model, demo};

/// Runs `f` until `budget` has elapsed (at least twice); returns inferences per second.
fn measure(budget: Duration, mut f: impl FnMut() -> Result<()>) -> Result<(f64, u32)> {
    f()?; // warm-up: builds GPU buffers, faults in memory
    let start = Instant::now();
    let mut n = 0u32;
    while n < 2 || start.elapsed() < budget {
        f()?;
        n += 1;
    }
    Ok((n as f64 / start.elapsed().as_secs_f64(), n))
}

fn main() -> Result<()> {
    let secs: f64 = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(3.0);
    let budget = Duration::from_secs_f64(secs);
    let mut gpu = GpuExecutor::new()?;
    println!("wgpu adapter: {}", gpu.adapter());
    println!(
        "{:<6} {:>12} {:>8} {:>12} {:>14}",
        "model", "MACs", "backend", "infer/s", "int ops/s"
    );
    for (name, bytes) in [
        ("demo", demo::demo_model_bytes()?),
        ("large", demo::large_model_bytes()?),
    ] {
        let model = Model::from_bytes(&bytes)?;
        let input = demo::job_input(1, "benchmark");
        let macs = model.macs();
        let cpu_ref = CpuExecutor.run(&model, &input)?;
        let (cpu_ips, cpu_n) = measure(budget, || {
            CpuExecutor
                .execute(&model, &input)
                .map(|_| ())
                .map_err(Into::into)
        })?;
        let (gpu_ips, gpu_n) = measure(budget, || {
            let e = gpu.execute(&model, &input)?;
            anyhow::ensure!(
                e.output_hash == cpu_ref.output_hash,
                "wgpu result differs from CPU"
            );
            Ok(())
        })?;
        for (backend, ips, n) in [("cpu", cpu_ips, cpu_n), ("wgpu", gpu_ips, gpu_n)] {
            println!(
                "{name:<6} {macs:>12} {backend:>8} {ips:>12.2} {:>14.3e}   ({n} runs)",
                2.0 * macs as f64 * ips
            );
        }
    }
    Ok(())
}
