//! Per-op import checks: options, operand types and quantization, shapes (every output shape is
//! recomputed from the inputs and must equal the file's), and the op's MAC count.

use std::cell::RefCell;
use std::collections::BTreeMap;

use super::error::{LiteRtError, Result};
use super::flatbuf::Table;
use super::graph::{Activation, DType, Op, OpKind, Padding, TensorInfo};
use super::ops::lut;

/// Shape helper: output size of a convolution along one axis, and its leading padding.
pub fn conv_out(
    padding: Padding,
    input: usize,
    kernel: usize,
    stride: usize,
    dilation: usize,
) -> (usize, usize) {
    let eff = (kernel - 1) * dilation + 1;
    let out = match padding {
        Padding::Same => input.div_ceil(stride),
        Padding::Valid => (input + stride).saturating_sub(eff) / stride,
    };
    let pad = ((out.max(1) - 1) * stride + eff).saturating_sub(input) / 2;
    (out, pad)
}

/// NumPy broadcast of two shapes, `None` if incompatible.
pub fn broadcast(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    let dim = |s: &[usize], i: usize| {
        if i + s.len() >= n {
            s[i + s.len() - n]
        } else {
            1
        }
    };
    (0..n)
        .map(|i| match (dim(a, i), dim(b, i)) {
            (x, y) if x == y || y == 1 => Some(x),
            (1, y) => Some(y),
            _ => None,
        })
        .collect()
}

/// A builtin-option value as an op check read it: an integer field (bool, enum, int) or an f32.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum OptVal {
    /// bool / enum / int field.
    Int(i64),
    /// float field.
    F32(f32),
}

/// Where an op's builtin options come from: the `.tflite` FlatBuffer table, or the field map a
/// converted file stores (schema field id -> value, exactly the fields the checks read).
#[derive(Clone, Copy)]
pub enum OptSource<'a> {
    /// The FlatBuffer options table (absent: every field takes its default).
    Flat(Option<Table<'a>>),
    /// A converted file's fields (absent: the default).
    Fields(&'a BTreeMap<usize, OptVal>),
}

struct Ctx<'a> {
    index: usize,
    name: &'static str,
    options: OptSource<'a>,
    read: &'a RefCell<BTreeMap<usize, OptVal>>,
    ins: Vec<Option<usize>>,
    outs: Vec<usize>,
    tensors: &'a [TensorInfo],
}

