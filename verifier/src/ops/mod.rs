//! The operator set, specified to the bit, with scalar reference implementations.
//!
//! # Number format
//!
//! * Activations are `i8` tensors with **symmetric** quantization: the zero point is `0` for every
//!   tensor, so the integer `0` is the real value `0` and zero padding is exact. Real-valued scales
//!   exist only in the generator that produced a model; at run time every op is pure integer
//!   arithmetic on the values below.
//! * Weights are `i8`, biases `i32`, lookup tables 256 × `i8`.
//! * Feature maps are `[C, H, W]` (batch 1, channel-major, row-major within a channel); vectors
//!   are `[N]`. A tensor's bytes are its values in that order, as two's-complement bytes.
//! * Accumulators are `i32` with **wrapping** (two's-complement, modulo 2³²) addition and
//!   multiplication. Because wrapping addition is associative and commutative, the result does not
//!   depend on the order of summation, so any tiling or reduction order gives the same bits.
//!   (No realistic layer wraps: `|Σ w·x| ≤ K·2¹⁴`, which needs `K ≥ 2¹⁷` terms to overflow; the
//!   behaviour is nonetheless defined.)
//!
//! # Requantization: `requantize(acc, m, s)`
//!
//! Input: accumulator `acc: i32`, multiplier `m: i32`, shift `s ∈ 0..=63`.
//! Let `p = acc · m` computed exactly (it fits in 63 bits plus sign; `i32::MIN · i32::MIN = 2⁶²`).
//! Then, with a single rounding, **half away from zero**:
//!
//! ```text
//! q = sign(p) · floor((|p| + 2^(s-1)) / 2^s)     if s > 0
//! q = p                                            if s = 0
//! requantize(acc, m, s) = clamp(q, -128, 127)     (saturating)
//! ```
//!
//! The real-valued scale represented is `m / 2^s`; generators typically choose `m ∈ [2³⁰, 2³¹)`
//! and `s = 31 + e`. The GPU computes `|acc|·|m|` as a 64-bit product from 16-bit pieces.
//!
//! # Operators (see [`crate::model`] for the JSON fields)
//!
//! | op | definition |
//! |----|-----------|
//! | `dense` | input flattened to `[K]`, weight `[N, K]` i8, bias `[N]` i32: `y[n] = requantize(bias[n] + Σₖ w[n,k]·x[k], m, s)` |
//! | `conv2d` | input `[Cin,H,W]`, weight `[Cout,Cin,KH,KW]`, bias `[Cout]`, stride `(sh,sw) ≥ 1`, zero padding `(ph,pw)`: `OH = (H + 2ph − KH) / sh + 1` (floor, requires `H + 2ph ≥ KH`), likewise `OW`; `y[o,i,j] = requantize(bias[o] + Σ_{c,u,v} w[o,c,u,v]·x[c, i·sh+u−ph, j·sw+v−pw], m, s)` where out-of-range `x` reads `0` |
//! | `upsample` | nearest neighbour by integer factor `f ≥ 1`: `y[c,i,j] = x[c, i/f, j/f]` (floor) |
//! | `add` | two inputs of equal shape, weights `wa, wb ∈ [−2¹⁶, 2¹⁶]`: `y = requantize(wa·a + wb·b, 1, s)` (exact in i32) |
//! | `relu` | `y = max(x, 0)` |
//! | `clamp` | `y = min(max(x, lo), hi)` with `lo ≤ hi` |
//! | `requantize` | `y = requantize(x, m, s)` elementwise |
//! | `avg_pool` | window `(kh,kw)`, stride `(sh,sw)`, no padding, `OH = (H − kh)/sh + 1`; `S = Σ window`, `n = kh·kw ≤ 2¹⁶`: `y = sign(S) · floor((|S| + floor(n/2)) / n)` (round half away from zero) |
//! | `lut` | table `[256]` i8: `y = table[x + 128]` |
//! | `reshape` | same bytes, new shape with the same element count |

pub mod reference;

