//! `verifier::litert::gpu` against the CPU reference: every committed model on seeded random
//! inputs, synthetic FULLY_CONNECTED / convolution / BATCH_MATMUL shapes past the device's loop
//! limits with extreme multipliers, FULLY_CONNECTED's float64 emulation on adversarial pairs,
//! and the refusals (device limits, inputs the ops refuse) as errors.

use std::sync::{Mutex, MutexGuard, OnceLock};

use verifier::litert::gpu::synth::{Bytes, GraphBuilder};
use verifier::litert::gpu::{LiteRtGpu, f64fc};
use verifier::litert::graph::{Activation, DType, LutFn, OpKind, Padding};
use verifier::litert::{self, Graph, LiteRtError};

/// The process-wide executor. Panics (never skips) when no adapter exists.
fn gpu() -> MutexGuard<'static, LiteRtGpu> {
    static GPU: OnceLock<Mutex<LiteRtGpu>> = OnceLock::new();
    GPU.get_or_init(|| {
        Mutex::new(LiteRtGpu::new().unwrap_or_else(|e| {
            panic!(
                "these tests need a wgpu adapter; on machines without a GPU install lavapipe \
                 (`apt-get install -y mesa-vulkan-drivers`): {e}"
            )
        }))
    })
    .lock()
    .unwrap_or_else(|p| p.into_inner())
}

/// Random inputs: int8 bytes, or token ids below the row count of the table they index.
fn random_inputs(g: &Graph, r: &mut Bytes) -> Vec<Vec<u8>> {
    g.inputs
        .iter()
        .map(|&t| {
            let info = &g.tensors[t];
            match info.dtype {
                DType::I8 => r.i8s(info.len()).iter().map(|&v| v as u8).collect(),
                DType::I32 => {
                    let rows = g
                        .ops
                        .iter()
                        .find(|o| o.inputs.get(1) == Some(&t))
                        .map_or(1, |o| g.tensors[o.inputs[0]].shape[0].max(1));
                    (0..info.len())
                        .flat_map(|_| ((r.next_u64() % rows as u64) as i32).to_le_bytes())
                        .collect()
                }
            }
        })
        .collect()
}

/// Runs `g` on both executors and asserts every op output is byte-identical; returns the
/// number of op outputs compared.
fn same(gpu: &LiteRtGpu, g: &Graph, inputs: &[Vec<u8>], what: &str) -> usize {
    let refs: Vec<&[u8]> = inputs.iter().map(Vec::as_slice).collect();
    let cpu = litert::run(g, &refs).unwrap_or_else(|e| panic!("{what}: cpu: {e}"));
    let got = gpu
        .run(g, &refs)
        .unwrap_or_else(|e| panic!("{what}: gpu: {e}"));
    assert_eq!(got.len(), cpu.len(), "{what}: op count");
    for (a, b) in got.iter().zip(&cpu) {
        assert!(
            a == b,
            "{what}: op {} ({}) differs from the CPU reference (first differing byte at {:?})",
            b.op,
            b.name,
            a.bytes.iter().zip(&b.bytes).position(|(x, y)| x != y)
        );
    }
    cpu.len()
}

#[test]
fn litert_gpu_every_committed_model_matches_the_cpu() {
    let gpu = gpu();
    let (mut models, mut outputs) = (0, 0);
    for path in super::litert_oracle::models() {
        let bytes = std::fs::read(&path).expect("model");
        let g = litert::import(&bytes, &Default::default()).expect("import");
        let mut r = Bytes::new(0x6e0 + models as u64);
        for case in 0..2 {
            let xs = random_inputs(&g, &mut r);
            outputs += same(&gpu, &g, &xs, &format!("{} case {case}", path.display()));
        }
        models += 1;
    }
    assert!(
        models >= 29 && outputs > 150,
        "{models} models, {outputs} op outputs"
    );
}

