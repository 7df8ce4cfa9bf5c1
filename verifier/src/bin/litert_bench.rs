//! `litert-bench`: the demo's text-to-image model and the tiny transformer, converted to the
//! verifier's format, on the CPU reference and on wgpu (`GpuExecutor`, its plan built once, its
//! commitment checked against the CPU's before timing), beside LiteRT's own interpreter
//! (reference, optimized and XNNPACK kernels, via `tools/models/report.py`'s timing loop), in one
//! run: inferences/s, int ops/s (2 × MACs), model sizes and parameter counts.
//!
//!     cargo run --release -p verifier --bin litert-bench -- [--seconds 2] [--no-litert]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Parser;
use verifier::{CpuExecutor, Executor, GpuExecutor, Model, litert};

#[derive(Parser)]
#[command(about = "The verifier's CPU reference and wgpu throughput beside LiteRT's interpreter")]
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

/// Inferences/s of `exec` on `model` (None when it cannot run it; the error is printed). Its
/// first answer must be the reference's (`want`, the CPU's commitment).
fn timed(
    exec: &mut dyn Executor,
    model: &Model,
    input: &[u8],
    seconds: f64,
    want: Option<[u8; 32]>,
) -> Option<f64> {
    match exec.execute(model, input) {
        Err(e) => {
            eprintln!("{} on {}: {e}", exec.name(), model_name(model));
            return None;
        }
        Ok(run) if want.is_some_and(|w| w != run.commitment) => {
            eprintln!(
                "{} on {}: differs from the CPU reference",
                exec.name(),
                model_name(model)
            );
            return None;
        }
        Ok(_) => {}
    }
    let (t0, mut n) = (Instant::now(), 0u64);
    while t0.elapsed().as_secs_f64() < seconds {
        exec.execute(model, input).ok()?;
        n += 1;
    }
    Some(n as f64 / t0.elapsed().as_secs_f64())
}

fn model_name(model: &Model) -> String {
    format!("{} ops", model.layers().len())
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
    println!(
        "| model | .tflite bytes | converted bytes | parameters | ops | MACs | CPU reference inf/s | int ops/s | wgpu inf/s | wgpu int ops/s | LiteRT inf/s (1 thread) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    let mut gpu = if args.no_gpu {
        None
    } else {
        let gpu = GpuExecutor::new().map_err(|e| eprintln!("wgpu: {e}")).ok();
        if let Some(g) = &gpu {
            println!("wgpu: {}", g.adapter());
        }
        gpu
    };
    for m in MODELS {
        let path = models_dir().join("out").join(m);
        let tflite = std::fs::read(&path).with_context(|| format!("read {}", path.display()))?;
        let converted = Model::convert_tflite(&tflite, &Default::default())?;
        let model = Model::from_bytes(&converted)?;
        let input: Vec<u8> = inputs(model.graph()).concat();
        let macs = model.macs();
        let want = CpuExecutor.run(&model, &input)?.commitment;
        let cpu = timed(&mut CpuExecutor, &model, &input, args.seconds, None).unwrap_or(0.0);
        let wgpu = gpu
            .as_mut()
            .and_then(|g| timed(g, &model, &input, args.seconds, Some(want)));
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
            "| {m} | {} | {} | {} | {} | {macs} | {cpu:.1} | {:.3e} | {gips} | {gops} | {lite} |",
            tflite.len(),
            converted.len(),
            model.parameters(),
            model.layers().len(),
            int_ops(cpu)
        );
    }
    Ok(())
}
