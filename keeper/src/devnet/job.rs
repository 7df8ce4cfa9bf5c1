//! An image job on the verifier's demo model (text to image: the prompt's tokens in, a 32×32
//! picture out): served honestly or by a cheater that delivers another prompt's picture, a signed
//! receipt, and the files a verifier fetches, each named by its hash.

use std::path::Path;

use alloy::primitives::{Address, B256, Bytes, U256, keccak256};
use alloy::signers::local::PrivateKeySigner;
use anyhow::Context;
use bindings::receipt::{Receipt, dispute_domain};
use verifier::{ClaimFile, CpuExecutor, Execution, Executor, GpuExecutor, Model, demo};

/// A served job.
pub struct Job {
    pub model_bytes: Vec<u8>,
    pub model: Model,
    /// The prompt's token ids (the job input bytes).
    pub input: Vec<u8>,
    /// What the job should produce.
    pub honest: Execution,
    /// What the orchestrator delivered and signed for.
    pub served: Execution,
    pub receipt: Receipt,
    pub signature: Bytes,
    /// The executor that produced the image ("wgpu: <adapter>" or "CPU reference").
    pub executor: String,
    /// A cheater's job: the prompt whose picture it delivered instead.
    pub delivered_prompt: Option<&'static str>,
}

/// The orchestrator (`key`) runs `prompt` on the demo model (on the GPU when `gpu`, falling back
/// to the CPU reference) and signs the receipt; a cheater swaps in another prompt's picture
/// first. `seed` only makes the job id unique.
#[allow(clippy::too_many_arguments)]
pub fn serve(
    key: &PrivateKeySigner,
    orchestrator: Address,
    round: u64,
    seed: u64,
    prompt: &str,
    cheat: bool,
    gpu: bool,
    chain_id: u64,
    disputes: Address,
) -> anyhow::Result<Job> {
    let model_bytes = demo::demo_model_bytes()?;
    let model = Model::from_bytes(&model_bytes)?;
    let input = demo::job_input(prompt)?;
    let on_gpu = gpu
        .then(GpuExecutor::new)
        .and_then(|g| g.ok())
        .and_then(|mut g| Some((g.execute(&model, &input).ok()?, g.adapter())));
    let (honest, executor) = match on_gpu {
        Some((exec, adapter)) => (exec, format!("wgpu: {adapter}")),
        None => (
            CpuExecutor.run(&model, &input)?,
            "CPU reference".to_string(),
        ),
    };
    let mut served = honest.clone();
    // The cheater publishes hashes consistent with what it delivers.
    let delivered_prompt = cheat
        .then(|| demo::cheat(&model, &mut served))
        .transpose()?;
    let receipt = Receipt {
        orchestrator,
        jobId: keccak256(format!("job:{orchestrator}:{seed}:{prompt}")),
        modelId: B256::from(model.id()),
        inputHash: keccak256(&input),
        paramsHash: keccak256(format!("prompt={prompt}")),
        outputHash: B256::from(served.output_hash),
        commitmentRoot: B256::from(served.commitment),
        round: U256::from(round),
    };
    let signature = receipt.sign(key, &dispute_domain(chain_id, disputes))?;
    Ok(Job {
        model_bytes,
        model,
        input,
        honest,
        served,
        receipt,
        signature,
        executor,
        delivered_prompt,
    })
}

impl Job {
    /// Publishes what a verifier fetches into `dir`: the model, the input and the claim file
    /// with the per-layer roots, named by model id, input hash and commitment root.
    pub fn publish(&self, dir: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let claim = ClaimFile::new(&self.model, &self.input, &self.served);
        let files = [
            (self.receipt.modelId, self.model_bytes.clone()),
            (self.receipt.inputHash, self.input.clone()),
            (
                self.receipt.commitmentRoot,
                serde_json::to_vec_pretty(&claim)?,
            ),
        ];
        for (name, bytes) in files {
            let path = dir.join(format!("{name}"));
            std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        }
        Ok(())
    }

    /// Writes the honest and the delivered images as PNGs (upscaled for display).
    pub fn write_images(&self, honest: &Path, delivered: &Path) -> anyhow::Result<()> {
        verifier::write_png(&self.honest.output, honest)?;
        verifier::write_png(&self.served.output, delivered)?;
        Ok(())
    }
}