/// A log-uniform scale in [2^lo, 2^hi).
fn scale(r: &mut Bytes, lo: i32, hi: i32) -> f32 {
    let span = (hi - lo) as f64;
    let u = (r.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    2f64.powf(lo as f64 + u * span) as f32
}

fn zp(r: &mut Bytes) -> i32 {
    r.next_u64() as i8 as i32
}

/// Biases mixing small values with ones near the i32 limits (the accumulator wraps).
fn biases(r: &mut Bytes, n: usize) -> Vec<i32> {
    (0..n)
        .map(|i| match i % 4 {
            0 => i32::MAX - (r.next_u64() % 1000) as i32,
            1 => i32::MIN + (r.next_u64() % 1000) as i32,
            _ => (r.next_u64() as i32) >> 12,
        })
        .collect()
}

fn act(r: &mut Bytes) -> Activation {
    [Activation::None, Activation::Relu, Activation::Relu6][(r.next_u64() % 3) as usize]
}

/// One op of `kind` with random quantization; `k` is its reduction length.
fn synthetic(r: &mut Bytes, kind: usize, k: usize) -> (Graph, Vec<Vec<u8>>) {
    let mut b = GraphBuilder::new();
    let (s_in, z_in) = (scale(r, -8, 2), zp(r));
    let (s_out, z_out) = (scale(r, -10, 4), zp(r));
    let ws = |r: &mut Bytes, n: usize| -> Vec<f32> { (0..n).map(|_| scale(r, -30, 8)).collect() };
    let odd = |r: &mut Bytes, m: usize| 1 + (r.next_u64() as usize % m);
    match kind {
        0 => {
            // up to 11 channels: one or two blocks of four per invocation, partial ones
            let (rows, o) = (odd(r, 3), odd(r, 11));
            let x = b.input(&[rows, k], s_in, z_in);
            // weights as a constant, or as a second input (read in place on the GPU)
            let w = if r.coin() {
                b.weights(&[o, k], &r.i8s(o * k), &ws(r, o), 0)
            } else {
                b.input(&[o, k], scale(r, -30, 8), 0)
            };
            let bias = b.bias(&biases(r, o));
            let kind = OpKind::FullyConnected { act: act(r) };
            b.op(
                "FULLY_CONNECTED",
                kind,
                &[x, w, bias],
                &[rows, o],
                s_out,
                z_out,
            );
        }
        1 => {
            // CONV_2D: K = kh * kw * ic
            let (kh, kw) = (odd(r, 3), odd(r, 3));
            let ic = k.div_ceil(kh * kw);
            let (h, wd, oc) = (kh + odd(r, 4), kw + odd(r, 4), odd(r, 12));
            let (stride, dil) = ((odd(r, 2), odd(r, 2)), (odd(r, 2), 1));
            let padding = if r.coin() {
                Padding::Same
            } else {
                Padding::Valid
            };
            let oh = out_len(padding, h, kh, stride.0, dil.0);
            let ow = out_len(padding, wd, kw, stride.1, dil.1);
            let x = b.input(&[1, h, wd, ic], s_in, z_in);
            let w = if r.coin() {
                b.weights(&[oc, kh, kw, ic], &r.i8s(oc * kh * kw * ic), &ws(r, oc), 0)
            } else {
                b.input(&[oc, kh, kw, ic], scale(r, -30, 8), 0)
            };
            let bias = b.bias(&biases(r, oc));
            let kind = OpKind::Conv2d {
                padding,
                stride,
                dilation: dil,
                act: act(r),
            };
            b.op(
                "CONV_2D",
                kind,
                &[x, w, bias],
                &[1, oh, ow, oc],
                s_out,
                z_out,
            );
        }
        2 => {
            // DEPTHWISE_CONV_2D: K = kh * kw
            let kh = odd(r, 4);
            let kw = k.div_ceil(kh);
            let (ic, mult) = (odd(r, 4), odd(r, 3));
            // VALID and an input at most one past the window: a long K, few outputs
            let (h, wd) = (kh + odd(r, 2) - 1, kw + odd(r, 2) - 1);
            let padding = if k < 100 {
                Padding::Same
            } else {
                Padding::Valid
            };
            let oh = out_len(padding, h, kh, 1, 1);
            let ow = out_len(padding, wd, kw, 1, 1);
            let oc = ic * mult;
            let x = b.input(&[1, h, wd, ic], s_in, z_in);
            let w = b.weights(&[1, kh, kw, oc], &r.i8s(kh * kw * oc), &ws(r, oc), 3);
            let bias = b.bias(&biases(r, oc));
            let kind = OpKind::DepthwiseConv2d {
                padding,
                stride: (1, 1),
                dilation: (1, 1),
                multiplier: mult,
                act: act(r),
            };
            b.op(
                "DEPTHWISE_CONV_2D",
                kind,
                &[x, w, bias],
                &[1, oh, ow, oc],
                s_out,
                z_out,
            );
        }
        3 => {
            // TRANSPOSE_CONV: K = kh * kw * ic
            let (kh, kw, s) = (odd(r, 4), odd(r, 4), odd(r, 3));
            let ic = k.div_ceil(kh * kw);
            let (h, wd, oc) = (odd(r, 3), odd(r, 3), odd(r, 10));
            let padding = if r.coin() {
                Padding::Same
            } else {
                Padding::Valid
            };
            let (oh, ow) = match padding {
                Padding::Same => (h * s, wd * s),
                Padding::Valid => ((h - 1) * s + kh, (wd - 1) * s + kw),
            };
            let shape = b.bias(&[1, oh as i32, ow as i32, oc as i32]);
            let w = b.weights(&[oc, kh, kw, ic], &r.i8s(oc * kh * kw * ic), &ws(r, oc), 0);
            let x = b.input(&[1, h, wd, ic], s_in, z_in);
            let bias = b.bias(&biases(r, oc));
            let kind = OpKind::TransposeConv {
                padding,
                stride: (s, s),
                act: act(r),
            };
            b.op(
                "TRANSPOSE_CONV",
                kind,
                &[shape, w, x, bias],
                &[1, oh, ow, oc],
                s_out,
                z_out,
            );
        }
        _ => {
            // BATCH_MATMUL with a broadcast batch, then SOFTMAX and MEAN over K
            let (m, n) = (odd(r, 3), odd(r, 3));
            let (adj_x, adj_y) = (r.coin(), r.coin());
            let ls = if adj_x { [2, 1, k, m] } else { [2, 1, m, k] };
            let rs = if adj_y { [1, 2, n, k] } else { [1, 2, k, n] };
            let (s_b, z_b) = (scale(r, -8, 2), zp(r));
            let x = b.input(&ls, s_in, z_in);
            let y = b.input(&rs, s_b, z_b);
            let kind = OpKind::BatchMatmul { adj_x, adj_y };
            b.op("BATCH_MATMUL", kind, &[x, y], &[2, 2, m, n], s_out, z_out);
            let beta = scale(r, -3, 3);
            b.op(
                "SOFTMAX",
                OpKind::Softmax { beta },
                &[x],
                &ls,
                1.0 / 256.0,
                -128,
            );
            let axes = vec![3];
            b.op(
                "MEAN",
                OpKind::Mean { axes },
                &[x],
                &[2, 1, ls[2], 1],
                s_out,
                z_out,
            );
        }
    }
    let g = b.finish();
    let xs = random_inputs(&g, r);
    (g, xs)
}

fn out_len(padding: Padding, input: usize, k: usize, stride: usize, dil: usize) -> usize {
    let eff = (k - 1) * dil + 1;
    match padding {
        Padding::Same => input.div_ceil(stride),
        Padding::Valid => (input + stride).saturating_sub(eff) / stride,
    }
}

#[test]
fn litert_gpu_random_shapes_and_extreme_multipliers_match_the_cpu() {
    let mut gpu = gpu();
    let default = gpu.tiled();
    let pack_default = gpu.pack_min();
    let mut r = Bytes::new(16_18);
    let mut n = 0;
    // LITERT_GPU_DEEP=N runs N cases of each op instead of 6
    let cases = std::env::var("LITERT_GPU_DEEP")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6);
    for kind in 0..5 {
        for case in 0..cases {
            let k = 1 + (r.next_u64() % 300) as usize;
            let (g, xs) = synthetic(&mut r, kind, k);
            // the defaults, then every output packed for the read-back and FULLY_CONNECTED and
            // CONV_2D through the tiled GEMM
            gpu.set_tiled(default);
            gpu.set_pack_min(pack_default);
            n += same(&gpu, &g, &xs, &format!("kind {kind} case {case} K {k}"));
            gpu.set_pack_min(0);
            if kind < 2 {
                gpu.set_tile_min_macs(0);
                n += same(
                    &gpu,
                    &g,
                    &xs,
                    &format!("kind {kind} case {case} K {k} tiled, packed"),
                );
            } else {
                n += same(
                    &gpu,
                    &g,
                    &xs,
                    &format!("kind {kind} case {case} K {k} packed"),
                );
            }
        }
    }
    gpu.set_tiled(default);
    gpu.set_pack_min(pack_default);
    eprintln!(
        "{} random graphs, {n} op outputs byte-identical to the CPU",
        5 * cases
    );
    assert!(n >= 30);
}

