//! `.tflite` bytes -> [`Graph`]: reads the FlatBuffer, refuses what the executor does not
//! implement, checks wiring and shapes, and enforces the [`LiteRtBudget`].

use super::error::{LiteRtError, Result};
use super::flatbuf::{Table, Vector};
use super::graph::{DType, Graph, LiteRtBudget, Quant, TensorInfo};
use super::schema::{self, buffer, model, opcode, operator, quant, subgraph, tensor};
use super::shapes::{self, OptSource, OptVal};
use std::collections::BTreeMap;

fn budget(what: &'static str, found: u64, limit: u64) -> Result<()> {
    if found > limit {
        return Err(LiteRtError::Budget { what, found, limit });
    }
    Ok(())
}

fn ids(v: Option<Vector<'_>>) -> Vec<i32> {
    v.map(|v| v.i32s()).unwrap_or_default()
}

/// Imports a full-integer LiteRT model (one subgraph, int8 activations) within `limits`.
pub fn import(bytes: &[u8], limits: &LiteRtBudget) -> Result<Graph> {
    import_with_options(bytes, limits).map(|(g, _)| g)
}

/// [`import`], also returning each op's builtin option fields as its checks read them (schema
/// field id -> value, defaults included): what the converted model file stores.
pub fn import_with_options(
    bytes: &[u8],
    limits: &LiteRtBudget,
) -> Result<(Graph, Vec<BTreeMap<usize, OptVal>>)> {
    budget("file bytes", bytes.len() as u64, limits.max_file_bytes)?;
    let root = Table::root(bytes)?;
    let version = root.u32(model::VERSION, 0, "model version")?;
    if version != 3 {
        return Err(LiteRtError::Malformed(format!(
            "schema version {version}, expected 3"
        )));
    }
    let subgraphs = root
        .vector(model::SUBGRAPHS, 4, "subgraphs")?
        .ok_or_else(|| LiteRtError::Malformed("no subgraphs".into()))?;
    if subgraphs.len() != 1 {
        return Err(LiteRtError::Graph(format!(
            "{} subgraphs; only single-subgraph models are supported",
            subgraphs.len()
        )));
    }
    let sg = subgraphs.table(0, "subgraph")?;
    let codes = root.vector(model::OPERATOR_CODES, 4, "operator codes")?;
    let buffers = root.vector(model::BUFFERS, 4, "buffers")?;

    let ts = sg.vector(subgraph::TENSORS, 4, "tensors")?;
    let n_tensors = ts.map_or(0, |v| v.len());
    budget("tensors", n_tensors as u64, limits.max_tensors)?;
    let mut tensors = Vec::with_capacity(n_tensors);
    for i in 0..n_tensors {
        let t = ts
            .map(|v| v.table(i, "tensor"))
            .transpose()?
            .ok_or_else(|| LiteRtError::Malformed("tensor".into()))?;
        tensors.push(read_tensor(i, t, buffers, limits)?);
    }
    let inputs = ids(sg.vector(subgraph::INPUTS, 4, "inputs")?);
    let outputs = ids(sg.vector(subgraph::OUTPUTS, 4, "outputs")?);
    let opv = sg.vector(subgraph::OPERATORS, 4, "operators")?;
    let n_ops = opv.map_or(0, |v| v.len());
    budget("operators", n_ops as u64, limits.max_ops)?;
    let mut raw = Vec::with_capacity(n_ops);
    for index in 0..n_ops {
        let o = opv
            .map(|v| v.table(index, "operator"))
            .transpose()?
            .ok_or_else(|| LiteRtError::Malformed("operator".into()))?;
        let (code, custom) = op_code(o, codes)?;
        let name = match (schema::op_name(code), custom) {
            (_, Some(c)) => {
                return Err(LiteRtError::UnsupportedOp {
                    index,
                    op: format!("custom {c}"),
                });
            }
            (Some(n), None) => n,
            (None, None) => {
                return Err(LiteRtError::UnsupportedOp {
                    index,
                    op: format!("builtin code {code}"),
                });
            }
        };
        raw.push(RawOp {
            name,
            ins: ids(o.vector(operator::INPUTS, 4, "op inputs")?),
            outs: ids(o.vector(operator::OUTPUTS, 4, "op outputs")?),
            options: OptSource::Flat(o.table(operator::OPTIONS, "builtin options")?),
        });
    }
    assemble(tensors, &inputs, &outputs, raw, limits)
}

