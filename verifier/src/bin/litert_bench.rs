//! `litert-bench`: the demo's text-to-image model and the tiny transformer, converted to the
//! verifier's format, on the CPU reference and on wgpu (`GpuExecutor`, its plan built once, its
//! commitment checked against the CPU's before timing), beside LiteRT's own interpreter
//! (reference, optimized and XNNPACK kernels, via `tools/models/report.py`'s timing loop), in one
//! run: inferences/s, int ops/s (2 × MACs), model sizes and parameter counts, and the host's
//! time to hash one inference's commitment (in every executor's time). Then, on wgpu, each
//! model with the tiled int8 GEMM and without it (the channel-blocked kernels: four output
//! channels per invocation, weights packed four to a word), per op, and both int8 kernels
//! against a same-device fp32 GEMM of the same shape (the heaviest
//! FULLY_CONNECTED / CONV_2D layer of text2img).
//!
//!     cargo run --release -p verifier --bin litert-bench -- [--seconds 2] [--no-litert]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use clap::Parser;
use verifier::litert::gpu::synth::{Bytes, GraphBuilder};
use verifier::litert::gpu::{LiteRtGpu, PACK_MIN};
use verifier::litert::graph::OpKind;
use verifier::{CpuExecutor, Execution, Executor, GpuExecutor, Model, litert};

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
    /// Only the heaviest text2img layer, int8 against fp32 (for tuning the kernel).
    #[arg(long)]
    layer_only: bool,
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
    if args.layer_only {
        let path = models_dir().join("out").join(MODELS[0]);
        let tflite = std::fs::read(&path).with_context(|| format!("read {}", path.display()))?;
        let model = Model::from_bytes(&Model::convert_tflite(&tflite, &Default::default())?)?;
        return int8_vs_fp32(&mut LiteRtGpu::new()?, model.graph(), args.seconds);
    }
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
    let mut graphs = Vec::new();
    let mut hashing = Vec::new();
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
        graphs.push((m, model.graph().clone(), inputs(model.graph())));
        hashing.push((m, hash_ms(&model, &input, args.seconds / 4.0)?));
    }
    for (m, ms) in hashing {
        println!(
            "{m}: the commitment hashed on the host (every layer's chunk tree): {ms:.2} ms per inference"
        );
    }
    if !args.no_gpu
        && let Err(e) = gpu_detail(&graphs, args.seconds)
    {
        eprintln!("wgpu detail: {e}");
    }
    Ok(())
}

/// Milliseconds the host spends building one inference's [`Execution`] from its op outputs
/// (every layer's chunk tree hashed), the part of an executor's time no kernel change removes.
fn hash_ms(model: &Model, input: &[u8], seconds: f64) -> Result<f64> {
    let inputs = model.split_input(input)?;
    let outputs: Vec<Vec<u8>> = litert::run(model.graph(), &inputs)?
        .into_iter()
        .map(|o| o.bytes)
        .collect();
    let (t0, mut n) = (Instant::now(), 0u32);
    while n == 0 || t0.elapsed().as_secs_f64() < seconds {
        std::hint::black_box(Execution::new(model, input, &outputs));
        n += 1;
    }
    Ok(t0.elapsed().as_secs_f64() * 1e3 / f64::from(n))
}

/// Runs per second of `a` and of `b`, timed in eight alternating slices of about `seconds / 8`
/// each (the machine is shared: a change of load hits both alike).
fn paired<'a>(
    seconds: f64,
    a: &'a mut dyn FnMut() -> Result<()>,
    b: &'a mut dyn FnMut() -> Result<()>,
) -> Result<[f64; 2]> {
    a()?;
    b()?;
    let (mut n, mut t) = ([0u64; 2], [0f64; 2]);
    for _ in 0..8 {
        for (i, f) in [&mut *a, &mut *b].into_iter().enumerate() {
            let t0 = Instant::now();
            while t0.elapsed().as_secs_f64() < seconds / 8.0 {
                f()?;
                n[i] += 1;
            }
            t[i] += t0.elapsed().as_secs_f64();
        }
    }
    Ok([n[0] as f64 / t[0], n[1] as f64 / t[1]])
}