#[test]
fn litert_gpu_reductions_past_the_device_loop_limit_are_exact() {
    // llvmpipe stops an invocation after ~65,535 loop iterations: every K here is past that.
    let gpu = gpu();
    let mut r = Bytes::new(70_000);
    for kind in 0..5 {
        let k = 70_001 + (r.next_u64() % 5000) as usize;
        let (g, xs) = synthetic(&mut r, kind, k);
        same(&gpu, &g, &xs, &format!("kind {kind} K {k}"));
    }
    // K past a million: a partial pass of 1024-term chunks, then one combine of ~1000 partials
    let (g, xs) = synthetic(&mut r, 0, 1_000_003);
    same(&gpu, &g, &xs, "FULLY_CONNECTED K 1,000,003");
}

/// Pairs near a final tie (the product's 53-bit rounding decides), exact ties, sparse bit
/// patterns (exact ties of the 53-bit rounding), and random magnitudes.
fn f64_pairs(r: &mut Bytes, n: usize) -> Vec<(i32, f64)> {
    let mut v = Vec::with_capacity(4 * n);
    for i in 0..n {
        let bits = 1 + (r.next_u64() % 31) as u32;
        let acc = ((r.next_u64() % (1u64 << bits)) | (1u64 << (bits - 1))) as i64;
        let k = (r.next_u64() % 256) as i64 - 128;
        let (m, e) = verifier::litert::gpu::synth::near_tie(acc as u64, k, (i % 7) as i64 - 3);
        let sign = if r.coin() { 1 } else { -1 };
        v.push(((acc * sign) as i32, m as f64 * 2f64.powi(e)));
        // exact final ties: odd multiples of 2^(j-1) times 2^-j
        let j = (r.next_u64() % 30) as i32 + 1;
        let odd = (2 * (r.next_u64() % 128) + 1) as i64;
        let t = ((odd << (j - 1)) * sign).clamp(i32::MIN as i64, i32::MAX as i64) as i32;
        v.push((t, 2f64.powi(-j)));
        // sparse significands and accumulators: exact ties at the 53-bit cut
        let m = (1u64 << 52) | (1u64 << (r.next_u64() % 52)) | (1u64 << (r.next_u64() % 52));
        let a = ((1u64 << (r.next_u64() % 31)) | (1u64 << (r.next_u64() % 31))) as i64;
        let len = (128 - m.leading_zeros() - (a as u64).leading_zeros()) as i32;
        let e = -(len - 8 - (r.next_u64() % 12) as i32);
        v.push((
            (a.min(i32::MAX as i64) * sign) as i32,
            m as f64 * 2f64.powi(e),
        ));
        // anything: random significand, exponent from tiny to saturating
        let m = f64::from_bits((r.next_u64() >> 12) | (((r.next_u64() % 200) + 900) << 52));
        v.push((r.next_u64() as i32, m));
    }
    v
}

