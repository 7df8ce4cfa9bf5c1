//! `verifier` command line: convert `.tflite` models, write the demo model and inputs, run jobs,
//! check claims.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use verifier::hash::{from_hex, to_hex};
use verifier::{
    Budget, ClaimFile, CpuExecutor, Execution, Executor, GpuExecutor, Model, demo, verify_layer,
    verify_with, write_png,
};

#[derive(Parser)]
#[command(
    name = "verifier",
    version,
    about = "Bit-exact LiteRT int8 inference: convert models, run and check jobs"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
    /// Budget: most operators a model may have.
    #[arg(long, global = true, default_value_t = Budget::default().max_ops)]
    max_ops: u64,
    /// Budget: most multiply-accumulates per inference.
    #[arg(long, global = true, default_value_t = Budget::default().max_macs)]
    max_macs: u64,
    /// Budget: most bytes of activations (all non-constant tensors together).
    #[arg(long, global = true, default_value_t = Budget::default().max_activation_bytes)]
    max_activation_bytes: u64,
}

#[derive(Subcommand)]
enum Cmd {
    /// Convert a full-integer LiteRT `.tflite` file to the verifier's model file.
    Convert {
        /// The `.tflite` file.
        tflite: PathBuf,
        /// Output model file.
        #[arg(short, long)]
        out: PathBuf,
    },
    /// Write the demo's text-to-image model (the converted tools/models/out/text2img.tflite).
    GenDemoModel {
        /// Output model file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Write a demo job input: the prompt's token ids (8 little-endian int32).
    MakeInput {
        /// Prompt text (words of tools/models/vocab.json).
        #[arg(long)]
        prompt: String,
        /// Output input file (32 raw bytes).
        #[arg(long)]
        out: PathBuf,
    },
    /// Print a model's id, shapes and layers.
    Info {
        /// Model file.
        #[arg(long)]
        model: PathBuf,
    },
    /// Run a job; print the claim JSON (hashes), optionally write the image and the claim.
    Run {
        /// Model file.
        #[arg(long)]
        model: PathBuf,
        /// Input file (the graph inputs' raw bytes).
        #[arg(long)]
        input: PathBuf,
        /// Write the output as PNG, upscaled (output must be [1, H, W, 3|1]).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write the claim JSON here too.
        #[arg(long)]
        claim: Option<PathBuf>,
        /// Use the wgpu executor (default: CPU reference).
        #[arg(long)]
        gpu: bool,
        /// Act as a cheater: deliver the demo model's picture of another prompt.
        #[arg(long)]
        cheat: bool,
        /// Write every layer's output to DIR/layer-<i>.bin (raw bytes): what a claimant
        /// hands over so that a single layer can be re-run (`check-layer`).
        #[arg(long)]
        save_layers: Option<PathBuf>,
    },
    /// Re-run one layer from its committed inputs and compare with the claimed layer root;
    /// exit 0 on match, 1 on mismatch.
    CheckLayer {
        /// Model file.
        #[arg(long)]
        model: PathBuf,
        /// Claim JSON (gives the input hash and the per-layer roots).
        #[arg(long)]
        claim: PathBuf,
        /// The job input (checked against the claim).
        #[arg(long)]
        input: PathBuf,
        /// Layer to re-run (0-based; e.g. the first diverging layer).
        #[arg(long)]
        layer: usize,
        /// The values the layer reads, in its input order (raw bytes; `info` lists them): a
        /// graph input, or an earlier layer's output (`run --save-layers`). Each must match
        /// its commitment.
        #[arg(long = "layer-input", required = true)]
        layer_inputs: Vec<PathBuf>,
        /// Use the wgpu executor (default: CPU reference).
        #[arg(long)]
        gpu: bool,
    },
    /// Re-run a job and compare with a claim; exit 0 on match, 1 on mismatch.
    Check {
        /// Model file.
        #[arg(long)]
        model: PathBuf,
        /// Input file (raw bytes).
        #[arg(long)]
        input: PathBuf,
        /// Claim JSON written by `run` (gives per-layer roots).
        #[arg(long, conflicts_with = "output_hash")]
        claim: Option<PathBuf>,
        /// Only a claimed output hash (0x-hex).
        #[arg(long)]
        output_hash: Option<String>,
        /// Use the wgpu executor (default: CPU reference).
        #[arg(long)]
        gpu: bool,
    },
}

fn executor(gpu: bool) -> Result<Box<dyn Executor>> {
    Ok(if gpu {
        let g = GpuExecutor::new()?;
        eprintln!("using wgpu adapter: {}", g.adapter());
        Box::new(g)
    } else {
        Box::new(CpuExecutor)
    })
}

fn read_input(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading input {}", path.display()))
}

fn main() -> ExitCode {
    match real_main() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn real_main() -> Result<ExitCode> {
    let cli = Cli::parse();
    let budget = Budget {
        max_ops: cli.max_ops,
        max_macs: cli.max_macs,
        max_activation_bytes: cli.max_activation_bytes,
        ..Budget::default()
    };
    let load = |path: &Path| Model::load_with_budget(path, &budget);
    match cli.cmd {
        Cmd::Convert { tflite, out } => {
            let bytes =
                std::fs::read(&tflite).with_context(|| format!("reading {}", tflite.display()))?;
            let converted = Model::convert_tflite(&bytes, &budget)
                .with_context(|| format!("converting {}", tflite.display()))?;
            let model = Model::from_bytes_with_budget(&converted, &budget)?;
            std::fs::write(&out, &converted)
                .with_context(|| format!("writing {}", out.display()))?;
            eprintln!(
                "{} ops, {} parameters, {} MACs, {} bytes -> {}",
                model.layers().len(),
                model.parameters(),
                model.macs(),
                converted.len(),
                out.display()
            );
            println!("{}", to_hex(&model.id()));
        }
        Cmd::GenDemoModel { out } => {
            let bytes = demo::demo_model_bytes()?;
            let model = Model::from_bytes(&bytes)?;
            std::fs::write(&out, &bytes).with_context(|| format!("writing {}", out.display()))?;
            println!("{}", to_hex(&model.id()));
        }
        Cmd::MakeInput { prompt, out } => {
            let input = demo::job_input(&prompt)?;
            std::fs::write(&out, &input).with_context(|| format!("writing {}", out.display()))?;
            println!("{}", to_hex(&verifier::keccak(&input)));
        }
        Cmd::Info { model } => {
            let m = load(&model)?;
            let g = m.graph();
            println!("model_id     {}", to_hex(&m.id()));
            println!("input_bytes  {:?}", m.input_sizes());
            println!("output_shape {:?}", m.output_shape());
            println!("parameters   {}", m.parameters());
            println!(
                "budget       ops {} / {}, macs {} / {}",
                m.layers().len(),
                budget.max_ops,
                m.macs(),
                budget.max_macs,
            );
            for (i, op) in m.layers().iter().enumerate() {
                let reads: Vec<String> = m
                    .layer_values(i)?
                    .iter()
                    .map(|(_, v)| format!("{v:?}"))
                    .collect();
                println!(
                    "layer {i:3}  {:<22} reads [{}] -> {:?}",
                    op.name,
                    reads.join(", "),
                    g.tensors[op.outputs[0]].shape
                );
            }
        }
        Cmd::Run {
            model,
            input,
            out,
            claim,
            gpu,
            cheat,
            save_layers,
        } => {
            let m = load(&model)?;
            let x = read_input(&input)?;
            let mut exec = if let Some(dir) = save_layers {
                if gpu {
                    bail!("--save-layers runs on the CPU reference only");
                }
                let outputs = CpuExecutor.layer_outputs(&m, &x)?;
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
                for (i, o) in outputs.iter().enumerate() {
                    let path = dir.join(format!("layer-{i}.bin"));
                    std::fs::write(&path, o)
                        .with_context(|| format!("writing {}", path.display()))?;
                }
                Execution::new(&m, &x, &outputs)
            } else {
                executor(gpu)?.execute(&m, &x)?
            };
            if cheat {
                demo::cheat(&m, &mut exec)?;
            }
            let c = ClaimFile::new(&m, &x, &exec);
            let json = serde_json::to_string_pretty(&c)?;
            if let Some(path) = claim {
                std::fs::write(&path, &json)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            if let Some(path) = out {
                write_png(&exec.output, &path)?;
            }
            println!("{json}");
        }
        Cmd::Check {
            model,
            input,
            claim,
            output_hash,
            gpu,
        } => {
            let m = load(&model)?;
            let x = read_input(&input)?;
            let (out_hash, layers) = match (claim, output_hash) {
                (Some(path), _) => {
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("reading claim {}", path.display()))?;
                    let c: ClaimFile = serde_json::from_str(&text).context("parsing claim JSON")?;
                    c.check_job(&m, &x)?;
                    let commitment = from_hex(&c.commitment)?;
                    (c.output_hash()?, Some(c.checked_layer_roots(&commitment)?))
                }
                (None, Some(h)) => (from_hex(&h)?, None),
                (None, None) => bail!("give --claim or --output-hash"),
            };
            let mut ex = executor(gpu)?;
            let v = verify_with(ex.as_mut(), &m, &x, out_hash, layers.as_deref())?;
            let report = serde_json::json!({
                "matches": v.matches,
                "claimed_output_hash": to_hex(&v.claimed_output_hash),
                "reference_output_hash": to_hex(&v.reference_output_hash),
                "reference_commitment": to_hex(&v.reference_commitment),
                "first_diverging_layer": v.first_diverging_layer,
            });
            println!("{}", serde_json::to_string_pretty(&report)?);
            return Ok(if v.matches {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            });
        }
        Cmd::CheckLayer {
            model,
            claim,
            input,
            layer,
            layer_inputs,
            gpu,
        } => {
            let m = load(&model)?;
            let text = std::fs::read_to_string(&claim)
                .with_context(|| format!("reading claim {}", claim.display()))?;
            let c: ClaimFile = serde_json::from_str(&text).context("parsing claim JSON")?;
            let x = read_input(&input)?;
            c.check_job(&m, &x)?;
            let roots = c.checked_layer_roots(&from_hex(&c.commitment)?)?;
            let values = layer_inputs
                .iter()
                .map(|p| read_input(p))
                .collect::<Result<Vec<_>>>()?;
            let refs: Vec<&[u8]> = values.iter().map(|v| v.as_slice()).collect();
            let mut ex = executor(gpu)?;
            let v = verify_layer(ex.as_mut(), &m, &x, &roots, layer, &refs)?;
            let report = serde_json::json!({
                "layer": v.layer,
                "op": m.layers()[layer].name,
                "matches": v.matches,
                "claimed_root": to_hex(&v.claimed_hash),
                "reference_root": to_hex(&v.reference_hash),
                "confirmed_on_reference": v.confirmed_on_reference,
                "seconds": v.time.as_secs_f64(),
            });
            println!("{}", serde_json::to_string_pretty(&report)?);
            return Ok(if v.matches {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            });
        }
    }
    Ok(ExitCode::SUCCESS)
}