/// Which plan [`settings_pair`] prepares, or the executor's setting put back.
#[derive(Clone, Copy)]
enum Side {
    First,
    Second,
    Restore,
}

/// `g` prepared under two settings of the executor (`set` applies each, then restores the
/// default), timed by [`paired`].
fn settings_pair(
    gpu: &mut LiteRtGpu,
    g: &litert::Graph,
    xs: &[Vec<u8>],
    seconds: f64,
    mut set: impl FnMut(&mut LiteRtGpu, Side),
) -> Result<[f64; 2]> {
    let refs: Vec<&[u8]> = xs.iter().map(Vec::as_slice).collect();
    set(gpu, Side::First);
    let first = gpu.prepare(g)?;
    set(gpu, Side::Second);
    let second = gpu.prepare(g)?;
    set(gpu, Side::Restore);
    let gpu = &*gpu;
    paired(
        seconds,
        &mut || {
            gpu.run_prepared(&first, &refs)
                .map(drop)
                .map_err(Into::into)
        },
        &mut || {
            gpu.run_prepared(&second, &refs)
                .map(drop)
                .map_err(Into::into)
        },
    )
}

/// `g` prepared with no output packed for the read-back and with those of at least `pack_min`
/// elements packed, timed by [`paired`].
fn packing(
    gpu: &mut LiteRtGpu,
    g: &litert::Graph,
    xs: &[Vec<u8>],
    pack_min: usize,
    seconds: f64,
) -> Result<[f64; 2]> {
    let default = gpu.pack_min();
    settings_pair(gpu, g, xs, seconds, |gpu, side| {
        gpu.set_pack_min(match side {
            Side::First => usize::MAX,
            Side::Second => pack_min,
            Side::Restore => default,
        })
    })
}

/// `g` prepared without and with the tiled GEMM, timed by [`paired`].
fn naive_vs_tiled(
    gpu: &mut LiteRtGpu,
    g: &litert::Graph,
    xs: &[Vec<u8>],
    seconds: f64,
) -> Result<[f64; 2]> {
    let default = gpu.tiled();
    settings_pair(gpu, g, xs, seconds, |gpu, side| {
        gpu.set_tiled(match side {
            Side::First => false,
            Side::Second => true,
            Side::Restore => default,
        })
    })
}

/// `g` prepared with the channel-blocked kernels reading their activations one i32 per element
/// and packed four int8 to a word, timed by [`paired`].
fn act_packing(
    gpu: &mut LiteRtGpu,
    g: &litert::Graph,
    xs: &[Vec<u8>],
    seconds: f64,
) -> Result<[f64; 2]> {
    let default = gpu.packed_activations();
    settings_pair(gpu, g, xs, seconds, |gpu, side| {
        gpu.set_packed_activations(match side {
            Side::First => false,
            Side::Second => true,
            Side::Restore => default,
        })
    })
}

