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
    for (&t, bytes) in graph.inputs.iter().zip(inputs) {
        let info = &graph.tensors[t];
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
