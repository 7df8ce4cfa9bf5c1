//! Model files: a single safetensors file whose `__metadata__` holds the graph JSON.
//!
//! The model id is `keccak256` of the whole file, so it covers the graph and every tensor.
//! See [`graph`] for the JSON schema and [`crate::ops`] for what each op computes.

pub mod builder;
pub mod graph;
mod load;

use crate::hash::Hash32;
use crate::ops::{ConvGeom, Requant};
use crate::{Error, Result};

/// A resolved, validated operator with its tensors.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// Fully connected layer; `weight` is `[out, in]` row-major.
    Dense {
        /// `[out, in]` weights.
        weight: Vec<i8>,
        /// `[out]` biases.
        bias: Vec<i32>,
        /// Output rescale.
        rq: Requant,
    },
    /// 2-D convolution; `weight` is `[cout, cin, kh, kw]`.
    Conv2d {
        /// Shapes, strides, padding.
        geom: ConvGeom,
        /// Weights.
        weight: Vec<i8>,
        /// `[cout]` biases.
        bias: Vec<i32>,
        /// Output rescale.
        rq: Requant,
    },
    /// Nearest-neighbour upsampling.
    Upsample {
        /// Integer factor (both axes).
        factor: usize,
    },
    /// Weighted sum of two tensors.
    Add {
        /// Weight of the first input.
        weight_a: i32,
        /// Weight of the second input.
        weight_b: i32,
        /// Right shift after the sum.
        shift: u32,
    },
    /// `max(x, 0)`.
    Relu,
    /// Clamp to `[min, max]`.
    Clamp {
        /// Lower bound.
        min: i8,
        /// Upper bound.
        max: i8,
    },
    /// Elementwise rescale.
    Requantize(Requant),
    /// Average pooling without padding.
    AvgPool {
        /// Window `[kh, kw]`.
        kernel: [usize; 2],
        /// Stride `[sh, sw]`.
        stride: [usize; 2],
    },
    /// 256-entry lookup table.
    Lut(Box<[i8; 256]>),
    /// Same bytes, new shape.
    Reshape,
}

impl Op {
    /// Short op name as used in the graph JSON.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Dense { .. } => "dense",
            Op::Conv2d { .. } => "conv2d",
            Op::Upsample { .. } => "upsample",
            Op::Add { .. } => "add",
            Op::Relu => "relu",
            Op::Clamp { .. } => "clamp",
            Op::Requantize(_) => "requantize",
            Op::AvgPool { .. } => "avg_pool",
            Op::Lut(_) => "lut",
            Op::Reshape => "reshape",
        }
    }
}

/// One node of a loaded model.
#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    /// The operator.
    pub op: Op,
    /// Values read (0 = graph input, k = output of layer k − 1).
    pub inputs: Vec<usize>,
    /// Shape of this layer's output.
    pub shape: Vec<usize>,
}

/// Resource limits checked while a model loads, before any work: a hostile file cannot make a
/// keeper allocate, compute or plan without bound. Over budget is [`Error::Budget`], returned in
/// milliseconds (the checks run node by node, before tensors are copied).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Most nodes (layers) in the graph.
    pub max_nodes: usize,
    /// Most multiply-accumulates per inference (dense and conv layers, see [`Model::macs`]).
    pub max_macs: u64,
    /// Most bytes an executor holds for one inference (see [`Model::memory_bytes`]).
    pub max_memory_bytes: u64,
}

impl Budget {
    /// The defaults: sized for the largest model a keeper should judge within a verdict period
    /// on one CPU core (the reference runs ≈ 0.5–1 G MAC/s): 4,096 nodes, 8·10⁹ MACs (about
    /// 10–20 s on the CPU reference), 2 GiB.
    pub const DEFAULT: Budget = Budget {
        max_nodes: 4096,
        max_macs: 8_000_000_000,
        max_memory_bytes: 2 << 30,
    };

    /// No limits beyond the format's own (tests and trusted models only).
    pub const UNLIMITED: Budget = Budget {
        max_nodes: usize::MAX,
        max_macs: u64::MAX,
        max_memory_bytes: u64::MAX,
    };
}

impl Default for Budget {
    fn default() -> Self {
        Budget::DEFAULT
    }
}

/// A loaded and validated model.
#[derive(Clone, Debug)]
pub struct Model {
    id: Hash32,
    input_shape: Vec<usize>,
    layers: Vec<Layer>,
    macs: u64,
    memory_bytes: u64,
}

impl Model {
    /// Loads a model from a file; the id is keccak256 of the file bytes.
    /// Checked against [`Budget::DEFAULT`].
    pub fn load(path: impl AsRef<std::path::Path>) -> Result<Model> {
        Model::load_with_budget(path, &Budget::DEFAULT)
    }