/// Each graph on wgpu without and with the tiled GEMM (same device, same run), then the heaviest FULLY_CONNECTED / CONV_2D of the first graph alone against a
/// same-device fp32 GEMM of its shape.
fn gpu_detail(graphs: &[(&str, litert::Graph, Vec<Vec<u8>>)], seconds: f64) -> Result<()> {
    let mut gpu = LiteRtGpu::new()?;
    println!(
        "\nwgpu {} ({}): inferences/s, one submit and one read-back each",
        gpu.adapter(),
        if gpu.dot4() {
            "dot4I8Packed"
        } else {
            "unpacked vec4 dots"
        }
    );
    println!(
        "(default here: {})",
        if gpu.tiled() {
            "tiled"
        } else {
            "channel-blocked"
        }
    );
    println!("| model | channel-blocked | tiled int8 GEMM | tiled / blocked |");
    println!("|---|---:|---:|---:|");
    for (m, g, xs) in graphs {
        let speed = naive_vs_tiled(&mut gpu, g, xs, seconds)?;
        println!(
            "| {m} | {:.1} | {:.1} | {:.2}× |",
            speed[0],
            speed[1],
            speed[1] / speed[0]
        );
    }
    println!(
        "\nread-back of the op outputs (packed on the device by default on GPUs, from {PACK_MIN} elements), inferences/s, paired:"
    );
    println!(
        "| model | unpacked | packed from {PACK_MIN} | / unpacked | unpacked | all packed | / unpacked |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (m, g, xs) in graphs {
        let a = packing(&mut gpu, g, xs, PACK_MIN, seconds / 2.0)?;
        let b = packing(&mut gpu, g, xs, 0, seconds / 2.0)?;
        println!(
            "| {m} | {:.1} | {:.1} | {:.2}× | {:.1} | {:.1} | {:.2}× |",
            a[0],
            a[1],
            a[1] / a[0],
            b[0],
            b[1],
            b[1] / b[0]
        );
    }
    println!(
        "\nchannel-blocked activations (default here: {}), inferences/s, paired:",
        if gpu.packed_activations() {
            "packed"
        } else {
            "one i32 each"
        }
    );
    println!("| model | one i32 each | packed four to a word | packed / i32 |");
    println!("|---|---:|---:|---:|");
    for (m, g, xs) in graphs {
        let a = act_packing(&mut gpu, g, xs, seconds)?;
        println!("| {m} | {:.1} | {:.1} | {:.2}× |", a[0], a[1], a[1] / a[0]);
    }
    let (m0, g, _) = &graphs[0];
    println!("\n{m0} per op on wgpu (each op alone, its own submit and read-back), ms:");
    println!(
        "| op | MACs | channel-blocked | tiled int8 GEMM | blocked, activations i32 | blocked, packed |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for i in 0..g.ops.len() {
        let (single, xs) = op_alone(g, i);
        let speed = naive_vs_tiled(&mut gpu, &single, &xs, seconds / 4.0)?;
        let act = act_packing(&mut gpu, &single, &xs, seconds / 4.0)?;
        println!(
            "| {i} {} | {} | {:.2} | {:.2} | {:.2} | {:.2} |",
            g.ops[i].name,
            g.ops[i].macs,
            1e3 / speed[0],
            1e3 / speed[1],
            1e3 / act[0],
            1e3 / act[1]
        );
    }
    int8_vs_fp32(&mut gpu, g, seconds)
}

/// The heaviest FULLY_CONNECTED / CONV_2D of `g` alone, with each int8 kernel (channel-blocked,
/// tiled), against a same-device fp32 GEMM of its shape, timed by [`paired`].
fn int8_vs_fp32(gpu: &mut LiteRtGpu, g: &litert::Graph, seconds: f64) -> Result<()> {
    let (layer, single, x) = heaviest_alone(g).ok_or_else(|| anyhow!("no matrix layer"))?;
    let (m, n, k) = layer;
    let refs = [x.as_slice()];
    let default = gpu.tiled();
    let mut fp32_run = fp32_gemm(m, n, k)?;
    println!(
        "heaviest layer as a GEMM [{m}×{k}]·[{k}×{n}] ({} MACs), input in, output back, one submit:",
        m * n * k
    );
    for (name, tiled) in [("channel-blocked", false), ("tiled", true)] {
        gpu.set_tiled(tiled);
        let prepared = gpu.prepare(&single)?;
        let gpu = &*gpu;
        let [int8, fp32] = paired(
            seconds,
            &mut || {
                gpu.run_prepared(&prepared, &refs)
                    .map(drop)
                    .map_err(Into::into)
            },
            &mut fp32_run,
        )?;
        println!(
            "  int8 {name} {int8:.0}/s ({:.3e} int ops/s), fp32 GEMM {fp32:.0}/s ({:.3e} flop/s): \
             int8/fp32 = {:.2}",
            int8 * 2.0 * (m * n * k) as f64,
            fp32 * 2.0 * (m * n * k) as f64,
            int8 / fp32
        );
    }
    gpu.set_tiled(default);
    Ok(())
}

