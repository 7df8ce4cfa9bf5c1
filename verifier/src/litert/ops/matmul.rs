//! FULLY_CONNECTED and BATCH_MATMUL.

use super::Values;
use crate::litert::fixed::{act_range, mbqm, quantize_multiplier, round_away};
use crate::litert::graph::{Activation, Op, TensorInfo};
use crate::litert::shapes::broadcast;

/// FULLY_CONNECTED's per-output-channel real multipliers `f64(s_in) * f64(s_w[c]) / f64(s_out)`
/// (used as IEEE doubles, not quantized).
pub fn fc_multipliers(x: &TensorInfo, w: &TensorInfo, out: &TensorInfo) -> Vec<f64> {
    (0..w.shape[0])
        .map(|c| {
            let sw = w.quant.scale.get(c).copied().unwrap_or(w.quant.s());
            x.quant.s() as f64 * sw as f64 / out.quant.s() as f64
        })
        .collect()
}

/// BATCH_MATMUL's (q, shift): `f64(f32(s_lhs * s_rhs)) / f64(s_out)`.
pub fn batch_matmul_multiplier(s_lhs: f32, s_rhs: f32, s_out: f32) -> (i32, i32) {
    quantize_multiplier((s_lhs * s_rhs) as f64 / s_out as f64)
}

/// FULLY_CONNECTED (reference `FullyConnectedPerChannel`, the float-scale overload).
///
/// The input is read as rows of `D` (the weights are `[O, D]`, symmetric int8, one scale per
/// output channel or one for all). Per row and output channel `c`:
/// `acc = bias[c] + sum_d w[c][d] * (x[d] - zp_in)` in int32. Requantization does **not** use
/// the Q31 multiplier: `m = f64(s_in) * f64(s_w[c]) / f64(s_out)` and
/// `out = clamp(round_half_away(f64(acc) * m) + zp_out)` in IEEE double, clamped to the fused
/// activation's range (LiteRT's optimized kernel uses the Q31 multiplier and differs by 1).
pub fn fully_connected(op: &Op, v: &Values<'_>, act: Activation) -> Vec<i8> {
    let (x, w) = (v.info(op.inputs[0]), v.info(op.inputs[1]));
    let out = v.info(op.outputs[0]);
    let (o, d) = (w.shape[0], w.shape[1]);
    let (xs, ws) = (v.i8(op.inputs[0]), v.i8(op.inputs[1]));
    let bias = op.inputs.get(2).map(|&b| v.i32(b));
    let (zi, zo) = (x.quant.zp(), out.quant.zp());
    let (lo, hi) = act_range(act, out.quant.s(), zo);
    let mult = fc_multipliers(x, w, out);
    let rows = xs.len() / d;
    let mut res = Vec::with_capacity(rows * o);
    for r in 0..rows {
        let xr: Vec<i32> = xs[r * d..(r + 1) * d]
            .iter()
            .map(|&b| b as i32 - zi)
            .collect();
        for c in 0..o {
            let wr = &ws[c * d..(c + 1) * d];
            let mut acc = wr
                .iter()
                .zip(&xr)
                .fold(0i32, |s, (&a, &b)| s.wrapping_add(a as i32 * b));
            acc = acc.wrapping_add(bias.map_or(0, |b| b[c]));
            let q = round_away(acc as f64 * mult[c]).clamp(-(1 << 31), (1 << 31) - 1);
            res.push((q + zo as i64).clamp(lo as i64, hi as i64) as i8);
        }
    }
    res
}

/// BATCH_MATMUL of two int8 activations (reference `BatchMatMul`, int8 path).
///
/// `acc = sum_k (lhs[m][k] - zp_lhs) * (rhs[k][n] - zp_rhs)` in int32 (`adj_x`/`adj_y`
/// transpose the last two dims of an operand first; leading dims broadcast as in NumPy).
/// Multiplier: the product `s_lhs * s_rhs` in **f32**, widened, divided in f64 by `s_out`,
/// then `QuantizeMultiplier`; `out = clamp(MBQM(acc) + zp_out, -128, 127)`.
pub fn batch_matmul(op: &Op, v: &Values<'_>, adj_x: bool, adj_y: bool) -> Vec<i8> {
    let (a, b, out) = (
        v.info(op.inputs[0]),
        v.info(op.inputs[1]),
        v.info(op.outputs[0]),
    );
    let (ar, br) = (a.shape.len(), b.shape.len());
    let (m, k) = if adj_x {
        (a.shape[ar - 1], a.shape[ar - 2])
    } else {
        (a.shape[ar - 2], a.shape[ar - 1])
    };
    let n = if adj_y {
        b.shape[br - 2]
    } else {
        b.shape[br - 1]
    };
    let batch = broadcast(&a.shape[..ar - 2], &b.shape[..br - 2]).unwrap_or_default();
    let ai = super::broadcast_index(&batch, &a.shape[..ar - 2]);
    let bi = super::broadcast_index(&batch, &b.shape[..br - 2]);
    let (za, zb, zo) = (a.quant.zp(), b.quant.zp(), out.quant.zp());
    let (q, shift) = batch_matmul_multiplier(a.quant.s(), b.quant.s(), out.quant.s());
    let (xa, xb) = (v.i8(op.inputs[0]), v.i8(op.inputs[1]));
    let mut res = Vec::with_capacity(ai.len() * m * n);
    for (&pa, &pb) in ai.iter().zip(&bi) {
        let (la, lb) = (
            &xa[pa * m * k..(pa + 1) * m * k],
            &xb[pb * k * n..(pb + 1) * k * n],
        );
        for i in 0..m {
            for j in 0..n {
                let mut acc = 0i32;
                for t in 0..k {
                    let l = if adj_x { la[t * m + i] } else { la[i * k + t] };
                    let r = if adj_y { lb[j * k + t] } else { lb[t * n + j] };
                    acc = acc.wrapping_add((l as i32 - za) * (r as i32 - zb));
                }
                res.push(mbqm(acc, q, shift).saturating_add(zo).clamp(-128, 127) as i8);
            }
        }
    }
    res
}
