//! Lowering: each op of a [`Graph`] becomes steps (bindings plus dispatches with their parameter
//! words), its multipliers and tables derived on the host by the CPU kernels' own functions.

use super::f64fc;
use crate::litert::error::{LiteRtError, Result};
use crate::litert::fixed::act_range;
use crate::litert::graph::{Activation, Graph, Op, OpKind, Padding, TensorInfo};
use crate::litert::ops::{self, conv, elementwise, matmul, reduce, resize, softmax};
use crate::litert::shapes::{broadcast, conv_out};

/// Most terms (or partial sums) one invocation adds: far below llvmpipe's ~65,535 loop
/// iterations per invocation, and few dispatches even for K = 1M (a partial pass and one
/// combine).
pub const RSPLIT: usize = 1024;

/// Words in one dispatch's parameter block (`Params` in `common.wgsl`).
pub(super) const WORDS: usize = 64;

/// The entry points (the order of the executor's pipelines).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Pipe {
    Partial,
    Finish,
    Eltwise,
    /// The tiled int8 GEMM partial pass (`gemm.wgsl`).
    Tile,
    /// The channel-blocked partial pass and fused finish (`blocked.wgsl`).
    Partial4,
    Finish4,
}

/// Fewest output channels for which FULLY_CONNECTED and the convolutions run four channels per
/// invocation (`blocked.wgsl`): below it the block's spare lanes cost more than it saves.
pub const BLOCK_MIN_CHANNELS: usize = 3;

/// `(pixels, channels)` of a reduction that runs channel-blocked, or None.
fn blocked(pixels: usize, oc: usize) -> Option<(usize, usize)> {
    (oc >= BLOCK_MIN_CHANNELS).then_some((pixels, oc))
}

/// Outputs (pixels, channels) of one tile of the tiled GEMM (`TN`, `TM` in `gemm.wgsl`).
const TILE: usize = 32;

/// Fewest multiply-accumulates for which an op takes the tiled GEMM (its extra finish dispatch
/// costs more than it saves below this, measured on lavapipe with `litert-bench`).
pub const TILE_MIN_MACS: usize = 1 << 18;

/// One dispatch before grid splitting: `total` invocations, words 0..3 filled by the planner.
pub(super) struct Dispatch {
    pub pipe: Pipe,
    pub words: [i32; WORDS],
    pub total: usize,
}

/// Dispatches sharing one set of bindings (tensor ids; `aux` is uploaded per step).
pub(super) struct Step {
    pub a: Option<usize>,
    pub b: Option<usize>,
    pub aux: Vec<i32>,
    pub out: usize,
    pub dispatches: Vec<Dispatch>,
    /// The kernel reads `a` packed four int8 to a word from binding `b` (see
    /// [`pack_activations`]); the planner packs it before the step.
    pub packed_a: bool,
}

/// Switches a channel-blocked CONV_2D, TRANSPOSE_CONV or DEPTHWISE_CONV_2D of multiplier 1
/// whose input channels are a multiple of 4 and whose weights are constant (packed) to reading
/// its activations packed four int8 to a word (from `b`, which such a step leaves unbound): one
/// load brings the four channels of a pixel. Same terms, same chunks: the bytes are unchanged.
/// FULLY_CONNECTED does not (measured: no faster on lavapipe, its rows' activations are shared
/// by the invocations of a row, and the packing is one more dispatch). Returns whether it did.
pub(super) fn pack_activations(s: &mut Step) -> bool {
    if s.b.is_some() || s.packed_a {
        return false;
    }
    let mut any = false;
    for d in &mut s.dispatches {
        if !matches!(d.pipe, Pipe::Partial4 | Pipe::Finish4) {
            continue;
        }
        let w = &mut d.words;
        // (the WT word, its value with packed weights, with packed activations too)
        let (flag, from, to) = match w[4] {
            2 => (30, 2, 3),
            // DEPTHWISE_CONV_2D: a block's four channels are four neighbouring input channels
            3 if w[27] == 1 && w[14] % 4 == 0 => (30, 1, 2),
            4 => (30, 1, 2),
            _ => continue,
        };
        if w[flag] == from {
            w[flag] = to;
            any = true;
        }
    }
    s.packed_a = any;
    any
}

/// An op's steps and the scratch words they need.
pub(super) struct Lowered {
    pub steps: Vec<Step>,
    pub scratch: usize,
}

/// A parameter block under construction.
#[derive(Clone)]
struct Words {
    w: [i32; WORDS],
    err: Option<String>,
}

impl Words {
    fn new(index: usize, kind: i32) -> Self {
        let mut w = Words {
            w: [0; WORDS],
            err: None,
        };
        w.set(3, index);
        w.w[4] = kind;
        w
    }