#[test]
fn litert_gpu_f64_limb_model_matches_the_cpu_f64() {
    let mut r = Bytes::new(0xf64);
    let (mut flips, mut ties) = (0, 0);
    let pairs = f64_pairs(&mut r, 50_000);
    for &(acc, m) in pairs
        .iter()
        .chain(&verifier::litert::gpu::synth::fc_probe_pairs())
    {
        let (lo, hi, e) = f64fc::split(m).expect("normal multiplier");
        let want = f64fc::reference(acc, m);
        assert_eq!(
            f64fc::round_product(acc, lo, hi, e),
            want,
            "acc {acc} m {m:e}"
        );
        flips += usize::from(f64fc::exact(acc, m) != Some(want));
        let p = acc.unsigned_abs() as u128 * ((hi as u128) << 32 | lo as u128);
        let len = 128 - p.leading_zeros();
        ties += usize::from(len > 53 && p & ((1 << (len - 53)) - 1) == 1 << (len - 54));
    }
    // the cases exercise what makes f64 differ from exact arithmetic
    assert!(
        flips > 100 && ties > 100,
        "{flips} flips, {ties} 53-bit ties"
    );
}

#[test]
fn litert_gpu_f64_shader_matches_the_cpu_on_adversarial_pairs() {
    let gpu = gpu();
    let mut r = Bytes::new(0x5ade);
    let pairs = f64_pairs(&mut r, 2000);
    let got = gpu.fc_requantize_probe(&pairs).expect("probe");
    let mut flips = 0;
    for (&(acc, m), &g) in pairs.iter().zip(&got) {
        let want = f64fc::reference(acc, m).clamp(-128, 127) as i8;
        assert_eq!(g, want, "acc {acc} m {m:e}");
        flips += usize::from(f64fc::exact(acc, m).map(|v| v.clamp(-128, 127) as i8) != Some(want));
    }
    assert!(
        flips > 10,
        "{flips} pairs where f64 rounding decides the byte"
    );
}

fn text2img() -> Graph {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tools/models/out/text2img.tflite"
    );
    litert::import(&std::fs::read(path).expect("model"), &Default::default()).expect("import")
}

#[test]
fn litert_gpu_split_grids_give_the_same_bytes() {
    let mut gpu = gpu();
    let g = text2img();
    let xs = random_inputs(&g, &mut Bytes::new(3));
    gpu.set_max_workgroups_per_dimension(2);
    let pack_default = gpu.pack_min();
    let n = same(&gpu, &g, &xs, "two workgroups per dimension");
    // the read-back's packing dispatches split too
    gpu.set_pack_min(0);
    let packed = same(&gpu, &g, &xs, "two workgroups per dimension, packed");
    gpu.set_pack_min(pack_default);
    gpu.set_max_workgroups_per_dimension(u32::MAX);
    assert!(n > 10 && packed == n);
}

