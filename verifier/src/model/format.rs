//! The converted model file: one safetensors file whose `__metadata__["verifier.graph"]` is the
//! graph JSON below, and whose tensors are the graph's constants (`t<index>`, I8 or I32).
//!
//! ```json
//! {"format": "verifier-litert/1",
//!  "tensors": [{"name": "embed", "dtype": "int8", "shape": [16, 32], "scale": [0.01],
//!               "zero_point": [0], "axis": 0, "constant": true}, ...],
//!  "ops": [{"op": "CONV_2D", "inputs": [3, 4, 5], "outputs": [6],
//!           "options": {"0": 0, "1": 1, "2": 1, "3": 1, "4": 1, "5": 1},
//!           "derived": {"multiplier": [1518500250, ...], "shift": [-7, ...], "clamp": [-128, 127]}},
//!          ...],
//!  "inputs": [0], "outputs": [41]}
//! ```
//!
//! * `tensors`: every tensor of the LiteRT subgraph, in its order: name, `int8` / `int32`,
//!   static shape, quantization (f32 scales, zero points, channel axis) as in the `.tflite`.
//!   A `constant` tensor's bytes are the safetensors entry `t<index>`, little-endian, in the
//!   layout chosen for element-wise opening: FULLY_CONNECTED weights `[out, in]`, CONV_2D and
//!   TRANSPOSE_CONV filters `[O, H, W, I]` (as LiteRT stores them), DEPTHWISE_CONV_2D filters
//!   `[1, H, W, O]` stored transposed to `[O, H, W]` (`"layout": "ohw"`: one channel's taps
//!   are contiguous).
//! * `ops`: LiteRT builtin ops in execution order, their tensor ids, `options` (the builtin
//!   options the op's checks read, by LiteRT schema field id, defaults included), and `derived`
//!   ([`Derived`]): the requantization integers the kernel uses (Q31 multiplier and shift per
//!   channel; FULLY_CONNECTED's f64 multiplier as significand and exponent; SOFTMAX's diff_min;
//!   the activation clamp; the LUT), so the file alone states every integer that decides an
//!   output bit.
//!
//! The loader is strict: unknown fields and duplicate keys (graph JSON and safetensors header)
//! are errors; every tensor and op goes through the same checks as a `.tflite` import (types,
//! quantization, shapes, wiring, [`LiteRtBudget`]); a safetensors entry that is not a constant
//! of the graph, a missing one, or a `derived` block that differs from what the scales give is
//! refused. Converting is deterministic: the same `.tflite` gives the same bytes (and model id).

use std::collections::{BTreeMap, HashMap};

use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};
use serde::{Deserialize, Serialize};

use super::derived::{Derived, derive};
use super::strict::check_no_duplicate_keys;
use crate::litert::graph::{DType, Graph, LiteRtBudget, OpKind};
use crate::litert::import::{RawOp, assemble, check_tensor};
use crate::litert::schema;
use crate::litert::shapes::{OptSource, OptVal};
use crate::{Error, Result};

/// The safetensors metadata key holding the graph JSON.
pub const GRAPH_KEY: &str = "verifier.graph";
/// The graph JSON's `format`.
pub const FORMAT: &str = "verifier-litert/1";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    format: String,
    tensors: Vec<TensorSpec>,
    ops: Vec<OpSpec>,
    inputs: Vec<i32>,
    outputs: Vec<i32>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TensorSpec {
    name: String,
    dtype: String,
    shape: Vec<i32>,
    #[serde(default)]
    scale: Vec<f32>,
    #[serde(default)]
    zero_point: Vec<i64>,
    #[serde(default)]
    axis: i32,
    #[serde(default)]
    constant: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    layout: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OpSpec {
    op: String,
    inputs: Vec<i32>,
    outputs: Vec<i32>,
    #[serde(default)]
    options: BTreeMap<usize, OptVal>,
    #[serde(default)]
    derived: Derived,
}

const OHW: &str = "ohw";

fn dtype_name(d: DType) -> &'static str {
    match d {
        DType::I8 => "int8",
        DType::I32 => "int32",
    }
}

/// `[1, H, W, O]` row-major -> `[O, H, W]` (`back`: the inverse).
fn transpose_ohw(data: &[u8], hw: usize, o: usize, back: bool) -> Vec<u8> {
    let mut out = vec![0u8; data.len()];
    for p in 0..hw {
        for c in 0..o {
            let (tfl, ohw) = (p * o + c, c * hw + p);
            if back {
                out[tfl] = data[ohw];
            } else {
                out[ohw] = data[tfl];
            }
        }
    }
    out
}