    /// Sets word `at` to a value that must fit an i32 (else the op is refused).
    fn set(&mut self, at: usize, v: impl TryInto<i32> + Copy + std::fmt::Debug) -> &mut Self {
        match v.try_into() {
            Ok(v) => self.w[at] = v,
            Err(_) => {
                self.err
                    .get_or_insert_with(|| format!("{v:?} does not fit the kernels' i32"));
            }
        }
        self
    }

    fn setv(&mut self, at: usize, vs: &[usize]) -> &mut Self {
        for (i, &v) in vs.iter().enumerate() {
            self.set(at + i, v);
        }
        self
    }

    fn done(&self, pipe: Pipe, total: usize) -> Result<Dispatch> {
        match &self.err {
            Some(e) => Err(LiteRtError::Gpu(e.clone())),
            None => Ok(Dispatch {
                pipe,
                words: self.w,
                total,
            }),
        }
    }
}

/// A reduction of `k` terms for each of `nout` outputs, its partial and combine passes using
/// scratch from `base`; returns the dispatches, where the sums end, and the scratch end.
fn chain(
    partial: &Words,
    (tile, block): (Option<&Words>, Option<(usize, usize)>),
    nout: usize,
    k: usize,
    base: usize,
    is_max: bool,
) -> Result<(Vec<Dispatch>, usize, usize)> {
    let nch = k.div_ceil(RSPLIT).max(1);
    let mut first = tile.unwrap_or(partial).clone();
    first.set(5, nout).set(6, k).set(7, RSPLIT).set(8, base);
    let mut ds = vec![match (tile, block) {
        // one workgroup of 64 per (chunk, channel tile, pixel tile)
        (Some(t), _) => first.done(Pipe::Tile, nch * (t.w[36] * t.w[37]) as usize * 64)?,
        (None, Some((pixels, oc))) => {
            let blocks = block_words(&mut first, pixels, oc);
            first.done(Pipe::Partial4, nch * blocks)?
        }
        (None, None) => first.done(Pipe::Partial, nout * nch)?,
    }];
    let region = [base, base + nout * nch];
    let mut end = region[1];
    let (mut src, mut n, mut side) = (base, nch, 1);
    while n > 1 {
        let m = n.div_ceil(RSPLIT);
        let dst = region[side];
        end = end.max(dst + nout * m);
        let mut c = Words::new(partial.w[3] as usize, if is_max { 8 } else { 7 });
        c.set(5, nout)
            .set(6, n)
            .set(7, RSPLIT)
            .set(8, dst)
            .set(9, src);
        ds.push(c.done(Pipe::Partial, nout * m)?);
        (src, n, side) = (dst, m, 1 - side);
    }
    Ok((ds, src, end))
}

/// Sets the channel-blocked words (50 channels, 51 blocks, 52 pixels, 53 blocks of four, 54
/// blocks of four per invocation: two from 8 channels); returns the invocations per chunk.
fn block_words(w: &mut Words, pixels: usize, oc: usize) -> usize {
    let nb = if oc >= 8 { 2 } else { 1 };
    let cb = oc.div_ceil(4 * nb);
    w.set(50, oc)
        .set(51, cb)
        .set(52, pixels)
        .set(53, oc.div_ceil(4))
        .set(54, nb);
    pixels * cb
}

/// A reduction and its requantizing finish (`kind` 0: FULLY_CONNECTED's float64, 1: per-channel
/// MBQM over `channels`): one dispatch that sums and requantizes when `k <= RSPLIT` and no
/// tiled pass is given, else the partial (or tiled) and combine passes of [`chain`] first.
/// Returns the dispatches and the scratch end.
fn reduce_finish(
    partial: &Words,
    (tile, block): (Option<&Words>, Option<(usize, usize)>),
    (nout, k): (usize, usize),
    (kind, channels): (i32, usize),
    clamp: (i32, i32),
    zo: i32,
) -> Result<(Vec<Dispatch>, usize)> {
    let mut f = partial.clone();
    f.set(6, k)
        .set(44, kind)
        .set(45, channels.max(1))
        .set(46, zo)
        .set(47, clamp.0)
        .set(48, clamp.1);
    match tile {
        None if k <= RSPLIT => {
            f.set(10, 1);
            let d = match block {
                Some((pixels, oc)) => {
                    let blocks = block_words(&mut f, pixels, oc);
                    f.done(Pipe::Finish4, blocks)?
                }
                None => f.done(Pipe::Finish, nout)?,
            };
            return Ok((vec![d], 0));
        }
        Some(t) if k <= RSPLIT => {
            // one chunk: the tiles requantize their sums themselves
            let mut t = t.clone();
            t.set(5, nout).set(6, k).set(7, RSPLIT).set(8, 0).set(38, 1);
            t.set(44, kind)
                .set(45, channels.max(1))
                .set(46, zo)
                .set(47, clamp.0)
                .set(48, clamp.1);
            let groups = (t.w[36] * t.w[37]) as usize;
            return Ok((vec![t.done(Pipe::Tile, groups * 64)?], 0));
        }
        _ => {}
    }
    let (mut ds, src, end) = chain(partial, (tile, block), nout, k, 0, false)?;
    f.set(10, 0).set(49, src);
    ds.push(f.done(Pipe::Finish, nout)?);
    Ok((ds, end))
}