/// FULLY_CONNECTED and CONV_2D through the tiled GEMM (32 x 32 outputs per tile, K in packed
/// words of 4) at sizes that are not multiples of the tile or of 4, K crossing a chunk, and
/// each also through the one-invocation-per-output kernels (the last FULLY_CONNECTED and
/// CONV_2D shapes fill under a quarter of a tile, so they take those even when tiled).
#[test]
fn litert_gpu_tile_edges_match_the_cpu() {
    let mut gpu = gpu();
    let default = gpu.tiled();
    let mut r = Bytes::new(0x711e);
    let mut cases = 0;
    // FULLY_CONNECTED (rows, O, K)
    for (rows, o, k) in [
        (33, 35, 37),
        (40, 70, 1),
        (1, 65, 1),
        (64, 32, 1030),
        (31, 4, 6),
        (2, 33, 3),
    ] {
        let mut b = GraphBuilder::new();
        let x = b.input(&[rows, k], scale(&mut r, -8, 2), zp(&mut r));
        let scales: Vec<f32> = (0..o).map(|_| scale(&mut r, -30, 8)).collect();
        let w = b.weights(&[o, k], &r.i8s(o * k), &scales, 0);
        let bias = b.bias(&biases(&mut r, o));
        let kind = OpKind::FullyConnected { act: act(&mut r) };
        let (s_out, z_out) = (scale(&mut r, -10, 4), zp(&mut r));
        b.op(
            "FULLY_CONNECTED",
            kind,
            &[x, w, bias],
            &[rows, o],
            s_out,
            z_out,
        );
        let g = b.finish();
        let xs = random_inputs(&g, &mut r);
        for tiled in [true, false] {
            gpu.set_tiled(tiled);
            if tiled {
                gpu.set_tile_min_macs(0);
            }
            cases += same(&gpu, &g, &xs, &format!("FC {rows}x{o}x{k} tiled {tiled}"));
        }
    }
    // CONV_2D (h, w, ic, oc, kernel, stride, padding, dilation)
    for (h, wd, ic, oc, kk, st, pad, dil) in [
        (9, 7, 5, 33, 3, 1, Padding::Same, 1),
        (11, 6, 3, 40, 3, 2, Padding::Same, 1),
        (6, 6, 7, 31, 2, 1, Padding::Valid, 1),
        // channels a multiple of 4: one tap per packed word
        (10, 9, 8, 36, 3, 2, Padding::Same, 1),
        (8, 9, 2, 3, 1, 1, Padding::Valid, 1),
        // one input channel: a step of 16 terms crosses rows of taps (the stepped counters)
        (9, 10, 1, 34, 5, 1, Padding::Same, 1),
        // K = 1,170 across two chunks, a chunk starting mid-tap, channels not a multiple of 4
        (5, 6, 130, 35, 3, 1, Padding::Same, 1),
        // dilated taps
        (12, 11, 6, 33, 3, 1, Padding::Valid, 2),
    ] {
        let mut b = GraphBuilder::new();
        let x = b.input(&[1, h, wd, ic], scale(&mut r, -8, 2), zp(&mut r));
        let scales: Vec<f32> = (0..oc).map(|_| scale(&mut r, -30, 8)).collect();
        let w = b.weights(&[oc, kk, kk, ic], &r.i8s(oc * kk * kk * ic), &scales, 0);
        let bias = b.bias(&biases(&mut r, oc));
        let (oh, ow) = (out_len(pad, h, kk, st, dil), out_len(pad, wd, kk, st, dil));
        let kind = OpKind::Conv2d {
            padding: pad,
            stride: (st, st),
            dilation: (dil, dil),
            act: act(&mut r),
        };
        let (s_out, z_out) = (scale(&mut r, -10, 4), zp(&mut r));
        b.op(
            "CONV_2D",
            kind,
            &[x, w, bias],
            &[1, oh, ow, oc],
            s_out,
            z_out,
        );
        let g = b.finish();
        let xs = random_inputs(&g, &mut r);
        for tiled in [true, false] {
            gpu.set_tiled(tiled);
            if tiled {
                gpu.set_tile_min_macs(0);
            }
            cases += same(
                &gpu,
                &g,
                &xs,
                &format!("CONV {h}x{wd}x{ic}->{oc} k{kk} tiled {tiled}"),
            );
        }
    }
    gpu.set_tiled(default);
    assert_eq!(cases, 28);
}