/// The depthwise filters: tensors read as input 1 of a DEPTHWISE_CONV_2D.
fn depthwise_filters(graph: &Graph) -> Vec<usize> {
    graph
        .ops
        .iter()
        .filter(|o| matches!(o.kind, OpKind::DepthwiseConv2d { .. }))
        .filter_map(|o| o.inputs.get(1).copied())
        .collect()
}

/// Converts an imported graph to the model file's bytes. `options` are the option fields each
/// op's checks read (from [`crate::litert::import_with_options`]).
pub fn write(graph: &Graph, options: &[BTreeMap<usize, OptVal>]) -> Result<Vec<u8>> {
    let dw = depthwise_filters(graph);
    let mut tensors = Vec::with_capacity(graph.tensors.len());
    let mut blobs: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = Vec::new();
    for (i, t) in graph.tensors.iter().enumerate() {
        let ohw = dw.contains(&i) && t.data.is_some() && t.shape.len() == 4 && t.shape[0] == 1;
        if let Some(d) = &t.data {
            let dtype = match t.dtype {
                DType::I8 => Dtype::I8,
                DType::I32 => Dtype::I32,
            };
            let (shape, bytes) = if ohw {
                let (hw, o) = (t.shape[1] * t.shape[2], t.shape[3]);
                (
                    vec![o, t.shape[1], t.shape[2]],
                    transpose_ohw(d, hw, o, false),
                )
            } else {
                (t.shape.clone(), d.clone())
            };
            blobs.push((format!("t{i}"), dtype, shape, bytes));
        }
        tensors.push(TensorSpec {
            name: t.name.clone(),
            dtype: dtype_name(t.dtype).into(),
            shape: t.shape.iter().map(|&d| d as i32).collect(),
            scale: t.quant.scale.clone(),
            zero_point: t.quant.zero_point.iter().map(|&z| z as i64).collect(),
            axis: t.quant.axis as i32,
            constant: t.data.is_some(),
            layout: ohw.then(|| OHW.to_string()),
        });
    }
    let ops = graph
        .ops
        .iter()
        .zip(options)
        .map(|(op, opts)| OpSpec {
            op: op.name.to_string(),
            inputs: op.inputs.iter().map(|&i| i as i32).collect(),
            outputs: op.outputs.iter().map(|&i| i as i32).collect(),
            options: opts.clone(),
            derived: derive(graph, op),
        })
        .collect();
    let spec = FileSpec {
        format: FORMAT.into(),
        tensors,
        ops,
        inputs: graph.inputs.iter().map(|&i| i as i32).collect(),
        outputs: graph.outputs.iter().map(|&i| i as i32).collect(),
    };
    let json = serde_json::to_string(&spec).map_err(|e| Error::GraphJson(e.to_string()))?;
    let views = blobs
        .iter()
        .map(|(name, dtype, shape, data)| {
            TensorView::new(*dtype, shape.clone(), data)
                .map(|v| (name.clone(), v))
                .map_err(|e| Error::Safetensors(e.to_string()))
        })
        .collect::<Result<Vec<_>>>()?;
    let meta = HashMap::from([(GRAPH_KEY.to_string(), json)]);
    safetensors::serialize(views, Some(meta)).map_err(|e| Error::Safetensors(e.to_string()))
}

