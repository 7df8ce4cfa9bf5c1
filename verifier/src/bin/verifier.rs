//! `verifier` command line: generate the demo model, run jobs, check claims.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use verifier::hash::{from_hex, hash_i8, merkle_root, to_hex};
use verifier::{
    Budget, ClaimFile, CpuExecutor, Execution, Executor, GpuExecutor, Model, demo,
    input_from_bytes, input_to_bytes, verify_layer, verify_with, write_png,
};

#[derive(Parser)]
#[command(
    name = "verifier",
    version,
    about = "Bit-exact quantized inference: run and check jobs"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
    /// Budget: most nodes a model may have.
    #[arg(long, global = true, default_value_t = Budget::DEFAULT.max_nodes)]
    max_nodes: usize,
    /// Budget: most multiply-accumulates per inference.
    #[arg(long, global = true, default_value_t = Budget::DEFAULT.max_macs)]
    max_macs: u64,
    /// Budget: most bytes an executor may hold for one inference.
    #[arg(long, global = true, default_value_t = Budget::DEFAULT.max_memory_bytes)]
    max_memory: u64,
}

#[derive(Subcommand)]
enum Cmd {
    /// Write the deterministic demo image generator (or the large benchmark model).
    GenDemoModel {
        /// Output model file.
        #[arg(long)]
        out: PathBuf,
        /// Write the ≈70 M MAC benchmark model instead.
        #[arg(long)]
        large: bool,
    },
    /// Write a demo job input: latent from the seed, embedding from the prompt.
    MakeInput {
        /// Latent seed.
        #[arg(long)]
        seed: u64,
        /// Prompt text.
        #[arg(long)]
        prompt: String,
        /// Output input file (64 raw bytes).
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
        /// Input file (raw i8 bytes).
        #[arg(long)]
        input: PathBuf,
        /// Write the output as PNG (output must be [3|1, H, W]).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write the claim JSON here too.
        #[arg(long)]
        claim: Option<PathBuf>,
        /// Use the wgpu executor (default: CPU reference).
        #[arg(long)]
        gpu: bool,
        /// Act as a cheater: invert a patch of the output image before publishing it.
        #[arg(long)]
        cheat: bool,
        /// Write every layer's output to DIR/layer-<i>.bin (raw i8 bytes): what a claimant
        /// hands over so that a single layer can be re-run (`check-layer`).
        #[arg(long)]
        save_layers: Option<PathBuf>,
    },
    /// Re-run one layer from its committed input and compare with the claimed layer hash;
    /// exit 0 on match, 1 on mismatch.
    CheckLayer {
        /// Model file.
        #[arg(long)]
        model: PathBuf,
        /// Claim JSON (gives the input hash and the per-layer hashes).
        #[arg(long)]
        claim: PathBuf,
        /// Layer to re-run (0-based; e.g. the first diverging layer).
        #[arg(long)]
        layer: usize,
        /// The layer's input values in the node's input order (raw i8 bytes): the job input
        /// for value 0, else the output of layer v-1 (`run --save-layers`). Each must hash
        /// to its committed value.
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
        /// Input file (raw i8 bytes).
        #[arg(long)]
        input: PathBuf,
        /// Claim JSON written by `run` (gives per-layer hashes).
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

fn read_input(path: &Path) -> Result<Vec<i8>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading input {}", path.display()))?;
    Ok(input_from_bytes(&bytes))
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
        max_nodes: cli.max_nodes,
        max_macs: cli.max_macs,
        max_memory_bytes: cli.max_memory,
    };
    let load = |path: &Path| Model::load_with_budget(path, &budget);
    match cli.cmd {
        Cmd::GenDemoModel { out, large } => {
            let bytes = if large {
                demo::large_model_bytes()?
            } else {
                demo::demo_model_bytes()?
            };
            let model = Model::from_bytes(&bytes)?;
            std::fs::write(&out, &bytes).with_context(|| format!("writing {}", out.display()))?;
            println!("{}", to_hex(&model.id()));
        }
        Cmd::MakeInput { seed, prompt, out } => {
            let input = demo::job_input(seed, &prompt);
            std::fs::write(&out, input_to_bytes(&input))
                .with_context(|| format!("writing {}", out.display()))?;
            println!("{}", to_hex(&verifier::keccak(&input_to_bytes(&input))));
        }
        Cmd::Info { model } => {
            let m = load(&model)?;
            println!("model_id     {}", to_hex(&m.id()));
            println!("input_shape  {:?}", m.input_shape());
            println!("output_shape {:?}", m.output_shape());
            println!("macs         {}", m.macs());
            println!("memory_bytes {}", m.memory_bytes());
            println!(
                "budget       nodes {} / {}, macs {} / {}, memory_bytes {} / {}",
                m.layers().len(),
                budget.max_nodes,
                m.macs(),
                budget.max_macs,
                m.memory_bytes(),
                budget.max_memory_bytes
            );
            for (i, l) in m.layers().iter().enumerate() {
                println!(
                    "layer {i:3}  {:<10} inputs {:?} -> {:?}",
                    l.op.name(),
                    l.inputs,
                    l.shape
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
                let outputs = if gpu {
                    let mut g = GpuExecutor::new()?;
                    eprintln!("using wgpu adapter: {}", g.adapter());
                    g.layer_outputs(&m, &x)?
                } else {
                    CpuExecutor.layer_outputs(&m, &x)?
                };
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
                for (i, o) in outputs.iter().enumerate() {
                    let path = dir.join(format!("layer-{i}.bin"));
                    std::fs::write(&path, input_to_bytes(o))
                        .with_context(|| format!("writing {}", path.display()))?;
                }
                Execution::from_layer_outputs(&m, outputs)
            } else {
                executor(gpu)?.execute(&m, &x)?
            };
            if cheat {
                cheat_execution(&mut exec)?;
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
                    (c.output_hash()?, Some(c.layer_hashes()?))
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
            layer,
            layer_inputs,
            gpu,
        } => {
            let m = load(&model)?;
            let text = std::fs::read_to_string(&claim)
                .with_context(|| format!("reading claim {}", claim.display()))?;
            let c: ClaimFile = serde_json::from_str(&text).context("parsing claim JSON")?;
            if from_hex(&c.model_id)? != m.id() {
                bail!("claim is for model {}, not {}", c.model_id, to_hex(&m.id()));
            }
            let values = layer_inputs
                .iter()
                .map(|p| read_input(p))
                .collect::<Result<Vec<_>>>()?;
            let refs: Vec<&[i8]> = values.iter().map(|v| v.as_slice()).collect();
            let mut ex = executor(gpu)?;
            let v = verify_layer(
                ex.as_mut(),
                &m,
                c.input_hash()?,
                &c.layer_hashes()?,
                layer,
                &refs,
            )?;
            let report = serde_json::json!({
                "layer": v.layer,
                "op": m.layers()[layer].op.name(),
                "matches": v.matches,
                "claimed_hash": to_hex(&v.claimed_hash),
                "reference_hash": to_hex(&v.reference_hash),
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

/// The cheater publishes an altered image with hashes consistent with what it delivers.
fn cheat_execution(exec: &mut Execution) -> Result<()> {
    if exec.output.shape.len() != 3 {
        bail!("--cheat needs an image output [C, H, W]");
    }
    demo::cheat(&mut exec.output);
    let h = hash_i8(&exec.output.data);
    *exec.layer_hashes.last_mut().expect("non-empty") = h;
    exec.output_hash = h;
    exec.commitment = merkle_root(&exec.layer_hashes);
    Ok(())
}