fn op_err(index: usize, op: &Op, why: impl Into<String>) -> LiteRtError {
    LiteRtError::Op {
        index,
        op: op.name,
        why: why.into(),
    }
}

/// Dims padded in front to rank 6 (1s), and a tensor's strides along them (0 where the tensor
/// has size 1 or lacks the axis: NumPy broadcasting).
fn rank6(index: usize, op: &Op, out: &[usize], inp: &[usize]) -> Result<([usize; 6], [usize; 6])> {
    if out.len() > 6 || inp.len() > out.len() {
        return Err(op_err(index, op, "rank over 6 on the GPU"));
    }
    let mut dims = [1usize; 6];
    dims[6 - out.len()..].copy_from_slice(out);
    let mut strides = [0usize; 6];
    let mut s = 1;
    for (i, &d) in inp.iter().enumerate().rev() {
        strides[6 - inp.len() + i] = if d == 1 { 0 } else { s };
        s *= d;
    }
    Ok((dims, strides))
}

fn bias_of(op: &Op, at: usize, g: &Graph, channels: usize) -> Vec<i32> {
    op.inputs
        .get(at)
        .and_then(|&b| g.tensors[b].const_i32())
        .unwrap_or_else(|| vec![0; channels])
}

/// `[bias, q, shift]` per channel.
fn requant_table(bias: &[i32], mults: &[(i32, i32)]) -> Vec<i32> {
    mults
        .iter()
        .enumerate()
        .flat_map(|(c, &(q, s))| [bias.get(c).copied().unwrap_or(0), q, s])
        .collect()
}

