//! Writing model files: a small builder used by the demo generator, the bench and the tests.

use std::collections::HashMap;

use safetensors::Dtype;
use safetensors::tensor::TensorView;

use super::graph::{GRAPH_FORMAT, GRAPH_KEY, GraphSpec, NodeSpec};
use crate::ops::Requant;
use crate::{Error, Result};

/// A named tensor to store in a model file.
#[derive(Clone, Debug, PartialEq)]
pub struct TensorBlob {
    /// Tensor name.
    pub name: String,
    /// Element type (`I8` or `I32`).
    pub dtype: Dtype,
    /// Shape.
    pub shape: Vec<usize>,
    /// Little-endian element bytes.
    pub data: Vec<u8>,
}

impl TensorBlob {
    /// An I8 tensor.
    pub fn i8(name: impl Into<String>, shape: Vec<usize>, values: &[i8]) -> Self {
        TensorBlob {
            name: name.into(),
            dtype: Dtype::I8,
            shape,
            data: values.iter().map(|&v| v as u8).collect(),
        }
    }

    /// An I32 tensor.
    pub fn i32(name: impl Into<String>, shape: Vec<usize>, values: &[i32]) -> Self {
        TensorBlob {
            name: name.into(),
            dtype: Dtype::I32,
            shape,
            data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        }
    }
}

/// Serializes a graph and its tensors into safetensors bytes (deterministic: safetensors orders
/// tensors by dtype then name, and the metadata map has a single key).
pub fn write_model_file(graph: &GraphSpec, tensors: &[TensorBlob]) -> Result<Vec<u8>> {
    let json = serde_json::to_string(graph).map_err(|e| Error::GraphJson(e.to_string()))?;
    let views = tensors
        .iter()
        .map(|t| {
            TensorView::new(t.dtype, t.shape.clone(), &t.data)
                .map(|v| (t.name.clone(), v))
                .map_err(|e| Error::Safetensors(e.to_string()))
        })
        .collect::<Result<Vec<_>>>()?;
    let meta = HashMap::from([(GRAPH_KEY.to_string(), json)]);
    safetensors::serialize(views, Some(meta)).map_err(|e| Error::Safetensors(e.to_string()))
}

/// Incrementally builds a graph; each method appends one node and returns its output value id.
#[derive(Clone, Debug)]
pub struct ModelBuilder {
    graph: GraphSpec,
    tensors: Vec<TensorBlob>,
}

impl ModelBuilder {
    /// Starts a graph whose input has `input_shape`; the input is value `0`.
    pub fn new(input_shape: Vec<usize>) -> Self {
        ModelBuilder {
            graph: GraphSpec {
                format: GRAPH_FORMAT.to_string(),
                input_shape,
                nodes: Vec::new(),
            },
            tensors: Vec::new(),
        }
    }

    fn push(&mut self, node: NodeSpec) -> usize {
        self.graph.nodes.push(node);
        self.graph.nodes.len()
    }

    fn prefix(&self) -> String {
        format!("n{}", self.graph.nodes.len())
    }

    /// `dense` with `weight` `[out, in]` row-major.
    pub fn dense(&mut self, input: usize, weight: &[i8], bias: &[i32], rq: Requant) -> usize {
        let p = self.prefix();
        let out = bias.len();
        let k = weight.len() / out.max(1);
        self.tensors
            .push(TensorBlob::i8(format!("{p}.weight"), vec![out, k], weight));
        self.tensors
            .push(TensorBlob::i32(format!("{p}.bias"), vec![out], bias));
        self.push(NodeSpec::Dense {
            input,
            weight: format!("{p}.weight"),
            bias: format!("{p}.bias"),
            multiplier: rq.multiplier,
            shift: rq.shift,
        })
    }

    /// `conv2d` with `weight` of shape `wshape = [cout, cin, kh, kw]`.
    #[allow(clippy::too_many_arguments)]
    pub fn conv2d(
        &mut self,
        input: usize,
        wshape: [usize; 4],
        weight: &[i8],
        bias: &[i32],
        stride: [usize; 2],
        padding: [usize; 2],
        rq: Requant,
    ) -> usize {
        let p = self.prefix();
        self.tensors.push(TensorBlob::i8(
            format!("{p}.weight"),
            wshape.to_vec(),
            weight,
        ));
        self.tensors
            .push(TensorBlob::i32(format!("{p}.bias"), vec![wshape[0]], bias));
        self.push(NodeSpec::Conv2d {
            input,
            weight: format!("{p}.weight"),
            bias: format!("{p}.bias"),
            stride,
            padding,
            multiplier: rq.multiplier,
            shift: rq.shift,
        })
    }

    /// Nearest upsampling.
    pub fn upsample(&mut self, input: usize, factor: usize) -> usize {
        self.push(NodeSpec::Upsample { input, factor })
    }

    /// `requantize(wa·a + wb·b, 1, shift)`.
    pub fn add(&mut self, a: usize, b: usize, weight_a: i32, weight_b: i32, shift: u32) -> usize {
        self.push(NodeSpec::Add {
            inputs: [a, b],
            weight_a,
            weight_b,
            shift,
        })
    }

    /// ReLU.
    pub fn relu(&mut self, input: usize) -> usize {
        self.push(NodeSpec::Relu { input })
    }

    /// Clamp to `[min, max]`.
    pub fn clamp(&mut self, input: usize, min: i8, max: i8) -> usize {
        self.push(NodeSpec::Clamp { input, min, max })
    }

    /// Elementwise requantize.
    pub fn requantize(&mut self, input: usize, rq: Requant) -> usize {
        self.push(NodeSpec::Requantize {
            input,
            multiplier: rq.multiplier,
            shift: rq.shift,
        })
    }

    /// Average pooling.
    pub fn avg_pool(&mut self, input: usize, kernel: [usize; 2], stride: [usize; 2]) -> usize {
        self.push(NodeSpec::AvgPool {
            input,
            kernel,
            stride,
        })
    }

    /// Lookup table.
    pub fn lut(&mut self, input: usize, table: &[i8; 256]) -> usize {
        let p = self.prefix();
        self.tensors
            .push(TensorBlob::i8(format!("{p}.table"), vec![256], table));
        self.push(NodeSpec::Lut {
            input,
            table: format!("{p}.table"),
        })
    }

    /// Reshape.
    pub fn reshape(&mut self, input: usize, shape: Vec<usize>) -> usize {
        self.push(NodeSpec::Reshape { input, shape })
    }

    /// The graph so far.
    pub fn graph(&self) -> &GraphSpec {
        &self.graph
    }

    /// The tensors so far.
    pub fn tensors(&self) -> &[TensorBlob] {
        &self.tensors
    }

    /// Serializes the model file.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        write_model_file(&self.graph, &self.tensors)
    }

    /// Serializes and loads the model.
    pub fn build(&self) -> Result<super::Model> {
        super::Model::from_bytes(&self.to_bytes()?)
    }

    /// Writes and loads the model under `budget`.
    pub fn build_with_budget(&self, budget: &super::Budget) -> Result<super::Model> {
        super::Model::from_bytes_with_budget(&self.to_bytes()?, budget)
    }
}
