//! Re-running a disputed job and turning the result into a vote, as DESIGN.md says: guilty when
//! the reference output differs from the claim, innocent when equal, and a draw (reference hash
//! zero) when the reference cannot be produced: the model or input is missing when the verdict
//! period is about to end, or the model cannot be run. Never a guess.

use alloy::primitives::{B256, U256};
use content::{ContentError, Limits, Source};
use tracing::{info, warn};
use verifier::{ClaimFile, CpuExecutor, Executor, GpuExecutor, Model};

use crate::store::{Finding, JobReceipt};

/// What re-running a job gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Judgement {
    Vote(Finding),
    /// Something is not fetchable yet and there is time left: try again next tick.
    NotYet(String),
}

/// Why a judgement could not be made this time (it stays with its dispute and is retried).
#[derive(Debug, thiserror::Error)]
pub enum JudgeError {
    #[error(transparent)]
    Fetch(#[from] ContentError),
    #[error("the verifier task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error("no judgement within {0} s")]
    TimedOut(u64),
}

/// The draw vote: the reference could not be reproduced.
pub fn draw() -> Finding {
    Finding {
        reference_output_hash: B256::ZERO,
        first_diverging_layer: U256::ZERO,
    }
}

/// Whether `bytes` load to the model `id` (else the fetch is ignored, as a wrong hash is).
fn model_matches(bytes: &[u8], id: B256) -> bool {
    let ok = Model::from_bytes(bytes).is_ok_and(|m| B256::from(m.id()) == id);
    if !ok {
        warn!(%id, "fetched model does not load to its model id; ignoring it");
    }
    ok
}

/// Fetches the job's model and input (and, if published, the claimed layer list named by the
/// receipt's commitment root), re-runs it and returns the vote. `last_chance`: the verdict
/// period ends after this round, so a missing object means a draw rather than a wait.
pub async fn judge(
    source: &Source,
    receipt: &JobReceipt,
    last_chance: bool,
    gpu: bool,
    limits: &Limits,
) -> Result<Judgement, JudgeError> {
    // A model file is named by its model id (the commitment over its graph, not its hash): it
    // counts as fetched only once it loads to that id.
    let model = source
        .get(receipt.model_id, limits)
        .await?
        .filter(|bytes| model_matches(bytes, receipt.model_id));
    let input = source.get_hashed(receipt.input_hash, limits).await?;
    let (model, input) = match (model, input) {
        (Some(m), Some(i)) => (m, i),
        (m, _) => {
            let what = if m.is_none() { "model" } else { "input" };
            if last_chance {
                warn!(
                    what,
                    "missing at the end of the verdict period: voting draw"
                );
                return Ok(Judgement::Vote(draw()));
            }
            return Ok(Judgement::NotYet(format!(
                "the job's {what} is not available yet"
            )));
        }
    };
    let layers = claimed_layers(source, receipt.commitment_root, limits).await?;
    let claimed = receipt.output_hash.0;
    let outcome = tokio::task::spawn_blocking(move || {
        let model = Model::from_bytes(&model)?;
        // Without a usable GPU the CPU reference judges (the vote never rests on the GPU alone).
        let mut executor: Box<dyn Executor> = match gpu.then(GpuExecutor::new) {
            Some(Ok(g)) => Box::new(g),
            Some(Err(e)) => {
                warn!(error = %e, "no GPU executor: judging on the CPU reference");
                Box::new(CpuExecutor)
            }
            None => Box::new(CpuExecutor),
        };
        verifier::verify_with(
            executor.as_mut(),
            &model,
            &input,
            claimed,
            layers.as_deref(),
        )
    })
    .await?;
    let verdict = match outcome {
        Ok(v) => v,
        Err(e) => {
            warn!(error = %e, "the reference cannot run this job: voting draw");
            return Ok(Judgement::Vote(draw()));
        }
    };
    let reference = B256::from(verdict.reference_output_hash);
    // A verdict on the output alone: layers only locate the divergence.
    if reference == receipt.output_hash {
        info!("reference output equals the claim: innocent");
        return Ok(Judgement::Vote(Finding {
            reference_output_hash: reference,
            first_diverging_layer: U256::ZERO,
        }));
    }
    let layer = verdict
        .first_diverging_layer
        .map_or(U256::MAX, |l| U256::from(l));
    info!(%reference, claimed = %receipt.output_hash, first_diverging_layer = %layer, "reference output differs: guilty");
    Ok(Judgement::Vote(Finding {
        reference_output_hash: reference,
        first_diverging_layer: layer,
    }))
}

/// The orchestrator's published per-layer roots (a `verifier` claim file stored under the
/// receipt's commitment root), if present and consistent with that root (its input and layer
/// roots rebuild it).
async fn claimed_layers(
    source: &Source,
    root: B256,
    limits: &Limits,
) -> Result<Option<Vec<verifier::Hash32>>, JudgeError> {
    let Some(bytes) = source.get(root, limits).await? else {
        return Ok(None);
    };
    let layers = serde_json::from_slice::<ClaimFile>(&bytes)
        .ok()
        .and_then(|claim| claim.checked_layer_roots(&root.0).ok());
    if layers.is_none() {
        warn!(%root, "the published layer list does not match the commitment root; ignoring it");
    }
    Ok(layers)
}
