//! The keeper's API: re-run a job and compare with what an orchestrator claimed.
//!
//! A job is `(model, input)`. Job parameters (for the demo generator: the prompt's tokens) are
//! the input bytes, so `input_hash = keccak256(input bytes)` covers them. Layers are compared by
//! their chunk roots ([`crate::commit`]); the vote is on `output_hash`.

use serde::{Deserialize, Serialize};

use crate::commit::{commitment_of_roots, root};
use crate::cpu::CpuExecutor;
use crate::exec::{Execution, Executor};
use crate::hash::{Hash32, from_hex, keccak, to_hex};
use crate::model::Model;
use crate::model::Value;
use crate::{Error, Result};

/// The outcome of re-running a job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// `true` when the claimed output hash (and, if given, every claimed layer root) equals the
    /// reference.
    pub matches: bool,
    /// Output hash claimed by the orchestrator.
    pub claimed_output_hash: Hash32,
    /// keccak256 of the reference output bytes.
    pub reference_output_hash: Hash32,
    /// Reference per-layer chunk roots.
    pub reference_layer_roots: Vec<Hash32>,
    /// The reference layer commitment.
    pub reference_commitment: Hash32,
    /// With a claimed per-layer list: the first index where it differs from the reference
    /// (a missing or extra entry counts as differing at the shorter list's length).
    pub first_diverging_layer: Option<usize>,
}

/// Compares a reference execution with a claim.
pub fn compare(
    reference: &Execution,
    claimed_output_hash: Hash32,
    claimed_layers: Option<&[Hash32]>,
) -> Verdict {
    let first_diverging_layer = claimed_layers.and_then(|claimed| {
        let r = &reference.layer_roots;
        (0..r.len().max(claimed.len())).find(|&i| r.get(i) != claimed.get(i))
    });
    Verdict {
        matches: claimed_output_hash == reference.output_hash && first_diverging_layer.is_none(),
        claimed_output_hash,
        reference_output_hash: reference.output_hash,
        reference_layer_roots: reference.layer_roots.clone(),
        reference_commitment: reference.commitment,
        first_diverging_layer,
    }
}

/// Re-runs the job on the CPU reference and compares with the claim.
pub fn verify(
    model: &Model,
    input: &[u8],
    claimed_output_hash: Hash32,
    claimed_layers: Option<&[Hash32]>,
) -> Result<Verdict> {
    verify_with(
        &mut CpuExecutor,
        model,
        input,
        claimed_output_hash,
        claimed_layers,
    )
}

/// Re-runs the job on `executor` and compares. A mismatch found by an executor other than the
/// CPU reference (the wgpu executor) is never returned on that executor's word alone: the job
/// is re-run on the CPU reference and the reference's verdict is returned (see
/// [`verify_confirmed`], which also says whether the executors disagreed). A match needs no
/// confirmation: a wrong GPU cannot produce the claimed hash by accident.
pub fn verify_with(
    executor: &mut dyn Executor,
    model: &Model,
    input: &[u8],
    claimed_output_hash: Hash32,
    claimed_layers: Option<&[Hash32]>,
) -> Result<Verdict> {
    verify_confirmed(executor, model, input, claimed_output_hash, claimed_layers).map(|c| c.verdict)
}

/// A verdict with how it was reached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confirmed {
    /// The verdict (the CPU reference's whenever a confirmation ran).
    pub verdict: Verdict,
    /// Whether the mismatch was re-checked on the CPU reference.
    pub confirmed_on_reference: bool,
    /// With a confirmation: the first layer where the executor's outputs differ from the
    /// reference's (`Some` means the executor is faulty and its verdict was discarded).
    pub executor_divergence: Option<usize>,
    /// Time spent in the confirmation (one CPU-reference inference of the whole model: the vote
    /// is on the output hash, so every layer is needed).
    pub confirm_time: std::time::Duration,
}

