//! `litert-bench`: inferences/s of `verifier::litert`'s CPU reference executor and of its wgpu
//! executor (`litert::gpu`, buffers prepared once) on the demo's text-to-image model and the
//! tiny transformer, beside LiteRT's own interpreter (reference, optimized and XNNPACK kernels,
//! via `tools/models/report.py`'s timing loop) in the same run. The wgpu outputs are checked
//! byte for byte against the CPU's before timing.
//!
//!     cargo run --release -p verifier --bin litert-bench -- [--seconds 2] [--no-litert] [--no-gpu]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Parser;
use verifier::litert;
use verifier::litert::gpu::LiteRtGpu;

#[derive(Parser)]
#[command(about = "CPU LiteRT-executor throughput beside LiteRT's interpreter")]
struct Args {
    /// Seconds to time each model and executor.
    #[arg(long, default_value_t = 2.0)]
    seconds: f64,
    /// Skip LiteRT's own timings (needs `make models-oracle`).
    #[arg(long)]
    no_litert: bool,
    /// Skip the wgpu executor.
    #[arg(long)]
    no_gpu: bool,
}

const MODELS: [&str; 2] = ["text2img.tflite", "tiny_transformer.tflite"];

fn models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/models")
}

/// Deterministic inputs: token ids below the embedding's row count, int8 elsewhere.
fn inputs(g: &litert::Graph) -> Vec<Vec<u8>> {
    g.inputs
        .iter()
        .map(|&t| {
            let info = &g.tensors[t];
            let rows = g
                .ops
                .iter()
                .find(|o| o.name == "GATHER" && o.inputs.get(1) == Some(&t))
                .map_or(256, |o| g.tensors[o.inputs[0]].shape[0]);
            (0..info.len())
                .flat_map(|i| match info.dtype {
                    litert::graph::DType::I32 => ((i * 7 % rows) as i32).to_le_bytes().to_vec(),
                    litert::graph::DType::I8 => vec![(i * 37) as u8],
                })
                .collect()
        })
        .collect()
}

/// Runs `f` repeatedly for `seconds` (after one warm-up call); returns calls per second.
fn rate(seconds: f64, mut f: impl FnMut() -> Result<()>) -> Result<f64> {
    f()?;
    let (t0, mut n) = (Instant::now(), 0u64);
    while t0.elapsed().as_secs_f64() < seconds {
        f()?;
        n += 1;
    }
    Ok(n as f64 / t0.elapsed().as_secs_f64())
}

/// (CPU inf/s, wgpu inf/s when a device is given, MACs, ops).
fn ours(
    path: &Path,
    seconds: f64,
    gpu: Option<&LiteRtGpu>,
) -> Result<(f64, Option<f64>, u64, usize)> {
    let bytes = std::fs::read(path).with_context(|| format!("read {}", path.display()))?;
    let g = litert::import(&bytes, &Default::default())?;
    let xs = inputs(&g);
    let refs: Vec<&[u8]> = xs.iter().map(Vec::as_slice).collect();
    let cpu = rate(seconds, || Ok(litert::run(&g, &refs).map(drop)?))?;
    let wgpu = match gpu {
        Some(gpu) => {
            let prepared = gpu.prepare(&g)?;
            if gpu.run_prepared(&prepared, &refs)? != litert::run(&g, &refs)? {
                bail!(
                    "{}: wgpu bytes differ from the CPU reference",
                    path.display()
                );
            }
            Some(rate(seconds, || {
                Ok(gpu.run_prepared(&prepared, &refs).map(drop)?)
            })?)
        }
        None => None,
    };
    Ok((cpu, wgpu, g.macs(), g.ops.len()))
}

/// LiteRT's three kernel sets on the same model, seeded inputs, single thread.
fn litert_speeds(path: &Path, seconds: f64) -> Result<String> {
    let py = models_dir().join(".venv-oracle/bin/python");
    if !py.exists() {
        bail!("{} is missing: run `make models-oracle`", py.display());
    }
    let script = "import sys, numpy as np, oracle, report\n\
        p, s = sys.argv[1], float(sys.argv[2])\n\
        it = oracle.make(p, report.RESOLVERS[0][1])\n\
        xs = oracle.random_inputs(it, np.random.default_rng(0))\n\
        print(' '.join(f'{n} {report.speed(p, r, xs, s):.0f}' for n, r in report.RESOLVERS))";
    let out = Command::new(py)
        .current_dir(models_dir())
        .args(["-c", script])
        .arg(path)
        .arg(seconds.to_string())
        .output()?;
    if !out.status.success() {
        bail!(
            "LiteRT timing failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() -> Result<()> {
    let args = Args::parse();
    let gpu = if args.no_gpu {
        None
    } else {
        let gpu = LiteRtGpu::new()?;
        println!(
            "wgpu: {} (self-test {:.0?})",
            gpu.adapter(),
            gpu.self_test_time()
        );
        Some(gpu)
    };
    println!(
        "| model | ops | MACs | CPU inf/s | CPU int ops/s | wgpu inf/s | wgpu int ops/s | LiteRT inf/s (1 thread) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---|");
    for m in MODELS {
        let path = models_dir().join("out").join(m);
        let (cpu, wgpu, macs, ops) = ours(&path, args.seconds, gpu.as_ref())?;
        let lite = if args.no_litert {
            "-".to_string()
        } else {
            litert_speeds(&path, args.seconds).unwrap_or_else(|e| format!("({e})"))
        };
        let int_ops = |ips: f64| ips * 2.0 * macs as f64;
        let (gips, gops) = wgpu.map_or(("-".into(), "-".into()), |w| {
            (format!("{w:.1}"), format!("{:.3e}", int_ops(w)))
        });
        println!(
            "| {m} | {ops} | {macs} | {cpu:.1} | {:.3e} | {gips} | {gops} | {lite} |",
            int_ops(cpu)
        );
    }
    Ok(())
}
