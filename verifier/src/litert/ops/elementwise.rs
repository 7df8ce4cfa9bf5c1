//! ADD, SUB, MUL, SQUARED_DIFFERENCE (NumPy broadcasting) and RSQRT.

use super::{Values, broadcast_index};
use crate::litert::fixed::{act_range, mbqm, mul_pot, quantize_multiplier, srdhm};
use crate::litert::graph::{Activation, Op};

/// The two operands broadcast to the output shape, as (lhs, rhs) raw int8 pairs.
fn pairs(op: &Op, v: &Values<'_>) -> Vec<(i32, i32)> {
    let out = &v.info(op.outputs[0]).shape;
    let (a, b) = (v.i8(op.inputs[0]), v.i8(op.inputs[1]));
    let (sa, sb) = (&v.info(op.inputs[0]).shape, &v.info(op.inputs[1]).shape);
    if sa == out && sb == out {
        return a
            .iter()
            .zip(b)
            .map(|(&x, &y)| (x as i32, y as i32))
            .collect();
    }
    let (ia, ib) = (broadcast_index(out, sa), broadcast_index(out, sb));
    ia.into_iter()
        .zip(ib)
        .map(|(i, j)| (a[i] as i32, b[j] as i32))
        .collect()
}

/// The input rescaling shared by ADD, SUB and SQUARED_DIFFERENCE: `tm = 2 * max(s1, s2)` (max in
/// f32, doubled exactly), `m_i = f64(s_i) / tm` quantized.
pub fn input_multipliers(s1: f32, s2: f32) -> (f64, (i32, i32), (i32, i32)) {
    let tm = 2.0 * s1.max(s2) as f64;
    (
        tm,
        quantize_multiplier(s1 as f64 / tm),
        quantize_multiplier(s2 as f64 / tm),
    )
}

/// ADD/SUB's three (q, shift): input 1, input 2, output (`m_out = tm / (2^20 * f64(s_out))`).
pub fn add_sub_params(s1: f32, s2: f32, s_out: f32) -> [(i32, i32); 3] {
    let (tm, m1, m2) = input_multipliers(s1, s2);
    [
        m1,
        m2,
        quantize_multiplier(tm / ((1u32 << 20) as f64 * s_out as f64)),
    ]
}

/// SQUARED_DIFFERENCE's three (q, shift) (`m_out = tm^2 / (2^14 * f64(s_out))`).
pub fn squared_difference_params(s1: f32, s2: f32, s_out: f32) -> [(i32, i32); 3] {
    let (tm, m1, m2) = input_multipliers(s1, s2);
    [
        m1,
        m2,
        quantize_multiplier(tm * tm / ((1u32 << 14) as f64 * s_out as f64)),
    ]
}

/// MUL's (q, shift): `s1 * s2 / s_out` in f32, widened.
pub fn mul_multiplier(s1: f32, s2: f32, s_out: f32) -> (i32, i32) {
    quantize_multiplier((s1 * s2 / s_out) as f64)
}

/// RSQRT's output (q, shift): `1 / f64(sqrtf(s_in) * s_out)`.
pub fn rsqrt_multiplier(s_in: f32, s_out: f32) -> (i32, i32) {
    quantize_multiplier(1.0 / (s_in.sqrt() * s_out) as f64)
}

/// ADD / SUB (reference `integer_ops::Add`, `Sub`).
///
/// Each input `x_i` becomes `MBQM((x_i - zp_i) * 2^20, m_i)` (multipliers as in
/// `input_multipliers`); the two are added (subtracted) in int32; the output is
/// `clamp(MBQM(sum, m_out) + zp_out)` with `m_out = tm / (2^20 * f64(s_out))`, clamped to the
/// fused activation's range.
pub fn add_sub(op: &Op, v: &Values<'_>, act: Activation, sub: bool) -> Vec<i8> {
    let (a, b, o) = (
        v.info(op.inputs[0]),
        v.info(op.inputs[1]),
        v.info(op.outputs[0]),
    );
    let [(q1, s1), (q2, s2), (qo, so)] = add_sub_params(a.quant.s(), b.quant.s(), o.quant.s());
    let (za, zb, zo) = (a.quant.zp(), b.quant.zp(), o.quant.zp());
    let (lo, hi) = act_range(act, o.quant.s(), zo);
    pairs(op, v)
        .into_iter()
        .map(|(x, y)| {
            let ra = mbqm((x - za) << 20, q1, s1);
            let rb = mbqm((y - zb) << 20, q2, s2);
            let raw = if sub {
                ra.wrapping_sub(rb)
            } else {
                ra.wrapping_add(rb)
            };
            mbqm(raw, qo, so).saturating_add(zo).clamp(lo, hi) as i8
        })
        .collect()
}