/// [`verify_with`], reporting whether a confirmation on the CPU reference ran and whether it
/// found the executor wrong. A non-reference executor that fails to run the job at all is
/// replaced by the CPU reference (its verdict returned as is). Cost of a confirmation: one
/// CPU-reference inference, paid only on a mismatch by a non-reference executor.
pub fn verify_confirmed(
    executor: &mut dyn Executor,
    model: &Model,
    input: &[u8],
    claimed_output_hash: Hash32,
    claimed_layers: Option<&[Hash32]>,
) -> Result<Confirmed> {
    let first = match executor.execute(model, input) {
        Ok(e) => e,
        // A non-reference executor that cannot run the job (no device, a device limit, not yet
        // connected) leaves the CPU reference to decide.
        Err(_) if !executor.is_reference() => {
            return verify_confirmed(
                &mut CpuExecutor,
                model,
                input,
                claimed_output_hash,
                claimed_layers,
            );
        }
        Err(e) => return Err(e),
    };
    let verdict = compare(&first, claimed_output_hash, claimed_layers);
    if verdict.matches || executor.is_reference() {
        return Ok(Confirmed {
            verdict,
            confirmed_on_reference: false,
            executor_divergence: None,
            confirm_time: std::time::Duration::ZERO,
        });
    }
    let start = std::time::Instant::now();
    let reference = CpuExecutor.run(model, input)?;
    let confirm_time = start.elapsed();
    let executor_divergence = (0..reference.layer_roots.len())
        .find(|&i| reference.layer_roots.get(i) != first.layer_roots.get(i));
    Ok(Confirmed {
        verdict: compare(&reference, claimed_output_hash, claimed_layers),
        confirmed_on_reference: true,
        executor_divergence,
        confirm_time,
    })
}

/// The JSON an orchestrator publishes for a job (all hashes `0x`-hex), and `verifier run` writes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimFile {
    /// keccak256 of the model file.
    pub model_id: String,
    /// keccak256 of the input bytes.
    pub input_hash: String,
    /// keccak256 of the output tensor bytes.
    pub output_hash: String,
    /// The layer commitment over `input_root` and `layer_roots`.
    pub commitment: String,
    /// Chunk root of the job input.
    pub input_root: String,
    /// Chunk root of each layer's output.
    pub layer_roots: Vec<String>,
}

impl ClaimFile {
    /// The claim an honest orchestrator makes for `exec`.
    pub fn new(model: &Model, input: &[u8], exec: &Execution) -> Self {
        ClaimFile {
            model_id: to_hex(&model.id()),
            input_hash: to_hex(&keccak(input)),
            output_hash: to_hex(&exec.output_hash),
            commitment: to_hex(&exec.commitment),
            input_root: to_hex(&exec.input_root),
            layer_roots: exec.layer_roots.iter().map(to_hex).collect(),
        }
    }

    /// Parsed output hash.
    pub fn output_hash(&self) -> Result<Hash32> {
        from_hex(&self.output_hash)
    }

    /// Parsed input hash.
    pub fn input_hash(&self) -> Result<Hash32> {
        from_hex(&self.input_hash)
    }

    /// Parsed layer roots.
    pub fn layer_roots(&self) -> Result<Vec<Hash32>> {
        self.layer_roots.iter().map(|h| from_hex(h)).collect()
    }

    /// The layer roots, if they and the input root rebuild `commitment` (else an error).
    pub fn checked_layer_roots(&self, commitment: &Hash32) -> Result<Vec<Hash32>> {
        let roots = self.layer_roots()?;
        if commitment_of_roots(&from_hex(&self.input_root)?, &roots) != *commitment {
            return Err(Error::Claim(
                "the input and layer roots do not rebuild the commitment".into(),
            ));
        }
        Ok(roots)
    }