/// Lowers op `index` (its reductions use scratch from 0: ops run one after another); `tiled`:
/// FULLY_CONNECTED and CONV_2D with constant weights and at least that many MACs use the tiled
/// GEMM.
pub(super) fn lower(g: &Graph, index: usize, op: &Op, tiled: Option<usize>) -> Result<Lowered> {
    let t = |i: usize| -> &TensorInfo { &g.tensors[op.inputs[i]] };
    let out = &g.tensors[op.outputs[0]];
    let (zo, n_out) = (out.quant.zp(), out.len());
    let one = |a: Option<usize>, b: Option<usize>, aux: Vec<i32>, dispatches| Lowered {
        steps: vec![Step {
            a,
            b,
            aux,
            out: op.outputs[0],
            dispatches,
            packed_a: false,
        }],
        scratch: 0,
    };
    let in0 = op.inputs.first().copied();
    let in1 = op.inputs.get(1).copied();
    let act = |a: Activation| act_range(a, out.quant.s(), zo);
    let eltwise = |kind: i32| Words::new(index, kind);
    Ok(match &op.kind {
        OpKind::FullyConnected { act: a } => {
            let (x, w) = (t(0), t(1));
            let [o, d] = w.shape[..] else {
                return Err(op_err(index, op, "weights are not [O, D]"));
            };
            if d == 0 {
                return Err(op_err(index, op, "empty rows"));
            }
            let bias = bias_of(op, 2, g, o);
            let mut aux = Vec::with_capacity(4 * o);
            for (c, m) in matmul::fc_multipliers(x, w, out).into_iter().enumerate() {
                let (lo, hi, e) = f64fc::split(m).ok_or_else(|| {
                    op_err(index, op, format!("multiplier {m} is not a normal double"))
                })?;
                aux.extend([bias.get(c).copied().unwrap_or(0), lo as i32, hi as i32, e]);
            }
            let rows = x.len() / d;
            let nout = rows * o;
            let mut p = Words::new(index, 0);
            p.set(12, o).set(13, x.quant.zp());
            // a convolution of a 1x1 map whose pixels are the rows
            let geo = [1, 1, d, 1, 1, 1, 1, o, 0, 0, 1, 1, 1, 1];
            let tile = tiled
                .and_then(|min| tile_words(&mut aux, w, &geo, (x.quant.zp(), min), rows, index));
            let block = tile.is_none().then(|| blocked(rows, o)).flatten();
            let b = tile.is_none()
                && match block {
                    Some(_) => packed_rows(&mut aux, w, o, &mut p, 19),
                    None => transposed(&mut aux, w, o, &mut p, 19),
                };
            let (ds, end) =
                reduce_finish(&p, (tile.as_ref(), block), (nout, d), (0, o), act(*a), zo)?;
            Lowered {
                scratch: end,
                ..one(in0, b.then_some(op.inputs[1]), aux, ds)
            }
        }
        OpKind::BatchMatmul { adj_x, adj_y } => {
            let (a, b) = (t(0), t(1));
            let (ar, br) = (a.shape.len(), b.shape.len());
            if ar < 2 || br < 2 {
                return Err(op_err(index, op, "operands of rank below 2"));
            }
            let (m, k) = if *adj_x {
                (a.shape[ar - 1], a.shape[ar - 2])
            } else {
                (a.shape[ar - 2], a.shape[ar - 1])
            };
            let n = if *adj_y {
                b.shape[br - 2]
            } else {
                b.shape[br - 1]
            };
            let batch = broadcast(&a.shape[..ar - 2], &b.shape[..br - 2])
                .ok_or_else(|| op_err(index, op, "batch dims do not broadcast"))?;
            let ai = ops::broadcast_index(&batch, &a.shape[..ar - 2]);
            let bi = ops::broadcast_index(&batch, &b.shape[..br - 2]);
            let (q, s) = matmul::batch_matmul_multiplier(a.quant.s(), b.quant.s(), out.quant.s());
            let mut aux = vec![0, q, s];
            for (&pa, &pb) in ai.iter().zip(&bi) {
                aux.extend([pa as i32, pb as i32]);
            }
            let nout = ai.len() * m * n;
            let mut p = Words::new(index, 1);
            p.set(12, m)
                .set(13, n)
                .set(14, u8::from(*adj_x))
                .set(15, u8::from(*adj_y))
                .set(16, a.quant.zp())
                .set(17, b.quant.zp())
                .set(18, 3);
            let (ds, end) = reduce_finish(&p, (None, None), (nout, k), (1, 1), (-128, 127), zo)?;
            Lowered {
                scratch: end,
                ..one(in0, in1, aux, ds)
            }
        }
        OpKind::Conv2d {
            padding,
            stride,
            dilation,
            act: a,
        } => window(
            g,
            index,
            op,
            (*padding, *stride, *dilation, 1),
            act(*a),
            false,
            tiled,
        )?,
        OpKind::DepthwiseConv2d {
            padding,
            stride,
            dilation,
            multiplier,
            act: a,
        } => window(
            g,
            index,
            op,
            (*padding, *stride, *dilation, *multiplier),
            act(*a),
            true,
            None,
        )?,
        OpKind::TransposeConv {
            padding,
            stride,
            act: a,
        } => {
            let (w, x) = (t(1), t(2));
            let (Some([n, h, wd, ic]), Some([oc, kh, kw, _]), Some([_, oh, ow, _])) =
                (shape4(&x.shape), shape4(&w.shape), shape4(&out.shape))
            else {
                return Err(op_err(index, op, "not NHWC"));
            };
            if kh == 0 || kw == 0 || stride.0 == 0 || stride.1 == 0 {
                return Err(op_err(index, op, "empty kernel or zero stride"));
            }
            let (_, ph) = conv_out(*padding, oh, kh, stride.0, 1);
            let (_, pw) = conv_out(*padding, ow, kw, stride.1, 1);
            let mut aux = requant_table(&bias_of(op, 3, g, oc), &conv::multipliers(x, w, out, oc));
            let nout = n * oh * ow * oc;
            let mut p = Words::new(index, 4);
            // only the taps congruent to the output position modulo the stride can hit it
            let (khq, kwq) = (kh.div_ceil(stride.0), kw.div_ceil(stride.1));
            p.setv(
                12,
                &[
                    h, wd, ic, kh, kw, oh, ow, oc, ph, pw, stride.0, stride.1, 1, 1,
                ],
            )
            .set(26, x.quant.zp())
            .set(28, khq)
            .set(29, kwq);
            let block = blocked(n * oh * ow, oc);
            // channels a multiple of 4: a word of packed weights is four terms of one tap
            // (constant weights packed leave b unbound, for the packed activations)
            let b = if block.is_some() && ic % 4 == 0 {
                packed_rows(&mut aux, w, oc, &mut p, 30)
            } else {
                true
            };
            let (ds, end) = reduce_finish(
                &p,
                (None, block),
                (nout, khq * kwq * ic),
                (1, oc),
                act(*a),
                zo,
            )?;
            Lowered {
                scratch: end,
                ..one(op.inputs.get(2).copied(), in1.filter(|_| b), aux, ds)
            }
        }
        OpKind::Add { act: a } | OpKind::Sub { act: a } | OpKind::Mul { act: a } => {
            let which = match op.kind {
                OpKind::Add { .. } => 0,
                OpKind::Sub { .. } => 1,
                _ => 2,
            };
            let (sa, sb, so) = (t(0).quant.s(), t(1).quant.s(), out.quant.s());
            let ms = if which == 2 {
                let m = elementwise::mul_multiplier(sa, sb, so);
                [(0, 0), (0, 0), m]
            } else {
                elementwise::add_sub_params(sa, sb, so)
            };
            binary(g, index, op, which, ms, act(*a))?
        }
        OpKind::SquaredDifference => {
            let ms = elementwise::squared_difference_params(
                t(0).quant.s(),
                t(1).quant.s(),
                out.quant.s(),
            );
            binary(g, index, op, 3, ms, (-128, 127))?
        }
        OpKind::Rsqrt => {
            let x = t(0);
            let m = elementwise::rsqrt_multiplier(x.quant.s(), out.quant.s());
            let table =
                lut(|e| elementwise::rsqrt_one(e, x.quant.zp(), m, zo).map_or(REFUSED, i32::from));
            let mut p = eltwise(1);
            one(
                in0,
                None,
                table,
                vec![p.set(12, 0).done(Pipe::Eltwise, n_out)?],
            )
        }
        OpKind::Lut { table, .. } => {
            let aux = lut(|e| table[e as u8 as usize] as i32);
            one(in0, None, aux, vec![eltwise(1).done(Pipe::Eltwise, n_out)?])
        }
        OpKind::Mean { axes } => {
            let x = t(0);
            let shape = &x.shape;
            if shape.len() > 6 {
                return Err(op_err(index, op, "rank over 6 on the GPU"));
            }
            let mut strides = vec![1usize; shape.len()];
            for a in (0..shape.len().saturating_sub(1)).rev() {
                strides[a] = strides[a + 1] * shape[a + 1];
            }
            let pick = |keep: bool| -> ([usize; 6], [usize; 6]) {
                let (mut d, mut s) = ([1usize; 6], [0usize; 6]);
                let sel: Vec<usize> = (0..shape.len())
                    .filter(|a| axes.contains(a) != keep)
                    .collect();
                for (i, &a) in sel.iter().enumerate() {
                    d[6 - sel.len() + i] = shape[a];
                    s[6 - sel.len() + i] = strides[a];
                }
                (d, s)
            };
            let ((kd, ks), (rd, rs)) = (pick(true), pick(false));
            let n: usize = axes.iter().map(|&a| shape[a]).product();
            let (q, s) = reduce::mean_multiplier(x.quant.s(), out.quant.s(), n);
            let aux = vec![x.quant.zp().wrapping_mul(n as i32).wrapping_neg(), q, s];
            let mut p = Words::new(index, 5);
            p.setv(16, &kd).setv(22, &ks).setv(28, &rd).setv(34, &rs);
            let (ds, end) = reduce_finish(&p, (None, None), (n_out, n), (1, 1), (-128, 127), zo)?;
            Lowered {
                scratch: end,
                ..one(in0, None, aux, ds)
            }
        }
        OpKind::Softmax { beta } => {
            let x = t(0);
            let depth = x.shape.last().copied().unwrap_or(1).max(1);
            let rows = x.len() / depth;
            let params = softmax::softmax_params(*beta, x.quant.s());
            let aux: Vec<i32> = (-255..=0)
                .map(|d| softmax::softmax_exp(d, params).unwrap_or(-1))
                .collect();
            let mut p = Words::new(index, 6);
            p.set(12, 0);
            let (mut ds, rmax, end1) = chain(&p, (None, None), rows, depth, 0, true)?;
            p.set(12, 1).set(13, rmax);
            let (sum, rsum, end) = chain(&p, (None, None), rows, depth, end1, false)?;
            ds.extend(sum);
            let mut f = eltwise(7);
            f.set(12, depth).set(13, rmax).set(14, rsum);
            ds.push(f.done(Pipe::Eltwise, n_out)?);
            Lowered {
                scratch: end,
                ..one(in0, None, aux, ds)
            }
        }
        OpKind::Gather => {
            let p0 = t(0);
            let rows = p0.shape.first().copied().unwrap_or(0);
            let width = p0.len() / rows.max(1);
            let mut p = eltwise(2);
            p.set(12, width.max(1)).set(13, rows);
            one(in0, in1, vec![], vec![p.done(Pipe::Eltwise, n_out)?])
        }
        OpKind::Reshape => {
            let n = t(0).len();
            let mut p = eltwise(3);
            p.set(12, n.max(1)).set(13, n).set(14, 0);
            one(in0, None, vec![], vec![p.done(Pipe::Eltwise, n)?])
        }
        OpKind::Transpose { perm } => {
            let shape = &t(0).shape;
            let mut in_strides = vec![1usize; shape.len()];
            for a in (0..shape.len().saturating_sub(1)).rev() {
                in_strides[a] = in_strides[a + 1] * shape[a + 1];
            }
            let dims: Vec<usize> = perm.iter().map(|&p| shape[p]).collect();
            let (d6, _) = rank6(index, op, &dims, &[])?;
            let mut s6 = [0usize; 6];
            for (i, &p) in perm.iter().enumerate() {
                s6[6 - perm.len() + i] = in_strides[p];
            }
            let mut p = eltwise(4);
            p.setv(16, &d6).setv(22, &s6);
            one(in0, None, vec![], vec![p.done(Pipe::Eltwise, n_out)?])
        }
        OpKind::Concatenation { axis } => {
            let out_chunk: usize = out.shape[*axis..].iter().product();
            let mut off = 0;
            let mut steps = Vec::with_capacity(op.inputs.len());
            for &ti in &op.inputs {
                let info = &g.tensors[ti];
                let chunk: usize = info.shape[*axis..].iter().product();
                let mut p = eltwise(3);
                p.set(12, chunk.max(1)).set(13, out_chunk).set(14, off);
                steps.push(Step {
                    a: Some(ti),
                    b: None,
                    aux: vec![],
                    out: op.outputs[0],
                    dispatches: vec![p.done(Pipe::Eltwise, info.len())?],
                    packed_a: false,
                });
                off += chunk;
            }
            Lowered { steps, scratch: 0 }
        }
        OpKind::ResizeNearest {
            align_corners,
            half_pixel,
        }
        | OpKind::ResizeBilinear {
            align_corners,
            half_pixel,
        } => {
            let (Some([_, ih, iw, ch]), Some([_, oh, ow, _])) =
                (shape4(&t(0).shape), shape4(&out.shape))
            else {
                return Err(op_err(index, op, "not NHWC"));
            };
            let bilinear = matches!(op.kind, OpKind::ResizeBilinear { .. });
            let aux: Vec<i32> = if bilinear {
                let (rows, cols) = (
                    resize::bilinear_axis(ih, oh, *align_corners, *half_pixel),
                    resize::bilinear_axis(iw, ow, *align_corners, *half_pixel),
                );
                if rows.iter().any(|r| r.0 >= ih || r.1 >= ih)
                    || cols.iter().any(|c| c.0 >= iw || c.1 >= iw)
                {
                    return Err(op_err(index, op, "a source index is outside the input"));
                }
                rows.iter()
                    .chain(&cols)
                    .flat_map(|&(lo, hi, f)| [lo as i32, hi as i32, f as i32])
                    .collect()
            } else {
                let idx = |n: usize, i: usize, o: usize| {
                    resize::nearest_index(n, i, o, *align_corners, *half_pixel) as i32
                };
                (0..oh)
                    .map(|y| idx(y, ih, oh))
                    .chain((0..ow).map(|x| idx(x, iw, ow)))
                    .collect()
            };
            let mut p = eltwise(if bilinear { 6 } else { 5 });
            let blocks = ch.max(1).div_ceil(4);
            p.setv(12, &[ih, iw, ch.max(1), oh, ow, blocks]);
            // four channels per invocation
            let total = n_out / ch.max(1) * blocks;
            one(in0, None, aux, vec![p.done(Pipe::Eltwise, total)?])
        }
    })
}

