//! The int8 kernels, one file per op family, each bit-exact to LiteRT's reference kernels.
//!
//! Every kernel reads its operands through [`Values`] and returns the op's int8 output in
//! row-major order. Multipliers are derived from the f32 scales on each call, in the precision
//! LiteRT's Prepare uses (stated per op): it is cheap next to the MACs and keeps one source.

pub mod conv;
pub mod elementwise;
pub mod lut;
pub mod matmul;
pub mod movers;
pub mod reduce;
pub mod resize;
pub mod softmax;

use super::error::{LiteRtError, Result};
use super::graph::{Graph, Op, OpKind, TensorInfo};

/// Tensor contents during one inference: activations written so far, and the constants.
pub struct Values<'a> {
    /// The graph.
    pub graph: &'a Graph,
    /// int8 contents by tensor id (constants and activations).
    pub i8s: Vec<Option<std::borrow::Cow<'a, [i8]>>>,
    /// int32 contents by tensor id (constants and int32 graph inputs).
    pub i32s: Vec<Option<std::borrow::Cow<'a, [i32]>>>,
}

impl Values<'_> {
    /// The int8 contents of tensor `t` (import guarantees it is written before it is read).
    pub fn i8(&self, t: usize) -> &[i8] {
        self.i8s.get(t).and_then(|v| v.as_deref()).unwrap_or(&[])
    }

    /// The int32 contents of tensor `t`.
    pub fn i32(&self, t: usize) -> &[i32] {
        self.i32s.get(t).and_then(|v| v.as_deref()).unwrap_or(&[])
    }

    /// Tensor `t`'s description.
    pub fn info(&self, t: usize) -> &TensorInfo {
        &self.graph.tensors[t]
    }
}

/// Runs op number `index`.
pub fn eval(index: usize, op: &Op, v: &Values<'_>) -> Result<Vec<i8>> {
    let err = |why: String| LiteRtError::Op {
        index,
        op: op.name,
        why,
    };
    Ok(match &op.kind {
        OpKind::FullyConnected { act } => matmul::fully_connected(op, v, *act),
        OpKind::BatchMatmul { adj_x, adj_y } => matmul::batch_matmul(op, v, *adj_x, *adj_y),
        OpKind::Conv2d {
            padding,
            stride,
            dilation,
            act,
        } => conv::conv2d(op, v, *padding, *stride, *dilation, *act),
        OpKind::DepthwiseConv2d {
            padding,
            stride,
            dilation,
            multiplier,
            act,
        } => conv::depthwise(op, v, *padding, *stride, *dilation, *multiplier, *act),
        OpKind::TransposeConv {
            padding,
            stride,
            act,
        } => conv::transpose_conv(op, v, *padding, *stride, *act),
        OpKind::Add { act } => elementwise::add_sub(op, v, *act, false),
        OpKind::Sub { act } => elementwise::add_sub(op, v, *act, true),
        OpKind::Mul { act } => elementwise::mul(op, v, *act),
        OpKind::SquaredDifference => elementwise::squared_difference(op, v),
        OpKind::Rsqrt => elementwise::rsqrt(op, v).map_err(err)?,
        OpKind::Mean { axes } => reduce::mean(op, v, axes),
        OpKind::Softmax { beta } => softmax::softmax(op, v, *beta),
        OpKind::Lut { table, .. } => v
            .i8(op.inputs[0])
            .iter()
            .map(|&q| table[q as u8 as usize])
            .collect(),
        OpKind::Gather => movers::gather(op, v).map_err(err)?,
        OpKind::Reshape => v.i8(op.inputs[0]).to_vec(),
        OpKind::Transpose { perm } => movers::transpose(op, v, perm),
        OpKind::Concatenation { axis } => movers::concatenation(op, v, *axis),
        OpKind::ResizeBilinear {
            align_corners,
            half_pixel,
        } => resize::bilinear(op, v, *align_corners, *half_pixel),
        OpKind::ResizeNearest {
            align_corners,
            half_pixel,
        } => resize::nearest(op, v, *align_corners, *half_pixel),
    })
}

/// For each element of `out` (row-major), the flat index of the element of a tensor of shape
/// `inp` that NumPy broadcasting maps to it.
pub fn broadcast_index(out: &[usize], inp: &[usize]) -> Vec<usize> {
    let n = out.len();
    // stride of each output axis in the input (0 where the input has size 1 or lacks the axis)
    let mut strides = vec![0usize; n];
    let mut s = 1;
    for (i, &d) in inp.iter().enumerate().rev() {
        let axis = n - inp.len() + i;
        strides[axis] = if d == 1 { 0 } else { s };
        s *= d;
    }
    let total: usize = out.iter().product();
    let mut idx = vec![0usize; n];
    let mut res = Vec::with_capacity(total);
    let mut flat = 0usize;
    for _ in 0..total {
        res.push(flat);
        for a in (0..n).rev() {
            idx[a] += 1;
            flat += strides[a];
            if idx[a] < out[a] {
                break;
            }
            flat -= strides[a] * idx[a];
            idx[a] = 0;
        }
    }
    res
}