/// One operator as a file states it: builtin name, tensor ids (-1 = an absent optional input),
/// and where its options come from.
pub(crate) struct RawOp<'a> {
    /// LiteRT builtin name.
    pub name: &'static str,
    /// Input tensor ids.
    pub ins: Vec<i32>,
    /// Output tensor ids.
    pub outs: Vec<i32>,
    /// Builtin options.
    pub options: OptSource<'a>,
}

/// Wires checked tensors and raw ops into a [`Graph`] (the part of an import shared with the
/// converted-file loader): ids in range, every tensor written once before it is read, each op
/// checked ([`shapes::check_op`]), the op and MAC budgets. Returns the option fields each op read.
pub(crate) fn assemble(
    tensors: Vec<TensorInfo>,
    inputs: &[i32],
    outputs: &[i32],
    raw: Vec<RawOp<'_>>,
    limits: &LiteRtBudget,
) -> Result<(Graph, Vec<BTreeMap<usize, OptVal>>)> {
    budget("tensors", tensors.len() as u64, limits.max_tensors)?;
    budget("operators", raw.len() as u64, limits.max_ops)?;
    let activation_bytes: u64 = tensors
        .iter()
        .filter(|t| t.data.is_none())
        .map(|t| (t.len() * t.dtype.size()) as u64)
        .sum();
    budget(
        "activation bytes",
        activation_bytes,
        limits.max_activation_bytes,
    )?;
    let tensor_id = |raw: i32, what: &str| -> Result<usize> {
        usize::try_from(raw)
            .ok()
            .filter(|&i| i < tensors.len())
            .ok_or_else(|| {
                LiteRtError::Graph(format!(
                    "{what}: tensor id {raw} out of range (0..{})",
                    tensors.len()
                ))
            })
    };
    let inputs = inputs
        .iter()
        .map(|&i| tensor_id(i, "graph input"))
        .collect::<Result<Vec<_>>>()?;
    let outputs = outputs
        .iter()
        .map(|&i| tensor_id(i, "graph output"))
        .collect::<Result<Vec<_>>>()?;

    // A tensor is readable once it is a constant, a graph input or an earlier op's output; each is
    // written at most once. That rules out cycles and reads of unwritten tensors.
    let mut ready: Vec<bool> = tensors.iter().map(|t| t.data.is_some()).collect();
    for &i in &inputs {
        if tensors[i].data.is_some() {
            return Err(LiteRtError::Graph(format!("graph input {i} is a constant")));
        }
        if ready[i] {
            return Err(LiteRtError::Graph(format!(
                "graph input {i} is listed twice"
            )));
        }
        ready[i] = true;
    }
    let mut ops = Vec::with_capacity(raw.len());
    let mut read = Vec::with_capacity(raw.len());
    let mut macs = 0u64;
    for (index, r) in raw.into_iter().enumerate() {
        let name = r.name;
        let mut ins = Vec::new();
        for raw in r.ins {
            if raw == -1 {
                ins.push(None); // optional input absent (e.g. a bias)
                continue;
            }
            let t = tensor_id(raw, "op input")?;
            if !ready[t] {
                return Err(LiteRtError::Graph(format!(
                    "op {index} ({name}) reads tensor {t} before it is written"
                )));
            }
            ins.push(Some(t));
        }
        let outs = r
            .outs
            .into_iter()
            .map(|i| tensor_id(i, "op output"))
            .collect::<Result<Vec<_>>>()?;
        for &t in &outs {
            if ready[t] {
                return Err(LiteRtError::Graph(format!(
                    "op {index} ({name}) writes tensor {t}, already written or constant"
                )));
            }
            ready[t] = true;
        }
        let (op, fields) = shapes::check_op(index, name, r.options, ins, outs, &tensors)?;
        macs = macs.saturating_add(op.macs);
        budget("multiply-accumulates", macs, limits.max_macs)?;
        ops.push(op);
        read.push(fields);
    }
    for &o in &outputs {
        if !ready[o] {
            return Err(LiteRtError::Graph(format!(
                "graph output {o} is never written"
            )));
        }
    }
    Ok((
        Graph {
            tensors,
            ops,
            inputs,
            outputs,
        },
        read,
    ))
}

