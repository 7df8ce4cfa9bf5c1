//! What an executor returns, and the executor trait shared by the CPU reference and wgpu.

use crate::Result;
use crate::commit::{commitment_of_roots, root};
use crate::hash::{Hash32, keccak};
use crate::model::Model;

/// An int8 tensor with its shape (NHWC for images, as LiteRT lays them out).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tensor {
    /// Shape, row-major.
    pub shape: Vec<usize>,
    /// Values.
    pub data: Vec<i8>,
}

/// The result of running a model on a job input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Execution {
    /// The final output (the graph output).
    pub output: Tensor,
    /// Chunk root of the job input ([`crate::commit::root`]).
    pub input_root: Hash32,
    /// Chunk root of each layer's (op's) output, in execution order.
    pub layer_roots: Vec<Hash32>,
    /// keccak256 of the final output bytes.
    pub output_hash: Hash32,
    /// The layer commitment: `root(input_root ‖ layer_roots…)` ([`crate::commit`]).
    pub commitment: Hash32,
}

impl Execution {
    /// Builds the record from the job input and every op's output bytes (execution order).
    pub fn new(model: &Model, input: &[u8], outputs: &[Vec<u8>]) -> Execution {
        let layer_roots: Vec<Hash32> = outputs.iter().map(|o| root(o)).collect();
        let input_root = root(input);
        let out_layer = model
            .layers()
            .iter()
            .rposition(|op| op.outputs[0] == model.output_tensor())
            .unwrap_or(outputs.len().saturating_sub(1));
        let bytes = outputs.get(out_layer).cloned().unwrap_or_default();
        Execution {
            output_hash: keccak(&bytes),
            commitment: commitment_of_roots(&input_root, &layer_roots),
            input_root,
            layer_roots,
            output: Tensor {
                shape: model.output_shape().to_vec(),
                data: bytes.iter().map(|&b| b as i8).collect(),
            },
        }
    }

    /// Replaces the final output (what a cheater delivers) and recomputes the output hash, the
    /// output layer's root and the commitment, so the record stays self-consistent.
    pub fn replace_output(&mut self, model: &Model, data: Vec<i8>) {
        let bytes: Vec<u8> = data.iter().map(|&v| v as u8).collect();
        if let Some(k) = model
            .layers()
            .iter()
            .rposition(|op| op.outputs[0] == model.output_tensor())
        {
            self.layer_roots[k] = root(&bytes);
        }
        self.output_hash = keccak(&bytes);
        self.commitment = commitment_of_roots(&self.input_root, &self.layer_roots);
        self.output.data = data;
    }
}

/// Something that runs models bit-exactly.
pub trait Executor {
    /// Short backend name (`cpu`, `wgpu`).
    fn name(&self) -> &'static str;

    /// Runs `model` on the job input (the graph inputs' bytes, [`Model::input_len`]).
    fn execute(&mut self, model: &Model, input: &[u8]) -> Result<Execution>;

    /// Re-executes layer `layer` of `model` alone: `inputs[i]` holds the bytes of the `i`-th
    /// value it reads ([`Model::layer_values`]: a graph input or an earlier layer's output;
    /// constants come from the model). Returns the layer's output bytes.
    fn execute_layer(&mut self, model: &Model, layer: usize, inputs: &[&[u8]]) -> Result<Vec<u8>>;

    /// `true` for the CPU reference, whose answer is the spec's by definition; a mismatch found
    /// by any other executor is confirmed on the reference ([`crate::verify::verify_with`]).
    fn is_reference(&self) -> bool {
        false
    }
}
