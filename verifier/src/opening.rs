//! The model commitment a contract can open, and element openings for the proof game's final
//! step (issue 19 item 1; the judge is `contracts/proof/LiteRtJudge.sol`).
//!
//! **Model id.** Each op (execution order) has a fixed-layout **node record** ([`NodeRecord`]:
//! [`NODE_WORDS`] 32-byte words, exactly `abi.encode(LiteRtJudge.Node)`): its LiteRT op code,
//! output length and shape, its activation operands (where each lives in the receipt's layer
//! commitment), every integer its element function reads (zero points, activation clamp,
//! per-tensor multipliers, geometry), and the [`commit::root`]s of its constant data. The node
//! root is the chunk root of the record; the model id is the chunk root over the node roots
//! (op `k` at leaf `k`), the same tree as the layer commitment.
//!
//! Constant data under a node, each its own chunk tree:
//! * `data`: the op's constant operand in the converted file's layout: FULLY_CONNECTED weights
//!   `[O, I]`, CONV_2D and TRANSPOSE_CONV filters `[O, KH, KW, I]`, DEPTHWISE_CONV_2D filters
//!   `[O, KH, KW]`, the LUT ops' 256-byte table; for every other op its constant operands back
//!   to back, each at its operand's `offset` (GATHER's table `[rows, width]`, a constant operand
//!   of ADD/SUB/MUL/SQUARED_DIFFERENCE, BATCH_MATMUL's constant rhs, a constant CONCATENATION
//!   input);
//! * `channels`: one 32-byte word per output channel, `bias ‖ multiplier ‖ shift ‖ 0` (three
//!   big-endian int64, then 8 zero bytes): CONV's Q31 `(q, shift)`, FULLY_CONNECTED's f64
//!   `(significand, exponent)`, the bias 0 when the op has none.
//!
//! Why: one output element needs one node record, one channel word (one chunk), and one filter
//! or weight row (contiguous in these layouts: one range proof), plus its input bytes (an NHWC
//! pixel's channels are contiguous, a kernel row of pixels is one run): a few range proofs.
//!
//! **Openings.** [`open_element`] builds, for `(layer, element)`, what the judge takes: the node
//! record and its proof against the model id, then the ranges the op reads in the order
//! [`needs`] lists them (the judge derives the same list), and the packed patch: the conv ops'
//! taps, or a strided read's bytes (a BATCH_MATMUL column or `adj_x` row, a MEAN window that is
//! not one run), which the judge checks against the one range spanning them. What the judge
//! refuses ([`judgeable`]) only the committee decides.

use crate::commit::{self, CHUNK, RangeProof, Tree};
use crate::hash::Hash32;
use crate::litert::graph::{Graph, Op, OpKind};
use crate::litert::ops::conv::conv_out;
use crate::litert::schema::{self, op};
use crate::model::derived::derive;
use crate::model::{Model, Value};
use crate::{Error, Result};

/// Words in a node record.
pub const NODE_WORDS: usize = 45;
/// An operand that is not an activation (a constant, or none): `type(uint256).max`.
pub const NONE: u64 = u64::MAX;
/// The most bytes one opened range may span (`LiteRtJudge.MAX_SPAN`, checked equal by
/// `proof/tests/it/judge.rs`): an op reading more per element is refused (the committee decides).
pub const MAX_SPAN: u64 = 32_768;
/// The most bytes a strided read picks (`LiteRtJudge.MAX_PICKS`): a BATCH_MATMUL column or
/// `adj_x` row's K, a MEAN window's N when it is not one run.
pub const MAX_PICKS: u64 = 4_096;
/// The longest SOFTMAX row the judge recomputes (`LiteRtJudge.MAX_ROW`).
pub const MAX_ROW: u64 = 1_024;
/// The geometry word set when the record's rank-4 shapes cannot state the op (a rank above 4
/// whose leading axes do not fold): the judge refuses the op.
pub const UNFOLDED: usize = 9;

/// Where an activation operand lives: leaf `leaf` of the layer commitment (0 the job input,
/// `k + 1` op `k`'s output), at byte `offset` of that tensor, whose whole length is `length`
/// (fixing its tree depth), with shape `shape` (right-aligned to rank 4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Operand {
    /// Leaf in the layer commitment ([`NONE`]: not an activation).
    pub leaf: u64,
    /// Byte offset of the operand inside the committed tensor (graph inputs are slices).
    pub offset: u64,
    /// Bytes of the committed tensor at `leaf` (the operand's own bytes when constant).
    pub length: u64,
    /// Shape, leading dims folded into the first when the rank exceeds 4.
    pub shape: [u64; 4],
}

/// One op's node record (see the module docs); every field a 32-byte ABI word.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeRecord {
    /// LiteRT builtin operator code.
    pub op_code: u64,
    /// Output bytes.
    pub out_length: u64,
    /// Output shape (rank 4, right-aligned).
    pub out_shape: [u64; 4],
    /// First operand (GATHER: the ids; TRANSPOSE_CONV: the activation).
    pub in0: Operand,
    /// Second operand (ADD, SUB, MUL, SQUARED_DIFFERENCE, BATCH_MATMUL, CONCATENATION; GATHER's
    /// table). A constant operand ([`NONE`] leaf) lies in `data` at its `offset`.
    pub in1: Operand,
    /// Zero points of in0, in1 and the output.
    pub zp: [i64; 3],
    /// The fused activation's clamp on the quantized output.
    pub clamp: [i64; 2],
    /// Per-tensor `(q, shift)` pairs (ADD/SUB/SQUARED_DIFFERENCE: input 1, input 2, output;
    /// MUL, BATCH_MATMUL, RSQRT, MEAN (divided by N): one; SOFTMAX: `mult, left shift, diff_min`).
    pub mult: [i64; 6],
    /// Geometry: conv `kh, kw, sh, sw, dh, dw, ph, pw, depth multiplier`; FULLY_CONNECTED
    /// `in features`; resize `align_corners, half_pixel`; GATHER `rows, width`; BATCH_MATMUL
    /// `adj_x, adj_y, K`; MEAN the reduced axes (bit `a`: rank-4 axis `a`); TRANSPOSE the rank-4
    /// permutation; CONCATENATION each input's size from the axis on, then the input count.
    /// `geo[UNFOLDED]` set: the rank-4 shapes cannot state the op.
    pub geo: [u64; 10],
    /// Chunk root of the op's constant data.
    pub data_root: Hash32,
    /// Its bytes.
    pub data_length: u64,
    /// Chunk root of the channel words.
    pub channel_root: Hash32,
    /// Channel words.
    pub channels: u64,
}

