//! SOFTMAX (int8 in, int8 out with scale 1/256 and zero point -128): gemmlowp fixed point.

use super::Values;
use crate::litert::fixed::{mul_pot, quantize_multiplier, rdbpot, srdhm};
use crate::litert::graph::Op;

/// exp(a) for a in [-1/4, 0), Q0.31 in and out: a Taylor polynomial around -1/8
/// (`exp_on_interval_between_negative_one_quarter_and_0_excl`).
pub fn exp_quarter(a: i32) -> i32 {
    const EXP_MINUS_EIGHTH: i32 = 1895147668;
    const ONE_THIRD: i32 = 715827883;
    let x = a.wrapping_add(1 << 28);
    let x2 = srdhm(x, x);
    let x3 = srdhm(x2, x);
    let x4 = srdhm(x2, x2);
    let x4_over_4 = mul_pot(x4, -2);
    let poly = mul_pot(
        srdhm(x4_over_4.wrapping_add(x3), ONE_THIRD).wrapping_add(x2),
        -1,
    );
    EXP_MINUS_EIGHTH.wrapping_add(srdhm(EXP_MINUS_EIGHTH, x.wrapping_add(poly)))
}

/// exp(a) for a <= 0 in Q5.26, result Q0.31 (`exp_on_negative_values`): the fractional part
/// modulo 1/4 through [`exp_quarter`], then one multiply by exp(-2^e) per set bit of the rest.
pub fn exp_negative(a: i32) -> i32 {
    const INTEGER_BITS: i32 = 5;
    const FRACTIONAL_BITS: i32 = 31 - INTEGER_BITS;
    // exp(-2^e) in Q0.31 for e = -2..=4
    const BARREL: [(i32, i32); 7] = [
        (-2, 1672461947),
        (-1, 1302514674),
        (0, 790015084),
        (1, 290630308),
        (2, 39332535),
        (3, 720401),
        (4, 242),
    ];
    if a == 0 {
        return i32::MAX;
    }
    let quarter = 1i32 << (FRACTIONAL_BITS - 2);
    let a_mod = (a & (quarter - 1)).wrapping_sub(quarter);
    let mut result = exp_quarter(mul_pot(a_mod, INTEGER_BITS));
    let remainder = a_mod.wrapping_sub(a);
    for (e, m) in BARREL {
        if INTEGER_BITS > e && remainder & (1 << (FRACTIONAL_BITS + e)) != 0 {
            result = srdhm(result, m);
        }
    }
    result
}

/// 1 / (1 + a) for a in [0, 1), Q0.31: three Newton-Raphson steps in Q2.29 from 48/17 - 32/17 d
/// (`one_over_one_plus_x_for_x_in_0_1`).
pub fn reciprocal_one_plus(a: i32) -> i32 {
    let s = a as i64 + i32::MAX as i64;
    let half_den = ((s + if s >= 0 { 1 } else { -1 }) / 2) as i32;
    let mut x = 1515870810i32.wrapping_add(srdhm(half_den, -1010580540));
    for _ in 0..3 {
        let one_minus = (1i32 << 29).wrapping_sub(srdhm(half_den, x));
        x = x.wrapping_add(mul_pot(srdhm(x, one_minus), 2));
    }
    mul_pot(x, 1)
}

/// SOFTMAX's Prepare: `(mult, left_shift, diff_min)` for `beta` and the input scale.
pub fn softmax_params(beta: f32, s_in: f32) -> (i32, i32, i64) {
    let real = (beta as f64 * s_in as f64 * (1u64 << 26) as f64).min(i32::MAX as f64);
    let (mult, ls) = quantize_multiplier(real);
    (
        mult,
        ls,
        -((31.0 * (1u64 << 26) as f64) / 2f64.powi(ls)).floor() as i64,
    )
}

/// exp(beta * s_in * d) in Q0.31 for `d = x - row max` (`None` below `diff_min`: the element
/// is -128 and adds nothing to the row sum), with [`softmax_params`]' `(mult, ls, diff_min)`.
pub fn softmax_exp(d: i32, (mult, ls, diff_min): (i32, i32, i64)) -> Option<i32> {
    (d as i64 >= diff_min).then(|| {
        exp_negative(srdhm(
            d.wrapping_mul(1i32.wrapping_shl(ls.max(0) as u32)),
            mult,
        ))
    })
}

/// SOFTMAX over the last axis (reference `Softmax`, int8).
///
/// Prepare: `real = min(f64(beta) * f64(s_in) * 2^26, 2^31 - 1)` quantized to `(mult, ls)`;
/// `diff_min = -floor(31 * 2^26 / 2^ls)`. Per row with maximum `mx`, each `d = x - mx`:
/// if `d >= diff_min`, `e = exp_negative(srdhm(d * 2^ls, mult))` (Q0.31) and the row sum adds
/// `rdbpot(e, 12)` (Q12.19), else the element is -128. The sum's reciprocal: with `h` its
/// leading zeros, `r = reciprocal_one_plus((sum << h) - 2^31)` and `bits = 12 - h`; each output
/// `clamp(rdbpot(srdhm(r, e), bits + 23) - 128, -128, 127)`.
pub fn softmax(op: &Op, v: &Values<'_>, beta: f32) -> Vec<i8> {
    let x = v.info(op.inputs[0]);
    let depth = x.shape.last().copied().unwrap_or(1).max(1);
    let params = softmax_params(beta, x.quant.s());
    let mut res = Vec::with_capacity(x.len());
    for row in v.i8(op.inputs[0]).chunks(depth) {
        let mx = row.iter().copied().max().unwrap_or(0) as i32;
        let exps: Vec<Option<i32>> = row
            .iter()
            .map(|&q| softmax_exp(q as i32 - mx, params))
            .collect();
        let sum = exps
            .iter()
            .flatten()
            .fold(0i32, |s, &e| s.wrapping_add(rdbpot(e, 12)));
        let h = (sum as u32).leading_zeros();
        let bits = 12 - h as i32;
        let shifted = ((sum as u32)
            .checked_shl(h)
            .unwrap_or(0)
            .wrapping_sub(1 << 31)) as i32;
        let recip = reciprocal_one_plus(shifted);
        let exponent = bits + 31 - 8;
        res.extend(exps.iter().map(|e| match e {
            Some(e) => (rdbpot(srdhm(recip, *e), exponent) - 128).clamp(-128, 127) as i8,
            None => -128,
        }));
    }
    res
}