    /// Checks that the claim is about this model and this input.
    pub fn check_job(&self, model: &Model, input: &[u8]) -> Result<()> {
        if from_hex(&self.model_id)? != model.id() {
            return Err(Error::Claim(format!(
                "claim is for model {}, not {}",
                self.model_id,
                to_hex(&model.id())
            )));
        }
        let ih = keccak(input);
        if from_hex(&self.input_hash)? != ih || from_hex(&self.input_root)? != root(input) {
            return Err(Error::Claim(format!(
                "claim is for input {}, not {}",
                self.input_hash,
                to_hex(&ih)
            )));
        }
        Ok(())
    }
}

/// The outcome of re-running one layer from its committed input ([`verify_layer`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerVerdict {
    /// The layer re-run.
    pub layer: usize,
    /// `true` when the re-run output's chunk root is the claimed layer root.
    pub matches: bool,
    /// The claimed root of the layer's output.
    pub claimed_hash: Hash32,
    /// Chunk root of the re-run output (the CPU reference's whenever a confirmation ran).
    pub reference_hash: Hash32,
    /// Whether a mismatch found by a non-reference executor was re-checked on the CPU reference.
    pub confirmed_on_reference: bool,
    /// With a confirmation: whether the executor's output differed from the reference's (the
    /// executor is faulty and its answer was discarded).
    pub executor_wrong: bool,
    /// Time spent re-running the layer (confirmation included).
    pub time: std::time::Duration,
}

/// Re-executes layer `layer` alone from its committed inputs and compares its output with the
/// claimed layer root: the check a keeper needs for the first diverging layer, at the cost of
/// one layer instead of the whole model.
///
/// `layer_inputs[i]` are the bytes of the `i`-th value the layer reads ([`Model::layer_values`]):
/// a graph input (checked against its slice of the job `input`, which the caller has checked
/// against the claim's input hash) or an earlier layer's output (checked against
/// `claimed_roots`). Inputs that do not match their commitment are an [`Error::Claim`]: the
/// claimant's own commitments decide what the layer reads. As with [`verify_with`], a mismatch
/// found by a non-reference executor is confirmed on the CPU reference before it is returned.
pub fn verify_layer(
    executor: &mut dyn Executor,
    model: &Model,
    input: &[u8],
    claimed_roots: &[Hash32],
    layer: usize,
    layer_inputs: &[&[u8]],
) -> Result<LayerVerdict> {
    let start = std::time::Instant::now();
    if claimed_roots.len() != model.layers().len() {
        return Err(Error::Claim(format!(
            "the claim has {} layer roots, the model {} layers",
            claimed_roots.len(),
            model.layers().len()
        )));
    }
    let values = model.layer_values(layer)?;
    if layer_inputs.len() != values.len() {
        return Err(Error::Claim(format!(
            "layer {layer} reads {} values, {} given",
            values.len(),
            layer_inputs.len()
        )));
    }
    let graph_inputs = model.split_input(input)?;
    for ((_, v), x) in values.iter().zip(layer_inputs) {
        let ok = match *v {
            Value::Input(i) => graph_inputs[i] == *x,
            Value::Layer(k) => root(x) == claimed_roots[k],
        };
        if !ok {
            return Err(Error::Claim(format!(
                "layer {layer}: the bytes given for {v:?} do not match their commitment"
            )));
        }
    }
    let claimed_hash = claimed_roots[layer];
    let out = match executor.execute_layer(model, layer, layer_inputs) {
        Ok(o) => o,
        Err(_) if !executor.is_reference() => {
            CpuExecutor.layer_output(model, layer, layer_inputs)?
        }
        Err(e) => return Err(e),
    };
    let mut reference_hash = root(&out);
    let (mut confirmed_on_reference, mut executor_wrong) = (false, false);
    if reference_hash != claimed_hash && !executor.is_reference() {
        let reference = CpuExecutor.layer_output(model, layer, layer_inputs)?;
        confirmed_on_reference = true;
        executor_wrong = reference != out;
        reference_hash = root(&reference);
    }
    Ok(LayerVerdict {
        layer,
        matches: reference_hash == claimed_hash,
        claimed_hash,
        reference_hash,
        confirmed_on_reference,
        executor_wrong,
        time: start.elapsed(),
    })
}
