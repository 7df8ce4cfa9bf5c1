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

/// Multiply-accumulates of one layer (dense and conv; 0 for the others).
fn layer_macs(model: &Model, li: usize) -> u64 {
    let layer = &model.layers()[li];
    match &layer.op {
        verifier::model::Op::Conv2d { geom, .. } => geom.macs(),
        verifier::model::Op::Dense { weight, .. } => weight.len() as u64,
        _ => 0,
    }
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
        "{:<6} {:>12} {:>8} {:>12} {:>14} {:>13} {:>13}",
        "model", "MACs", "backend", "infer/s", "int ops/s", "whole model", "one layer"
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
        // Re-running one layer (the most expensive) from its committed input.
        let outputs = CpuExecutor.layer_outputs(&model, &input)?;
        let li = (0..model.layers().len())
            .max_by_key(|&i| layer_macs(&model, i))
            .unwrap_or(0);
        let xs: Vec<&[i8]> = model.layers()[li]
            .inputs
            .iter()
            .map(|&v| {
                if v == 0 {
                    input.as_slice()
                } else {
                    outputs[v - 1].as_slice()
                }
            })
            .collect();
        let (cpu_layer, _) = measure(budget, || {
            CpuExecutor.layer_output(&model, li, &xs)?;
            Ok(())
        })?;
        let (gpu_layer, _) = measure(budget, || {
            let y = gpu.layer_output(&model, li, &xs)?;
            anyhow::ensure!(y == outputs[li], "wgpu layer differs from CPU");
            Ok(())
        })?;
        for (backend, ips, n, layer_ips) in [
            ("cpu", cpu_ips, cpu_n, cpu_layer),
            ("wgpu", gpu_ips, gpu_n, gpu_layer),
        ] {
            println!(
                "{name:<6} {macs:>12} {backend:>8} {ips:>12.2} {:>14.3e} {:>10.2} ms {:>10.2} ms   ({n} runs; layer {li})",
                2.0 * macs as f64 * ips,
                1e3 / ips,
                1e3 / layer_ips,
            );
        }
    }
    Ok(())
}
