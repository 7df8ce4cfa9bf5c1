//! The CPU reference executor: runs each layer with [`crate::ops::reference`].

use crate::exec::{Execution, Executor, check_input};
use crate::model::{Graph, Model, Op};
use crate::ops::reference as r;
use crate::{Error, Result};

/// Straightforward single-threaded CPU executor; the reference every other backend must match.
#[derive(Clone, Copy, Debug, Default)]
pub struct CpuExecutor;

impl CpuExecutor {
    /// Creates the executor.
    pub fn new() -> Self {
        CpuExecutor
    }

    /// Runs `model` on `input`, returning every layer's output in layer order.
    pub fn layer_outputs(&self, model: &Model, input: &[i8]) -> Result<Vec<Vec<i8>>> {
        check_input(model, input)?;
        Ok(run_graph(&model.graph(), vec![input.to_vec()]))
    }

    /// Re-executes layer `layer` of `model` alone from its input values (`inputs[i]` is the
    /// value [`crate::model::Layer::inputs`]`[i]`: the job input or an earlier layer's output).
    pub fn layer_output(&self, model: &Model, layer: usize, inputs: &[&[i8]]) -> Result<Vec<i8>> {
        let (graph, values) = layer_inputs(model, layer, inputs)?;
        Ok(run_graph(&graph, values).pop().unwrap_or_default())
    }

    /// Runs `model` on `input`.
    pub fn run(&self, model: &Model, input: &[i8]) -> Result<Execution> {
        let outputs = self.layer_outputs(model, input)?;
        Ok(Execution::from_layer_outputs(model, outputs))
    }
}

/// Checks `inputs` against layer `layer`'s input values and returns its one-layer graph with
/// the distinct input values it reads.
pub(crate) fn layer_inputs(
    model: &Model,
    layer: usize,
    inputs: &[&[i8]],
) -> Result<(Graph<'static>, Vec<Vec<i8>>)> {
    let (graph, distinct) = model.layer_graph(layer)?;
    let wanted = &model.layers()[layer].inputs;
    if inputs.len() != wanted.len() {
        return Err(Error::Claim(format!(
            "layer {layer} reads {} values, {} given",
            wanted.len(),
            inputs.len()
        )));
    }
    for (i, (&v, x)) in wanted.iter().zip(inputs).enumerate() {
        let expected: usize = model.value_shape(v).iter().product();
        if x.len() != expected {
            return Err(Error::InputSize {
                expected,
                found: x.len(),
            });
        }
        // The same value given twice must be given identically.
        if let Some(j) = wanted[..i].iter().position(|&w| w == v)
            && inputs[j] != *x
        {
            return Err(Error::Claim(format!(
                "layer {layer}: input {i} and input {j} are the same value but differ"
            )));
        }
    }
    let values = distinct
        .iter()
        .map(|d| {
            let at = wanted.iter().position(|w| w == d).unwrap_or(0);
            inputs[at].to_vec()
        })
        .collect();
    Ok((graph, values))
}

/// Runs a graph on the CPU reference; returns every layer's output in layer order.
/// Inputs and shapes are validated by the caller (the loader and [`layer_inputs`]).
pub(crate) fn run_graph(graph: &Graph<'_>, inputs: Vec<Vec<i8>>) -> Vec<Vec<i8>> {
    let n_in = inputs.len();
    let mut values: Vec<Vec<i8>> = inputs;
    for layer in graph.layers.iter() {
        let x = &values[layer.inputs[0]];
        let shape = graph.value_shape(layer.inputs[0]);
        let y = match &layer.op {
            Op::Dense { weight, bias, rq } => r::dense(x, weight, bias, *rq),
            Op::Conv2d {
                geom,
                weight,
                bias,
                rq,
            } => r::conv2d(x, geom, weight, bias, *rq),
            Op::Upsample { factor } => r::upsample(x, shape[0], shape[1], shape[2], *factor),
            Op::Add {
                weight_a,
                weight_b,
                shift,
            } => r::add(x, &values[layer.inputs[1]], *weight_a, *weight_b, *shift),
            Op::Relu => r::relu(x),
            Op::Clamp { min, max } => r::clamp(x, *min, *max),
            Op::Requantize(rq) => r::rescale(x, *rq),
            Op::AvgPool { kernel, stride } => {
                r::avg_pool(x, [shape[0], shape[1], shape[2]], *kernel, *stride)
            }
            Op::Lut(table) => r::lut(x, table),
            Op::Reshape => x.clone(),
        };
        values.push(y);
    }
    values.drain(..n_in);
    values
}

impl Executor for CpuExecutor {
    fn name(&self) -> &'static str {
        "cpu"
    }

    fn execute(&mut self, model: &Model, input: &[i8]) -> Result<Execution> {
        self.run(model, input)
    }

    fn execute_layer(&mut self, model: &Model, layer: usize, inputs: &[&[i8]]) -> Result<Vec<i8>> {
        self.layer_output(model, layer, inputs)
    }

    fn is_reference(&self) -> bool {
        true
    }
}
