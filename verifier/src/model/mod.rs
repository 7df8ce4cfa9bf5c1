//! Model files: a LiteRT int8 graph converted to the verifier's container ([`mod@format`]), loaded
//! strictly into a [`Model`]. The model id is the Merkle commitment of [`crate::opening`]: the
//! chunk root over one node record per op (op code, operands, shapes, every derived integer, the
//! chunk roots of its constants), computed from the loaded file, so it covers the graph, every
//! derived integer and every constant, and a contract can open any one of them.
//!
//! A model's **layers** are its ops in execution order; its **values** are the job input's
//! graph inputs (value `i` for graph input `i`, `i < G`) and then each op's output (value
//! `G + k` for op `k`). The job input is the graph inputs' little-endian bytes, concatenated in
//! graph-input order (int8 activations, or int32 token ids).

pub mod derived;
pub mod format;
mod strict;

use crate::hash::Hash32;
use crate::litert::graph::{DType, Graph, Op};
use crate::{Error, Result};

/// Resource limits checked while a model loads, before any work (tensor, op and element counts,
/// activation bytes, multiply-accumulates): the same budget as a `.tflite` import.
pub use crate::litert::LiteRtBudget as Budget;

/// Where a layer input comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    /// Graph input `i` (a slice of the job input).
    Input(usize),
    /// The output of layer (op) `k`.
    Layer(usize),
}

/// A loaded and validated model.
#[derive(Clone, Debug)]
pub struct Model {
    id: Hash32,
    graph: Graph,
    /// The value each tensor holds when it is not a constant.
    producer: Vec<Option<Value>>,
    output: usize,
}

impl Model {
    /// Loads a model file; the id is [`crate::opening::model_id`] of its graph. Checked against the default
    /// [`Budget`].
    pub fn load(path: impl AsRef<std::path::Path>) -> Result<Model> {
        Model::load_with_budget(path, &Budget::default())
    }

    /// [`Model::load`] with an operator-chosen budget.
    pub fn load_with_budget(path: impl AsRef<std::path::Path>, budget: &Budget) -> Result<Model> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Model::from_bytes_with_budget(&bytes, budget)
    }

    /// Parses and validates a model file held in memory, checked against the default budget.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model> {
        Model::from_bytes_with_budget(bytes, &Budget::default())
    }

    /// [`Model::from_bytes`] with an operator-chosen budget.
    pub fn from_bytes_with_budget(bytes: &[u8], budget: &Budget) -> Result<Model> {
        let graph = format::load(bytes, budget)?;
        Model::from_graph(crate::opening::model_id(&graph), graph)
    }

    /// Converts a full-integer `.tflite` file to the model file's bytes (refusing, with the
    /// importer's error, anything it does not support). The result is loaded back and must
    /// state the very graph the importer made, so a converted file never means something else.
    pub fn convert_tflite(tflite: &[u8], budget: &Budget) -> Result<Vec<u8>> {
        let (graph, options) = crate::litert::import_with_options(tflite, budget)?;
        let bytes = format::write(&graph, &options)?;
        if format::load(&bytes, budget)? != graph {
            return Err(Error::GraphJson(
                "the converted file does not load back to the imported graph".into(),
            ));
        }
        Ok(bytes)
    }

    fn from_graph(id: Hash32, graph: Graph) -> Result<Model> {
        if graph.ops.is_empty() {
            return Err(Error::GraphJson("the graph has no ops".into()));
        }
        let output = match graph.outputs[..] {
            [o] if graph.tensors[o].dtype == DType::I8 => o,
            _ => {
                return Err(Error::GraphJson(
                    "a model needs exactly one graph output, int8".into(),
                ));
            }
        };
        let mut producer = vec![None; graph.tensors.len()];
        for (i, &t) in graph.inputs.iter().enumerate() {
            producer[t] = Some(Value::Input(i));
        }
        for (k, op) in graph.ops.iter().enumerate() {
            producer[op.outputs[0]] = Some(Value::Layer(k));
        }
        Ok(Model {
            id,
            graph,
            producer,
            output,
        })
    }

    /// The model commitment ([`crate::opening::model_id`]): the chunk root over the node roots.
    pub fn id(&self) -> Hash32 {
        self.id
    }

    /// The LiteRT graph the file states.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// The layers (ops) in execution order.
    pub fn layers(&self) -> &[Op] {
        &self.graph.ops
    }

    /// Bytes of each graph input, in order.
    pub fn input_sizes(&self) -> Vec<usize> {
        self.graph
            .inputs
            .iter()
            .map(|&t| self.tensor_bytes(t))
            .collect()
    }

    /// Bytes of the job input (all graph inputs).
    pub fn input_len(&self) -> usize {
        self.input_sizes().iter().sum()
    }

    /// Splits a job input into the graph inputs' bytes (checking its length).
    pub fn split_input<'a>(&self, input: &'a [u8]) -> Result<Vec<&'a [u8]>> {
        if input.len() != self.input_len() {
            return Err(Error::InputSize {
                expected: self.input_len(),
                found: input.len(),
            });
        }
        let mut at = 0;
        Ok(self
            .input_sizes()
            .into_iter()
            .map(|n| {
                at += n;
                &input[at - n..at]
            })
            .collect())
    }

    /// Shape of the final output (the graph output).
    pub fn output_shape(&self) -> &[usize] {
        &self.graph.tensors[self.output].shape
    }

    /// The graph output's tensor id.
    pub fn output_tensor(&self) -> usize {
        self.output
    }

    /// Bytes of tensor `t`.
    pub fn tensor_bytes(&self, t: usize) -> usize {
        let info = &self.graph.tensors[t];
        info.len() * info.dtype.size()
    }

    /// The values layer `layer` reads, one per non-constant input tensor, in the op's input order
    /// (a tensor read twice is listed twice).
    pub fn layer_values(&self, layer: usize) -> Result<Vec<(usize, Value)>> {
        let op = self.graph.ops.get(layer).ok_or_else(|| {
            Error::Claim(format!(
                "layer {layer} does not exist (the model has {})",
                self.graph.ops.len()
            ))
        })?;
        Ok(op
            .inputs
            .iter()
            .filter_map(|&t| self.producer[t].map(|v| (t, v)))
            .collect())
    }

    /// Multiply-accumulates per inference.
    pub fn macs(&self) -> u64 {
        self.graph.macs()
    }

    /// Elements of all constant tensors (weights, biases, tables, shape operands).
    pub fn parameters(&self) -> u64 {
        self.graph
            .tensors
            .iter()
            .filter(|t| t.data.is_some())
            .map(|t| t.len() as u64)
            .sum()
    }
}