/// The builtin code (max of the deprecated byte and the int field) or a custom op's name.
fn op_code<'a>(o: Table<'a>, codes: Option<Vector<'a>>) -> Result<(i32, Option<&'a str>)> {
    let idx = o.u32(operator::OPCODE_INDEX, 0, "opcode index")? as usize;
    let codes = codes.ok_or_else(|| LiteRtError::Malformed("no operator codes".into()))?;
    let c = codes.table(idx, "operator code")?;
    let deprecated = c.u8(opcode::DEPRECATED_BUILTIN, 0, "builtin code")? as i8 as i32;
    let builtin = c.i32(opcode::BUILTIN, 0, "builtin code")?;
    let _version = c.i32(opcode::VERSION, 1, "op version")?;
    let code = deprecated.max(builtin);
    let custom = if code == 32 {
        Some(c.string(opcode::CUSTOM, "custom code")?.unwrap_or("?"))
    } else {
        None
    };
    Ok((code, custom))
}

fn read_tensor(
    index: usize,
    t: Table<'_>,
    buffers: Option<Vector<'_>>,
    limits: &LiteRtBudget,
) -> Result<TensorInfo> {
    let name = t
        .string(tensor::NAME, "tensor name")?
        .unwrap_or("")
        .to_string();
    let raw_type = t.u8(tensor::TYPE, 0, "tensor type")?;
    let dtype = match raw_type {
        schema::TYPE_INT8 => DType::I8,
        schema::TYPE_INT32 => DType::I32,
        other => {
            return Err(LiteRtError::UnsupportedDtype {
                index,
                name,
                dtype: schema::dtype_name(other),
            });
        }
    };
    let quant_err = |why: String| LiteRtError::UnsupportedQuant {
        index,
        name: name.clone(),
        why,
    };
    if t.u8(tensor::IS_VARIABLE, 0, "is_variable")? != 0
        || t.table(tensor::SPARSITY, "sparsity")?.is_some()
    {
        return Err(quant_err(
            "variable or sparse tensors are not supported".into(),
        ));
    }
    let dims = ids(t.vector(tensor::SHAPE, 4, "tensor shape")?);
    let mut raw_quant = None;
    if let Some(qt) = t.table(tensor::QUANTIZATION, "quantization")? {
        if qt.u8(quant::DETAILS_TYPE, 0, "quantization details")? != 0 {
            return Err(quant_err("custom quantization details".into()));
        }
        let scale = qt
            .vector(quant::SCALE, 4, "scales")?
            .map(|v| v.f32s())
            .unwrap_or_default();
        let zps = qt
            .vector(quant::ZERO_POINT, 8, "zero points")?
            .map(|v| v.i64s())
            .unwrap_or_default();
        let axis = qt.i32(quant::AXIS, 0, "quantized dimension")?;
        raw_quant = Some((scale, zps, axis));
    }
    let b = t.u32(tensor::BUFFER, 0, "tensor buffer")? as usize;
    let mut data = None;
    if b != 0 {
        let buffers = buffers.ok_or_else(|| LiteRtError::Malformed("no buffers".into()))?;
        let bt = buffers.table(b, "buffer")?;
        if bt.u64(buffer::OFFSET, 0, "buffer offset")? > 1 {
            return Err(LiteRtError::Malformed(format!(
                "tensor {index}: data outside the FlatBuffer is not supported"
            )));
        }
        data = bt
            .vector(buffer::DATA, 1, "buffer data")?
            .filter(|d| !d.is_empty())
            .map(|d| d.bytes().to_vec());
    }
    check_tensor(index, name, dtype, &dims, raw_quant, data, limits)
}