/// The channel-blocked kernels (four output channels per invocation) at channel counts that
/// leave a last block of 1, 2 and 3, depth multipliers that map a block to several input
/// channels, and K across two chunks (a partial pass, a combine, a finish); the resizes, also
/// four channels per invocation.
#[test]
fn litert_gpu_channel_blocks_match_the_cpu() {
    let gpu = gpu();
    let mut r = Bytes::new(0xb10c);
    let mut cases = 0;
    // DEPTHWISE_CONV_2D (input channels, multiplier, kernel): 5, 9 and 6 output channels
    for (ic, mult, kk) in [(5, 1, 3), (3, 3, 2), (2, 3, 33)] {
        let (h, wd, oc) = (kk + 3, kk + 2, ic * mult);
        let mut b = GraphBuilder::new();
        let x = b.input(&[1, h, wd, ic], scale(&mut r, -8, 2), zp(&mut r));
        let scales: Vec<f32> = (0..oc).map(|_| scale(&mut r, -30, 8)).collect();
        let w = b.weights(&[1, kk, kk, oc], &r.i8s(kk * kk * oc), &scales, 3);
        let bias = b.bias(&biases(&mut r, oc));
        let kind = OpKind::DepthwiseConv2d {
            padding: Padding::Same,
            stride: (1, 2),
            dilation: (1, 1),
            multiplier: mult,
            act: act(&mut r),
        };
        let (s_out, z_out) = (scale(&mut r, -10, 4), zp(&mut r));
        let out = [1, h, wd.div_ceil(2), oc];
        b.op("DEPTHWISE_CONV_2D", kind, &[x, w, bias], &out, s_out, z_out);
        let g = b.finish();
        let xs = random_inputs(&g, &mut r);
        cases += same(&gpu, &g, &xs, &format!("DW {ic}x{mult} k{kk}"));
    }
    // TRANSPOSE_CONV (input channels, output channels): K = 4 taps x ic, the last past a chunk
    // (a chunk starting mid-tap); input channels a multiple of 4 read packed weights
    for (ic, oc) in [(6, 7), (5, 10), (8, 9), (12, 4), (300, 3)] {
        let (h, wd, kk, st) = (3, 4, 3, 2);
        let (oh, ow) = (h * st, wd * st);
        let mut b = GraphBuilder::new();
        let shape = b.bias(&[1, oh as i32, ow as i32, oc as i32]);
        let scales: Vec<f32> = (0..oc).map(|_| scale(&mut r, -30, 8)).collect();
        let w = b.weights(&[oc, kk, kk, ic], &r.i8s(oc * kk * kk * ic), &scales, 0);
        let x = b.input(&[1, h, wd, ic], scale(&mut r, -8, 2), zp(&mut r));
        let bias = b.bias(&biases(&mut r, oc));
        let kind = OpKind::TransposeConv {
            padding: Padding::Same,
            stride: (st, st),
            act: act(&mut r),
        };
        let (s_out, z_out) = (scale(&mut r, -10, 4), zp(&mut r));
        let out = [1, oh, ow, oc];
        b.op(
            "TRANSPOSE_CONV",
            kind,
            &[shape, w, x, bias],
            &out,
            s_out,
            z_out,
        );
        let g = b.finish();
        let xs = random_inputs(&g, &mut r);
        cases += same(&gpu, &g, &xs, &format!("TCONV {ic}->{oc}"));
    }
    // RESIZE_NEAREST_NEIGHBOR / RESIZE_BILINEAR over a batch of 2 (channels, bilinear, align
    // corners, half pixel): blocks of 4 channels with tails of 1 and 2
    for (ch, bilinear, align_corners, half_pixel) in [
        (5, false, false, true),
        (6, true, false, true),
        (9, false, true, false),
        (1, true, true, false),
    ] {
        let mut b = GraphBuilder::new();
        let (s_in, z_in) = (scale(&mut r, -8, 2), zp(&mut r));
        let x = b.input(&[2, 3, 4, ch], s_in, z_in);
        let kind = if bilinear {
            OpKind::ResizeBilinear {
                align_corners,
                half_pixel,
            }
        } else {
            OpKind::ResizeNearest {
                align_corners,
                half_pixel,
            }
        };
        b.op("RESIZE", kind, &[x], &[2, 7, 9, ch], s_in, z_in);
        let g = b.finish();
        let xs = random_inputs(&g, &mut r);
        cases += same(&gpu, &g, &xs, &format!("RESIZE {ch} bilinear {bilinear}"));
    }
    assert_eq!(cases, 12);
}

/// The packed read-back (op outputs four int8 to a word on the device) against the CPU: outputs
/// of 1, 3 and 10 elements (tails of 1, 2 and 3 bytes at word offsets 0, 1, 2, 5, 8), all
/// packed, mixed with unpacked ones (from 3 elements), none; inputs of odd lengths (as slices
/// of one job input they start at unaligned offsets), a batch of 2; text2img all packed.
#[test]
fn litert_gpu_packed_read_back_tails_match_the_cpu() {
    let gpu = gpu();
    let mut r = Bytes::new(0x9ac4);
    let mut b = GraphBuilder::new();
    let mut table = Box::new([0i8; 256]);
    for (i, v) in table.iter_mut().enumerate() {
        *v = (i as u8).wrapping_mul(37).wrapping_add(11) as i8;
    }
    let lut = || OpKind::Lut {
        func: LutFn::Tanh,
        table: table.clone(),
    };
    let one = b.input(&[1], 0.5, 0);
    let three = b.input(&[1, 3], 0.5, 0);
    let ten = b.input(&[2, 5], 0.5, 0);
    b.op("TANH", lut(), &[one], &[1], 0.5, 0);
    b.op("TANH", lut(), &[three], &[1, 3], 0.5, 0);
    let t = b.op("TANH", lut(), &[ten], &[2, 5], 0.5, 0);
    let perm = OpKind::Transpose { perm: vec![1, 0] };
    let u = b.op("TRANSPOSE", perm, &[t], &[5, 2], 0.5, 0);
    b.op("TANH", lut(), &[u], &[5, 2], 0.5, 0);
    let g = b.finish();
    let mut gpu = gpu;
    let default = gpu.pack_min();
    for (pack_min, case) in [(0, 0), (0, 1), (3, 2), (usize::MAX, 3)] {
        gpu.set_pack_min(pack_min);
        let xs = random_inputs(&g, &mut r);
        let what = format!("tails {case}, packed from {pack_min}");
        assert_eq!(same(&gpu, &g, &xs, &what), 5);
    }
    // text2img with every output packed: a batch of channels, resizes, convolutions
    gpu.set_pack_min(0);
    let t = text2img();
    let xs = random_inputs(&t, &mut r);
    let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        same(&gpu, &t, &xs, "text2img packed")
    }));
    gpu.set_pack_min(default);
    assert!(
        ok.is_ok_and(|n| n == t.ops.len()),
        "text2img packed differs"
    );
}

