//! Differential test: random models across every op, CPU reference vs wgpu, byte for byte.
//!
//! Cases include reductions far past the device's loop limits (dense K up to 80,000, conv K over
//! 5,000, pooling windows up to 65,536), accumulators that wrap, extreme multipliers and shifts
//! and ragged tile edges. `cargo test` runs a fast sample; the deep run (thousands of models) is
//! `make verifier-deep` (`cargo test --release -p verifier --test differential -- --ignored`,
//! `VERIFIER_DEEP_MODELS` sets the count).

use crate::common::gpu;
use verifier::demo::SplitMix64;
use verifier::model::builder::ModelBuilder;
use verifier::ops::Requant;
use verifier::{Budget, CpuExecutor};

struct Gen(SplitMix64);

impl Gen {
    fn below(&mut self, n: usize) -> usize {
        (self.0.next_u64() % n.max(1) as u64) as usize
    }
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    fn i8s(&mut self, n: usize) -> Vec<i8> {
        (0..n).map(|_| self.0.next_i8()).collect()
    }
    fn i32(&mut self) -> i32 {
        self.0.next_u64() as i32
    }
    fn multiplier(&mut self) -> i32 {
        match self.below(8) {
            0 => i32::MIN,
            1 => i32::MAX,
            2 => -1,
            3 => 1,
            4 => 0,
            5 => (1 << 30) + self.below(1 << 30) as i32,
            _ => self.i32(),
        }
    }
    fn requant(&mut self) -> Requant {
        let shift = match self.below(4) {
            0 => self.range(0, 63) as u32,
            1 => [0, 1, 31, 32, 33, 62, 63][self.below(7)],
            _ => self.range(28, 45) as u32,
        };
        Requant {
            multiplier: self.multiplier(),
            shift,
        }
    }
    /// Non-negative i8 values (a truncated sum then shows in the output).
    fn pos_i8s(&mut self, n: usize) -> Vec<i8> {
        (0..n).map(|_| (self.0.next_u64() >> 57) as i8).collect()
    }
    /// A rescale mapping `0..=terms·127²` onto `0..=127` without saturating.
    fn unsaturated(terms: usize) -> Requant {
        let max = (terms as u64 * 127 * 127).div_ceil(127);
        Requant {
            multiplier: 1 << 30,
            shift: 30 + (64 - max.leading_zeros()),
        }
    }
    fn bias(&mut self, n: usize) -> Vec<i32> {
        (0..n)
            .map(|_| match self.below(6) {
                0 => i32::MAX - self.below(1 << 20) as i32,
                1 => i32::MIN + self.below(1 << 20) as i32,
                2 => self.i32(),
                _ => self.below(1 << 17) as i32 - (1 << 16),
            })
            .collect()
    }
}

