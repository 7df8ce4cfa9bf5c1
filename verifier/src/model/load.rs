//! Parsing and validation of model files.

use std::collections::{BTreeSet, HashSet};
use std::fmt;

use safetensors::{Dtype, SafeTensors};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::graph::{GRAPH_FORMAT, GRAPH_KEY, GraphSpec, KNOWN_OPS, NodeSpec};
use super::{Budget, Layer, Model, Op};
use crate::hash::keccak;
use crate::ops::{
    ConvGeom, MAX_ADD_WEIGHT, MAX_ELEMENTS, MAX_POOL_WINDOW, MAX_SHIFT, MAX_STRIDE, MAX_UPSAMPLE,
    Requant, out_dim,
};
use crate::{Error, Result};

/// Walks any JSON document and fails on a duplicate key in any object (serde_json keeps the
/// last one silently, so two parsers could disagree about what a file says).
struct NoDuplicateKeys;

impl<'de> Deserialize<'de> for NoDuplicateKeys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(NoDuplicateKeys)
    }
}

impl<'de> Visitor<'de> for NoDuplicateKeys {
    type Value = NoDuplicateKeys;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> std::result::Result<Self, E> {
        Ok(self)
    }
    fn visit_i64<E>(self, _: i64) -> std::result::Result<Self, E> {
        Ok(self)
    }
    fn visit_u64<E>(self, _: u64) -> std::result::Result<Self, E> {
        Ok(self)
    }
    fn visit_f64<E>(self, _: f64) -> std::result::Result<Self, E> {
        Ok(self)
    }
    fn visit_str<E>(self, _: &str) -> std::result::Result<Self, E> {
        Ok(self)
    }
    fn visit_unit<E>(self) -> std::result::Result<Self, E> {
        Ok(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Self, A::Error> {
        while seq.next_element::<NoDuplicateKeys>()?.is_some() {}
        Ok(self)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Self, A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format!("duplicate key `{key}`")));
            }
            map.next_value::<NoDuplicateKeys>()?;
        }
        Ok(self)
    }
}

fn check_no_duplicate_keys(json: &[u8], what: &str) -> Result<()> {
    serde_json::from_slice::<NoDuplicateKeys>(json)
        .map(|_| ())
        .map_err(|e| Error::GraphJson(format!("{what}: {e}")))
}

/// Running totals checked against the budget as nodes resolve.
struct Totals<'a> {
    budget: &'a Budget,
    macs: u64,
    memory: u64,
}

impl Totals<'_> {
    /// Charges one node: its MACs, its parameter elements and its output shape (an activation
    /// unless `aliased`, as a reshape is). Also checks the output's element count.
    fn charge(
        &mut self,
        node: usize,
        macs: u64,
        params: usize,
        out_shape: &[usize],
        aliased: bool,
    ) -> Result<()> {
        let n = elements(node, out_shape)? as u64;
        self.add_macs(macs)?;
        let act = if aliased { 0 } else { n * ACTIVATION_BYTES };
        self.add_memory(act.saturating_add((params as u64).saturating_mul(PARAMETER_BYTES)))
    }

    fn add_macs(&mut self, macs: u64) -> Result<()> {
        self.macs = self.macs.saturating_add(macs);
        if self.macs > self.budget.max_macs {
            return Err(Error::Budget {
                what: "multiply-accumulates",
                value: self.macs,
                limit: self.budget.max_macs,
            });
        }
        Ok(())
    }

    fn add_memory(&mut self, bytes: u64) -> Result<()> {
        self.memory = self.memory.saturating_add(bytes);
        if self.memory > self.budget.max_memory_bytes {
            return Err(Error::Budget {
                what: "memory bytes",
                value: self.memory,
                limit: self.budget.max_memory_bytes,
            });
        }
        Ok(())
    }
}

/// Bytes per activation element and per parameter element in [`Model::memory_bytes`].
const ACTIVATION_BYTES: u64 = 8;
const PARAMETER_BYTES: u64 = 4;

struct Ctx<'a> {
    st: SafeTensors<'a>,
    used: BTreeSet<String>,
}