/// An RSQRT table entry for an input the op refuses (past any int8 output).
pub(super) const REFUSED: i32 = 1000;

/// A 256-entry table indexed by `q as u8`.
fn lut(f: impl Fn(i8) -> i32) -> Vec<i32> {
    (0..=255u8).map(|u| f(u as i8)).collect()
}

fn shape4(s: &[usize]) -> Option<[usize; 4]> {
    match s {
        &[a, b, c, d] => Some([a, b, c, d]),
        _ => None,
    }
}

/// ADD/SUB/MUL/SQUARED_DIFFERENCE: `which` 0..=3, the three (q, shift), the output clamp.
fn binary(
    g: &Graph,
    index: usize,
    op: &Op,
    which: i32,
    ms: [(i32, i32); 3],
    clamp: (i32, i32),
) -> Result<Lowered> {
    let (a, b, out) = (
        &g.tensors[op.inputs[0]],
        &g.tensors[op.inputs[1]],
        &g.tensors[op.outputs[0]],
    );
    let (dims, sa) = rank6(index, op, &out.shape, &a.shape)?;
    let (_, sb) = rank6(index, op, &out.shape, &b.shape)?;
    let mut p = Words::new(index, 0);
    p.set(12, which)
        .set(13, a.quant.zp())
        .set(14, b.quant.zp())
        .set(15, out.quant.zp())
        .setv(16, &dims)
        .setv(22, &sa)
        .setv(28, &sb)
        .set(40, clamp.0)
        .set(41, clamp.1);
    for (i, (q, s)) in ms.iter().enumerate() {
        p.set(34 + 2 * i, *q).set(35 + 2 * i, *s);
    }
    Ok(Lowered {
        steps: vec![Step {
            a: Some(op.inputs[0]),
            b: Some(op.inputs[1]),
            aux: vec![],
            out: op.outputs[0],
            dispatches: vec![p.done(Pipe::Eltwise, out.len())?],
            packed_a: false,
        }],
        scratch: 0,
    })
}