#[test]
fn litert_gpu_device_limits_and_budget_are_errors_before_any_work() {
    let mut gpu = gpu();
    let g = text2img();
    let xs = random_inputs(&g, &mut Bytes::new(4));
    let refs: Vec<&[u8]> = xs.iter().map(Vec::as_slice).collect();
    gpu.set_max_storage_binding(1024);
    let err = gpu.run(&g, &refs).expect_err("bindings over the limit");
    gpu.set_max_storage_binding(u64::MAX);
    assert!(
        matches!(&err, LiteRtError::Gpu(m) if m.contains("storage binding")),
        "{err}"
    );
    gpu.set_max_bytes(1 << 16);
    let err = gpu.run(&g, &refs).expect_err("over the memory budget");
    gpu.set_max_bytes(verifier::litert::gpu::DEFAULT_MAX_BYTES);
    assert!(
        matches!(&err, LiteRtError::Gpu(m) if m.contains("budget")),
        "{err}"
    );
    // the executor is still good afterwards
    same(&gpu, &g, &xs, "after the refusals");
    let short = gpu.run(&g, &[&[0u8; 3]]).expect_err("short input");
    assert!(matches!(short, LiteRtError::Input(_)), "{short}");
}

#[test]
fn litert_gpu_refuses_the_inputs_the_cpu_refuses() {
    let gpu = gpu();
    // GATHER with an id out of range
    let mut b = GraphBuilder::new();
    let table = b.weights(&[4, 3], &[1; 12], &[0.5], 0);
    let ids = b.input(&[2], 0.0, 0);
    b.op("GATHER", OpKind::Gather, &[table, ids], &[2, 3], 0.5, 0);
    let g = b.finish();
    let bad: Vec<u8> = [1i32, 4].iter().flat_map(|v| v.to_le_bytes()).collect();
    let cpu = litert::run(&g, &[&bad]).expect_err("cpu refuses");
    let err = gpu.run(&g, &[&bad]).expect_err("gpu refuses");
    assert!(
        matches!(
            (&cpu, &err),
            (
                LiteRtError::Op { index: 0, .. },
                LiteRtError::Op { index: 0, .. }
            )
        ),
        "{cpu} / {err}"
    );
    let good: Vec<u8> = [3i32, 0].iter().flat_map(|v| v.to_le_bytes()).collect();
    same(&gpu, &g, &[good], "gather in range");
    // RSQRT of an input below the zero point, after an op that succeeds
    let mut b = GraphBuilder::new();
    let x = b.input(&[4], 0.1, -10);
    let y = b.op("RESHAPE", OpKind::Reshape, &[x], &[2, 2], 0.1, -10);
    b.op("RSQRT", OpKind::Rsqrt, &[y], &[2, 2], 0.05, 3);
    let g = b.finish();
    let neg = [5u8, (-11i8) as u8, 0, 7];
    let cpu = litert::run(&g, &[&neg]).expect_err("cpu refuses");
    let err = gpu.run(&g, &[&neg]).expect_err("gpu refuses");
    assert!(
        matches!(
            (&cpu, &err),
            (
                LiteRtError::Op { index: 1, .. },
                LiteRtError::Op { index: 1, .. }
            )
        ),
        "{cpu} / {err}"
    );
    same(
        &gpu,
        &g,
        &[vec![5, 127, (-10i8) as u8, 0]],
        "rsqrt of non-negatives",
    );
}

