//! The keeper's API: re-run a job and compare with what an orchestrator claimed.
//!
//! A job is `(model, input)`. Job parameters (for the demo generator: the seed and the prompt)
//! are part of the input tensor, so `input_hash = keccak256(input bytes)` covers them.

use serde::{Deserialize, Serialize};

use crate::cpu::CpuExecutor;
use crate::exec::{Execution, Executor};
use crate::hash::{Hash32, from_hex, hash_i8, keccak, to_hex};
use crate::model::Model;
use crate::{Error, Result};

/// The outcome of re-running a job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// `true` when the claimed output hash (and, if given, every claimed layer hash) equals the
    /// reference.
    pub matches: bool,
    /// Output hash claimed by the orchestrator.
    pub claimed_output_hash: Hash32,
    /// keccak256 of the reference output bytes.
    pub reference_output_hash: Hash32,
    /// Reference per-layer hashes.
    pub reference_layer_hashes: Vec<Hash32>,
    /// Merkle root over the reference layer hashes.
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
        let r = &reference.layer_hashes;
        (0..r.len().max(claimed.len())).find(|&i| r.get(i) != claimed.get(i))
    });
    Verdict {
        matches: claimed_output_hash == reference.output_hash && first_diverging_layer.is_none(),
        claimed_output_hash,
        reference_output_hash: reference.output_hash,
        reference_layer_hashes: reference.layer_hashes.clone(),
        reference_commitment: reference.commitment,
        first_diverging_layer,
    }
}

/// Re-runs the job on the CPU reference and compares with the claim.
pub fn verify(
    model: &Model,
    input: &[i8],
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
    input: &[i8],
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
/// found the executor wrong. Cost of a confirmation: one CPU-reference inference, paid only on
/// a mismatch by a non-reference executor.
pub fn verify_confirmed(
    executor: &mut dyn Executor,
    model: &Model,
    input: &[i8],
    claimed_output_hash: Hash32,
    claimed_layers: Option<&[Hash32]>,
) -> Result<Confirmed> {
    let first = executor.execute(model, input)?;
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
    let executor_divergence = (0..reference.layer_hashes.len())
        .find(|&i| reference.layer_hashes.get(i) != first.layer_hashes.get(i));
    Ok(Confirmed {
        verdict: compare(&reference, claimed_output_hash, claimed_layers),
        confirmed_on_reference: true,
        executor_divergence,
        confirm_time,
    })
}

/// The JSON an orchestrator publishes for a job (all hashes `0x`-hex), and `verifier run` writes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimFile {
    /// keccak256 of the model file.
    pub model_id: String,
    /// keccak256 of the input bytes.
    pub input_hash: String,
    /// keccak256 of the output tensor bytes.
    pub output_hash: String,
    /// Merkle root over the layer hashes.
    pub commitment: String,
    /// Per-layer hashes.
    pub layer_hashes: Vec<String>,
}

impl ClaimFile {
    /// The claim an honest orchestrator makes for `exec`.
    pub fn new(model: &Model, input: &[i8], exec: &Execution) -> Self {
        ClaimFile {
            model_id: to_hex(&model.id()),
            input_hash: to_hex(&keccak(&crate::exec::input_to_bytes(input))),
            output_hash: to_hex(&exec.output_hash),
            commitment: to_hex(&exec.commitment),
            layer_hashes: exec.layer_hashes.iter().map(to_hex).collect(),
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

    /// Parsed layer hashes.
    pub fn layer_hashes(&self) -> Result<Vec<Hash32>> {
        self.layer_hashes.iter().map(|h| from_hex(h)).collect()
    }

    /// Checks that the claim is about this model and this input.
    pub fn check_job(&self, model: &Model, input: &[i8]) -> Result<()> {
        if from_hex(&self.model_id)? != model.id() {
            return Err(Error::Claim(format!(
                "claim is for model {}, not {}",
                self.model_id,
                to_hex(&model.id())
            )));
        }
        let ih = keccak(&crate::exec::input_to_bytes(input));
        if from_hex(&self.input_hash)? != ih {
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
    /// `true` when the re-run output hashes to the claimed layer hash.
    pub matches: bool,
    /// The claimed hash of the layer's output.
    pub claimed_hash: Hash32,
    /// keccak256 of the re-run output (the CPU reference's whenever a confirmation ran).
    pub reference_hash: Hash32,
    /// Whether a mismatch found by a non-reference executor was re-checked on the CPU reference.
    pub confirmed_on_reference: bool,
    /// With a confirmation: whether the executor's output differed from the reference's (the
    /// executor is faulty and its answer was discarded).
    pub executor_wrong: bool,
    /// Time spent re-running the layer (confirmation included).
    pub time: std::time::Duration,
}

/// Re-executes layer `layer` alone from its committed input and compares its output with the
/// claimed layer hash: the check a keeper needs for the first diverging layer, at the cost of
/// one layer instead of the whole model.
///
/// `layer_inputs[i]` are the bytes of value [`crate::model::Layer::inputs`]`[i]`: the job input
/// for value 0 (checked against `input_hash`), else the output of layer `v − 1` (checked
/// against `claimed_layers[v − 1]`). Inputs that do not match their commitment are an
/// [`Error::Claim`]: the claimant's own commitments decide what the layer reads. As with
/// [`verify_with`], a mismatch found by a non-reference executor is confirmed on the CPU
/// reference before it is returned.
pub fn verify_layer(
    executor: &mut dyn Executor,
    model: &Model,
    input_hash: Hash32,
    claimed_layers: &[Hash32],
    layer: usize,
    layer_inputs: &[&[i8]],
) -> Result<LayerVerdict> {
    let start = std::time::Instant::now();
    if claimed_layers.len() != model.layers().len() {
        return Err(Error::Claim(format!(
            "the claim has {} layer hashes, the model {} layers",
            claimed_layers.len(),
            model.layers().len()
        )));
    }
    let node = model.layers().get(layer).ok_or_else(|| {
        Error::Claim(format!(
            "layer {layer} does not exist (the model has {})",
            model.layers().len()
        ))
    })?;
    if layer_inputs.len() != node.inputs.len() {
        return Err(Error::Claim(format!(
            "layer {layer} reads {} values, {} given",
            node.inputs.len(),
            layer_inputs.len()
        )));
    }
    for (&v, x) in node.inputs.iter().zip(layer_inputs) {
        let committed = match v {
            0 => input_hash,
            _ => claimed_layers[v - 1],
        };
        if hash_i8(x) != committed {
            return Err(Error::Claim(format!(
                "layer {layer}: the bytes given for value {v} do not match its committed hash {}",
                to_hex(&committed)
            )));
        }
    }
    let claimed_hash = claimed_layers[layer];
    let out = executor.execute_layer(model, layer, layer_inputs)?;
    let mut reference_hash = hash_i8(&out);
    let (mut confirmed_on_reference, mut executor_wrong) = (false, false);
    if reference_hash != claimed_hash && !executor.is_reference() {
        let reference = CpuExecutor.layer_output(model, layer, layer_inputs)?;
        confirmed_on_reference = true;
        executor_wrong = reference != out;
        reference_hash = hash_i8(&reference);
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