fn word_u(x: u64) -> [u8; 32] {
    let mut w = [0u8; 32];
    if x == NONE {
        return [0xff; 32];
    }
    w[24..].copy_from_slice(&x.to_be_bytes());
    w
}

fn word_i(x: i64) -> [u8; 32] {
    let mut w = if x < 0 { [0xff; 32] } else { [0u8; 32] };
    w[24..].copy_from_slice(&x.to_be_bytes());
    w
}

impl NodeRecord {
    /// The op code as [`schema::op`] names them (-1 for a code no op has).
    pub fn op(&self) -> i32 {
        i32::try_from(self.op_code).unwrap_or(-1)
    }

    /// `abi.encode(node)`: [`NODE_WORDS`] words.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(NODE_WORDS * 32);
        let mut u = |x: u64| out.extend_from_slice(&word_u(x));
        u(self.op_code);
        u(self.out_length);
        self.out_shape.iter().for_each(|&d| u(d));
        for o in [&self.in0, &self.in1] {
            u(o.leaf);
            u(o.offset);
            u(o.length);
            o.shape.iter().for_each(|&d| u(d));
        }
        for &v in self.zp.iter().chain(&self.clamp).chain(&self.mult) {
            out.extend_from_slice(&word_i(v));
        }
        for &g in &self.geo {
            out.extend_from_slice(&word_u(g));
        }
        out.extend_from_slice(&self.data_root);
        out.extend_from_slice(&word_u(self.data_length));
        out.extend_from_slice(&self.channel_root);
        out.extend_from_slice(&word_u(self.channels));
        out
    }

    /// The node root: the chunk root of the record.
    pub fn root(&self) -> Hash32 {
        commit::root(&self.encode())
    }
}

/// One channel word: `bias ‖ multiplier ‖ shift ‖ 0`, big-endian int64s.
pub fn channel_word(bias: i64, mult: i64, shift: i64) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[..8].copy_from_slice(&bias.to_be_bytes());
    w[8..16].copy_from_slice(&mult.to_be_bytes());
    w[16..24].copy_from_slice(&shift.to_be_bytes());
    w
}

/// The LiteRT builtin code of an op name.
fn op_code(name: &str) -> u64 {
    schema::op_code(name).map_or(NONE, |c| c as u64)
}

fn shape4(shape: &[usize]) -> [u64; 4] {
    let mut s = [1u64; 4];
    let n = shape.len();
    if n > 4 {
        s[0] = shape[..n - 3].iter().product::<usize>() as u64;
        for (i, &d) in shape[n - 3..].iter().enumerate() {
            s[i + 1] = d as u64;
        }
    } else {
        for (i, &d) in shape.iter().enumerate() {
            s[4 - n + i] = d as u64;
        }
    }
    s
}

/// The graph's inputs' byte offsets in the job input and its length.
fn input_layout(graph: &Graph) -> (Vec<u64>, u64) {
    let mut at = 0u64;
    let offsets = graph
        .inputs
        .iter()
        .map(|&t| {
            let o = at;
            let info = &graph.tensors[t];
            at += (info.len() * info.dtype.size()) as u64;
            o
        })
        .collect();
    (offsets, at)
}

fn operand(graph: &Graph, producer: &[Option<Value>], t: usize) -> Operand {
    let info = &graph.tensors[t];
    let bytes = (info.len() * info.dtype.size()) as u64;
    let (offsets, input_len) = input_layout(graph);
    let (leaf, offset, length) = match producer[t] {
        Some(Value::Input(i)) => (0, offsets[i], input_len),
        Some(Value::Layer(k)) => (k as u64 + 1, 0, bytes),
        None => (NONE, 0, bytes),
    };
    Operand {
        leaf,
        offset,
        length,
        shape: shape4(&info.shape),
    }
}

/// The bytes an op's constant data commits (its layout in the converted file).
fn const_bytes(graph: &Graph, op: &Op) -> Vec<u8> {
    let data = |i: usize| {
        op.inputs
            .get(i)
            .and_then(|&t| graph.tensors[t].data.clone())
            .unwrap_or_default()
    };
    match &op.kind {
        OpKind::FullyConnected { .. } | OpKind::Conv2d { .. } | OpKind::TransposeConv { .. } => {
            data(1)
        }
        OpKind::DepthwiseConv2d { .. } => {
            let w = &graph.tensors[op.inputs[1]];
            let d = data(1);
            let (hw, o) = (w.shape[1] * w.shape[2], w.shape[3]);
            let mut out = vec![0u8; d.len()];
            for p in 0..hw {
                for c in 0..o {
                    out[c * hw + p] = d[p * o + c];
                }
            }
            out
        }
        OpKind::Lut { table, .. } => table.iter().map(|&v| v as u8).collect(),
        // The constant operands, back to back (each at its operand's offset).
        _ => operand_tensors(op)
            .into_iter()
            .flatten()
            .filter_map(|t| graph.tensors[t].data.clone())
            .flatten()
            .collect(),
    }
}

/// Whether the op's data holds weights or a table (then its first operand must be an activation).
fn weights_in_data(kind: &OpKind) -> bool {
    matches!(
        kind,
        OpKind::FullyConnected { .. }
            | OpKind::Conv2d { .. }
            | OpKind::DepthwiseConv2d { .. }
            | OpKind::TransposeConv { .. }
            | OpKind::Lut { .. }
    )
}

/// The tensors of the record's two operands (`in0`, `in1`).
fn operand_tensors(op: &Op) -> [Option<usize>; 2] {
    let at = |i: usize| op.inputs.get(i).copied();
    match op.kind {
        OpKind::TransposeConv { .. } => [at(2), None],
        OpKind::Gather => [at(1), at(0)],
        OpKind::Add { .. }
        | OpKind::Sub { .. }
        | OpKind::Mul { .. }
        | OpKind::SquaredDifference
        | OpKind::BatchMatmul { .. }
        | OpKind::Concatenation { .. } => [at(0), at(1)],
        _ => [at(0), None],
    }
}