    /// [`Model::load`] with an operator-chosen budget.
    pub fn load_with_budget(path: impl AsRef<std::path::Path>, budget: &Budget) -> Result<Model> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Model::from_bytes_with_budget(&bytes, budget)
    }

    /// Parses and validates a model file held in memory, checked against [`Budget::DEFAULT`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Model> {
        load::parse(bytes, &Budget::DEFAULT)
    }

    /// [`Model::from_bytes`] with an operator-chosen budget.
    pub fn from_bytes_with_budget(bytes: &[u8], budget: &Budget) -> Result<Model> {
        load::parse(bytes, budget)
    }

    /// keccak256 of the model file bytes.
    pub fn id(&self) -> Hash32 {
        self.id
    }

    /// Shape of the i8 input tensor.
    pub fn input_shape(&self) -> &[usize] {
        &self.input_shape
    }

    /// Number of input bytes (elements) the model expects.
    pub fn input_len(&self) -> usize {
        self.input_shape.iter().product()
    }

    /// The layers in execution order.
    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// Shape of value `v` (0 = input, k = output of layer k − 1).
    pub fn value_shape(&self, v: usize) -> &[usize] {
        if v == 0 {
            &self.input_shape
        } else {
            &self.layers[v - 1].shape
        }
    }

    /// Shape of the output tensor (the last layer's output).
    pub fn output_shape(&self) -> &[usize] {
        &self
            .layers
            .last()
            .expect("a model has at least one layer")
            .shape
    }

    /// Multiply-accumulates per inference (dense and conv layers), computed at load.
    pub fn macs(&self) -> u64 {
        self.macs
    }

    /// Bytes an executor holds for one inference, computed at load: 8 per activation element
    /// of every value (the wgpu executor keeps each as an `i32` plus its read-back copy; the CPU
    /// reference needs 1) plus 4 per parameter element (weights, biases, tables as `i32` on the
    /// GPU). An upper estimate for both executors.
    pub fn memory_bytes(&self) -> u64 {
        self.memory_bytes
    }
}

/// A runnable slice of a model: some input values and the layers that read them. The whole
/// model is one input and every layer; a single-layer re-run ([`Model::layer_graph`]) is the
/// layer's distinct input values and that layer alone. Values are numbered `0..inputs.len()`
/// for the inputs, then one per layer.
#[derive(Clone, Debug)]
pub(crate) struct Graph<'a> {
    /// Identifies the graph (the model id, or a hash of the model id and the layer index).
    pub id: Hash32,
    /// Shapes of the input values.
    pub inputs: Vec<Vec<usize>>,
    /// The layers, inputs renumbered as above.
    pub layers: std::borrow::Cow<'a, [Layer]>,
}

impl Graph<'_> {
    /// Shape of value `v`.
    pub fn value_shape(&self, v: usize) -> &[usize] {
        match self.inputs.get(v) {
            Some(s) => s,
            None => &self.layers[v - self.inputs.len()].shape,
        }
    }
}

impl Model {
    /// The whole model as a [`Graph`].
    pub(crate) fn graph(&self) -> Graph<'_> {
        Graph {
            id: self.id,
            inputs: vec![self.input_shape.clone()],
            layers: std::borrow::Cow::Borrowed(&self.layers),
        }
    }

    /// Layer `li` alone as a [`Graph`] whose inputs are the layer's distinct input values, in
    /// the order they first appear in [`Layer::inputs`]. Also returns those value numbers.
    pub(crate) fn layer_graph(&self, li: usize) -> Result<(Graph<'static>, Vec<usize>)> {
        let layer = self.layers.get(li).ok_or_else(|| {
            Error::Claim(format!(
                "layer {li} does not exist (the model has {})",
                self.layers.len()
            ))
        })?;
        let mut distinct: Vec<usize> = Vec::new();
        for &v in &layer.inputs {
            if !distinct.contains(&v) {
                distinct.push(v);
            }
        }
        let remapped: Vec<usize> = layer
            .inputs
            .iter()
            .map(|v| distinct.iter().position(|d| d == v).unwrap_or(0))
            .collect();
        let mut id_bytes = self.id.to_vec();
        id_bytes.extend_from_slice(b"/layer/");
        id_bytes.extend_from_slice(&(li as u64).to_le_bytes());
        let graph = Graph {
            id: crate::hash::keccak(&id_bytes),
            inputs: distinct
                .iter()
                .map(|&v| self.value_shape(v).to_vec())
                .collect(),
            layers: std::borrow::Cow::Owned(vec![Layer {
                op: layer.op.clone(),
                inputs: remapped,
                shape: layer.shape.clone(),
            }]),
        };
        Ok((graph, distinct))
    }
}