/// Parses and checks a model file into the LiteRT graph it states, within `limits`.
pub fn load(bytes: &[u8], limits: &LiteRtBudget) -> Result<Graph> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(crate::litert::LiteRtError::Budget {
            what: "file bytes",
            found: bytes.len() as u64,
            limit: limits.max_file_bytes,
        }
        .into());
    }
    let (header_len, meta) =
        SafeTensors::read_metadata(bytes).map_err(|e| Error::Safetensors(e.to_string()))?;
    let header = bytes
        .get(8..8usize.saturating_add(header_len))
        .ok_or_else(|| Error::Safetensors("header out of range".into()))?;
    check_no_duplicate_keys(header, "safetensors header")
        .map_err(|e| Error::Safetensors(e.to_string()))?;
    let json = meta
        .metadata()
        .as_ref()
        .and_then(|m| m.get(GRAPH_KEY))
        .ok_or(Error::MissingGraph(GRAPH_KEY))?
        .clone();
    check_no_duplicate_keys(json.as_bytes(), "graph")?;
    let spec: FileSpec =
        serde_json::from_str(&json).map_err(|e| Error::GraphJson(e.to_string()))?;
    if spec.format != FORMAT {
        return Err(Error::GraphJson(format!(
            "format `{}` is not `{FORMAT}`",
            spec.format
        )));
    }
    if spec.tensors.len() as u64 > limits.max_tensors {
        return Err(crate::litert::LiteRtError::Budget {
            what: "tensors",
            found: spec.tensors.len() as u64,
            limit: limits.max_tensors,
        }
        .into());
    }
    let st = SafeTensors::deserialize(bytes).map_err(|e| Error::Safetensors(e.to_string()))?;
    let mut used = 0usize;
    let mut tensors = Vec::with_capacity(spec.tensors.len());
    for (i, t) in spec.tensors.iter().enumerate() {
        let dtype = match t.dtype.as_str() {
            "int8" => DType::I8,
            "int32" => DType::I32,
            other => {
                return Err(Error::GraphJson(format!(
                    "tensor {i}: dtype `{other}` (int8 or int32)"
                )));
            }
        };
        // The shape against the rank and element budgets first (an unquantized int32 tensor
        // has no other constraint), so the data is read only once its size is known to be sane.
        let info = check_tensor(i, t.name.clone(), DType::I32, &t.shape, None, None, limits)?;
        let ohw = match t.layout.as_deref() {
            None => false,
            Some(OHW) if t.constant && info.shape.len() == 4 && info.shape[0] == 1 => true,
            Some(l) => {
                return Err(Error::GraphJson(format!(
                    "tensor {i}: layout `{l}` (only `{OHW}`, for a constant [1, H, W, O])"
                )));
            }
        };
        let data = if t.constant {
            let name = format!("t{i}");
            let view = st.tensor(&name).map_err(|_| {
                Error::GraphJson(format!(
                    "constant tensor {i}: no safetensors entry `{name}`"
                ))
            })?;
            let (want_dtype, want_shape) = match (dtype, ohw) {
                (DType::I8, true) => (Dtype::I8, vec![info.shape[3], info.shape[1], info.shape[2]]),
                (DType::I8, false) => (Dtype::I8, info.shape.clone()),
                (DType::I32, _) => (Dtype::I32, info.shape.clone()),
            };
            if view.dtype() != want_dtype || view.shape() != want_shape {
                return Err(Error::GraphJson(format!(
                    "`{name}` is {:?} {:?}, the graph says {want_dtype:?} {want_shape:?}",
                    view.dtype(),
                    view.shape()
                )));
            }
            used += 1;
            Some(if ohw {
                let hw = info.shape[1] * info.shape[2];
                transpose_ohw(view.data(), hw, info.shape[3], true)
            } else {
                view.data().to_vec()
            })
        } else {
            None
        };
        let raw_quant = Some((t.scale.clone(), t.zero_point.clone(), t.axis));
        tensors.push(check_tensor(
            i, info.name, dtype, &t.shape, raw_quant, data, limits,
        )?);
    }
    if used != st.len() {
        return Err(Error::GraphJson(format!(
            "the file has {} tensors, the graph names {used} constants",
            st.len()
        )));
    }
    let mut raw = Vec::with_capacity(spec.ops.len());
    for (index, o) in spec.ops.iter().enumerate() {
        let name = schema::builtin(&o.op).ok_or_else(|| {
            Error::LiteRt(crate::litert::LiteRtError::UnsupportedOp {
                index,
                op: o.op.clone(),
            })
        })?;
        raw.push(RawOp {
            name,
            ins: o.inputs.clone(),
            outs: o.outputs.clone(),
            options: OptSource::Fields(&o.options),
        });
    }
    let (graph, read) = assemble(tensors, &spec.inputs, &spec.outputs, raw, limits)?;
    for (index, ((op, o), fields)) in graph.ops.iter().zip(&spec.ops).zip(&read).enumerate() {
        if let Some(k) = o.options.keys().find(|k| !fields.contains_key(k)) {
            return Err(Error::GraphJson(format!(
                "op {index} ({}): option field {k} is not one {} reads",
                op.name, op.name
            )));
        }
        if derive(&graph, op) != o.derived {
            return Err(Error::GraphJson(format!(
                "op {index} ({}): the derived integers differ from what the scales give",
                op.name
            )));
        }
    }
    Ok(graph)
}