/// `shape` right-aligned to rank `r` (leading 1s).
fn pad_to(shape: &[usize], r: usize) -> Vec<usize> {
    let mut s = vec![1; r.saturating_sub(shape.len())];
    s.extend_from_slice(shape);
    s
}

/// Whether the leading axes [`shape4`] folds into one (those before the last three) broadcast as
/// one axis against `out`: all 1, or all equal to `out`'s.
fn folds(shape: &[usize], out: &[usize]) -> bool {
    let lead = out.len().saturating_sub(3);
    let (s, o) = (&shape[..lead], &out[..lead]);
    s.iter().all(|&d| d == 1) || s == o
}

/// The channel words of a conv or FULLY_CONNECTED op (empty for others).
fn channel_words(graph: &Graph, op: &Op) -> Vec<u8> {
    let d = derive(graph, op);
    let bias_at = match op.kind {
        OpKind::TransposeConv { .. } => 3,
        _ => 2,
    };
    let bias = op
        .inputs
        .get(bias_at)
        .and_then(|&t| graph.tensors[t].data.as_ref())
        .map(|b| {
            b.chunks_exact(4)
                .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64)
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let pairs: Vec<(i64, i64)> = match op.kind {
        OpKind::FullyConnected { .. } => d
            .fc_significand
            .iter()
            .zip(&d.fc_exponent)
            .map(|(&s, &e)| (s, e as i64))
            .collect(),
        OpKind::Conv2d { .. } | OpKind::DepthwiseConv2d { .. } | OpKind::TransposeConv { .. } => d
            .multiplier
            .iter()
            .zip(&d.shift)
            .map(|(&m, &s)| (m as i64, s as i64))
            .collect(),
        _ => return Vec::new(),
    };
    pairs
        .iter()
        .enumerate()
        .flat_map(|(c, &(m, s))| channel_word(bias.get(c).copied().unwrap_or(0), m, s))
        .collect()
}

/// Which tensor each layer's non-constant inputs come from.
fn producers(graph: &Graph) -> Vec<Option<Value>> {
    let mut p = vec![None; graph.tensors.len()];
    for (i, &t) in graph.inputs.iter().enumerate() {
        p[t] = Some(Value::Input(i));
    }
    for (k, op) in graph.ops.iter().enumerate() {
        p[op.outputs[0]] = Some(Value::Layer(k));
    }
    p
}

/// Op `k`'s node record.
pub fn node_record(graph: &Graph, k: usize) -> NodeRecord {
    record_and_trees(graph, k).0
}

/// Op `k`'s node record and the trees of its data and channel words.
fn record_and_trees(graph: &Graph, k: usize) -> (NodeRecord, Tree, Tree) {
    let op = &graph.ops[k];
    let mut r = fields(graph, k);
    let (data, ch) = (const_bytes(graph, op), channel_words(graph, op));
    let (dt, ct) = (Tree::new(&data), Tree::new(&ch));
    if !data.is_empty() {
        r.data_root = dt.root();
        r.data_length = data.len() as u64;
    }
    if !ch.is_empty() {
        r.channel_root = ct.root();
        r.channels = (ch.len() / CHUNK) as u64;
    }
    (r, dt, ct)
}

/// Op `k`'s record without its data roots.
fn fields(graph: &Graph, k: usize) -> NodeRecord {
    let producer = producers(graph);
    let op = &graph.ops[k];
    let t = |i: usize| &graph.tensors[i];
    let out = t(op.outputs[0]);
    let d = derive(graph, op);
    let mut r = NodeRecord {
        op_code: op_code(op.name),
        out_length: (out.len() * out.dtype.size()) as u64,
        out_shape: shape4(&out.shape),
        in1: Operand {
            leaf: NONE,
            ..Operand::default()
        },
        clamp: d.clamp.map_or([-128, 127], |[a, b]| [a as i64, b as i64]),
        ..NodeRecord::default()
    };
    // Operands; a constant one (not weights) lies in the data at its offset.
    let mut data_at = 0u64;
    for (k, tensor) in operand_tensors(op).into_iter().enumerate() {
        let Some(x) = tensor else { continue };
        let mut o = operand(graph, &producer, x);
        if o.leaf == NONE && !weights_in_data(&op.kind) {
            o.offset = data_at;
            data_at += o.length;
        }
        if k == 0 {
            r.in0 = o;
        } else {
            r.in1 = o;
        }
        r.zp[k] = t(x).quant.zp() as i64;
    }
    r.zp[2] = out.quant.zp() as i64;
    // Per-tensor multipliers (the conv ops' per-channel ones are channel words).
    if matches!(
        op.kind,
        OpKind::Add { .. }
            | OpKind::Sub { .. }
            | OpKind::Mul { .. }
            | OpKind::SquaredDifference
            | OpKind::BatchMatmul { .. }
            | OpKind::Rsqrt
            | OpKind::Mean { .. }
            | OpKind::Softmax { .. }
    ) {
        for (i, (&m, &s)) in d.multiplier.iter().zip(&d.shift).enumerate().take(3) {
            r.mult[2 * i] = m as i64;
            r.mult[2 * i + 1] = s as i64;
        }
    }
    if let Some(dm) = d.diff_min {
        r.mult[2] = dm;
    }
    fold_shapes(graph, op, &mut r);
    match &op.kind {
        OpKind::Conv2d {
            padding,
            stride,
            dilation,
            ..
        }
        | OpKind::DepthwiseConv2d {
            padding,
            stride,
            dilation,
            ..
        } => {
            let (x, w) = (t(op.inputs[0]), t(op.inputs[1]));
            let (kh, kw) = (w.shape[1], w.shape[2]);
            let ph = conv_out(*padding, x.shape[1], kh, stride.0, dilation.0).1;
            let pw = conv_out(*padding, x.shape[2], kw, stride.1, dilation.1).1;
            let dm = match op.kind {
                OpKind::DepthwiseConv2d { multiplier, .. } => multiplier,
                _ => 0,
            };
            r.geo = [
                kh as u64,
                kw as u64,
                stride.0 as u64,
                stride.1 as u64,
                dilation.0 as u64,
                dilation.1 as u64,
                ph as u64,
                pw as u64,
                dm as u64,
                0,
            ];
        }
        OpKind::TransposeConv {
            padding, stride, ..
        } => {
            let w = t(op.inputs[1]);
            let (kh, kw) = (w.shape[1], w.shape[2]);
            let ph = conv_out(*padding, out.shape[1], kh, stride.0, 1).1;
            let pw = conv_out(*padding, out.shape[2], kw, stride.1, 1).1;
            r.geo = [
                kh as u64,
                kw as u64,
                stride.0 as u64,
                stride.1 as u64,
                1,
                1,
                ph as u64,
                pw as u64,
                0,
                0,
            ];
        }
        OpKind::FullyConnected { .. } => r.geo[0] = t(op.inputs[1]).shape[1] as u64,
        OpKind::ResizeBilinear {
            align_corners,
            half_pixel,
        }
        | OpKind::ResizeNearest {
            align_corners,
            half_pixel,
        } => {
            r.geo[0] = *align_corners as u64;
            r.geo[1] = *half_pixel as u64;
        }
        OpKind::Gather => {
            let table = t(op.inputs[0]);
            r.geo[0] = table.shape[0] as u64;
            r.geo[1] = (table.len() / table.shape[0].max(1)) as u64;
        }
        OpKind::BatchMatmul { adj_x, adj_y } => {
            let a = &t(op.inputs[0]).shape;
            let k = if *adj_x {
                a[a.len() - 2]
            } else {
                a[a.len() - 1]
            };
            r.geo[0] = *adj_x as u64;
            r.geo[1] = *adj_y as u64;
            r.geo[2] = k as u64;
        }
        OpKind::Mean { axes } => {
            let shape = &t(op.inputs[0]).shape;
            let rank = shape.len();
            let pad = 4usize.saturating_sub(rank);
            let lead = rank.saturating_sub(3);
            for &a in axes {
                // rank-4 axis: the folded leading axes are axis 0 (its size-1 ones reduce nothing)
                if rank > 4 && a < lead && shape[a] == 1 {
                    continue;
                }
                let at = if rank > 4 {
                    a.saturating_sub(lead - 1)
                } else {
                    a + pad
                };
                r.geo[0] |= 1 << at;
            }
            let folded: Vec<bool> = (0..lead.min(rank))
                .filter(|&a| shape[a] > 1)
                .map(|a| axes.contains(&a))
                .collect();
            if rank > 4 && folded.windows(2).any(|w| w[0] != w[1]) {
                r.geo[UNFOLDED] = 1;
            }
        }
        OpKind::Transpose { perm } => {
            let rank = perm.len();
            if rank <= 4 {
                let pad = 4 - rank;
                for a in 0..4 {
                    r.geo[a] = if a < pad { a } else { pad + perm[a - pad] } as u64;
                }
            } else if (0..rank - 3).all(|a| perm[a] == a) {
                r.geo[0] = 0;
                for j in 0..3 {
                    r.geo[1 + j] = (perm[rank - 3 + j] - (rank - 4)) as u64;
                }
            } else {
                r.geo[UNFOLDED] = 1;
            }
        }
        OpKind::Concatenation { axis } => {
            for (i, &x) in op.inputs.iter().take(2).enumerate() {
                r.geo[i] = t(x).shape[*axis..].iter().product::<usize>() as u64;
            }
            r.geo[2] = op.inputs.len() as u64;
        }
        _ => {}
    }
    r
}

/// The broadcasting ops' operand shapes above rank 4: right-aligned to the output's rank, then
/// folded as the output is; marks the record [`UNFOLDED`] when the leading axes do not fold.
fn fold_shapes(graph: &Graph, op: &Op, r: &mut NodeRecord) {
    let out = &graph.tensors[op.outputs[0]].shape;
    let rank = out.len();
    let broadcasting = matches!(
        op.kind,
        OpKind::Add { .. }
            | OpKind::Sub { .. }
            | OpKind::Mul { .. }
            | OpKind::SquaredDifference
            | OpKind::BatchMatmul { .. }
    );
    if !broadcasting || rank <= 4 {
        return;
    }
    for (k, tensor) in operand_tensors(op).into_iter().enumerate() {
        let Some(x) = tensor else { continue };
        let mut s = pad_to(&graph.tensors[x].shape, rank);
        if matches!(op.kind, OpKind::BatchMatmul { .. }) {
            // the matrix axes are the operand's own; only the batch axes broadcast
            let n = s.len();
            s[n - 2..].copy_from_slice(&out[n - 2..]);
            if !folds(&s, out) {
                r.geo[UNFOLDED] = 1;
            }
            let own = pad_to(&graph.tensors[x].shape, rank);
            s[n - 2..].copy_from_slice(&own[n - 2..]);
        } else if !folds(&s, out) {
            r.geo[UNFOLDED] = 1;
        }
        let folded = shape4(&s);
        if k == 0 {
            r.in0.shape = folded;
        } else {
            r.in1.shape = folded;
        }
    }
}

/// Every op's node root, in execution order.
pub fn node_roots(graph: &Graph) -> Vec<Hash32> {
    (0..graph.ops.len())
        .map(|k| node_record(graph, k).root())
        .collect()
}

/// The model id: the chunk root over the node roots.
pub fn model_id(graph: &Graph) -> Hash32 {
    let mut cat = Vec::with_capacity(graph.ops.len() * CHUNK);
    for r in node_roots(graph) {
        cat.extend_from_slice(&r);
    }
    commit::root(&cat)
}

/// What a range is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The node's constant data (`data_root`).
    Data,
    /// The node's channel words (`channel_root`).
    Channels,
    /// Activation operand 0 or 1 (its committed tensor, at the operand's leaf).
    Input(u8),
}

