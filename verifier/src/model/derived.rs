//! The requantization integers each op's kernel derives from the f32 scales, as a converted file
//! stores them: the file alone states every integer that decides an output bit (a contract can
//! check any one), and the loader refuses a file whose integers differ from what the scales give.

use serde::{Deserialize, Serialize};

use crate::litert::fixed::act_range;
use crate::litert::graph::{Graph, Op, OpKind};
use crate::litert::ops::{conv, elementwise, matmul, reduce, softmax};

/// The derived integers of one op (absent fields: the op has none of that kind).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Derived {
    /// Q31 multipliers: per output channel (CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV); input 1,
    /// input 2, output (ADD, SUB, SQUARED_DIFFERENCE); one (MUL, BATCH_MATMUL, MEAN, RSQRT,
    /// SOFTMAX's input-beta multiplier).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub multiplier: Vec<i32>,
    /// The shifts paired with `multiplier` (positive: left).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shift: Vec<i32>,
    /// FULLY_CONNECTED's per-channel f64 multiplier `m = significand * 2^exponent` (exact).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fc_significand: Vec<i64>,
    /// The exponents paired with `fc_significand`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fc_exponent: Vec<i32>,
    /// SOFTMAX's `diff_min`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff_min: Option<i64>,
    /// The fused activation's clamp `[min, max]` on the quantized output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clamp: Option<[i32; 2]>,
    /// LOGISTIC / TANH / GELU: the 256-entry table, the output for input `q` at index `q as u8`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub table: Vec<i8>,
}

/// `m = significand * 2^exponent` exactly (IEEE-754 double decomposition).
pub fn split_f64(m: f64) -> (i64, i32) {
    let bits = m.to_bits();
    let e = ((bits >> 52) & 0x7ff) as i32;
    let frac = (bits & ((1u64 << 52) - 1)) as i64;
    let sign = if bits >> 63 == 1 { -1 } else { 1 };
    match e {
        0 => (sign * frac, -1074),
        _ => (sign * (frac | (1i64 << 52)), e - 1075),
    }
}

fn pairs(d: &mut Derived, ps: &[(i32, i32)]) {
    d.multiplier = ps.iter().map(|p| p.0).collect();
    d.shift = ps.iter().map(|p| p.1).collect();
}

/// The derived integers of `op` in `graph`.
pub fn derive(graph: &Graph, op: &Op) -> Derived {
    let t = |i: usize| &graph.tensors[i];
    let out = t(op.outputs[0]);
    let (so, zo) = (out.quant.s(), out.quant.zp());
    let mut d = Derived::default();
    let clamp = |act| {
        let (lo, hi) = act_range(act, so, zo);
        Some([lo, hi])
    };
    match &op.kind {
        OpKind::FullyConnected { act } => {
            let m = matmul::fc_multipliers(t(op.inputs[0]), t(op.inputs[1]), out);
            (d.fc_significand, d.fc_exponent) = m.iter().map(|&m| split_f64(m)).unzip();
            d.clamp = clamp(*act);
        }
        OpKind::Conv2d { act, .. } | OpKind::DepthwiseConv2d { act, .. } => {
            let oc = *out.shape.last().unwrap_or(&1);
            pairs(
                &mut d,
                &conv::multipliers(t(op.inputs[0]), t(op.inputs[1]), out, oc),
            );
            d.clamp = clamp(*act);
        }
        OpKind::TransposeConv { act, .. } => {
            let oc = *out.shape.last().unwrap_or(&1);
            pairs(
                &mut d,
                &conv::multipliers(t(op.inputs[2]), t(op.inputs[1]), out, oc),
            );
            d.clamp = clamp(*act);
        }
        OpKind::BatchMatmul { .. } => {
            let (a, b) = (t(op.inputs[0]).quant.s(), t(op.inputs[1]).quant.s());
            pairs(&mut d, &[matmul::batch_matmul_multiplier(a, b, so)]);
        }
        OpKind::Add { act } | OpKind::Sub { act } => {
            let (a, b) = (t(op.inputs[0]).quant.s(), t(op.inputs[1]).quant.s());
            pairs(&mut d, &elementwise::add_sub_params(a, b, so));
            d.clamp = clamp(*act);
        }
        OpKind::Mul { act } => {
            let (a, b) = (t(op.inputs[0]).quant.s(), t(op.inputs[1]).quant.s());
            pairs(&mut d, &[elementwise::mul_multiplier(a, b, so)]);
            d.clamp = clamp(*act);
        }
        OpKind::SquaredDifference => {
            let (a, b) = (t(op.inputs[0]).quant.s(), t(op.inputs[1]).quant.s());
            pairs(&mut d, &elementwise::squared_difference_params(a, b, so));
        }
        OpKind::Rsqrt => {
            pairs(
                &mut d,
                &[elementwise::rsqrt_multiplier(t(op.inputs[0]).quant.s(), so)],
            );
        }
        OpKind::Mean { axes } => {
            let x = t(op.inputs[0]);
            let n: usize = axes.iter().map(|&a| x.shape[a]).product();
            pairs(&mut d, &[reduce::mean_multiplier(x.quant.s(), so, n)]);
        }
        OpKind::Softmax { beta } => {
            let (m, ls, dm) = softmax::softmax_params(*beta, t(op.inputs[0]).quant.s());
            pairs(&mut d, &[(m, ls)]);
            d.diff_min = Some(dm);
        }
        OpKind::Lut { table, .. } => d.table = table.to_vec(),
        OpKind::Gather
        | OpKind::Reshape
        | OpKind::Transpose { .. }
        | OpKind::Concatenation { .. }
        | OpKind::ResizeBilinear { .. }
        | OpKind::ResizeNearest { .. } => {}
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_f64_is_exact() {
        for m in [1.0, 0.5, 3.0e-5, 1.234_567_89e-3, 1.0e-30, 0.0] {
            let (s, e) = split_f64(m);
            assert_eq!(s as f64 * 2f64.powi(e), m, "{m}");
        }
    }
}