/// Checks one tensor's shape, quantization and data (shared with the converted-file loader):
/// static positive dims within the rank and element budgets; positive finite scales, zero
/// points in int8 range, symmetric per-channel quantization only on constants; data of exactly
/// the shape's size. `quant` is `(scales, zero points, axis)` as the file states them.
pub(crate) fn check_tensor(
    index: usize,
    name: String,
    dtype: DType,
    dims: &[i32],
    quant: Option<(Vec<f32>, Vec<i64>, i32)>,
    data: Option<Vec<u8>>,
    limits: &LiteRtBudget,
) -> Result<TensorInfo> {
    let quant_err = |why: String| LiteRtError::UnsupportedQuant {
        index,
        name: name.clone(),
        why,
    };
    budget("tensor rank", dims.len() as u64, limits.max_rank)?;
    let mut elements = 1u64;
    let mut shape = Vec::with_capacity(dims.len());
    for &d in dims {
        if d < 1 {
            return Err(LiteRtError::Graph(format!(
                "tensor {index} `{name}`: dimension {d} (dynamic or empty shapes are not supported)"
            )));
        }
        elements = elements.saturating_mul(d as u64);
        budget("tensor elements", elements, limits.max_tensor_elements)?;
        shape.push(d as usize);
    }

    let mut q = Quant::default();
    if let Some((scale, zps, axis)) = quant {
        q.scale = scale;
        if !q.scale.is_empty() && zps.len() != q.scale.len() {
            return Err(quant_err(format!(
                "{} scales, {} zero points",
                q.scale.len(),
                zps.len()
            )));
        }
        if q.scale.iter().any(|s| !s.is_finite() || *s <= 0.0) {
            return Err(quant_err("a scale is not a positive finite number".into()));
        }
        if zps.iter().any(|z| !(-128..=127).contains(z)) {
            return Err(quant_err("a zero point is outside [-128, 127]".into()));
        }
        q.zero_point = zps.iter().map(|&z| z as i32).collect();
        if q.scale.len() > 1 {
            q.axis = usize::try_from(axis)
                .ok()
                .filter(|&a| a < shape.len())
                .ok_or_else(|| quant_err(format!("axis {axis}")))?;
            if shape[q.axis] != q.scale.len() {
                return Err(quant_err(format!(
                    "{} scales for {} channels",
                    q.scale.len(),
                    shape[q.axis]
                )));
            }
            if q.zero_point.iter().any(|&z| z != 0) {
                return Err(quant_err(
                    "asymmetric per-channel quantization (non-zero zero points)".into(),
                ));
            }
        }
    }
    if dtype == DType::I8 && q.scale.is_empty() {
        return Err(quant_err("int8 tensor without a scale".into()));
    }
    if dtype == DType::I32 && q.zero_point.iter().any(|&z| z != 0) {
        return Err(quant_err("int32 tensor with a non-zero zero point".into()));
    }
    if let Some(d) = &data {
        let want = elements as usize * dtype.size();
        if d.len() != want {
            return Err(LiteRtError::Malformed(format!(
                "tensor {index} `{name}`: {} data bytes, shape needs {want}",
                d.len()
            )));
        }
    }
    if data.is_none() && q.scale.len() > 1 {
        return Err(quant_err("per-channel quantized activation".into()));
    }
    Ok(TensorInfo {
        name,
        dtype,
        shape,
        quant: q,
        data,
    })
}