/// One range the judge reads: `len` bytes at byte `start` of the source's committed string
/// (for inputs: of the whole committed tensor, operand offset included).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Need {
    /// Against which root.
    pub source: Source,
    /// First byte.
    pub start: u64,
    /// Bytes.
    pub len: u64,
}

/// One kernel row `ky` of a conv element that meets the input: its input row `iy` and the taps
/// `(kx, ix)` inside the input, as the judge derives them.
struct TapRow {
    ky: u64,
    iy: u64,
    taps: Vec<(u64, u64)>,
}

fn conv_taps(r: &NodeRecord, oy: u64, ox: u64, transposed: bool) -> Vec<TapRow> {
    let [kh, kw, sh, sw, dh, dw, ph, pw, ..] = r.geo;
    let (h, w) = (r.in0.shape[1], r.in0.shape[2]);
    let at = |o: u64, k: u64, s: u64, d: u64, p: u64, size: u64| -> Option<u64> {
        if transposed {
            let t = (o + p).checked_sub(k)?;
            (s != 0 && t % s == 0 && t / s < size).then(|| t / s)
        } else {
            let t = (o * s + k * d).checked_sub(p)?;
            (t < size).then_some(t)
        }
    };
    let mut rows = Vec::new();
    for ky in 0..kh {
        let Some(iy) = at(oy, ky, sh, dh, ph, h) else {
            continue;
        };
        let taps: Vec<(u64, u64)> = (0..kw)
            .filter_map(|kx| at(ox, kx, sw, dw, pw, w).map(|ix| (kx, ix)))
            .collect();
        if !taps.is_empty() {
            rows.push(TapRow { ky, iy, taps });
        }
    }
    rows
}