impl<'a> Ctx<'a> {
    fn err(&self, why: impl Into<String>) -> LiteRtError {
        LiteRtError::Op {
            index: self.index,
            op: self.name,
            why: why.into(),
        }
    }
    fn arity(&self, min: usize, max: usize, outs: usize) -> Result<()> {
        if self.ins.len() < min || self.ins.len() > max || self.outs.len() != outs {
            return Err(self.err(format!(
                "{} inputs and {} outputs",
                self.ins.len(),
                self.outs.len()
            )));
        }
        Ok(())
    }
    fn input(&self, i: usize) -> Result<(usize, &'a TensorInfo)> {
        let t = self
            .ins
            .get(i)
            .copied()
            .flatten()
            .ok_or_else(|| self.err(format!("input {i} is missing")))?;
        Ok((t, &self.tensors[t]))
    }
    fn out(&self) -> &'a TensorInfo {
        &self.tensors[self.outs[0]]
    }
    /// An int8 per-tensor activation (or constant) operand.
    fn i8_per_tensor(&self, t: &TensorInfo, what: &str) -> Result<()> {
        if t.dtype != DType::I8 || t.quant.scale.len() != 1 {
            return Err(self.err(format!("{what} must be int8 with one scale")));
        }
        Ok(())
    }
    fn const_i32(&self, i: usize, what: &str) -> Result<Vec<i32>> {
        let (_, t) = self.input(i)?;
        match (t.dtype, t.const_i32()) {
            (DType::I32, Some(v)) => Ok(v),
            _ => Err(self.err(format!("{what} must be a constant int32 tensor"))),
        }
    }
    /// Reads an integer field (recorded), checking it fits `lo..=hi`.
    fn raw_int(
        &self,
        id: usize,
        default: i64,
        lo: i64,
        hi: i64,
        flat: impl Fn(Table<'a>) -> Result<i64>,
    ) -> Result<i64> {
        let v = match self.options {
            OptSource::Flat(t) => t.map_or(Ok(default), flat)?,
            OptSource::Fields(m) => match m.get(&id) {
                None => default,
                Some(OptVal::Int(v)) if (lo..=hi).contains(v) => *v,
                Some(v) => {
                    return Err(self.err(format!(
                        "option field {id}: {v:?} is not an integer in {lo}..={hi}"
                    )));
                }
            },
        };
        self.read.borrow_mut().insert(id, OptVal::Int(v));
        Ok(v)
    }
    fn raw_u8(&self, id: usize) -> Result<u8> {
        let name = self.name;
        Ok(self.raw_int(id, 0, 0, 255, |o| o.u8(id, 0, name).map(i64::from))? as u8)
    }
    fn opt_f32(&self, id: usize, default: f32) -> Result<f32> {
        let v = match self.options {
            OptSource::Flat(t) => t.map_or(Ok(default), |o| o.f32(id, default, self.name))?,
            OptSource::Fields(m) => match m.get(&id) {
                None => default,
                Some(OptVal::F32(v)) => *v,
                Some(v) => return Err(self.err(format!("option field {id}: {v:?} is not a float"))),
            },
        };
        self.read.borrow_mut().insert(id, OptVal::F32(v));
        Ok(v)
    }
    fn opt_i32(&self, id: usize, default: i32) -> Result<i32> {
        let name = self.name;
        Ok(
            self.raw_int(id, default as i64, i32::MIN as i64, i32::MAX as i64, |o| {
                o.i32(id, default, name).map(i64::from)
            })? as i32,
        )
    }
    fn opt_bool(&self, id: usize) -> Result<bool> {
        Ok(self.raw_u8(id)? != 0)
    }
    fn opt_act(&self, id: usize) -> Result<Activation> {
        let raw = self.raw_u8(id)?;
        match raw {
            0 => Ok(Activation::None),
            1 => Ok(Activation::Relu),
            3 => Ok(Activation::Relu6),
            other => Err(self.err(format!(
                "fused activation {other} is not supported (only NONE, RELU, RELU6)"
            ))),
        }
    }
    fn padding(&self, id: usize) -> Result<Padding> {
        match self.raw_u8(id)? {
            0 => Ok(Padding::Same),
            1 => Ok(Padding::Valid),
            p => Err(self.err(format!("padding {p}"))),
        }
    }
    fn positive(&self, id: usize, default: i32, what: &str) -> Result<usize> {
        let v = self.opt_i32(id, default)?;
        if !(1..=1024).contains(&v) {
            return Err(self.err(format!("{what} {v} is not in 1..=1024")));
        }
        Ok(v as usize)
    }
    fn expect_shape(&self, want: &[usize]) -> Result<()> {
        if self.out().shape != want {
            return Err(self.err(format!(
                "output shape {:?}, the inputs give {want:?}",
                self.out().shape
            )));
        }
        Ok(())
    }
    /// Weights int8 with one scale or one per output channel along `axis`; bias int32 [O].
    fn weights(&self, w: &TensorInfo, axis: usize, channels: usize) -> Result<()> {
        if w.dtype != DType::I8 || w.data.is_none() {
            return Err(self.err("weights must be constant int8"));
        }
        let per_channel =
            w.quant.scale.len() == channels && (channels == 1 || w.quant.axis == axis);
        if !(w.quant.scale.len() == 1 || per_channel) || w.quant.zero_point.iter().any(|&z| z != 0)
        {
            return Err(self.err("weights must be symmetric, per-tensor or per output channel"));
        }
        if let Some(b) = self
            .ins
            .get(if self.name == "TRANSPOSE_CONV" { 3 } else { 2 })
            .copied()
            .flatten()
        {
            let b = &self.tensors[b];
            if b.dtype != DType::I32 || b.data.is_none() || b.shape != [channels] {
                return Err(self.err(format!("bias must be a constant int32 [{channels}]")));
            }
        }
        Ok(())
    }
}