/// Largest allowed requantization shift.
pub const MAX_SHIFT: u32 = 63;
/// Largest allowed `|wa|`, `|wb|` of an `add` node.
pub const MAX_ADD_WEIGHT: i32 = 1 << 16;
/// Largest allowed pooling window element count.
pub const MAX_POOL_WINDOW: usize = 1 << 16;
/// Largest element count of any tensor or activation.
pub const MAX_ELEMENTS: usize = 1 << 26;
/// Largest stride or padding of `conv2d` and `avg_pool` (padding is also `<` the kernel).
pub const MAX_STRIDE: usize = 1 << 16;
/// Largest `upsample` factor.
pub const MAX_UPSAMPLE: usize = 64;

/// A fixed-point rescale `m / 2^s`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Requant {
    /// Multiplier `m`.
    pub multiplier: i32,
    /// Right shift `s`, `0..=63`.
    pub shift: u32,
}

/// `requantize(acc, m, s)` as specified in the module docs (exact, via i128).
pub fn requantize(acc: i32, multiplier: i32, shift: u32) -> i8 {
    assert!(shift <= MAX_SHIFT, "shift {shift} out of range");
    let p = acc as i128 * multiplier as i128;
    let q = if shift == 0 {
        p
    } else {
        let half = 1i128 << (shift - 1);
        let mag = (p.abs() + half) >> shift;
        if p < 0 { -mag } else { mag }
    };
    q.clamp(-128, 127) as i8
}

/// Rounded average `sign(S)·floor((|S| + floor(n/2)) / n)` of a window sum, saturated to i8.
pub fn rounded_average(sum: i32, count: u32) -> i8 {
    assert!(count > 0, "empty window");
    let mag = (sum.unsigned_abs() + count / 2) / count;
    let q = if sum < 0 { -(mag as i64) } else { mag as i64 };
    q.clamp(-128, 127) as i8
}

/// Geometry of a 2-D convolution (also used for dense layers: `H = W = KH = KW = 1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvGeom {
    /// Input channels.
    pub cin: usize,
    /// Input height.
    pub h: usize,
    /// Input width.
    pub w: usize,
    /// Output channels.
    pub cout: usize,
    /// Kernel height.
    pub kh: usize,
    /// Kernel width.
    pub kw: usize,
    /// Vertical stride.
    pub sh: usize,
    /// Horizontal stride.
    pub sw: usize,
    /// Vertical zero padding (each side).
    pub ph: usize,
    /// Horizontal zero padding (each side).
    pub pw: usize,
}

impl ConvGeom {
    /// Output height, `None` when the kernel does not fit.
    pub fn oh(&self) -> Option<usize> {
        out_dim(self.h, self.kh, self.sh, self.ph)
    }
    /// Output width, `None` when the kernel does not fit.
    pub fn ow(&self) -> Option<usize> {
        out_dim(self.w, self.kw, self.sw, self.pw)
    }
    /// Multiply-accumulates per inference (saturating at `u64::MAX`).
    pub fn macs(&self) -> u64 {
        [
            self.oh().unwrap_or(0),
            self.ow().unwrap_or(0),
            self.cout,
            self.cin,
            self.kh,
            self.kw,
        ]
        .iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d as u64))
        .unwrap_or(u64::MAX)
    }
}