fn index4(shape: &[u64; 4], e: u64) -> [u64; 4] {
    let mut i = [0u64; 4];
    let mut e = e;
    for a in (0..4).rev() {
        i[a] = e % shape[a].max(1);
        e /= shape[a].max(1);
    }
    i
}

fn broadcast_index(out: &[u64; 4], shape: &[u64; 4], e: u64) -> u64 {
    let o = index4(out, e);
    let mut idx = 0;
    for a in 0..4 {
        idx = idx * shape[a] + if shape[a] == 1 { 0 } else { o[a] };
    }
    idx
}

/// Whether the judge recomputes the op with record `r` (else `OpNotJudgeable`: the committee
/// decides), as `LiteRtJudge._judgeable` decides it: a known op, shapes the record states, an
/// activation input where the data holds weights or a table, and reads within [`MAX_SPAN`],
/// [`MAX_PICKS`] and [`MAX_ROW`] (CONCATENATION: two inputs at most).
pub fn judgeable(r: &NodeRecord) -> bool {
    let code = r.op();
    let weights = matches!(
        code,
        op::FULLY_CONNECTED
            | op::CONV_2D
            | op::DEPTHWISE_CONV_2D
            | op::TRANSPOSE_CONV
            | op::LOGISTIC
            | op::TANH
            | op::GELU
    );
    let known = weights
        || matches!(
            code,
            op::ADD
                | op::CONCATENATION
                | op::MUL
                | op::RESHAPE
                | op::RESIZE_BILINEAR
                | op::SOFTMAX
                | op::GATHER
                | op::TRANSPOSE
                | op::MEAN
                | op::SUB
                | op::RSQRT
                | op::RESIZE_NEAREST_NEIGHBOR
                | op::SQUARED_DIFFERENCE
                | op::BATCH_MATMUL
        );
    if !known || r.geo[UNFOLDED] != 0 || (weights && r.in0.leaf == NONE) {
        return false;
    }
    match code {
        op::FULLY_CONNECTED => r.geo[0] <= MAX_SPAN,
        op::CONV_2D | op::DEPTHWISE_CONV_2D | op::TRANSPOSE_CONV => {
            let per = if code == op::DEPTHWISE_CONV_2D {
                1
            } else {
                r.in0.shape[3]
            };
            // the filter row, and the kernel rows' input runs together
            let runs = r.geo[0] * ((r.geo[1] - 1) * r.geo[5] + 1) * r.in0.shape[3];
            r.geo[0] * r.geo[1] * per <= MAX_SPAN && runs <= MAX_SPAN
        }
        op::SOFTMAX => r.out_shape[3] <= MAX_ROW,
        op::CONCATENATION => r.geo[2] <= 2,
        op::MEAN => {
            let w = window(r, 0);
            w.span <= MAX_SPAN && (w.count == w.span || w.count <= MAX_PICKS)
        }
        op::BATCH_MATMUL => {
            let stride = matmul_read(r, 0, true).1.max(matmul_read(r, 0, false).1);
            r.geo[2] != 0
                && (r.geo[2] - 1) * stride < MAX_SPAN
                && (stride == 1 || r.geo[2] <= MAX_PICKS)
        }
        _ => true,
    }
}

/// A MEAN element's window (`LiteRtJudge._window`): its first byte in the input, the span to its
/// last, the count, and the input's rank-4 strides.
struct Window {
    base: u64,
    span: u64,
    count: u64,
    stride: [u64; 4],
}

fn window(r: &NodeRecord, element: u64) -> Window {
    let s = r.in0.shape;
    let mut w = Window {
        base: 0,
        span: 1,
        count: 1,
        stride: [0; 4],
    };
    let (mut st, mut e) = (1u64, element);
    for a in (0..4).rev() {
        w.stride[a] = st;
        if (r.geo[0] >> a) & 1 == 1 {
            w.span += (s[a] - 1) * st;
            w.count *= s[a];
        } else {
            w.base += (e % s[a]) * st;
            e /= s[a];
        }
        st *= s[a];
    }
    w
}

/// The window's bytes relative to its first, row-major over the reduced axes.
fn window_offsets(r: &NodeRecord, w: &Window) -> Vec<u64> {
    (0..w.count)
        .map(|t| {
            let (mut off, mut t) = (0, t);
            for a in (0..4).rev() {
                if (r.geo[0] >> a) & 1 == 1 {
                    off += (t % r.in0.shape[a]) * w.stride[a];
                    t /= r.in0.shape[a];
                }
            }
            off
        })
        .collect()
}

/// Where BATCH_MATMUL output `e`'s lhs row (`lhs`) or rhs column starts in its operand, and the
/// stride between its K values (`LiteRtJudge._matmulRead`).
fn matmul_read(r: &NodeRecord, e: u64, lhs: bool) -> (u64, u64) {
    let [b0, b1, i, j] = index4(&r.out_shape, e);
    let (m, cols, k) = (r.out_shape[2], r.out_shape[3], r.geo[2]);
    let s = if lhs { r.in0.shape } else { r.in1.shape };
    let batch = (if s[0] == 1 { 0 } else { b0 }) * s[1] + if s[1] == 1 { 0 } else { b1 };
    let base = batch * k * if lhs { m } else { cols };
    match (lhs, r.geo[0] != 0, r.geo[1] != 0) {
        (true, true, _) => (base + i, m),
        (true, false, _) => (base + i * k, 1),
        (false, _, true) => (base + j * k, 1),
        (false, _, false) => (base + j, cols),
    }
}

