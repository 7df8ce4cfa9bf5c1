//! LiteRT's integer requantization arithmetic (gemmlowp fixed point, double-rounding build).
//!
//! A real multiplier `m > 0` is stored as `(q, shift)` with `m = q * 2^(shift - 31)` and
//! `q` in `[2^30, 2^31)`; an int32 `x` is scaled by it with two roundings (high multiply, then
//! shift), each half away from zero. These are the primitives every op file builds on.

/// C's `round`: half away from zero (`f64::round` is exactly that).
pub fn round_away(v: f64) -> i64 {
    v.round() as i64
}

/// `QuantizeMultiplier(double m)`: `(q, shift)` with `m = q * 2^(shift-31)`.
///
/// `frexp` splits `m = frac * 2^shift`, frac in [0.5, 1); `q = round_away(frac * 2^31)`; when
/// rounding reaches `2^31`, `q` halves and `shift` grows by one; `shift < -31` flushes to (0, 0).
pub fn quantize_multiplier(m: f64) -> (i32, i32) {
    if m == 0.0 || !m.is_finite() {
        return (0, 0);
    }
    let (frac, mut shift) = frexp(m);
    let mut q = round_away(frac * 2f64.powi(31));
    if q == 1i64 << 31 {
        q /= 2;
        shift += 1;
    }
    if shift < -31 {
        return (0, 0);
    }
    (q as i32, shift)
}

/// `frexp` for finite non-zero doubles: `v = frac * 2^exp`, |frac| in [0.5, 1).
pub fn frexp(v: f64) -> (f64, i32) {
    let bits = v.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    if exp == 0 {
        // subnormal: scale into the normal range first
        let (f, e) = frexp(v * 2f64.powi(64));
        return (f, e - 64);
    }
    let frac = f64::from_bits((bits & !(0x7ffu64 << 52)) | (1022u64 << 52));
    (frac, exp - 1022)
}

/// gemmlowp `SaturatingRoundingDoublingHighMul`: `(a*b + (a*b >= 0 ? 2^30 : 1 - 2^30)) / 2^31`
/// in i64 with truncating division; `MIN * MIN` saturates to `MAX`.
#[inline]
pub fn srdhm(a: i32, b: i32) -> i32 {
    if a == i32::MIN && b == i32::MIN {
        return i32::MAX;
    }
    let ab = a as i64 * b as i64;
    let nudge = if ab >= 0 {
        1i64 << 30
    } else {
        1 - (1i64 << 30)
    };
    ((ab + nudge) / (1i64 << 31)) as i32
}

/// gemmlowp `RoundingDivideByPOT`: `x / 2^e` rounded half away from zero.
#[inline]
pub fn rdbpot(x: i32, e: i32) -> i32 {
    // exponents past 31 only arise from hostile scales (C's shift would be undefined there)
    let e = e.clamp(0, 31);
    let mask = ((1i64 << e) - 1) as i32;
    let rem = x & mask;
    let threshold = (mask >> 1) + (x < 0) as i32;
    (x >> e) + (rem > threshold) as i32
}

/// `MultiplyByQuantizedMultiplier` (double rounding):
/// `rdbpot(srdhm(x * 2^max(shift,0), q), max(-shift,0))`, the left shift in wrapping int32.
#[inline]
pub fn mbqm(x: i32, q: i32, shift: i32) -> i32 {
    let left = shift.max(0);
    let right = (-shift).max(0);
    rdbpot(
        srdhm(x.wrapping_mul(1i32.wrapping_shl(left as u32)), q),
        right,
    )
}

/// gemmlowp `SaturatingRoundingMultiplyByPOT<e>`: saturating `x * 2^e`, or a rounding right
/// shift for negative `e`.
#[inline]
pub fn mul_pot(x: i32, e: i32) -> i32 {
    if e < 0 {
        return rdbpot(x, -e);
    }
    if e == 0 {
        return x;
    }
    let threshold = (1i32 << (31 - e)) - 1;
    if x > threshold {
        i32::MAX
    } else if x < -threshold {
        i32::MIN
    } else {
        x << e
    }
}

/// Clamps to `[lo, hi]` and narrows to int8.
#[inline]
pub fn clamp8(v: i32, lo: i32, hi: i32) -> i8 {
    v.clamp(lo, hi) as i8
}

/// `CalculateActivationRangeQuantized` for int8: the bounds quantized in f32,
/// `zp + round_away(f / scale)`.
pub fn act_range(act: super::graph::Activation, scale: f32, zp: i32) -> (i32, i32) {
    use super::graph::Activation;
    let q = |f: f32| zp.saturating_add((f / scale).round() as i32);
    match act {
        Activation::None => (-128, 127),
        Activation::Relu => ((-128).max(q(0.0)), 127),
        Activation::Relu6 => ((-128).max(q(0.0)), 127.min(q(6.0))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiplier_round_trips() {
        assert_eq!(quantize_multiplier(0.5), (1 << 30, 0));
        assert_eq!(quantize_multiplier(1.0), (1 << 30, 1));
        assert_eq!(quantize_multiplier(0.0), (0, 0));
        assert_eq!(frexp(3.0), (0.75, 2));
    }

    #[test]
    fn roundings_are_half_away() {
        assert_eq!(rdbpot(5, 1), 3);
        assert_eq!(rdbpot(-5, 1), -3);
        assert_eq!(rdbpot(-4, 1), -2);
        assert_eq!(srdhm(i32::MIN, i32::MIN), i32::MAX);
        assert_eq!(mbqm(100, 1 << 30, 0), 50);
        assert_eq!(rdbpot(i32::MIN, 40), -1);
    }
}
