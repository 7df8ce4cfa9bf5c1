//! The CPU reference executor: runs each layer with [`crate::ops::reference`].

use crate::Result;
use crate::exec::{Execution, Executor, check_input};
use crate::model::{Model, Op};
use crate::ops::reference as r;

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
        let mut values: Vec<Vec<i8>> = vec![input.to_vec()];
        for layer in model.layers() {
            let x = &values[layer.inputs[0]];
            let shape = model.value_shape(layer.inputs[0]);
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
        values.remove(0);
        Ok(values)
    }

    /// Runs `model` on `input`.
    pub fn run(&self, model: &Model, input: &[i8]) -> Result<Execution> {
        let outputs = self.layer_outputs(model, input)?;
        Ok(Execution::from_layer_outputs(model, outputs))
    }
}

impl Executor for CpuExecutor {
    fn name(&self) -> &'static str {
        "cpu"
    }

    fn execute(&mut self, model: &Model, input: &[i8]) -> Result<Execution> {
        self.run(model, input)
    }

    fn is_reference(&self) -> bool {
        true
    }
}
