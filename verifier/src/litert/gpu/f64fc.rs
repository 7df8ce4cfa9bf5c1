//! FULLY_CONNECTED's float64 requantization in 32-bit integer limbs, for shaders without f64.
//!
//! The CPU reference computes `round_half_away(f64(acc) * m)` (see
//! [`crate::litert::ops::matmul::fully_connected`]). With `m = M * 2^e` (`M` its 53-bit
//! significand), `|acc| * M` is an exact integer below 2^85; IEEE multiplication rounds it to 53
//! significant bits ties-to-even (the product of an int32 and a multiplier derived from f32
//! scales is always a normal double, so no subnormal or overflow case arises), and `round` then
//! adds one half and truncates the magnitude. [`round_product()`] is that computation on `u32`
//! words, line for line the WGSL `fc_round` in `fixed.wgsl`; the tests compare it with the f64
//! path on adversarial pairs, and the GPU tests compare the shader with both.

/// Magnitudes at or past this saturate: the caller adds a zero point in [-128, 127] and clamps
/// to int8, so every bound past 2^8 gives the same byte.
pub const SATURATE: u32 = 1 << 16;

/// `m` as (low 32 bits of the significand, high 21 bits, exponent): `m = (hi:lo) * 2^e`.
/// `None` for a multiplier that is negative, subnormal, infinite or NaN (the importer refuses
/// the scales that would give one); zero is `(0, 0, 0)`.
pub fn split(m: f64) -> Option<(u32, u32, i32)> {
    if m == 0.0 {
        return Some((0, 0, 0));
    }
    if !m.is_normal() || m < 0.0 {
        return None;
    }
    let bits = m.to_bits();
    let sig = (bits & ((1u64 << 52) - 1)) | (1u64 << 52);
    let exp = ((bits >> 52) & 0x7ff) as i32 - 1075;
    Some((sig as u32, (sig >> 32) as u32, exp))
}

/// The CPU path's value, saturated like [`round_product()`]: `round_away(f64(acc) * m)` clamped
/// to `±SATURATE`.
pub fn reference(acc: i32, m: f64) -> i32 {
    let s = SATURATE as i64;
    crate::litert::fixed::round_away(acc as f64 * m).clamp(-s, s) as i32
}

fn mul_wide(a: u32, b: u32) -> (u32, u32) {
    let p = a as u64 * b as u64;
    (p as u32, (p >> 32) as u32)
}

/// `round_half_away(f64(acc) * (mhi:mlo) * 2^e)`, magnitude saturated at [`SATURATE`], in u32
/// arithmetic only (the shader's algorithm).
pub fn round_product(acc: i32, mlo: u32, mhi: u32, e: i32) -> i32 {
    let a = acc.unsigned_abs();
    let l = mul_wide(a, mlo);
    let h = mul_wide(a, mhi);
    let p0 = l.0;
    let p1 = l.1.wrapping_add(h.0);
    let p2 = h.1 + u32::from(p1 < l.1);
    if p0 | p1 | p2 == 0 {
        return 0;
    }
    let len = if p2 != 0 {
        96 - p2.leading_zeros()
    } else if p1 != 0 {
        64 - p1.leading_zeros()
    } else {
        32 - p0.leading_zeros()
    };
    let (mut r_lo, mut r_hi, mut k) = (p0, p1, e);
    if len > 53 {
        let mut s = len - 53;
        let (round, sticky);
        if s == 32 {
            (r_lo, r_hi) = (p1, p2);
            round = p0 >> 31;
            sticky = p0 & 0x7fff_ffff;
        } else {
            r_lo = (p0 >> s) | (p1 << (32 - s));
            r_hi = (p1 >> s) | (p2 << (32 - s));
            round = (p0 >> (s - 1)) & 1;
            sticky = p0 & ((1u32 << (s - 1)) - 1);
        }
        if round == 1 && (sticky != 0 || r_lo & 1 == 1) {
            r_lo = r_lo.wrapping_add(1);
            r_hi += u32::from(r_lo == 0);
            if r_hi == 1 << 21 {
                r_hi = 1 << 20;
                s += 1;
            }
        }
        k = e + s as i32;
    }
    let mag = if k >= 0 {
        if r_hi != 0 || k >= 16 || r_lo >= (SATURATE >> k) {
            SATURATE
        } else {
            r_lo << k
        }
    } else {
        let n = k.unsigned_abs();
        if n >= 54 {
            0
        } else {
            let (t_lo, t_hi) = if n - 1 < 32 {
                let t_lo = r_lo.wrapping_add(1 << (n - 1));
                (t_lo, r_hi + u32::from(t_lo < r_lo))
            } else {
                (r_lo, r_hi + (1 << (n - 33)))
            };
            let (q_lo, q_hi) = if n < 32 {
                ((t_lo >> n) | (t_hi << (32 - n)), t_hi >> n)
            } else if n == 32 {
                (t_hi, 0)
            } else {
                (t_hi >> (n - 32), 0)
            };
            if q_hi != 0 || q_lo > SATURATE {
                SATURATE
            } else {
                q_lo
            }
        }
    };
    let m = mag as i32;
    if acc < 0 { -m } else { m }
}

/// `round_half_away(acc * m)` in exact integer arithmetic (the product not rounded to 53
/// bits), saturated like [`reference()`]: where it differs from [`reference()`], the f64 rounding
/// decides the result (the cases the self-test and the tests make sure to include).
pub fn exact(acc: i32, m: f64) -> Option<i32> {
    let (lo, hi, e) = split(m)?;
    let p = acc.unsigned_abs() as u128 * ((hi as u128) << 32 | lo as u128);
    let sat = SATURATE as u128;
    let mag = if p == 0 {
        0
    } else if e >= 0 {
        if e >= 16 { sat } else { (p << e).min(sat) }
    } else if -e >= 127 {
        0
    } else {
        let n = e.unsigned_abs();
        ((p + (1u128 << (n - 1))) >> n).min(sat)
    };
    Some(if acc < 0 { -(mag as i32) } else { mag as i32 })
}