/// SQUARED_DIFFERENCE: inputs rescaled as in ADD but with a left shift of 7,
/// `d = a - b`, `out = clamp(MBQM(d * d, m_out) + zp_out, -128, 127)` with
/// `m_out = tm^2 / (2^14 * f64(s_out))`.
pub fn squared_difference(op: &Op, v: &Values<'_>) -> Vec<i8> {
    let (a, b, o) = (
        v.info(op.inputs[0]),
        v.info(op.inputs[1]),
        v.info(op.outputs[0]),
    );
    let [(q1, s1), (q2, s2), (qo, so)] =
        squared_difference_params(a.quant.s(), b.quant.s(), o.quant.s());
    let (za, zb, zo) = (a.quant.zp(), b.quant.zp(), o.quant.zp());
    pairs(op, v)
        .into_iter()
        .map(|(x, y)| {
            let d = mbqm((x - za) << 7, q1, s1) - mbqm((y - zb) << 7, q2, s2);
            mbqm(d.wrapping_mul(d), qo, so)
                .saturating_add(zo)
                .clamp(-128, 127) as i8
        })
        .collect()
}

/// MUL (reference `integer_ops::Mul`): `out = clamp(MBQM((x1 - zp1) * (x2 - zp2), m) + zp_out)`,
/// `m = s1 * s2 / s_out` computed **in f32**, then widened and quantized.
pub fn mul(op: &Op, v: &Values<'_>, act: Activation) -> Vec<i8> {
    let (a, b, o) = (
        v.info(op.inputs[0]),
        v.info(op.inputs[1]),
        v.info(op.outputs[0]),
    );
    let (q, s) = mul_multiplier(a.quant.s(), b.quant.s(), o.quant.s());
    let (za, zb, zo) = (a.quant.zp(), b.quant.zp(), o.quant.zp());
    let (lo, hi) = act_range(act, o.quant.s(), zo);
    pairs(op, v)
        .into_iter()
        .map(|(x, y)| {
            mbqm((x - za) * (y - zb), q, s)
                .saturating_add(zo)
                .clamp(lo, hi) as i8
        })
        .collect()
}

/// `GetInvSqrtQuantizedMultiplierExp(x, -1)`: `1 / sqrt(x)` as `(q, shift)`, by normalising
/// `x` into Q3.28 (tracking the exponent in pairs of bits), five Newton-Raphson steps
/// `v = 1.5 v - (x / 2) v^3` in gemmlowp fixed point, then `* sqrt(2) / 2`.
pub fn inv_sqrt(mut x: i32) -> (i32, i32) {
    if x <= 1 {
        return (i32::MAX, 0);
    }
    let mut shift = 11;
    while x >= 1 << 29 {
        x /= 4;
        shift += 1;
    }
    let pairs = (x.leading_zeros() as i32 - 1) / 2 - 1;
    shift -= pairs;
    x <<= 2 * pairs;
    let half_input = mul_pot(x >> 1, -1);
    let half_three = (1 << 28) + (1 << 27);
    let mut v = 1i32 << 28;
    for _ in 0..5 {
        let v3 = mul_pot(srdhm(srdhm(v, v), v), 6);
        v = mul_pot(srdhm(half_three, v).wrapping_sub(srdhm(half_input, v3)), 3);
    }
    v = srdhm(v, 1518500250);
    if shift < 0 {
        v <<= -shift;
        shift = 0;
    }
    (v, -shift)
}

/// RSQRT (`RsqrtEvalQuantizedInt8`): for `d = x - zp_in`: `d == 0` gives 127; `d < 0` fails
/// the inference ("only defined for positive values"); otherwise
/// `data = MBQM(1, inv_sqrt(d) with shift + 20)`, `out = clamp(MBQM(data, m, shift - 20) + zp_out)`
/// with `m = 1 / f64(sqrtf(s_in) * s_out)` (square root and product in f32).
pub fn rsqrt(op: &Op, v: &Values<'_>) -> Result<Vec<i8>, String> {
    let (x, o) = (v.info(op.inputs[0]), v.info(op.outputs[0]));
    let (q, s) = rsqrt_multiplier(x.quant.s(), o.quant.s());
    let (zi, zo) = (x.quant.zp(), o.quant.zp());
    v.i8(op.inputs[0])
        .iter()
        .map(|&e| rsqrt_one(e, zi, (q, s), zo))
        .collect()
}

/// RSQRT of one element `e` (zero points and output multiplier as in [`rsqrt`]); the error for
/// an input below the zero point.
pub fn rsqrt_one(e: i8, zi: i32, (q, s): (i32, i32), zo: i32) -> Result<i8, String> {
    let d = e as i32 - zi;
    if d < 0 {
        return Err(format!(
            "input {e} is below the zero point {zi}: rsqrt of a negative"
        ));
    }
    if d == 0 {
        return Ok(127);
    }
    let (iq, is) = inv_sqrt(d);
    let data = mbqm(1, iq, is + 20);
    Ok(mbqm(data, q, s - 20).saturating_add(zo).clamp(-128, 127) as i8)
}