/// TRANSPOSE's source index (`MoverOps.transposeSource`): output axis `a` is input axis `perm[a]`.
fn transpose_source(i: u64, shape: &[u64; 4], perm: &[u64]) -> u64 {
    let mut stride = [1u64; 4];
    for a in (0..3).rev() {
        stride[a] = stride[a + 1] * shape[a + 1];
    }
    let (mut i, mut src) = (i, 0);
    for a in (0..4).rev() {
        let p = perm[a] as usize;
        src += (i % shape[p]) * stride[p];
        i /= shape[p];
    }
    src
}

/// The patch bytes of a strided read (BATCH_MATMUL's column, a MEAN window that is not one run):
/// per range index, the read bytes' offsets from the range's first byte, in patch order.
fn strided_picks(r: &NodeRecord, element: u64) -> Vec<(usize, Vec<u64>)> {
    match r.op() {
        op::BATCH_MATMUL => [true, false]
            .iter()
            .enumerate()
            .filter_map(|(i, &lhs)| {
                let (_, stride) = matmul_read(r, element, lhs);
                (stride != 1 && r.geo[2] != 1)
                    .then(|| (i, (0..r.geo[2]).map(|t| t * stride).collect()))
            })
            .collect(),
        op::MEAN => {
            let w = window(r, element);
            if w.count == w.span {
                Vec::new()
            } else {
                vec![(0, window_offsets(r, &w))]
            }
        }
        _ => Vec::new(),
    }
}

/// The ranges the judge reads for output `element` of the op with record `r`, in its order.
/// `id` is GATHER's index (read from the first range), ignored otherwise.
pub fn needs(r: &NodeRecord, element: u64, gather_id: Option<i64>) -> Result<Vec<Need>> {
    if !judgeable(r) {
        return Err(Error::Claim(format!(
            "op code {} is not one the on-chain judge recomputes here",
            r.op_code
        )));
    }
    let input = |k: u8, start: u64, len: u64| Need {
        source: Source::Input(k),
        start: if k == 0 { r.in0.offset } else { r.in1.offset } + start,
        len,
    };
    let data = |start, len| Need {
        source: Source::Data,
        start,
        len,
    };
    // An operand's bytes: a constant's lie in the data at its offset.
    let read = |k: u8, start: u64, len: u64| {
        let op = if k == 0 { r.in0 } else { r.in1 };
        if op.leaf == NONE {
            data(op.offset + start, len)
        } else {
            input(k, start, len)
        }
    };
    let chan = |c: u64| Need {
        source: Source::Channels,
        start: c * 32,
        len: 32,
    };
    let [b, oy, ox, c] = index4(&r.out_shape, element);
    let [_, h, w, ic] = r.in0.shape;
    let pixel = |y: u64, x: u64| ((b * h + y) * w + x) * ic;
    Ok(match r.op() {
        // FULLY_CONNECTED
        op::FULLY_CONNECTED => {
            let o = r.out_shape[3].max(1);
            let d = r.geo[0];
            let (row, c) = (element / o, element % o);
            vec![chan(c), input(0, row * d, d), data(c * d, d)]
        }
        // CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV
        op::CONV_2D | op::DEPTHWISE_CONV_2D | op::TRANSPOSE_CONV => {
            let (kh, kw) = (r.geo[0], r.geo[1]);
            let row = if r.op() == op::DEPTHWISE_CONV_2D {
                kh * kw
            } else {
                kh * kw * ic
            };
            let mut v = vec![chan(c), data(c * row, row)];
            for row in conv_taps(r, oy, ox, r.op() == op::TRANSPOSE_CONV) {
                let lo = row.taps.iter().map(|t| t.1).min().unwrap_or(0);
                let hi = row.taps.iter().map(|t| t.1).max().unwrap_or(0);
                v.push(input(0, pixel(row.iy, lo), (hi - lo + 1) * ic));
            }
            v
        }
        // ADD, SUB, MUL, SQUARED_DIFFERENCE
        op::ADD | op::SUB | op::MUL | op::SQUARED_DIFFERENCE => {
            let i0 = broadcast_index(&r.out_shape, &r.in0.shape, element);
            let i1 = broadcast_index(&r.out_shape, &r.in1.shape, element);
            vec![read(0, i0, 1), read(1, i1, 1)]
        }
        // LOGISTIC, TANH, GELU
        op::LOGISTIC | op::TANH | op::GELU => vec![input(0, element, 1), data(0, 256)],
        // RESHAPE
        op::RESHAPE => vec![read(0, element, 1)],
        // RESIZE_NEAREST_NEIGHBOR
        op::RESIZE_NEAREST_NEIGHBOR => {
            let (y, x) = resize::nearest(r, oy, ox);
            vec![read(0, pixel(y, x) + c, 1)]
        }
        // RESIZE_BILINEAR
        op::RESIZE_BILINEAR => {
            let (src, _, _) = resize::bilinear(r, oy, ox);
            [(0, 2), (1, 2), (0, 3), (1, 3)]
                .iter()
                .map(|&(y, x)| read(0, pixel(src[y], src[x]) + c, 1))
                .collect()
        }
        // GATHER
        op::GATHER => {
            let width = r.geo[1].max(1);
            let mut v = vec![read(0, (element / width) * 4, 4)];
            if let Some(id) = gather_id {
                if id < 0 || id as u64 >= r.geo[0] {
                    return Err(Error::Claim(format!("GATHER id {id} out of range")));
                }
                v.push(read(1, id as u64 * width + element % width, 1));
            }
            v
        }
        // BATCH_MATMUL: the lhs row, the rhs column (a strided one as its span)
        op::BATCH_MATMUL => [(0u8, true), (1, false)]
            .iter()
            .map(|&(k, lhs)| {
                let (start, stride) = matmul_read(r, element, lhs);
                read(k, start, (r.geo[2] - 1) * stride + 1)
            })
            .collect(),
        // SOFTMAX: the row
        op::SOFTMAX => {
            let d = r.out_shape[3];
            vec![read(0, (element / d) * d, d)]
        }
        // MEAN: the window's span
        op::MEAN => {
            let w = window(r, element);
            vec![read(0, w.base, w.span)]
        }
        // RSQRT
        op::RSQRT => vec![read(0, element, 1)],
        // TRANSPOSE
        op::TRANSPOSE => vec![read(
            0,
            transpose_source(element, &r.in0.shape, &r.geo[..4]),
            1,
        )],
        // CONCATENATION
        op::CONCATENATION => {
            let chunks = &r.geo[..r.geo[2] as usize];
            let row: u64 = chunks.iter().sum();
            let (o, mut rest) = (element / row, element % row);
            let mut v = Vec::new();
            for (t, &len) in chunks.iter().enumerate() {
                if rest < len {
                    v.push(read(t as u8, o * len + rest, 1));
                    break;
                }
                rest -= len;
            }
            v
        }
        code => {
            return Err(Error::Claim(format!(
                "op code {code} is not one the on-chain judge recomputes"
            )));
        }
    })
}

