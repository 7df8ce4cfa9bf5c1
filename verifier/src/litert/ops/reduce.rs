//! MEAN over constant axes.

use super::Values;
use crate::litert::fixed::{mbqm, quantize_multiplier};
use crate::litert::graph::Op;

/// MEAN's (q', shift') for `n` elements per output: `s_in / s_out` quantized, then divided by `n`.
pub fn mean_multiplier(s_in: f32, s_out: f32, n: usize) -> (i32, i32) {
    let (q, shift) = quantize_multiplier(s_in as f64 / s_out as f64);
    let log2n = (usize::BITS - 1 - n.max(1).leading_zeros()) as i32;
    let k = log2n.min(32).min(31 + shift).max(0);
    ((((q as i64) << k) / n.max(1) as i64) as i32, shift - k)
}

/// MEAN (reference `QuantizedMeanOrSum`): per output, the int32 sum of the `N` inputs it
/// reduces; `m = f64(s_in) / f64(s_out)` quantized to `(q, shift)`, then divided by `N` in
/// integers: `k = min(floor(log2 N), 32, 31 + shift)`, `q' = (q * 2^k) / N` (i64, truncating),
/// `shift' = shift - k`; `out = clamp(MBQM(sum - zp_in * N, q', shift') + zp_out, -128, 127)`.
pub fn mean(op: &Op, v: &Values<'_>, axes: &[usize]) -> Vec<i8> {
    let (x, o) = (v.info(op.inputs[0]), v.info(op.outputs[0]));
    let shape = &x.shape;
    // output stride of each input axis (0 on reduced axes)
    let mut strides = vec![0usize; shape.len()];
    let mut s = 1;
    for a in (0..shape.len()).rev() {
        if !axes.contains(&a) {
            strides[a] = s;
            s *= shape[a];
        }
    }
    let n: usize = axes.iter().map(|&a| shape[a]).product();
    let mut sums = vec![0i32; o.len()];
    let mut idx = vec![0usize; shape.len()];
    let mut flat = 0usize;
    for &e in v.i8(op.inputs[0]) {
        sums[flat] = sums[flat].wrapping_add(e as i32);
        for a in (0..shape.len()).rev() {
            idx[a] += 1;
            flat += strides[a];
            if idx[a] < shape[a] {
                break;
            }
            flat -= strides[a] * idx[a];
            idx[a] = 0;
        }
    }
    let (q2, shift2) = mean_multiplier(x.quant.s(), o.quant.s(), n);
    let (zi, zo) = (x.quant.zp(), o.quant.zp());
    sums.iter()
        .map(|&s| {
            mbqm(s.wrapping_sub(zi.wrapping_mul(n as i32)), q2, shift2)
                .saturating_add(zo)
                .clamp(-128, 127) as i8
        })
        .collect()
}