impl Ctx<'_> {
    fn tensor(
        &mut self,
        node: usize,
        name: &str,
        dtype: Dtype,
        shape: &[usize],
    ) -> Result<Vec<u8>> {
        let view = self.st.tensor(name).map_err(|_| Error::MissingTensor {
            node,
            name: name.to_string(),
        })?;
        if view.dtype() != dtype {
            return Err(Error::DType {
                name: name.to_string(),
                expected: if dtype == Dtype::I8 { "I8" } else { "I32" },
                found: format!("{:?}", view.dtype()),
            });
        }
        if view.shape() != shape {
            return Err(Error::ShapeMismatch {
                node,
                what: format!("tensor `{name}`"),
                expected: shape.to_vec(),
                found: view.shape().to_vec(),
            });
        }
        self.used.insert(name.to_string());
        Ok(view.data().to_vec())
    }

    fn i8s(&mut self, node: usize, name: &str, shape: &[usize]) -> Result<Vec<i8>> {
        Ok(self
            .tensor(node, name, Dtype::I8, shape)?
            .into_iter()
            .map(|b| b as i8)
            .collect())
    }

    fn i32s(&mut self, node: usize, name: &str, shape: &[usize]) -> Result<Vec<i32>> {
        let raw = self.tensor(node, name, Dtype::I32, shape)?;
        Ok(raw
            .chunks_exact(4)
            .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }

    /// Shape of a tensor named by a node, without consuming it.
    fn shape_of(&self, node: usize, name: &str) -> Result<Vec<usize>> {
        self.st
            .tensor(name)
            .map(|v| v.shape().to_vec())
            .map_err(|_| Error::MissingTensor {
                node,
                name: name.to_string(),
            })
    }
}

fn invalid(node: usize, msg: impl Into<String>) -> Error {
    Error::InvalidParam {
        node,
        msg: msg.into(),
    }
}

fn check_shift(node: usize, shift: u32) -> Result<()> {
    if shift > MAX_SHIFT {
        return Err(invalid(node, format!("shift {shift} > {MAX_SHIFT}")));
    }
    Ok(())
}

fn elements(node: usize, shape: &[usize]) -> Result<usize> {
    if shape.is_empty() || shape.contains(&0) {
        return Err(invalid(
            node,
            format!("shape {shape:?} is empty or has a zero dimension"),
        ));
    }
    shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .filter(|&n| n <= MAX_ELEMENTS)
        .ok_or_else(|| {
            invalid(
                node,
                format!("shape {shape:?} exceeds {MAX_ELEMENTS} elements"),
            )
        })
}

fn chw(node: usize, shape: &[usize]) -> Result<[usize; 3]> {
    match shape {
        [c, h, w] => Ok([*c, *h, *w]),
        _ => Err(Error::ShapeMismatch {
            node,
            what: "input feature map (must be [C, H, W])".into(),
            expected: vec![],
            found: shape.to_vec(),
        }),
    }
}

/// Parses the graph JSON, reporting unknown ops by name before structural errors.
fn parse_graph(json: &str, budget: &Budget) -> Result<GraphSpec> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| Error::GraphJson(e.to_string()))?;
    if let Some(nodes) = value.get("nodes").and_then(|n| n.as_array()) {
        if nodes.len() > budget.max_nodes {
            return Err(Error::Budget {
                what: "nodes",
                value: nodes.len() as u64,
                limit: budget.max_nodes as u64,
            });
        }
        for (i, node) in nodes.iter().enumerate() {
            match node.get("op").and_then(|o| o.as_str()) {
                Some(op) if !KNOWN_OPS.contains(&op) => {
                    return Err(Error::UnknownOp {
                        node: i,
                        op: op.to_string(),
                    });
                }
                None => return Err(Error::GraphJson(format!("node {i} has no string `op`"))),
                _ => {}
            }
        }
    }
    check_no_duplicate_keys(json.as_bytes(), "graph")?;
    let graph: GraphSpec =
        serde_json::from_value(value).map_err(|e| Error::GraphJson(e.to_string()))?;
    if graph.format != GRAPH_FORMAT {
        return Err(Error::GraphJson(format!(
            "format `{}` is not `{GRAPH_FORMAT}`",
            graph.format
        )));
    }
    if graph.nodes.is_empty() {
        return Err(Error::GraphJson("graph has no nodes".into()));
    }
    Ok(graph)
}