/// The channel-blocked kernels reading their activations packed four int8 to a word, against
/// the CPU and with the packing off: CONV_2D and TRANSPOSE_CONV from 4, 8 and 12 input channels
/// and CONV_2D from 128 (K = 1,152 across two chunks), DEPTHWISE_CONV_2D of multiplier 1 over
/// 4, 8 and 12 channels (K = 1,089 across two chunks), batches of 2, 3 to 9 output channels
/// (one and two blocks, partial); each graph's first input 3 bytes long (the next starts at an
/// unaligned offset of the job input); a CONV_2D's output read packed by a second CONV_2D and
/// unpacked by a FULLY_CONNECTED. Each graph must take the packed path (more dispatches).
#[test]
fn litert_gpu_packed_activations_match_the_cpu() {
    let mut gpu = gpu();
    let (default, tiled) = (gpu.packed_activations(), gpu.tiled());
    // the channel-blocked kernels whatever the device's default
    gpu.set_tiled(false);
    let mut r = Bytes::new(0x9ac7);
    let mut graphs = Vec::new();
    for (ic, oc, kk, tconv) in [
        (4, 3, 3, false),
        (8, 9, 3, false),
        (12, 8, 2, false),
        (128, 5, 3, false),
        (4, 5, 3, true),
        (8, 3, 3, true),
        (12, 9, 3, true),
    ] {
        let (n, h, wd) = (2, 5, 4);
        let mut b = GraphBuilder::new();
        let odd = b.input(&[1, 3], 0.5, 0);
        let table = Box::new([7i8; 256]);
        b.op(
            "TANH",
            OpKind::Lut {
                func: LutFn::Tanh,
                table,
            },
            &[odd],
            &[1, 3],
            0.5,
            0,
        );
        let x = b.input(&[n, h, wd, ic], scale(&mut r, -8, 2), zp(&mut r));
        let scales: Vec<f32> = (0..oc).map(|_| scale(&mut r, -30, 8)).collect();
        let w = b.weights(&[oc, kk, kk, ic], &r.i8s(oc * kk * kk * ic), &scales, 0);
        let bias = b.bias(&biases(&mut r, oc));
        let (s_out, z_out) = (scale(&mut r, -10, 4), zp(&mut r));
        if tconv {
            let (oh, ow) = (2 * h, 2 * wd);
            let shape = b.bias(&[n as i32, oh as i32, ow as i32, oc as i32]);
            let kind = OpKind::TransposeConv {
                padding: Padding::Same,
                stride: (2, 2),
                act: act(&mut r),
            };
            let out = [n, oh, ow, oc];
            b.op(
                "TRANSPOSE_CONV",
                kind,
                &[shape, w, x, bias],
                &out,
                s_out,
                z_out,
            );
        } else {
            let kind = OpKind::Conv2d {
                padding: Padding::Same,
                stride: (1, 1),
                dilation: (1, 1),
                act: act(&mut r),
            };
            let y = b.op(
                "CONV_2D",
                kind,
                &[x, w, bias],
                &[n, h, wd, oc],
                s_out,
                z_out,
            );
            if oc % 4 == 0 {
                // the output read packed by a CONV_2D, unpacked by a FULLY_CONNECTED
                let w2 = b.weights(&[6, 1, 1, oc], &r.i8s(6 * oc), &[0.01; 6], 0);
                let b2 = b.bias(&biases(&mut r, 6));
                let kind = OpKind::Conv2d {
                    padding: Padding::Valid,
                    stride: (1, 1),
                    dilation: (1, 1),
                    act: Activation::None,
                };
                b.op("CONV_2D", kind, &[y, w2, b2], &[n, h, wd, 6], 0.1, 3);
                let k = h * wd * oc;
                let w3 = b.weights(&[4, k], &r.i8s(4 * k), &[0.002; 4], 0);
                let b3 = b.bias(&biases(&mut r, 4));
                let kind = OpKind::FullyConnected {
                    act: Activation::None,
                };
                b.op("FULLY_CONNECTED", kind, &[y, w3, b3], &[n, 4], 0.3, -2);
            }
        }
        graphs.push((
            format!("{} {ic}->{oc}", if tconv { "TCONV" } else { "CONV" }),
            b.finish(),
        ));
    }
    // DEPTHWISE_CONV_2D of multiplier 1 (channels, kernel): one block, two, two with the
    // second past the channels
    for (ic, kk) in [(4, 3), (8, 3), (12, 33)] {
        // the large window mostly over padding (its taps still iterated)
        let (n, h, wd) = (2, (kk + 2).min(5), (kk + 1).min(4));
        let mut b = GraphBuilder::new();
        let odd = b.input(&[3], 0.5, 0);
        b.op("RESHAPE", OpKind::Reshape, &[odd], &[1, 3], 0.5, 0);
        let x = b.input(&[n, h, wd, ic], scale(&mut r, -8, 2), zp(&mut r));
        let scales: Vec<f32> = (0..ic).map(|_| scale(&mut r, -30, 8)).collect();
        let w = b.weights(&[1, kk, kk, ic], &r.i8s(kk * kk * ic), &scales, 3);
        let bias = b.bias(&biases(&mut r, ic));
        let kind = OpKind::DepthwiseConv2d {
            padding: Padding::Same,
            stride: (1, 2),
            dilation: (1, 1),
            multiplier: 1,
            act: act(&mut r),
        };
        let (s_out, z_out) = (scale(&mut r, -10, 4), zp(&mut r));
        let out = [n, h, wd.div_ceil(2), ic];
        b.op("DEPTHWISE_CONV_2D", kind, &[x, w, bias], &out, s_out, z_out);
        graphs.push((format!("DW {ic} k{kk}"), b.finish()));
    }
    let mut cases = 0;
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        for (what, g) in &graphs {
            let xs = random_inputs(g, &mut r);
            let mut dispatches = [0; 2];
            for (i, on) in [false, true].into_iter().enumerate() {
                gpu.set_packed_activations(on);
                dispatches[i] = gpu.prepare(g).expect("prepare").dispatches;
                same(&gpu, g, &xs, &format!("{what}, packed activations {on}"));
            }
            assert!(dispatches[1] > dispatches[0], "{what}: not packed");
            cases += 1;
        }
    }));
    gpu.set_packed_activations(default);
    gpu.set_tiled(tiled);
    result.unwrap_or_else(|e| std::panic::resume_unwind(e));
    assert_eq!(cases, 10);
}
