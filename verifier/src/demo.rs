//! The demo generative model: a small convolutional decoder from a seeded latent and a prompt
//! embedding to a 64×64 RGB image, with weights produced deterministically in code.
//!
//! Architecture for width `c` (demo: `c = 24`, ≈10.6 M MACs; large: `c = 64`, ≈70 M MACs):
//!
//! ```text
//! input [64] = latent[32] (splitmix64(seed)) ++ prompt[32] (keccak256(prompt) bytes)
//! dense 64→c·64, tanh-LUT, reshape [c,8,8]
//! upsample×2, conv3×3 c→c,   tanh-LUT       [c,16,16]
//! upsample×2, conv3×3 c→c/2, tanh-LUT       [c/2,32,32]
//! upsample×2 (= skip), conv3×3 c/2→c/2, sin-LUT, add(·, skip)   [c/2,64,64]
//! conv3×3 c/2→3, sigmoid-LUT                [3,64,64]
//! ```
//!
//! Weights come from splitmix64 with fixed seeds; requantization scales and lookup tables are
//! computed with IEEE-754 `+ − × ÷ sqrt` only (no platform `libm`), so the file bytes, and hence
//! the model id, are identical on every machine.

use crate::Result;
use crate::exec::Tensor;
use crate::hash::keccak;
use crate::model::builder::ModelBuilder;
use crate::ops::Requant;

/// Latent length in the demo input.
pub const LATENT: usize = 32;
/// Prompt-embedding length in the demo input.
pub const PROMPT: usize = 32;
/// Channel width of the demo model.
pub const DEMO_WIDTH: usize = 24;
/// Channel width of the large (benchmark) model.
pub const LARGE_WIDTH: usize = 64;

/// splitmix64 pseudo-random generator (Steele, Lea, Flood 2014).
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// Seeds the generator.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform integer in `[-a, a]` (slight modulo bias is irrelevant here but deterministic).
    pub fn symmetric(&mut self, a: u32) -> i32 {
        (self.next_u64() % (2 * a as u64 + 1)) as i32 - a as i32
    }

    /// Random i8 from the top byte.
    pub fn next_i8(&mut self) -> i8 {
        (self.next_u64() >> 56) as u8 as i8
    }
}

/// The job input: `latent[32]` from `splitmix64(seed)` followed by `keccak256(prompt)` bytes.
pub fn job_input(seed: u64, prompt: &str) -> Vec<i8> {
    let mut rng = SplitMix64::new(seed);
    let mut v: Vec<i8> = (0..LATENT).map(|_| rng.next_i8()).collect();
    v.extend(keccak(prompt.as_bytes()).iter().map(|&b| b as i8));
    v
}

/// The cheater's edit: inverts a 24×24 patch at the centre of an image tensor (`v ↦ −1 − v`,
/// i.e. pixel `p ↦ 255 − p`).
pub fn cheat(image: &mut Tensor) {
    let [c, h, w] = [image.shape[0], image.shape[1], image.shape[2]];
    let (y0, x0, side) = (
        h / 2 - h.min(24) / 2,
        w / 2 - w.min(24) / 2,
        h.min(w).min(24),
    );
    for ch in 0..c {
        for y in y0..y0 + side {
            for x in x0..x0 + side {
                let i = (ch * h + y) * w + x;
                image.data[i] = !image.data[i];
            }
        }
    }
}

/// `e^x` from basic IEEE operations: Taylor series of `e^(x/1024)`, squared ten times.
fn exp(x: f64) -> f64 {
    let y = x / 1024.0;
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    for n in 1..20 {
        term = term * y / n as f64;
        sum += term;
    }
    for _ in 0..10 {
        sum *= sum;
    }
    sum
}

fn tanh(x: f64) -> f64 {
    let e = exp(2.0 * x);
    (e - 1.0) / (e + 1.0)
}

