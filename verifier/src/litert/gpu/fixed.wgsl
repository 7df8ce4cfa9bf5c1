// LiteRT's integer arithmetic in WGSL, bit for bit as `litert::fixed` (gemmlowp, double-rounding
// build) and as `litert::gpu::f64fc` (FULLY_CONNECTED's float64 requantization). Needs
// `magnitude` and `mul_wide` (64-bit unsigned product as two u32 words) from gpu/requant.wgsl.
// Runtime i32 `+ - *` and `<<` wrap in WGSL, like Rust's wrapping_* the CPU path uses.

const I32_MAX: i32 = 2147483647;
const I32_MIN: i32 = -2147483647 - 1;

// SaturatingRoundingDoublingHighMul: (a*b + (a*b >= 0 ? 2^30 : 1 - 2^30)) / 2^31, truncating;
// MIN * MIN saturates. On the magnitude |ab| < 2^62: floor((|ab| + 2^30) / 2^31) when ab >= 0,
// else -floor((|ab| + 2^30 - 1) / 2^31).
fn srdhm(a: i32, b: i32) -> i32 {
    if (a == I32_MIN && b == I32_MIN) {
        return I32_MAX;
    }
    let p = mul_wide(magnitude(a), magnitude(b));
    let neg = ((a < 0) != (b < 0)) && (p.x | p.y) != 0u;
    let add = select(0x40000000u, 0x3fffffffu, neg);
    let lo = p.x + add;
    let hi = p.y + select(0u, 1u, lo < p.x);
    let q = bitcast<i32>((lo >> 31u) | (hi << 1u));
    return select(q, -q, neg);
}

// RoundingDivideByPOT: x / 2^e rounded half away from zero, e clamped to [0, 31].
fn rdbpot(x: i32, e_in: i32) -> i32 {
    let e = u32(clamp(e_in, 0, 31));
    let mask = bitcast<i32>((1u << e) - 1u);
    let rem = x & mask;
    let threshold = (mask >> 1u) + select(0, 1, x < 0);
    return (x >> e) + select(0, 1, rem > threshold);
}

// MultiplyByQuantizedMultiplier: rdbpot(srdhm(x * 2^max(shift, 0), q), max(-shift, 0)); the
// left shift wraps (its amount taken mod 32, as Rust's wrapping_shl).
fn mbqm(x: i32, q: i32, shift: i32) -> i32 {
    let left = u32(max(shift, 0)) & 31u;
    return rdbpot(srdhm(x * (1 << left), q), max(-shift, 0));
}

// SaturatingRoundingMultiplyByPOT.
fn mul_pot(x: i32, e: i32) -> i32 {
    if (e < 0) {
        return rdbpot(x, -e);
    }
    if (e == 0) {
        return x;
    }
    let threshold = (1 << u32(31 - e)) - 1;
    if (x > threshold) {
        return I32_MAX;
    }
    if (x < -threshold) {
        return I32_MIN;
    }
    return x << u32(e);
}

// Rust's i32::saturating_add.
fn sat_add(a: i32, b: i32) -> i32 {
    let s = a + b;
    if (b > 0 && s < a) {
        return I32_MAX;
    }
    if (b < 0 && s > a) {
        return I32_MIN;
    }
    return s;
}

// 1 / (1 + a) for a in [0, 1), Q0.31 (softmax::reciprocal_one_plus): half_den is
// (a + 2^31 - 1 ± 1) / 2 truncating, i.e. (a + 2^31) >> 1 except for a = MIN (-1).
fn reciprocal_one_plus(a: i32) -> i32 {
    let half_den = select(bitcast<i32>((bitcast<u32>(a) ^ 0x80000000u) >> 1u), -1, a == I32_MIN);
    var x = 1515870810 + srdhm(half_den, -1010580540);
    for (var i = 0; i < 3; i++) {
        let one_minus = (1 << 29u) - srdhm(half_den, x);
        x = x + mul_pot(srdhm(x, one_minus), 2);
    }
    return mul_pot(x, 1);
}

// FULLY_CONNECTED's float64 requantization without f64 (mirrors f64fc::round_product, which is
// tested against the CPU's f64): round_half_away(f64(acc) * m) with m = (mhi:mlo) * 2^e, the
// 53-bit significand split in two words. The product |acc| * M is exact in 96 bits; it is
// rounded to 53 significant bits ties-to-even (what the f64 multiply does: the result is always
// normal), then rounded half away from zero to an integer, the magnitude saturated at FC_SAT
// (the caller adds the zero point and clamps to int8, so any bound past 2^8 gives the same).
const FC_SAT: u32 = 65536u;

fn fc_round(acc: i32, mlo: u32, mhi: u32, e: i32) -> i32 {
    let a = magnitude(acc);
    let l = mul_wide(a, mlo);
    let h = mul_wide(a, mhi);
    let p0 = l.x;
    let p1 = l.y + h.x;
    let p2 = h.y + select(0u, 1u, p1 < l.y);
    if ((p0 | p1 | p2) == 0u) {
        return 0;
    }
    var len: u32;
    if (p2 != 0u) {
        len = 96u - countLeadingZeros(p2);
    } else if (p1 != 0u) {
        len = 64u - countLeadingZeros(p1);
    } else {
        len = 32u - countLeadingZeros(p0);
    }
    var r_lo = p0;
    var r_hi = p1;
    var k = e;
    if (len > 53u) {
        var s = len - 53u; // 1..=32 (|acc| * M < 2^85)
        var round: u32;
        var sticky: u32;
        if (s == 32u) {
            r_lo = p1;
            r_hi = p2;
            round = p0 >> 31u;
            sticky = p0 & 0x7fffffffu;
        } else {
            r_lo = (p0 >> s) | (p1 << (32u - s));
            r_hi = (p1 >> s) | (p2 << (32u - s));
            round = (p0 >> (s - 1u)) & 1u;
            sticky = p0 & ((1u << (s - 1u)) - 1u);
        }
        if (round == 1u && (sticky != 0u || (r_lo & 1u) == 1u)) {
            r_lo = r_lo + 1u;
            r_hi = r_hi + select(0u, 1u, r_lo == 0u);
            if (r_hi == (1u << 21u)) {
                r_hi = 1u << 20u;
                s = s + 1u;
            }
        }
        k = e + i32(s);
    }
    var mag: u32;
    if (k >= 0) {
        if (r_hi != 0u || k >= 16 || r_lo >= (FC_SAT >> u32(k))) {
            mag = FC_SAT;
        } else {
            mag = r_lo << u32(k);
        }
    } else {
        let n = u32(-k);
        if (n >= 54u) {
            mag = 0u;
        } else {
            // floor((r + 2^(n-1)) / 2^n)
            var t_lo = r_lo;
            var t_hi = r_hi;
            if (n - 1u < 32u) {
                t_lo = r_lo + (1u << (n - 1u));
                t_hi = r_hi + select(0u, 1u, t_lo < r_lo);
            } else {
                t_hi = r_hi + (1u << (n - 33u));
            }
            var q_lo: u32;
            var q_hi: u32;
            if (n < 32u) {
                q_lo = (t_lo >> n) | (t_hi << (32u - n));
                q_hi = t_hi >> n;
            } else if (n == 32u) {
                q_lo = t_hi;
                q_hi = 0u;
            } else {
                q_lo = t_hi >> (n - 32u);
                q_hi = 0u;
            }
            mag = select(q_lo, FC_SAT, q_hi != 0u || q_lo > FC_SAT);
        }
    }
    let m = i32(mag);
    return select(m, -m, acc < 0);
}