/// The resizes' source coordinates, as `MoverOps` computes them (C's integer arithmetic).
mod resize {
    use super::NodeRecord;

    fn step(input: u64, output: u64, align: bool) -> i64 {
        let (i, o) = (input as i64, output.max(1) as i64);
        if align && o > 1 {
            (1024 * (i - 1) + (o - 1) / 2) / (o - 1)
        } else {
            (1024 * i + o / 2) / o
        }
    }

    fn coords(v: u64, scale: i64, size: u64, half: bool) -> (i64, u64, u64) {
        let val = if half {
            v as i64 * scale + scale / 2 - 512
        } else {
            v as i64 * scale
        };
        let l = val / 1024;
        let lo = l.max(0) as u64;
        let h = ((val + 1023) / 1024).min(size as i64 - 1);
        (val, lo, h.max(0) as u64)
    }

    /// `[y0, y1, x0, x1]` and the fractions.
    pub fn bilinear(r: &NodeRecord, oy: u64, ox: u64) -> ([u64; 4], i64, i64) {
        let (h, w, oh, ow) = (
            r.in0.shape[1],
            r.in0.shape[2],
            r.out_shape[1],
            r.out_shape[2],
        );
        let (align, half) = (r.geo[0] != 0, r.geo[1] != 0);
        let (vy, y0, y1) = coords(oy, step(h, oh, align), h, half);
        let (vx, x0, x1) = coords(ox, step(w, ow, align), w, half);
        (
            [y0, y1, x0, x1],
            vy - 1024 * y0 as i64,
            vx - 1024 * x0 as i64,
        )
    }

    /// The nearest source `(y, x)`, by the reference's own index function.
    pub fn nearest(r: &NodeRecord, oy: u64, ox: u64) -> (u64, u64) {
        let (h, w, oh, ow) = (
            r.in0.shape[1],
            r.in0.shape[2],
            r.out_shape[1],
            r.out_shape[2],
        );
        let (align, half) = (r.geo[0] != 0, r.geo[1] != 0);
        let f = crate::litert::ops::resize::nearest_index;
        (
            f(oy as usize, h as usize, oh as usize, align, half) as u64,
            f(ox as usize, w as usize, ow as usize, align, half) as u64,
        )
    }
}

/// One opened range: chunks `first..` and the proof ([`commit::open_range`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Range {
    /// First chunk.
    pub first: u64,
    /// The chunks and siblings.
    pub proof: RangeProof,
}

/// Everything the judge takes for one element (`abi.encode(LiteRtJudge.Opening)` once encoded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElementOpening {
    /// The node record (`abi.encode(Node)`).
    pub node: Vec<u8>,
    /// The node root's proof at leaf `layer` of the model id.
    pub node_proof: Vec<Hash32>,
    /// The ranges, in [`needs`] order.
    pub ranges: Vec<Range>,
    /// The packed patch: the conv ops' taps (order `(ky, kx, i)`; taps outside the input zero),
    /// or a strided read's bytes in order (BATCH_MATMUL lhs then rhs, a MEAN window).
    pub patch: Vec<u8>,
    /// The leaves (in the layer commitment) of the committed tensors the judge checks the input
    /// ranges against, in the order it returns their roots (operand 0, then operand 1): the
    /// proof game's final step proves each root there.
    pub input_leaves: Vec<u64>,
}

impl ElementOpening {
    /// `abi.encode(LiteRtJudge.Opening)`: what `recompute` and the game's final step take.
    pub fn abi_encode(&self) -> Vec<u8> {
        use crate::abi::{Part, bytes, dynamic_array, encode_dynamic, tuple, uint, words};
        let ranges = self
            .ranges
            .iter()
            .map(|r| {
                tuple(&[
                    Part::Word(uint(r.first)),
                    Part::Dynamic(bytes(&r.proof.chunks.concat())),
                    Part::Dynamic(words(&r.proof.siblings)),
                ])
            })
            .collect();
        encode_dynamic(tuple(&[
            Part::Dynamic(bytes(&self.node)),
            Part::Dynamic(words(&self.node_proof)),
            Part::Dynamic(dynamic_array(ranges)),
            Part::Dynamic(bytes(&self.patch)),
        ]))
    }
}

/// Opens `need` of a committed string's tree (the minimal chunk range covering it).
fn open_tree(tree: &Tree, need: &Need) -> Result<Range> {
    let first = need.start / CHUNK as u64;
    let last = (need.start + need.len.max(1) - 1) / CHUNK as u64;
    let proof = tree
        .open(first as usize, (last - first + 1) as usize)
        .ok_or_else(|| Error::Claim(format!("range {need:?} is outside its tensor")))?;
    Ok(Range { first, proof })
}

/// The opening of op `layer`'s output `element` of a job: `tensors[0]` is the job input,
/// `tensors[k + 1]` op `k`'s output (the orchestrator's committed tensors). For many openings of
/// one model, [`Opener`] computes the node records once.
pub fn open_element(
    model: &Model,
    layer: usize,
    element: u64,
    tensors: &[&[u8]],
) -> Result<ElementOpening> {
    Opener::new(model).open(layer, element, tensors)
}