fn sin(x: f64) -> f64 {
    const PI: f64 = std::f64::consts::PI;
    let mut r = x;
    while r > PI {
        r -= 2.0 * PI;
    }
    while r < -PI {
        r += 2.0 * PI;
    }
    let (mut term, mut sum) = (r, r);
    for n in 1..30 {
        term = -term * r * r / ((2 * n) as f64 * (2 * n + 1) as f64);
        sum += term;
    }
    sum
}

fn table(f: impl Fn(f64) -> f64) -> Box<[i8; 256]> {
    let mut t = Box::new([0i8; 256]);
    for (i, slot) in t.iter_mut().enumerate() {
        *slot = f(i as f64 - 128.0).round().clamp(-128.0, 127.0) as i8;
    }
    t
}

/// `127·tanh(x/48)`.
pub fn tanh_table() -> Box<[i8; 256]> {
    table(|x| 127.0 * tanh(x / 48.0))
}

/// `127·sin(πx/64)`.
pub fn sin_table() -> Box<[i8; 256]> {
    table(|x| 127.0 * sin(x * std::f64::consts::PI / 64.0))
}

/// `255·σ(x/24) − 128` (a sigmoid onto the full pixel range).
pub fn sigmoid_table() -> Box<[i8; 256]> {
    table(|x| 255.0 / (1.0 + exp(-x / 24.0)) - 128.0)
}

/// `m / 2^s ≈ scale` with `m ∈ [2³⁰, 2³¹)`.
pub fn requant_for_scale(scale: f64) -> Requant {
    assert!(scale > 0.0 && scale < 1.0, "scale {scale}");
    let mut shift = 31u32;
    let mut s = scale;
    while s < 0.5 {
        s *= 2.0;
        shift += 1;
    }
    let m = (s * 2147483648.0).round().min(2147483647.0) as i32;
    Requant {
        multiplier: m,
        shift: shift.min(63),
    }
}

/// Rescale so that an accumulator with RMS `sqrt(Σw²/rows)·input_rms` lands at RMS `target`.
fn calibrate(weight: &[i8], rows: usize, input_rms: f64, target: f64) -> Requant {
    let sum_sq: f64 = weight.iter().map(|&w| (w as f64) * (w as f64)).sum();
    let acc_rms = (sum_sq / rows as f64).sqrt() * input_rms;
    requant_for_scale(target / acc_rms)
}

/// A 3×3 kernel: per-(out,in) random gain times a smoothing stencil, plus small noise.
fn smooth_kernel(rng: &mut SplitMix64, cout: usize, cin: usize) -> Vec<i8> {
    const STENCIL: [i32; 9] = [1, 2, 1, 2, 4, 2, 1, 2, 1];
    let mut w = Vec::with_capacity(cout * cin * 9);
    for _ in 0..cout * cin {
        let gain = rng.symmetric(30);
        for s in STENCIL {
            w.push((gain * s / 4 + rng.symmetric(1)).clamp(-127, 127) as i8);
        }
    }
    w
}

fn bias(rng: &mut SplitMix64, n: usize, a: u32) -> Vec<i32> {
    (0..n).map(|_| rng.symmetric(a)).collect()
}