/// Op `i` of `g` as a graph of its own, its non-constant inputs the graph's (seeded bytes;
/// token ids 0).
fn op_alone(g: &litert::Graph, i: usize) -> (litert::Graph, Vec<Vec<u8>>) {
    let op = g.ops[i].clone();
    let ins: Vec<usize> = op
        .inputs
        .iter()
        .copied()
        .filter(|&t| g.tensors[t].data.is_none())
        .collect();
    let mut r = Bytes::new(i as u64);
    let xs = ins
        .iter()
        .map(|&t| {
            let info = &g.tensors[t];
            match info.dtype {
                litert::graph::DType::I8 => r.i8s(info.len()).iter().map(|&v| v as u8).collect(),
                litert::graph::DType::I32 => vec![0; 4 * info.len()],
            }
        })
        .collect();
    let single = litert::Graph {
        tensors: g.tensors.clone(),
        outputs: op.outputs.clone(),
        ops: vec![op],
        inputs: ins,
    };
    (single, xs)
}

/// The FULLY_CONNECTED or CONV_2D of `g` with the most MACs as a one-op graph (seeded weights,
/// the same geometry), its GEMM shape (pixels or rows, channels, K) and an input.
#[allow(clippy::type_complexity)]
fn heaviest_alone(g: &litert::Graph) -> Option<((usize, usize, usize), litert::Graph, Vec<u8>)> {
    let op = g
        .ops
        .iter()
        .filter(|o| {
            matches!(
                o.kind,
                OpKind::FullyConnected { .. } | OpKind::Conv2d { .. }
            )
        })
        .max_by_key(|o| {
            let w = &g.tensors[o.inputs[1]];
            g.tensors[o.outputs[0]].len() * (w.len() / w.shape[0].max(1))
        })?;
    let (x, w, out) = (
        &g.tensors[op.inputs[0]],
        &g.tensors[op.inputs[1]],
        &g.tensors[op.outputs[0]],
    );
    let oc = w.shape[0];
    let k = w.len() / oc.max(1);
    let mut r = Bytes::new(32);
    let mut b = GraphBuilder::new();
    let xi = b.input(&x.shape, 0.05, 3);
    let wi = b.weights(&w.shape, &r.i8s(w.len()), &vec![0.01; oc], 0);
    let bi = b.bias(&vec![7; oc]);
    b.op(op.name, op.kind.clone(), &[xi, wi, bi], &out.shape, 0.1, -2);
    let xs = r.i8s(x.len()).iter().map(|&v| v as u8).collect();
    Some(((out.len() / oc, oc, k), b.finish(), xs))
}