/// One random model and input: `big` = `Some(0..3)` picks a large-reduction case.
fn random_model(seed: u64, big: Option<usize>) -> (ModelBuilder, Vec<i8>, &'static str) {
    let mut g = Gen(SplitMix64::new(seed));
    let kind = big.map_or(0, |b| 2 + b % 3);
    match kind {
        2 => {
            // Dense with K far past the loop limits, possibly wrapping.
            let k = g.range(20_000, 80_000);
            let n = g.range(1, 6);
            let mut b = ModelBuilder::new(vec![k]);
            let positive = g.below(2) == 0;
            let (w, bias, rq, x) = if positive {
                (
                    g.pos_i8s(n * k),
                    vec![0; n],
                    Gen::unsaturated(k),
                    g.pos_i8s(k),
                )
            } else {
                (g.i8s(n * k), g.bias(n), g.requant(), g.i8s(k))
            };
            b.dense(0, &w, &bias, rq);
            return (b, x, "dense-large-k");
        }
        3 => {
            // Conv with a long reduction on a small map, cout across tile edges.
            let cin = g.range(150, 6000);
            let (h, w) = (g.range(3, 6), g.range(3, 6));
            let cout = [1, 3, 4, 5, 63, 64, 65, 70][g.below(8)];
            let mut b = ModelBuilder::new(vec![cin, h, w]);
            let positive = g.below(2) == 0;
            let (wt, bias, rq, x) = if positive {
                let rq = Gen::unsaturated(cin * 9);
                (
                    g.pos_i8s(cout * cin * 9),
                    vec![0; cout],
                    rq,
                    g.pos_i8s(cin * h * w),
                )
            } else {
                (
                    g.i8s(cout * cin * 9),
                    g.bias(cout),
                    g.requant(),
                    g.i8s(cin * h * w),
                )
            };
            b.conv2d(0, [cout, cin, 3, 3], &wt, &bias, [1, 1], [1, 1], rq);
            return (b, x, "conv-large-k");
        }
        4 => {
            // A pooling window up to 65,536.
            let (kh, kw) = (g.range(1, 256), g.range(1, 256));
            let (h, w) = (kh + g.below(3), kw + g.below(3));
            let c = g.range(1, 2);
            let mut b = ModelBuilder::new(vec![c, h, w]);
            b.avg_pool(0, [kh, kw], [g.range(1, 2), g.range(1, 2)]);
            let x = if g.below(2) == 0 {
                g.pos_i8s(c * h * w)
            } else {
                g.i8s(c * h * w)
            };
            return (b, x, "avg-pool-large-window");
        }
        _ => {}
    }
    // A chain of random ops on a small map.
    let (c, h, w) = (g.range(1, 8), g.range(1, 12), g.range(1, 12));
    let mut b = ModelBuilder::new(vec![c, h, w]);
    let mut shapes: Vec<Vec<usize>> = vec![vec![c, h, w]];
    let mut v = 0usize;
    for _ in 0..g.range(1, 6) {
        let s = shapes[v].clone();
        let chw = s.len() == 3;
        let elems: usize = s.iter().product();
        let op = g.below(11);
        let (nv, ns) = match op {
            0 if chw => {
                let [ci, hh, ww] = [s[0], s[1], s[2]];
                let (kh, kw) = (g.range(1, hh.min(4) + 1), g.range(1, ww.min(4) + 1));
                let (ph, pw) = (g.below(kh), g.below(kw));
                if hh + 2 * ph < kh || ww + 2 * pw < kw {
                    continue;
                }
                let (sh, sw) = (g.range(1, 3), g.range(1, 3));
                let co = g.range(1, 130);
                let wt = g.i8s(co * ci * kh * kw);
                let bias = g.bias(co);
                let rq = g.requant();
                let nv = b.conv2d(v, [co, ci, kh, kw], &wt, &bias, [sh, sw], [ph, pw], rq);
                let oh = (hh + 2 * ph - kh) / sh + 1;
                let ow = (ww + 2 * pw - kw) / sw + 1;
                (nv, vec![co, oh, ow])
            }
            1 => {
                let n = g.range(1, 300);
                let wt = g.i8s(n * elems);
                let bias = g.bias(n);
                let rq = g.requant();
                (b.dense(v, &wt, &bias, rq), vec![n])
            }
            2 if chw && elems < 4000 => {
                let f = g.range(1, 3);
                (b.upsample(v, f), vec![s[0], s[1] * f, s[2] * f])
            }
            3 => {
                // add with itself or an earlier value of the same shape
                let other = (0..shapes.len())
                    .filter(|&i| shapes[i] == s)
                    .nth(g.below(2))
                    .unwrap_or(v);
                let wa = g.range(0, 1 << 17) as i32 - (1 << 16);
                let wb = g.range(0, 1 << 17) as i32 - (1 << 16);
                let sh = g.range(0, 63) as u32;
                (b.add(v, other, wa, wb, sh), s)
            }
            4 => (b.relu(v), s),
            5 => {
                let lo = g.0.next_i8();
                let hi = g.0.next_i8();
                (b.clamp(v, lo.min(hi), lo.max(hi)), s)
            }
            6 => {
                let rq = g.requant();
                (b.requantize(v, rq), s)
            }
            7 if chw => {
                let (kh, kw) = (g.range(1, s[1]), g.range(1, s[2]));
                let (sh, sw) = (g.range(1, 3), g.range(1, 3));
                let oh = (s[1] - kh) / sh + 1;
                let ow = (s[2] - kw) / sw + 1;
                (b.avg_pool(v, [kh, kw], [sh, sw]), vec![s[0], oh, ow])
            }
            8 => {
                let t: Vec<i8> = g.i8s(256);
                let table: [i8; 256] = t.try_into().unwrap();
                (b.lut(v, &table), s)
            }
            9 => {
                // Between packed layouts (repacked on the device) and within one (aliased).
                let ns = match (chw, g.below(2)) {
                    (true, 0) => vec![elems],
                    (true, _) => vec![s[1], s[0], s[2]],
                    (false, 0) => vec![1, 1, elems],
                    (false, _) => vec![elems, 1, 1],
                };
                (b.reshape(v, ns.clone()), ns)
            }
            _ => continue,
        };
        v = nv;
        shapes.push(ns);
    }
    if shapes.len() == 1 {
        v = b.relu(v);
        shapes.push(shapes[0].clone());
    }
    let _ = v;
    let x = g.i8s(c * h * w);
    (b, x, "chain")
}

/// Runs `count` models from `seed`; returns (models, layers compared, per-kind counts).
fn differential(
    seed: u64,
    count: usize,
    big_every: usize,
) -> (usize, usize, Vec<(&'static str, usize)>) {
    let mut kinds: Vec<(&'static str, usize)> = Vec::new();
    let mut layers = 0;
    let mut gpu = gpu();
    for i in 0..count {
        let s = seed.wrapping_add(i as u64);
        let big = (i % big_every == 0).then_some(i / big_every);
        let (b, x, kind) = random_model(s, big);
        let model = b
            .build_with_budget(&Budget::UNLIMITED)
            .unwrap_or_else(|e| panic!("seed {s}: generator made an invalid model: {e}"));
        let cpu = CpuExecutor.layer_outputs(&model, &x).unwrap();
        let got = gpu
            .layer_outputs(&model, &x)
            .unwrap_or_else(|e| panic!("seed {s} ({kind}): gpu error {e}"));
        if let Some(l) = (0..cpu.len()).find(|&l| cpu[l] != got[l]) {
            panic!(
                "seed {s} ({kind}): layer {l} ({}) differs between CPU and wgpu",
                model.layers()[l].op.name()
            );
        }
        layers += cpu.len();
        match kinds.iter_mut().find(|k| k.0 == kind) {
            Some(k) => k.1 += 1,
            None => kinds.push((kind, 1)),
        }
    }
    (count, layers, kinds)
}

#[test]
fn cpu_and_wgpu_agree_on_random_models() {
    let (models, layers, kinds) = differential(0xd1ff_0000, 48, 4);
    eprintln!("differential (fast): {models} models, {layers} layers, {kinds:?}: no mismatch");
}

#[test]
#[ignore = "deep: thousands of models, run with `make verifier-deep`"]
fn cpu_and_wgpu_agree_on_thousands_of_random_models() {
    let count = std::env::var("VERIFIER_DEEP_MODELS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3000);
    let start = std::time::Instant::now();
    let (models, layers, kinds) = differential(0xdee9_0000_0000, count, 6);
    eprintln!(
        "differential (deep): {models} models, {layers} layers, {kinds:?}: no mismatch in {:?}",
        start.elapsed()
    );
}