/// Validates one op and builds its [`Op`]; also returns the option fields it read (with the
/// defaults it took), which is what a converted file stores.
pub fn check_op(
    index: usize,
    name: &'static str,
    options: OptSource<'_>,
    ins: Vec<Option<usize>>,
    outs: Vec<usize>,
    tensors: &[TensorInfo],
) -> Result<(Op, BTreeMap<usize, OptVal>)> {
    let read = RefCell::new(BTreeMap::new());
    let op = check(index, name, options, &read, ins, outs, tensors)?;
    Ok((op, read.into_inner()))
}

fn check<'a>(
    index: usize,
    name: &'static str,
    options: OptSource<'a>,
    read: &'a RefCell<BTreeMap<usize, OptVal>>,
    ins: Vec<Option<usize>>,
    outs: Vec<usize>,
    tensors: &'a [TensorInfo],
) -> Result<Op> {
    let c = Ctx {
        index,
        name,
        options,
        read,
        ins,
        outs,
        tensors,
    };
    if c.outs.len() != 1 {
        return Err(c.err(format!("{} outputs", c.outs.len())));
    }
    let out = c.out();
    if out.dtype != DType::I8 || out.quant.scale.len() != 1 {
        return Err(c.err("the output must be int8 with one scale"));
    }
    let mut macs = 0u64;
    let kind = match name {
        "FULLY_CONNECTED" => {
            c.arity(2, 3, 1)?;
            let act = c.opt_act(0)?;
            if c.opt_i32(1, 0)? != 0 || c.opt_bool(3)? {
                return Err(c.err("shuffled weights or asymmetric input quantization"));
            }
            let keep = c.opt_bool(2)?;
            let (_, x) = c.input(0)?;
            let (_, w) = c.input(1)?;
            c.i8_per_tensor(x, "input")?;
            if w.shape.len() != 2 {
                return Err(c.err("weights must be 2-D"));
            }
            let (o, d) = (w.shape[0], w.shape[1]);
            c.weights(w, 0, o)?;
            if x.len() % d != 0 {
                return Err(c.err(format!("input of {} elements is not rows of {d}", x.len())));
            }
            let rows = x.len() / d;
            let want = if keep {
                let mut s = x.shape.clone();
                if s.last() != Some(&d) {
                    return Err(
                        c.err("keep_num_dims needs the input's last dim to be the weights' depth")
                    );
                }
                *s.last_mut().unwrap_or(&mut 0) = o;
                s
            } else {
                vec![rows, o]
            };
            c.expect_shape(&want)?;
            macs = (rows * o * d) as u64;
            OpKind::FullyConnected { act }
        }
        "BATCH_MATMUL" => {
            c.arity(2, 2, 1)?;
            let (adj_x, adj_y) = (c.opt_bool(0)?, c.opt_bool(1)?);
            if c.opt_bool(2)? {
                return Err(c.err("asymmetric_quantize_inputs"));
            }
            let (_, a) = c.input(0)?;
            let (_, b) = c.input(1)?;
            c.i8_per_tensor(a, "lhs")?;
            c.i8_per_tensor(b, "rhs")?;
            if a.shape.len() < 2 || b.shape.len() < 2 {
                return Err(c.err("operands must be at least 2-D"));
            }
            let (ar, br) = (a.shape.len(), b.shape.len());
            let (m, k) = if adj_x {
                (a.shape[ar - 1], a.shape[ar - 2])
            } else {
                (a.shape[ar - 2], a.shape[ar - 1])
            };
            let (k2, n) = if adj_y {
                (b.shape[br - 1], b.shape[br - 2])
            } else {
                (b.shape[br - 2], b.shape[br - 1])
            };
            if k != k2 {
                return Err(c.err(format!("inner dims {k} and {k2}")));
            }
            let mut want = broadcast(&a.shape[..ar - 2], &b.shape[..br - 2])
                .ok_or_else(|| c.err("batch dims do not broadcast"))?;
            let batches: usize = want.iter().product();
            want.extend([m, n]);
            c.expect_shape(&want)?;
            macs = (batches * m * n * k) as u64;
            OpKind::BatchMatmul { adj_x, adj_y }
        }
        "CONV_2D" | "DEPTHWISE_CONV_2D" => {
            c.arity(2, 3, 1)?;
            let dw = name == "DEPTHWISE_CONV_2D";
            let padding = c.padding(0)?;
            let stride = (c.positive(2, 0, "stride_h")?, c.positive(1, 0, "stride_w")?);
            let (act, dil) = if dw {
                (
                    c.opt_act(4)?,
                    (
                        c.positive(6, 1, "dilation_h")?,
                        c.positive(5, 1, "dilation_w")?,
                    ),
                )
            } else {
                (
                    c.opt_act(3)?,
                    (
                        c.positive(5, 1, "dilation_h")?,
                        c.positive(4, 1, "dilation_w")?,
                    ),
                )
            };
            let (_, x) = c.input(0)?;
            let (_, w) = c.input(1)?;
            c.i8_per_tensor(x, "input")?;
            if x.shape.len() != 4 || w.shape.len() != 4 {
                return Err(c.err("input and filter must be 4-D"));
            }
            let (n, h, wd, ic) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
            let (kh, kw) = (w.shape[1], w.shape[2]);
            let oc = if dw { w.shape[3] } else { w.shape[0] };
            let (oh, _) = conv_out(padding, h, kh, stride.0, dil.0);
            let (ow, _) = conv_out(padding, wd, kw, stride.1, dil.1);
            c.weights(w, if dw { 3 } else { 0 }, oc)?;
            if dw && (w.shape[0] != 1 || oc % ic != 0) {
                return Err(c.err("depthwise filter must be [1, KH, KW, I * multiplier]"));
            }
            if !dw && w.shape[3] != ic {
                return Err(c.err("filter depth differs from the input's (grouped convolution)"));
            }
            c.expect_shape(&[n, oh, ow, oc])?;
            macs = (n * oh * ow * oc * kh * kw * if dw { 1 } else { ic }) as u64;
            if dw {
                OpKind::DepthwiseConv2d {
                    padding,
                    stride,
                    dilation: dil,
                    multiplier: oc / ic,
                    act,
                }
            } else {
                OpKind::Conv2d {
                    padding,
                    stride,
                    dilation: dil,
                    act,
                }
            }
        }
        "TRANSPOSE_CONV" => {
            c.arity(3, 4, 1)?;
            let padding = c.padding(0)?;
            let stride = (c.positive(2, 0, "stride_h")?, c.positive(1, 0, "stride_w")?);
            let act = c.opt_act(3)?;
            let shape = c.const_i32(0, "output_shape")?;
            let (_, w) = c.input(1)?;
            let (_, x) = c.input(2)?;
            c.i8_per_tensor(x, "input")?;
            if x.shape.len() != 4 || w.shape.len() != 4 || w.shape[3] != x.shape[3] {
                return Err(c.err("input [N,H,W,I] and filter [O,KH,KW,I] expected"));
            }
            c.weights(w, 0, w.shape[0])?;
            let want: Vec<usize> = shape.iter().map(|&d| d.max(0) as usize).collect();
            if want.len() != 4 || want[0] != x.shape[0] || want[3] != w.shape[0] {
                return Err(c.err(format!("output_shape {shape:?}")));
            }
            c.expect_shape(&want)?;
            macs = (x.len() * w.shape[0] * w.shape[1] * w.shape[2]) as u64;
            OpKind::TransposeConv {
                padding,
                stride,
                act,
            }
        }
        "ADD" | "SUB" | "MUL" | "SQUARED_DIFFERENCE" => {
            c.arity(2, 2, 1)?;
            let act = if name == "SQUARED_DIFFERENCE" {
                Activation::None
            } else {
                c.opt_act(0)?
            };
            let (_, a) = c.input(0)?;
            let (_, b) = c.input(1)?;
            c.i8_per_tensor(a, "input 0")?;
            c.i8_per_tensor(b, "input 1")?;
            let want =
                broadcast(&a.shape, &b.shape).ok_or_else(|| c.err("shapes do not broadcast"))?;
            c.expect_shape(&want)?;
            match name {
                "ADD" => OpKind::Add { act },
                "SUB" => OpKind::Sub { act },
                "MUL" => OpKind::Mul { act },
                _ => OpKind::SquaredDifference,
            }
        }
        "RSQRT" | "LOGISTIC" | "TANH" | "GELU" | "SOFTMAX" => {
            c.arity(1, 1, 1)?;
            let (_, x) = c.input(0)?;
            c.i8_per_tensor(x, "input")?;
            c.expect_shape(&x.shape)?;
            let (si, zi, so, zo) = (x.quant.s(), x.quant.zp(), out.quant.s(), out.quant.zp());
            let func = match name {
                "RSQRT" => return finish(c, OpKind::Rsqrt, 0),
                "SOFTMAX" => {
                    if so != 1.0 / 256.0 || zo != -128 {
                        return Err(
                            c.err("int8 softmax output must have scale 1/256 and zero point -128")
                        );
                    }
                    let beta = c.opt_f32(0, 0.0)?;
                    return finish(c, OpKind::Softmax { beta }, 0);
                }
                "LOGISTIC" => super::graph::LutFn::Logistic,
                "TANH" => super::graph::LutFn::Tanh,
                _ if c.opt_bool(0)? => super::graph::LutFn::GeluTanh,
                _ => super::graph::LutFn::Gelu,
            };
            OpKind::Lut {
                func,
                table: Box::new(lut::table(func, si, zi, so, zo)),
            }
        }
        "MEAN" => {
            c.arity(2, 2, 1)?;
            let (_, x) = c.input(0)?;
            c.i8_per_tensor(x, "input")?;
            let keep = c.opt_bool(0)?;
            let mut axes = Vec::new();
            for a in c.const_i32(1, "axes")? {
                let r = x.shape.len() as i32;
                if a < -r || a >= r {
                    return Err(c.err(format!("axis {a} of a rank-{r} input")));
                }
                axes.push(a.rem_euclid(r.max(1)) as usize);
            }
            axes.sort_unstable();
            axes.dedup();
            let want: Vec<usize> = (0..x.shape.len())
                .filter_map(|i| {
                    if axes.contains(&i) {
                        keep.then_some(1)
                    } else {
                        Some(x.shape[i])
                    }
                })
                .collect();
            c.expect_shape(&want)?;
            OpKind::Mean { axes }
        }
        "GATHER" => {
            c.arity(2, 2, 1)?;
            if c.opt_i32(0, 0)? != 0 || c.opt_i32(1, 0)? != 0 {
                return Err(c.err("only axis 0 and batch_dims 0 are supported"));
            }
            let (_, p) = c.input(0)?;
            let (_, idx) = c.input(1)?;
            if p.dtype != DType::I8 || idx.dtype != DType::I32 || p.shape.is_empty() {
                return Err(c.err("int8 params and int32 indices expected"));
            }
            let mut want = idx.shape.clone();
            want.extend_from_slice(&p.shape[1..]);
            c.expect_shape(&want)?;
            OpKind::Gather
        }
        "RESHAPE" => {
            c.arity(1, 2, 1)?;
            let (_, x) = c.input(0)?;
            if x.dtype != DType::I8 || x.len() != out.len() {
                return Err(c.err(format!("{} elements into {}", x.len(), out.len())));
            }
            OpKind::Reshape
        }
        "TRANSPOSE" => {
            c.arity(2, 2, 1)?;
            let (_, x) = c.input(0)?;
            let perm = c.const_i32(1, "perm")?;
            let mut seen = vec![false; x.shape.len()];
            let mut p = Vec::new();
            for &a in &perm {
                let a = usize::try_from(a)
                    .ok()
                    .filter(|&a| a < seen.len() && !seen[a])
                    .ok_or_else(|| c.err(format!("perm {perm:?}")))?;
                seen[a] = true;
                p.push(a);
            }
            if p.len() != x.shape.len() || x.dtype != DType::I8 {
                return Err(c.err(format!("perm {perm:?} for rank {}", x.shape.len())));
            }
            c.expect_shape(&p.iter().map(|&a| x.shape[a]).collect::<Vec<_>>())?;
            OpKind::Transpose { perm: p }
        }
        "CONCATENATION" => {
            if c.ins.is_empty() {
                return Err(c.err("no inputs"));
            }
            if c.opt_act(1)? != Activation::None {
                return Err(c.err("fused activation on CONCATENATION"));
            }
            let r = out.shape.len() as i32;
            let a = c.opt_i32(0, 0)?;
            if a < -r || a >= r {
                return Err(c.err(format!("axis {a}")));
            }
            let axis = a.rem_euclid(r) as usize;
            let mut want = None::<Vec<usize>>;
            for i in 0..c.ins.len() {
                let (_, x) = c.input(i)?;
                c.i8_per_tensor(x, "input")?;
                if x.quant != out.quant {
                    return Err(c.err("int8 inputs with a scale or zero point unlike the output's"));
                }
                if x.shape.len() != out.shape.len() {
                    return Err(c.err("input ranks differ"));
                }
                want = Some(match want {
                    None => x.shape.clone(),
                    Some(mut s) => {
                        if (0..s.len()).any(|d| d != axis && s[d] != x.shape[d]) {
                            return Err(c.err("input shapes differ off the axis"));
                        }
                        s[axis] += x.shape[axis];
                        s
                    }
                });
            }
            c.expect_shape(&want.unwrap_or_default())?;
            OpKind::Concatenation { axis }
        }
        "RESIZE_BILINEAR" | "RESIZE_NEAREST_NEIGHBOR" => {
            c.arity(2, 2, 1)?;
            let (_, x) = c.input(0)?;
            c.i8_per_tensor(x, "input")?;
            if x.quant != out.quant {
                return Err(c.err("input and output quantization differ"));
            }
            let size = c.const_i32(1, "size")?;
            if x.shape.len() != 4 || size.len() != 2 || size.iter().any(|&s| s < 1) {
                return Err(c.err("input [N,H,W,C] and size [2] expected"));
            }
            c.expect_shape(&[x.shape[0], size[0] as usize, size[1] as usize, x.shape[3]])?;
            let bilinear = name == "RESIZE_BILINEAR";
            let (align_corners, half_pixel) = if bilinear {
                (c.opt_bool(2)?, c.opt_bool(3)?)
            } else {
                (c.opt_bool(0)?, c.opt_bool(1)?)
            };
            if bilinear {
                OpKind::ResizeBilinear {
                    align_corners,
                    half_pixel,
                }
            } else {
                OpKind::ResizeNearest {
                    align_corners,
                    half_pixel,
                }
            }
        }
        other => {
            return Err(LiteRtError::UnsupportedOp {
                index,
                op: other.to_string(),
            });
        }
    };
    finish(c, kind, macs)
}

fn finish(c: Ctx<'_>, kind: OpKind, macs: u64) -> Result<Op> {
    let inputs = c.ins.iter().flatten().copied().collect();
    Ok(Op {
        name: c.name,
        kind,
        inputs,
        outputs: c.outs,
        macs,
    })
}