/// A plain fp32 GEMM `C[M,N] = A[M,K]·B[K,N]` in the int8 kernel's tile: 64 invocations per
/// 32×32 outputs, 4×4 each, K in steps of 16 through workgroup memory.
const FP32_GEMM: &str = r#"
struct Dims { m: u32, n: u32, k: u32, pad: u32 }
@group(0) @binding(0) var<uniform> d: Dims;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
var<workgroup> at: array<array<f32, 16>, 32>;
var<workgroup> bt: array<array<f32, 32>, 16>;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    let f = lid.x;
    let tn = f % 8u;
    let tm = f / 8u;
    let n0 = wid.x * 32u;
    let m0 = wid.y * 32u;
    var acc: array<array<f32, 4>, 4>;
    for (var k0 = 0u; k0 < d.k; k0 += 16u) {
        for (var s = 0u; s < 8u; s++) {
            let idx = f + 64u * s;
            let r = idx / 16u;
            let q = idx % 16u;
            var v = 0.0;
            if (m0 + r < d.m && k0 + q < d.k) { v = a[(m0 + r) * d.k + k0 + q]; }
            at[r][q] = v;
            let br = idx / 32u;
            let bc = idx % 32u;
            var w = 0.0;
            if (k0 + br < d.k && n0 + bc < d.n) { w = b[(k0 + br) * d.n + n0 + bc]; }
            bt[br][bc] = w;
        }
        workgroupBarrier();
        for (var q = 0u; q < 16u; q++) {
            var y: array<f32, 4>;
            for (var j = 0u; j < 4u; j++) { y[j] = bt[q][tn + 8u * j]; }
            for (var i = 0u; i < 4u; i++) {
                let x = at[4u * tm + i][q];
                for (var j = 0u; j < 4u; j++) { acc[i][j] += x * y[j]; }
            }
        }
        workgroupBarrier();
    }
    for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) {
            let m = m0 + 4u * tm + i;
            let n = n0 + tn + 8u * j;
            if (m < d.m && n < d.n) { c[m * d.n + n] = acc[i][j]; }
        }
    }
}
"#;

/// One run of the fp32 GEMM on the same adapter as the executor, as the int8 layer's runs: the
/// input written, one dispatch, the output copied back and mapped.
fn fp32_gemm(m: usize, n: usize, k: usize) -> Result<impl FnMut() -> Result<()>> {
    use wgpu::util::DeviceExt;
    let (device, queue) = pollster::block_on(async {
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle());
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                ..Default::default()
            })
            .await?;
        anyhow::Ok(adapter.request_device(&Default::default()).await?)
    })?;
    let floats = |len: usize| -> Vec<u8> {
        (0..len)
            .flat_map(|i| ((i % 17) as f32 * 0.25 - 2.0).to_le_bytes())
            .collect()
    };
    let storage = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST;
    let a_bytes = floats(m * k);
    let a = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("a"),
        contents: &a_bytes,
        usage: storage,
    });
    let b = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("b"),
        contents: &floats(k * n),
        usage: storage,
    });
    let dims: Vec<u8> = [m as u32, n as u32, k as u32, 0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let uniform = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("dims"),
        contents: &dims,
        usage: wgpu::BufferUsages::UNIFORM,
    });
    let c_size = (m * n * 4) as u64;
    let c = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("c"),
        size: c_size,
        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
        mapped_at_creation: false,
    });
    let readback = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("readback"),
        size: c_size,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some("fp32-gemm"),
        source: wgpu::ShaderSource::Wgsl(FP32_GEMM.into()),
    });
    let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some("fp32-gemm"),
        layout: None,
        module: &module,
        entry_point: Some("main"),
        compilation_options: Default::default(),
        cache: None,
    });
    let bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("fp32-gemm"),
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[
            wgpu::BindGroupEntry {
                binding: 0,
                resource: uniform.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: a.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 2,
                resource: b.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 3,
                resource: c.as_entire_binding(),
            },
        ],
    });
    Ok(move || {
        queue.write_buffer(&a, 0, &a_bytes);
        let mut enc = device.create_command_encoder(&Default::default());
        {
            let mut pass = enc.begin_compute_pass(&Default::default());
            pass.set_pipeline(&pipeline);
            pass.set_bind_group(0, &bind, &[]);
            pass.dispatch_workgroups(n.div_ceil(32) as u32, m.div_ceil(32) as u32, 1);
        }
        enc.copy_buffer_to_buffer(&c, 0, &readback, 0, c_size);
        queue.submit([enc.finish()]);
        let (tx, rx) = std::sync::mpsc::channel();
        readback.map_async(wgpu::MapMode::Read, .., move |r| {
            let _ = tx.send(r);
        });
        device.poll(wgpu::PollType::wait_indefinitely())?;
        rx.recv()??;
        readback.unmap();
        Ok(())
    })
}