/// CONV_2D (`depthwise` false) and DEPTHWISE_CONV_2D: `geo` is (padding, stride, dilation,
/// depth multiplier).
fn window(
    g: &Graph,
    index: usize,
    op: &Op,
    (padding, stride, dil, mult): (Padding, (usize, usize), (usize, usize), usize),
    clamp: (i32, i32),
    depthwise: bool,
    tiled: Option<usize>,
) -> Result<Lowered> {
    let (x, w, out) = (
        &g.tensors[op.inputs[0]],
        &g.tensors[op.inputs[1]],
        &g.tensors[op.outputs[0]],
    );
    let (Some([n, h, wd, ic]), Some([wo, kh, kw, wi]), Some([_, oh, ow, _])) =
        (shape4(&x.shape), shape4(&w.shape), shape4(&out.shape))
    else {
        return Err(op_err(index, op, "not NHWC"));
    };
    if kh == 0 || kw == 0 || stride.0 == 0 || stride.1 == 0 || mult == 0 {
        return Err(op_err(
            index,
            op,
            "empty kernel, zero stride or zero multiplier",
        ));
    }
    let oc = if depthwise { wi } else { wo };
    let (_, ph) = conv_out(padding, h, kh, stride.0, dil.0);
    let (_, pw) = conv_out(padding, wd, kw, stride.1, dil.1);
    let mut aux = requant_table(&bias_of(op, 2, g, oc), &conv::multipliers(x, w, out, oc));
    let nout = n * oh * ow * oc;
    let mut p = Words::new(index, if depthwise { 3 } else { 2 });
    let geo = [
        h, wd, ic, kh, kw, oh, ow, oc, ph, pw, stride.0, stride.1, dil.0, dil.1,
    ];
    let tile = tiled
        .filter(|_| !depthwise)
        .and_then(|min| tile_words(&mut aux, w, &geo, (x.quant.zp(), min), n * oh * ow, index));
    let block = tile.is_none().then(|| blocked(n * oh * ow, oc)).flatten();
    let b = match (depthwise, block) {
        (true, Some(_)) => packed_taps(&mut aux, w, oc, &mut p),
        (true, None) => true,
        (false, Some(_)) => {
            let in_place = packed_rows(&mut aux, w, oc, &mut p, 30);
            if !in_place && ic % 4 == 0 {
                // a packed word is four channels of one tap: one bounds check per word
                p.set(30, 2);
            }
            in_place
        }
        (false, None) => tile.is_none() && transposed(&mut aux, w, oc, &mut p, 30),
    };
    p.setv(12, &geo).set(26, x.quant.zp()).set(27, mult);
    let k = if depthwise { kh * kw } else { kh * kw * ic };
    let (ds, end) = reduce_finish(
        &p,
        (tile.as_ref(), block),
        (nout, k),
        (1, oc),
        clamp,
        out.quant.zp(),
    )?;
    Ok(Lowered {
        steps: vec![Step {
            a: Some(op.inputs[0]),
            b: b.then_some(op.inputs[1]),
            aux,
            out: op.outputs[0],
            dispatches: ds,
            packed_a: false,
        }],
        scratch: end,
    })
}