/// `(n + 2p − k) / s + 1` or `None` when `n + 2p < k`, `s = 0` or `n + 2p` overflows.
pub fn out_dim(n: usize, k: usize, s: usize, p: usize) -> Option<usize> {
    let padded = p.checked_mul(2).and_then(|pp| pp.checked_add(n))?;
    if s == 0 || k == 0 || padded < k {
        None
    } else {
        Some((padded - k) / s + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requantize_identity_and_simple() {
        assert_eq!(requantize(5, 1, 0), 5);
        assert_eq!(requantize(-7, 1, 0), -7);
        assert_eq!(requantize(300, 1, 0), 127);
        assert_eq!(requantize(-300, 1, 0), -128);
        // 100 * 3 / 8 = 37.5 -> 38 (half away)
        assert_eq!(requantize(100, 3, 3), 38);
        assert_eq!(requantize(-100, 3, 3), -38);
        // 101 * 3 / 8 = 37.875 -> 38 ; 99*3/8 = 37.125 -> 37
        assert_eq!(requantize(101, 3, 3), 38);
        assert_eq!(requantize(99, 3, 3), 37);
        assert_eq!(requantize(-99, 3, 3), -37);
    }

    #[test]
    fn requantize_ties_round_away_from_zero() {
        // x / 2 for odd x: exact ties.
        for x in -255..=255i32 {
            let expect = if x >= 0 { (x + 1) / 2 } else { -((-x + 1) / 2) };
            assert_eq!(requantize(x, 1, 1) as i32, expect.clamp(-128, 127), "x={x}");
        }
        assert_eq!(requantize(1, 1, 1), 1); // 0.5 -> 1
        assert_eq!(requantize(-1, 1, 1), -1); // -0.5 -> -1
        assert_eq!(requantize(3, 1, 2), 1); // 0.75 -> 1
        assert_eq!(requantize(2, 1, 2), 1); // 0.5 -> 1
        assert_eq!(requantize(1, 1, 2), 0); // 0.25 -> 0
        assert_eq!(requantize(-2, 1, 2), -1);
        assert_eq!(requantize(-1, 1, 2), 0);
    }

    #[test]
    fn requantize_extremes() {
        // i32::MIN * i32::MIN = 2^62: exact, no overflow.
        assert_eq!(requantize(i32::MIN, i32::MIN, 62), 1);
        assert_eq!(requantize(i32::MIN, i32::MIN, 56), 64);
        assert_eq!(requantize(i32::MIN, i32::MIN, 55), 127); // 128 saturates
        assert_eq!(requantize(i32::MIN, i32::MIN, 0), 127);
        assert_eq!(requantize(i32::MIN, i32::MAX, 0), -128);
        // -2^31 * (2^31 - 1) / 2^55 = -127.99999994 -> -128
        assert_eq!(requantize(i32::MIN, i32::MAX, 55), -128);
        // 2^62 / 2^63 = 0.5 -> 1 (tie, away from zero)
        assert_eq!(requantize(i32::MIN, i32::MIN, 63), 1);
        // -(2^62 - 2^31) / 2^63 is just above -0.5 -> 0
        assert_eq!(requantize(i32::MIN, i32::MAX, 63), 0);
    }

    #[test]
    fn requantize_below_half_rounds_to_zero() {
        // (2^31-1)*(2^31-1) = 2^62 - 2^32 + 1 < 2^62: / 2^63 is just below 0.5 -> 0.
        assert_eq!(requantize(i32::MAX, i32::MAX, 63), 0);
        assert_eq!(requantize(i32::MAX, -i32::MAX, 63), 0);
    }

    #[test]
    fn requantize_every_shift() {
        // p = 3 * 2^50: the quotient is 3 * 2^(50 - s).
        for s in 0..=63u32 {
            let magnitude: i64 = match s {
                0..=50 => (3i64 << (50 - s)).min(128),
                51 => 2, // 1.5 -> 2 (tie, away from zero)
                52 => 1, // 0.75 -> 1
                _ => 0,  // <= 0.375 -> 0
            };
            let pos = requantize(3 << 20, 1 << 30, s) as i64;
            let neg = requantize(-(3 << 20), 1 << 30, s) as i64;
            assert_eq!(pos, magnitude.min(127), "s={s}");
            assert_eq!(neg, -magnitude, "s={s}");
        }
    }

    #[test]
    fn rounded_average_edges() {
        assert_eq!(rounded_average(6, 4), 2); // 1.5 -> 2
        assert_eq!(rounded_average(-6, 4), -2);
        assert_eq!(rounded_average(5, 4), 1); // 1.25 -> 1
        assert_eq!(rounded_average(7, 4), 2); // 1.75 -> 2
        assert_eq!(rounded_average(-5, 4), -1);
        assert_eq!(rounded_average(4, 3), 1); // 1.33 -> 1
        assert_eq!(rounded_average(5, 3), 2); // 1.67 -> 2
        assert_eq!(rounded_average(-128 * 9, 9), -128);
        assert_eq!(rounded_average(127 * 9, 9), 127);
    }

    #[test]
    fn out_dims() {
        assert_eq!(out_dim(5, 3, 1, 0), Some(3));
        assert_eq!(out_dim(5, 3, 2, 1), Some(3));
        assert_eq!(out_dim(4, 3, 2, 0), Some(1));
        assert_eq!(out_dim(2, 3, 1, 0), None);
        assert_eq!(out_dim(2, 3, 0, 1), None);
    }
}
