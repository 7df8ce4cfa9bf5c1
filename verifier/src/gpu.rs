//! The wgpu executor behind the [`Executor`] trait: an adapter over [`LiteRtGpu`] (the kernels,
//! the start-up self-test, the device limits and the bounded read-back live there), with the
//! plan of the last model kept so that repeated jobs on one model upload its weights once.

pub(crate) mod device;

use crate::exec::{Execution, Executor};
use crate::hash::Hash32;
use crate::litert::gpu::{LiteRtGpu, Prepared};
use crate::model::Model;
use crate::{Error, Result};

/// Runs models on the first Vulkan adapter (a GPU, or lavapipe); refuses a device that fails
/// the known-answer self-test. Its answers are confirmed on the CPU reference before any guilty
/// finding ([`crate::verify::verify_with`]).
pub struct GpuExecutor {
    gpu: LiteRtGpu,
    /// The last model's id and plan.
    prepared: Option<(Hash32, Prepared)>,
}

impl std::fmt::Debug for GpuExecutor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GpuExecutor")
            .field("gpu", &self.gpu)
            .finish()
    }
}

impl GpuExecutor {
    /// Opens the device, compiles the kernels and runs the self-test ([`Error::Gpu`] on failure).
    pub fn new() -> Result<Self> {
        Ok(GpuExecutor {
            gpu: LiteRtGpu::new()?,
            prepared: None,
        })
    }

    /// The adapter's description.
    pub fn adapter(&self) -> String {
        self.gpu.adapter().to_string()
    }

    /// The plan of `model`, built on first use.
    fn plan(&mut self, model: &Model) -> Result<&Prepared> {
        let id = model.id();
        if self.prepared.as_ref().is_none_or(|(have, _)| *have != id) {
            self.prepared = Some((id, self.gpu.prepare(model.graph())?));
        }
        Ok(&self.prepared.as_ref().expect("just built").1)
    }
}

impl Executor for GpuExecutor {
    fn name(&self) -> &'static str {
        "wgpu"
    }

    fn execute(&mut self, model: &Model, input: &[u8]) -> Result<Execution> {
        let inputs = model.split_input(input)?;
        self.plan(model)?;
        let prepared = &self.prepared.as_ref().expect("planned").1;
        let outs = self.gpu.run_prepared(prepared, &inputs)?;
        let outputs: Vec<Vec<u8>> = outs.into_iter().map(|o| o.bytes).collect();
        Ok(Execution::new(model, input, &outputs))
    }

    /// The op alone, as a one-op graph whose inputs are the values it reads (its constants stay
    /// constants).
    fn execute_layer(&mut self, model: &Model, layer: usize, inputs: &[&[u8]]) -> Result<Vec<u8>> {
        let given = crate::cpu::layer_inputs(model, layer, inputs)?;
        let full = model.graph();
        let op = full.ops[layer].clone();
        let mut graph = full.clone();
        graph.inputs = Vec::new();
        for &(t, _) in &given {
            if !graph.inputs.contains(&t) {
                graph.inputs.push(t);
            }
        }
        graph.outputs = vec![op.outputs[0]];
        graph.ops = vec![op];
        let bytes: Vec<&[u8]> = graph
            .inputs
            .iter()
            .map(|t| given.iter().find(|(u, _)| u == t).expect("listed").1)
            .collect();
        let mut outs = self.gpu.run(&graph, &bytes)?;
        outs.pop()
            .map(|o| o.bytes)
            .ok_or_else(|| Error::Gpu(format!("layer {layer}: no output")))
    }
}