/// A model's node records and roots, computed once, opening any element.
pub struct Opener {
    records: Vec<NodeRecord>,
    /// Per op, the trees of its data and channel words.
    trees: Vec<(Tree, Tree)>,
    roots: Vec<u8>,
}

impl Opener {
    /// Computes every node record of `model`.
    pub fn new(model: &Model) -> Self {
        Self::from_graph(model.graph())
    }

    /// Computes every node record of `graph` (its model id is [`model_id`]).
    pub fn from_graph(graph: &Graph) -> Self {
        let (records, trees): (Vec<NodeRecord>, Vec<(Tree, Tree)>) = (0..graph.ops.len())
            .map(|k| {
                let (r, d, c) = record_and_trees(graph, k);
                (r, (d, c))
            })
            .unzip();
        let roots = records.iter().flat_map(|r| r.root()).collect();
        Opener {
            records,
            trees,
            roots,
        }
    }

    /// Op `layer`'s node record.
    pub fn record(&self, layer: usize) -> Option<&NodeRecord> {
        self.records.get(layer)
    }

    /// See [`open_element`].
    pub fn open(&self, layer: usize, element: u64, tensors: &[&[u8]]) -> Result<ElementOpening> {
        let record = self
            .records
            .get(layer)
            .ok_or_else(|| Error::Claim(format!("layer {layer} does not exist")))?;
        let node_proof = commit::open_range(&self.roots, layer, 1)
            .map(|p| p.siblings)
            .unwrap_or_default();
        let mut opening = ElementOpening {
            node: record.encode(),
            node_proof,
            ranges: Vec::new(),
            patch: Vec::new(),
            input_leaves: Vec::new(),
        };
        if element >= record.out_length {
            return Ok(opening);
        }
        let (data, channels) = &self.trees[layer];
        let tensor = |leaf: u64| -> Result<&[u8]> {
            tensors
                .get(leaf as usize)
                .copied()
                .ok_or_else(|| Error::Claim(format!("no committed tensor at leaf {leaf}")))
        };
        let source = |s: Source| -> Result<&[u8]> {
            match s {
                Source::Input(0) => tensor(record.in0.leaf),
                _ => tensor(record.in1.leaf),
            }
        };
        // Each input tensor's tree is built once per opening (bilinear reads four taps).
        let mut input_trees: [Option<Tree>; 2] = [None, None];
        // Which operands were read from committed tensors (not constants).
        let mut read = [false; 2];
        let mut open_need = |n: &Need| -> Result<Range> {
            match n.source {
                Source::Data => open_tree(data, n),
                Source::Channels => open_tree(channels, n),
                Source::Input(k) => {
                    let k = usize::from(k.min(1));
                    read[k] = true;
                    if input_trees[k].is_none() {
                        input_trees[k] = Some(Tree::new(source(n.source)?));
                    }
                    let tree = input_trees[k]
                        .as_ref()
                        .ok_or_else(|| Error::Claim("no input tree".into()))?;
                    open_tree(tree, n)
                }
            }
        };
        let mut list = needs(record, element, None)?;
        if record.op() == op::GATHER {
            // GATHER's second range is the table row its id (the first range) names.
            let first = open_need(&list[0])?;
            let at = (list[0].start % CHUNK as u64) as usize;
            let id = first.proof.chunks.concat()[at..at + 4]
                .try_into()
                .map(i32::from_le_bytes)
                .map_err(|_| Error::Claim("GATHER id outside the input".into()))?;
            list = needs(record, element, Some(id as i64))?;
        }
        for n in &list {
            opening.ranges.push(open_need(n)?);
        }
        // Strided reads: the bytes at the stride, packed, which the judge checks against the span.
        for (i, offsets) in strided_picks(record, element) {
            let bytes = opening.ranges[i].proof.chunks.concat();
            let at = list[i].start % CHUNK as u64;
            opening
                .patch
                .extend(offsets.iter().map(|&o| bytes[(at + o) as usize]));
        }
        // The judge returns the roots of the operands it read, in operand order.
        opening.input_leaves = [record.in0.leaf, record.in1.leaf]
            .into_iter()
            .zip(read)
            .filter_map(|(leaf, was_read)| was_read.then_some(leaf))
            .collect();
        if matches!(
            record.op(),
            op::CONV_2D | op::DEPTHWISE_CONV_2D | op::TRANSPOSE_CONV
        ) {
            opening.patch = patch(record, element, tensor(record.in0.leaf)?)?;
        }
        Ok(opening)
    }
}

/// The conv ops' packed patch of an element: per tap `(ky, kx)` the input pixel's `I` channels
/// (depthwise: the one channel `c / multiplier`), zeros for taps outside the input.
fn patch(r: &NodeRecord, element: u64, x: &[u8]) -> Result<Vec<u8>> {
    let [b, oy, ox, c] = index4(&r.out_shape, element);
    let [_, h, w, ic] = r.in0.shape;
    let (kh, kw) = (r.geo[0], r.geo[1]);
    let depthwise = r.op() == op::DEPTHWISE_CONV_2D;
    let per = if depthwise { 1 } else { ic };
    let mut p = vec![0u8; (kh * kw * per) as usize];
    for TapRow { ky, iy, taps } in conv_taps(r, oy, ox, r.op() == op::TRANSPOSE_CONV) {
        for (kx, ix) in taps {
            let at = (r.in0.offset + ((b * h + iy) * w + ix) * ic) as usize;
            let dst = ((ky * kw + kx) * per) as usize;
            let (from, n) = if depthwise {
                (at + (c / r.geo[8].max(1)) as usize, 1)
            } else {
                (at, per as usize)
            };
            let src = x
                .get(from..from + n)
                .ok_or_else(|| Error::Claim(format!("tap ({ky}, {kx}) is outside the input")))?;
            p[dst..dst + n].copy_from_slice(src);
        }
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_abi_words() {
        assert_eq!(word_i(-1), [0xff; 32]);
        assert_eq!(word_u(NONE), [0xff; 32]);
        assert_eq!(word_u(5)[31], 5);
        assert_eq!(NodeRecord::default().encode().len(), NODE_WORDS * 32);
    }
}