/// Appends constant weights `[rows][K]` to `aux` transposed to `[K][rows]` and sets words
/// `flag` (1) and `flag + 1` (their offset); returns whether the kernel must read the weights
/// from their tensor instead (they are not constant).
fn transposed(aux: &mut Vec<i32>, w: &TensorInfo, rows: usize, p: &mut Words, flag: usize) -> bool {
    let Some(ws) = w.const_i8() else {
        return true;
    };
    let k = ws.len() / rows.max(1);
    p.set(flag, 1).set(flag + 1, aux.len());
    aux.extend((0..k * rows).map(|j| ws[(j % rows) * k + j / rows] as i32));
    false
}

/// Appends constant weights `[rows][K]` to `aux` packed for the channel-blocked kernels
/// (`blocked.wgsl`): word `(q, c)` at `q * rows + c` holds terms `4q .. 4q + 3` of row `c`
/// (zero bytes past K); sets words `flag` (1) and `flag + 1` (the offset). Returns whether the
/// kernel must read the weights from their tensor instead (they are not constant).
fn packed_rows(
    aux: &mut Vec<i32>,
    w: &TensorInfo,
    rows: usize,
    p: &mut Words,
    flag: usize,
) -> bool {
    let Some(ws) = w.const_i8() else {
        return true;
    };
    let k = ws.len() / rows.max(1);
    p.set(flag, 1).set(flag + 1, aux.len());
    aux.extend((0..k.div_ceil(4) * rows).map(|j| {
        let (q, c) = (j / rows, j % rows);
        pack4(|l| (4 * q + l < k).then(|| ws[c * k + 4 * q + l]))
    }));
    false
}