/// Builds the decoder of width `c` (see module docs).
pub fn decoder(c: usize, seed: u64) -> ModelBuilder {
    assert!(c >= 2 && c.is_multiple_of(2));
    let h = c / 2;
    let mut rng = SplitMix64::new(seed);
    let mut b = ModelBuilder::new(vec![LATENT + PROMPT]);
    let tanh = tanh_table();
    let sin = sin_table();

    let k = LATENT + PROMPT;
    let w0: Vec<i8> = (0..c * 64 * k).map(|_| rng.symmetric(100) as i8).collect();
    let rq = calibrate(&w0, c * 64, 74.0, 60.0);
    let v = b.dense(0, &w0, &bias(&mut rng, c * 64, 2000), rq);
    let v = b.lut(v, &tanh);
    let v = b.reshape(v, vec![c, 8, 8]);

    let conv = |b: &mut ModelBuilder, v: usize, cin: usize, cout: usize, rng: &mut SplitMix64| {
        let w = smooth_kernel(rng, cout, cin);
        let target = if cout == 3 { 30.0 } else { 40.0 };
        let rq = calibrate(&w, cout, 60.0, target);
        let bs = bias(rng, cout, 3000);
        b.conv2d(v, [cout, cin, 3, 3], &w, &bs, [1, 1], [1, 1], rq)
    };
    let v = b.upsample(v, 2);
    let v = conv(&mut b, v, c, c, &mut rng);
    let v = b.lut(v, &tanh);
    let v = b.upsample(v, 2);
    let v = conv(&mut b, v, c, h, &mut rng);
    let v = b.lut(v, &tanh);
    let skip = b.upsample(v, 2);
    let v = conv(&mut b, skip, h, h, &mut rng);
    let v = b.lut(v, &sin);
    let v = b.add(v, skip, 1, 1, 1);
    let v = conv(&mut b, v, h, 3, &mut rng);
    b.lut(v, &sigmoid_table());
    b
}

/// Bytes of the demo model file (`verifier gen-demo-model`).
pub fn demo_model_bytes() -> Result<Vec<u8>> {
    decoder(DEMO_WIDTH, 0x5EED_0001).to_bytes()
}

/// Bytes of the large benchmark model (same architecture, width 64, ≈70 M MACs).
pub fn large_model_bytes() -> Result<Vec<u8>> {
    decoder(LARGE_WIDTH, 0x5EED_0002).to_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_known_answer() {
        // First outputs of splitmix64 seeded with 0 (published reference values).
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn math_helpers_are_accurate() {
        assert!((exp(1.0) - std::f64::consts::E).abs() < 1e-12);
        assert!((tanh(0.5) - 0.46211715726000974).abs() < 1e-12);
        assert!((sin(1.0) - 0.8414709848078965).abs() < 1e-12);
        assert!((sin(-3.0) + 0.1411200080598672).abs() < 1e-12);
    }

    #[test]
    fn tables_have_expected_shape() {
        let t = tanh_table();
        assert_eq!(t[128], 0);
        assert_eq!(t[0], -126); // 127 * tanh(-128/48) = -125.77
        let s = sigmoid_table();
        assert_eq!(s[128], -1); // 255/2 - 128 = -0.5 -> -1 (half away from zero)
        assert_eq!(s[255], 126); // 255 * 0.99498 - 128 = 125.7
        assert_eq!(s[0], -127); // 255 * 0.00481 - 128 = -126.8
    }

    #[test]
    fn requant_for_scale_is_normalized() {
        let rq = requant_for_scale(0.25);
        assert_eq!(
            rq,
            Requant {
                multiplier: 1 << 30,
                shift: 32
            }
        );
        let rq = requant_for_scale(0.75);
        assert_eq!(
            rq,
            Requant {
                multiplier: 3 << 29,
                shift: 31
            }
        );
    }

    #[test]
    fn job_input_layout() {
        let x = job_input(7, "a red fox");
        assert_eq!(x.len(), LATENT + PROMPT);
        assert_ne!(job_input(8, "a red fox")[..LATENT], x[..LATENT]);
        assert_eq!(job_input(8, "a red fox")[LATENT..], x[LATENT..]);
        assert_eq!(x[LATENT] as u8, keccak(b"a red fox")[0]);
    }

    #[test]
    fn cheat_changes_only_the_patch() {
        let mut t = Tensor {
            shape: vec![3, 64, 64],
            data: vec![5; 3 * 64 * 64],
        };
        cheat(&mut t);
        let changed = t.data.iter().filter(|&&v| v == !5).count();
        assert_eq!(changed, 3 * 24 * 24);
        assert_eq!(t.data[0], 5);
        assert_eq!(t.data[32 * 64 + 32], !5);
    }
}
