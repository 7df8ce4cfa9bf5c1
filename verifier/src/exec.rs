//! What an executor returns, and the executor trait shared by the CPU and wgpu backends.

use crate::hash::{Hash32, hash_i8, merkle_root};
use crate::model::Model;
use crate::{Error, Result};

/// An i8 tensor with its shape (`[C, H, W]` for images).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tensor {
    /// Shape, row-major.
    pub shape: Vec<usize>,
    /// Values.
    pub data: Vec<i8>,
}

/// The result of running a model on an input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Execution {
    /// The last layer's output.
    pub output: Tensor,
    /// keccak256 of each layer's output bytes, in layer order.
    pub layer_hashes: Vec<Hash32>,
    /// keccak256 of the output bytes (equal to the last layer hash).
    pub output_hash: Hash32,
    /// Merkle root over `layer_hashes` (see [`crate::hash`]).
    pub commitment: Hash32,
}

impl Execution {
    /// Builds the execution record from every layer's output, in layer order.
    /// (The loader guarantees at least one layer; an empty list gives an empty output.)
    pub fn from_layer_outputs(model: &Model, mut outputs: Vec<Vec<i8>>) -> Execution {
        let layer_hashes: Vec<Hash32> = outputs.iter().map(|o| hash_i8(o)).collect();
        let output = Tensor {
            shape: model.output_shape().to_vec(),
            data: outputs.pop().unwrap_or_default(),
        };
        Execution {
            output_hash: layer_hashes.last().copied().unwrap_or_else(|| hash_i8(&[])),
            commitment: merkle_root(&layer_hashes),
            layer_hashes,
            output,
        }
    }
}

/// Something that runs models bit-exactly.
pub trait Executor {
    /// Short backend name (`cpu`, `wgpu`).
    fn name(&self) -> &'static str;

    /// Runs `model` on `input` (the i8 input tensor, `model.input_len()` values).
    fn execute(&mut self, model: &Model, input: &[i8]) -> Result<Execution>;

    /// Re-executes layer `layer` of `model` alone from its input values: `inputs[i]` is value
    /// [`crate::model::Layer::inputs`]`[i]` (the job input for value 0, else the output of
    /// layer `v − 1`). Returns the layer's output.
    fn execute_layer(&mut self, model: &Model, layer: usize, inputs: &[&[i8]]) -> Result<Vec<i8>>;

    /// `true` for the CPU reference, whose answer is the spec's by definition; a mismatch found
    /// by any other executor is confirmed on the reference ([`crate::verify::verify_with`]).
    fn is_reference(&self) -> bool {
        false
    }
}

/// Checks the input length against the model.
pub(crate) fn check_input(model: &Model, input: &[i8]) -> Result<()> {
    if input.len() != model.input_len() {
        return Err(Error::InputSize {
            expected: model.input_len(),
            found: input.len(),
        });
    }
    Ok(())
}

/// Reinterprets raw input bytes as i8 values (two's complement).
pub fn input_from_bytes(bytes: &[u8]) -> Vec<i8> {
    bytes.iter().map(|&b| b as i8).collect()
}

/// Raw bytes of i8 values (the inverse of [`input_from_bytes`]).
pub fn input_to_bytes(values: &[i8]) -> Vec<u8> {
    values.iter().map(|&v| v as u8).collect()
}