/// Appends DEPTHWISE_CONV_2D's constant weights `[K][oc]` to `aux` packed for the
/// channel-blocked kernel: word `(t, b)` at `t * blocks + b` holds tap `t` of channels
/// `4b .. 4b + 3` (zero bytes past oc); sets words 30 (1) and 31 (the offset). Returns whether
/// the kernel must read the weights from their tensor instead.
fn packed_taps(aux: &mut Vec<i32>, w: &TensorInfo, oc: usize, p: &mut Words) -> bool {
    let Some(ws) = w.const_i8() else {
        return true;
    };
    let (k, blocks) = (ws.len() / oc.max(1), oc.div_ceil(4));
    p.set(30, 1).set(31, aux.len());
    aux.extend((0..k * blocks).map(|j| {
        let (t, b) = (j / blocks, j % blocks);
        pack4(|l| (4 * b + l < oc).then(|| ws[t * oc + 4 * b + l]))
    }));
    false
}

/// Four int8 in a word, byte `l` = `byte(l)` (0 where None).
fn pack4(byte: impl Fn(usize) -> Option<i8>) -> i32 {
    (0..4).fold(0u32, |word, l| {
        word | (byte(l).map_or(0, |v| v as u8 as u32) << (8 * l))
    }) as i32
}

/// The tiled GEMM's parameter block (`gemm.wgsl`) for constant weights `[oc][K]` with the
/// convolution geometry `geo` (words 12..25) over `pixels` output pixels, appending to `aux` the
/// channels' wrapping weight sums and the weights packed four int8 to a word along K (rows
/// padded with zero bytes); None when the weights are not constant, or when the tiles would be
/// less than a quarter full (one row, three channels) or the op has under `min_macs` MACs: one
/// invocation per output is then faster (one dispatch, no combine).
fn tile_words(
    aux: &mut Vec<i32>,
    w: &TensorInfo,
    geo: &[usize; 14],
    (zi, min_macs): (i32, usize),
    pixels: usize,
    index: usize,
) -> Option<Words> {
    let ws = w.const_i8()?;
    let oc = geo[7];
    let k = ws.len() / oc.max(1);
    let (ptiles, ctiles) = (pixels.div_ceil(TILE), oc.div_ceil(TILE));
    let small = pixels * oc * k < min_macs;
    if k == 0 || ws.len() != oc * k || small || 4 * pixels * oc < ptiles * ctiles * TILE * TILE {
        return None;
    }
    let kq = k.div_ceil(4);
    let mut t = Words::new(index, 9);
    t.setv(12, geo)
        .set(26, zi)
        .set(32, pixels)
        .set(33, kq)
        .set(34, aux.len())
        .set(36, ptiles)
        .set(37, ctiles);
    aux.extend((0..oc).map(|c| {
        ws[c * k..(c + 1) * k]
            .iter()
            .fold(0i32, |s, &v| s.wrapping_add(v as i32))
    }));
    t.set(35, aux.len());
    aux.extend((0..oc).flat_map(|c| {
        let row = &ws[c * k..(c + 1) * k];
        (0..kq).map(move |q| pack4(|l| row.get(4 * q + l).copied()))
    }));
    Some(t)
}
