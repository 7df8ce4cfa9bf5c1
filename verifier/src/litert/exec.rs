//! The CPU reference executor: runs an imported [`Graph`] op by op and returns every op's output.

use std::borrow::Cow;

use super::error::{LiteRtError, Result};
use super::graph::{DType, Graph};
use super::ops::{self, Values};

/// One op's output: which op, which tensor, its int8 bytes (row-major).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpOutput {
    /// The op's index in execution order.
    pub op: usize,
    /// The op's LiteRT builtin name.
    pub name: &'static str,
    /// The output tensor id.
    pub tensor: usize,
    /// The output's bytes (int8 as two's complement).
    pub bytes: Vec<u8>,
}

/// Runs `graph` on `inputs` (one little-endian byte buffer per graph input, in order, as the
/// oracle writes them) and returns every op's output in execution order.
pub fn run(graph: &Graph, inputs: &[&[u8]]) -> Result<Vec<OpOutput>> {
    if inputs.len() != graph.inputs.len() {
        return Err(LiteRtError::Input(format!(
            "{} inputs given, the graph has {}",
            inputs.len(),
            graph.inputs.len()
        )));
    }
    let mut v = constants(graph);
    for (&t, bytes) in graph.inputs.iter().zip(inputs) {
        set(&mut v, t, bytes)?;
    }
    let mut outs = Vec::with_capacity(graph.ops.len());
    for (index, op) in graph.ops.iter().enumerate() {
        let y = ops::eval(index, op, &v)?;
        let t = op.outputs[0];
        outs.push(OpOutput {
            op: index,
            name: op.name,
            tensor: t,
            bytes: y.iter().map(|&b| b as u8).collect(),
        });
        v.i8s[t] = Some(Cow::Owned(y));
    }
    Ok(outs)
}

/// Re-runs op `index` alone: `inputs` gives the bytes of each tensor it reads that is not a
/// constant (tensor id, little-endian bytes). Returns the op's output bytes.
pub fn run_op(graph: &Graph, index: usize, inputs: &[(usize, &[u8])]) -> Result<Vec<u8>> {
    let op = graph
        .ops
        .get(index)
        .ok_or_else(|| LiteRtError::Input(format!("op {index} does not exist")))?;
    let mut v = constants(graph);
    for &(t, bytes) in inputs {
        set(&mut v, t, bytes)?;
    }
    if let Some(t) = op
        .inputs
        .iter()
        .find(|&&t| v.i8s[t].is_none() && v.i32s[t].is_none())
    {
        return Err(LiteRtError::Input(format!(
            "op {index} ({}) reads tensor {t}, which was not given",
            op.name
        )));
    }
    Ok(ops::eval(index, op, &v)?.iter().map(|&b| b as u8).collect())
}

/// The graph's constants, every other tensor unset.
fn constants(graph: &Graph) -> Values<'_> {
    let n = graph.tensors.len();
    let mut v = Values {
        graph,
        i8s: vec![None; n],
        i32s: vec![None; n],
    };
    for (i, t) in graph.tensors.iter().enumerate() {
        match (t.dtype, &t.data) {
            (DType::I8, Some(d)) => {
                v.i8s[i] = Some(Cow::Owned(d.iter().map(|&b| b as i8).collect()))
            }
            (DType::I32, Some(_)) => v.i32s[i] = t.const_i32().map(Cow::Owned),
            _ => {}
        }
    }
    v
}

/// Sets tensor `t` from its little-endian bytes, checking the size.
fn set(v: &mut Values<'_>, t: usize, bytes: &[u8]) -> Result<()> {
    let info = v
        .graph
        .tensors
        .get(t)
        .ok_or_else(|| LiteRtError::Input(format!("tensor {t} does not exist")))?;
    let want = info.len() * info.dtype.size();
    if bytes.len() != want {
        return Err(LiteRtError::Input(format!(
            "input tensor {t} `{}`: {} bytes, needs {want}",
            info.name,
            bytes.len()
        )));
    }
    match info.dtype {
        DType::I8 => v.i8s[t] = Some(Cow::Owned(bytes.iter().map(|&b| b as i8).collect())),
        DType::I32 => {
            let ids = bytes
                .chunks_exact(4)
                .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            v.i32s[t] = Some(Cow::Owned(ids));
        }
    }
    Ok(())
}
