//! The CPU reference executor: [`crate::litert::run`], LiteRT's reference kernels in Rust.

use crate::exec::{Execution, Executor};
use crate::model::Model;
use crate::{Error, Result};

/// Single-threaded CPU executor; the reference every other backend must match.
#[derive(Clone, Copy, Debug, Default)]
pub struct CpuExecutor;

impl CpuExecutor {
    /// Creates the executor.
    pub fn new() -> Self {
        CpuExecutor
    }

    /// Runs `model` on the job input, returning every layer's output bytes in layer order.
    pub fn layer_outputs(&self, model: &Model, input: &[u8]) -> Result<Vec<Vec<u8>>> {
        let inputs = model.split_input(input)?;
        let outs = crate::litert::run(model.graph(), &inputs)?;
        Ok(outs.into_iter().map(|o| o.bytes).collect())
    }

    /// Re-executes layer `layer` alone from the values it reads (see [`Executor::execute_layer`]).
    pub fn layer_output(&self, model: &Model, layer: usize, inputs: &[&[u8]]) -> Result<Vec<u8>> {
        let given = layer_inputs(model, layer, inputs)?;
        Ok(crate::litert::run_op(model.graph(), layer, &given)?)
    }

    /// Runs `model` on the job input.
    pub fn run(&self, model: &Model, input: &[u8]) -> Result<Execution> {
        let outputs = self.layer_outputs(model, input)?;
        Ok(Execution::new(model, input, &outputs))
    }
}

impl Executor for CpuExecutor {
    fn name(&self) -> &'static str {
        "cpu"
    }

    fn execute(&mut self, model: &Model, input: &[u8]) -> Result<Execution> {
        self.run(model, input)
    }

    fn execute_layer(&mut self, model: &Model, layer: usize, inputs: &[&[u8]]) -> Result<Vec<u8>> {
        self.layer_output(model, layer, inputs)
    }

    fn is_reference(&self) -> bool {
        true
    }
}

/// `inputs` (the bytes of each value layer `layer` reads, [`Model::layer_values`]) paired with
/// their tensor ids, after checking their count and sizes, and that a tensor read twice is given
/// the same bytes twice.
pub(crate) fn layer_inputs<'a>(
    model: &Model,
    layer: usize,
    inputs: &[&'a [u8]],
) -> Result<Vec<(usize, &'a [u8])>> {
    let values = model.layer_values(layer)?;
    if inputs.len() != values.len() {
        return Err(Error::Claim(format!(
            "layer {layer} reads {} values, {} given",
            values.len(),
            inputs.len()
        )));
    }
    let mut given: Vec<(usize, &[u8])> = Vec::with_capacity(values.len());
    for (&(t, _), &x) in values.iter().zip(inputs) {
        if x.len() != model.tensor_bytes(t) {
            return Err(Error::InputSize {
                expected: model.tensor_bytes(t),
                found: x.len(),
            });
        }
        if given.iter().any(|&(u, y)| u == t && y != x) {
            return Err(Error::Claim(format!(
                "layer {layer}: tensor {t} is given twice with different bytes"
            )));
        }
        given.push((t, x));
    }
    Ok(given)
}