pub(super) fn parse(bytes: &[u8], budget: &Budget) -> Result<Model> {
    let (header_len, meta) =
        SafeTensors::read_metadata(bytes).map_err(|e| Error::Safetensors(e.to_string()))?;
    // read_metadata checked that the 8-byte length prefix and the header are in the file.
    let header = bytes
        .get(8..8usize.saturating_add(header_len))
        .ok_or_else(|| Error::Safetensors("header out of range".into()))?;

    let json = meta
        .metadata()
        .as_ref()
        .and_then(|m| m.get(GRAPH_KEY))
        .ok_or(Error::MissingGraph(GRAPH_KEY))?
        .clone();
    let st = SafeTensors::deserialize(bytes).map_err(|e| Error::Safetensors(e.to_string()))?;
    let graph = parse_graph(&json, budget)?;
    // After the node count (cheap to refuse first): two graphs in the metadata, or two entries
    // for one tensor, must not be resolved silently.
    check_no_duplicate_keys(header, "safetensors header")
        .map_err(|e| Error::Safetensors(e.to_string()))?;
    let input_elements = elements(0, &graph.input_shape)?;
    let mut totals = Totals {
        budget,
        macs: 0,
        memory: 0,
    };
    totals.add_memory(input_elements as u64 * ACTIVATION_BYTES)?;

    let mut ctx = Ctx {
        st,
        used: BTreeSet::new(),
    };
    let mut shapes: Vec<Vec<usize>> = vec![graph.input_shape.clone()];
    let mut layers = Vec::with_capacity(graph.nodes.len());
    for (i, node) in graph.nodes.iter().enumerate() {
        for &v in &node.inputs() {
            if v > i {
                return Err(invalid(
                    i,
                    format!("input value {v} is not produced before node {i}"),
                ));
            }
        }
        let layer = resolve(&mut ctx, i, node, &shapes, &mut totals)?;
        shapes.push(layer.shape.clone());
        layers.push(layer);
    }
    for name in ctx.st.names() {
        if !ctx.used.contains(name) {
            return Err(Error::UnusedTensor(name.to_string()));
        }
    }
    Ok(Model {
        id: keccak(bytes),
        input_shape: graph.input_shape,
        layers,
        macs: totals.macs,
        memory_bytes: totals.memory,
    })
}

fn check_stride(node: usize, what: &str, v: [usize; 2]) -> Result<()> {
    if v.iter().any(|&x| x > MAX_STRIDE) {
        return Err(invalid(node, format!("{what} {v:?} exceeds {MAX_STRIDE}")));
    }
    Ok(())
}

fn resolve(
    ctx: &mut Ctx<'_>,
    i: usize,
    node: &NodeSpec,
    shapes: &[Vec<usize>],
    totals: &mut Totals<'_>,
) -> Result<Layer> {
    let inputs = node.inputs();
    let in_shape = shapes[inputs[0]].clone();
    // Each arm checks the budget from shapes alone (`charge`), before copying any tensor.
    let (op, shape) = match node {
        NodeSpec::Dense {
            weight,
            bias,
            multiplier,
            shift,
            ..
        } => {
            check_shift(i, *shift)?;
            let k: usize = in_shape.iter().product();
            let n = match ctx.shape_of(i, weight)?.as_slice() {
                [n, kk] if *kk == k => *n,
                other => {
                    return Err(Error::ShapeMismatch {
                        node: i,
                        what: format!("dense weight `{weight}` (must be [N, {k}])"),
                        expected: vec![other.first().copied().unwrap_or(0), k],
                        found: other.to_vec(),
                    });
                }
            };
            let nk = n
                .checked_mul(k)
                .ok_or_else(|| invalid(i, "dense weight too large"))?;
            totals.charge(i, nk as u64, nk.saturating_add(n), &[n], false)?;
            let op = Op::Dense {
                weight: ctx.i8s(i, weight, &[n, k])?,
                bias: ctx.i32s(i, bias, &[n])?,
                rq: Requant {
                    multiplier: *multiplier,
                    shift: *shift,
                },
            };
            (op, vec![n])
        }
        NodeSpec::Conv2d {
            weight,
            bias,
            stride,
            padding,
            multiplier,
            shift,
            ..
        } => {
            check_shift(i, *shift)?;
            let [cin, h, w] = chw(i, &in_shape)?;
            let ws = ctx.shape_of(i, weight)?;
            let [cout, wcin, kh, kw] = match ws.as_slice() {
                [a, b, c, d] => [*a, *b, *c, *d],
                _ => {
                    return Err(Error::ShapeMismatch {
                        node: i,
                        what: format!("conv weight `{weight}` (must be [Cout, Cin, KH, KW])"),
                        expected: vec![0, cin, 0, 0],
                        found: ws,
                    });
                }
            };
            if wcin != cin {
                return Err(Error::ShapeMismatch {
                    node: i,
                    what: format!("conv weight `{weight}` input channels"),
                    expected: vec![cout, cin, kh, kw],
                    found: ws,
                });
            }
            if stride.contains(&0) {
                return Err(invalid(i, "stride must be >= 1"));
            }
            check_stride(i, "stride", *stride)?;
            check_stride(i, "padding", *padding)?;
            let geom = ConvGeom {
                cin,
                h,
                w,
                cout,
                kh,
                kw,
                sh: stride[0],
                sw: stride[1],
                ph: padding[0],
                pw: padding[1],
            };
            let (Some(oh), Some(ow)) = (geom.oh(), geom.ow()) else {
                return Err(invalid(
                    i,
                    format!("kernel {kh}x{kw} does not fit padded input {h}x{w}"),
                ));
            };
            if padding[0] >= kh || padding[1] >= kw {
                return Err(invalid(i, "padding must be smaller than the kernel"));
            }
            let w_elems = elements(i, &ws)?;
            totals.charge(
                i,
                geom.macs(),
                w_elems.saturating_add(cout),
                &[cout, oh, ow],
                false,
            )?;
            let op = Op::Conv2d {
                geom,
                weight: ctx.i8s(i, weight, &ws)?,
                bias: ctx.i32s(i, bias, &[cout])?,
                rq: Requant {
                    multiplier: *multiplier,
                    shift: *shift,
                },
            };
            (op, vec![cout, oh, ow])
        }
        NodeSpec::Upsample { factor, .. } => {
            let [c, h, w] = chw(i, &in_shape)?;
            if *factor == 0 || *factor > MAX_UPSAMPLE {
                return Err(invalid(
                    i,
                    format!("upsample factor {factor} not in 1..={MAX_UPSAMPLE}"),
                ));
            }
            let (Some(oh), Some(ow)) = (h.checked_mul(*factor), w.checked_mul(*factor)) else {
                return Err(invalid(i, "upsampled shape overflows"));
            };
            let shape = vec![c, oh, ow];
            totals.charge(i, 0, 0, &shape, false)?;
            (Op::Upsample { factor: *factor }, shape)
        }
        NodeSpec::Add {
            inputs: [_, b],
            weight_a,
            weight_b,
            shift,
        } => {
            check_shift(i, *shift)?;
            if shapes[*b] != in_shape {
                return Err(Error::ShapeMismatch {
                    node: i,
                    what: "second input of add".into(),
                    expected: in_shape,
                    found: shapes[*b].clone(),
                });
            }
            for w in [weight_a, weight_b] {
                if w.unsigned_abs() > MAX_ADD_WEIGHT as u32 {
                    return Err(invalid(
                        i,
                        format!("add weight {w} exceeds ±{MAX_ADD_WEIGHT}"),
                    ));
                }
            }
            totals.charge(i, 0, 0, &in_shape, false)?;
            let op = Op::Add {
                weight_a: *weight_a,
                weight_b: *weight_b,
                shift: *shift,
            };
            (op, in_shape)
        }
        NodeSpec::Relu { .. } => {
            totals.charge(i, 0, 0, &in_shape, false)?;
            (Op::Relu, in_shape)
        }
        NodeSpec::Clamp { min, max, .. } => {
            if min > max {
                return Err(invalid(i, format!("clamp min {min} > max {max}")));
            }
            totals.charge(i, 0, 0, &in_shape, false)?;
            (
                Op::Clamp {
                    min: *min,
                    max: *max,
                },
                in_shape,
            )
        }
        NodeSpec::Requantize {
            multiplier, shift, ..
        } => {
            check_shift(i, *shift)?;
            totals.charge(i, 0, 0, &in_shape, false)?;
            let rq = Requant {
                multiplier: *multiplier,
                shift: *shift,
            };
            (Op::Requantize(rq), in_shape)
        }
        NodeSpec::AvgPool { kernel, stride, .. } => {
            let [c, h, w] = chw(i, &in_shape)?;
            if stride.contains(&0) || kernel.contains(&0) {
                return Err(invalid(i, "avg_pool kernel and stride must be >= 1"));
            }
            check_stride(i, "stride", *stride)?;
            if kernel[0].saturating_mul(kernel[1]) > MAX_POOL_WINDOW {
                return Err(invalid(i, "avg_pool window too large"));
            }
            let (Some(oh), Some(ow)) = (
                out_dim(h, kernel[0], stride[0], 0),
                out_dim(w, kernel[1], stride[1], 0),
            ) else {
                return Err(invalid(i, "avg_pool window does not fit the input"));
            };
            let window = (kernel[0] * kernel[1]) as u64;
            let n_out = c.saturating_mul(oh).saturating_mul(ow) as u64;
            totals.charge(i, window.saturating_mul(n_out), 0, &[c, oh, ow], false)?;
            let op = Op::AvgPool {
                kernel: *kernel,
                stride: *stride,
            };
            (op, vec![c, oh, ow])
        }
        NodeSpec::Lut { table, .. } => {
            totals.charge(i, 0, 256, &in_shape, false)?;
            let data = ctx.i8s(i, table, &[256])?;
            let table: Box<[i8; 256]> = data
                .into_boxed_slice()
                .try_into()
                .map_err(|_| invalid(i, "lut table must have 256 entries"))?;
            (Op::Lut(table), in_shape)
        }
        NodeSpec::Reshape { shape, .. } => {
            let n = elements(i, shape)?;
            if n != in_shape.iter().product::<usize>() {
                return Err(Error::ShapeMismatch {
                    node: i,
                    what: "reshape element count".into(),
                    expected: in_shape,
                    found: shape.clone(),
                });
            }
            totals.charge(i, 0, 0, shape, true)?;
            (Op::Reshape, shape.clone())
        }
    };
    Ok(Layer { op, inputs, shape })
}
