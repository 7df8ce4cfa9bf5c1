//! The demo's text-to-image model: `tools/models/out/text2img.tflite` (trained by
//! `tools/models/train_text2img.py` on procedurally drawn scenes; quantized to full int8 by
//! TensorFlow's standard converter), converted to the verifier's format in Rust. A job input is
//! a prompt's 8 token ids (int32, little-endian); the output is a 32×32 RGB image, NHWC int8
//! with scale 1/256 and zero point −128, so a pixel byte is `q + 128`.
//!
//! The tokenizer is `tools/models/vocab.json`, the one file the training script also reads:
//! lower case, commas are spaces, words split on whitespace, each word's id is its index in the
//! vocabulary (0 pads to 8), an unknown word or more than 8 words is an error.
//!
//! ```no_run
//! use verifier::{CpuExecutor, Model, demo};
//! let model = Model::from_bytes(&demo::demo_model_bytes()?)?;
//! let input = demo::job_input("a red circle above a blue square")?;
//! let exec = CpuExecutor.run(&model, &input)?;
//! verifier::write_png(&exec.output, "scene.png")?;
//! # Ok::<(), verifier::Error>(())
//! ```

use serde::Deserialize;

use crate::cpu::CpuExecutor;
use crate::exec::Execution;
use crate::model::{Budget, Model};
use crate::{Error, Result};

/// The trained text-to-image model, as LiteRT's converter wrote it.
pub const TEXT2IMG_TFLITE: &[u8] = include_bytes!("../../tools/models/out/text2img.tflite");

/// The tokenizer file shared with the training script.
const VOCAB_JSON: &str = include_str!("../../tools/models/vocab.json");

/// The prompt the demo (and the keeper's devnet story) renders.
pub const DEMO_PROMPT: &str = "a red circle above a blue square";

/// The prompt whose picture the cheater delivers instead.
pub const CHEAT_PROMPT: &str = "a yellow triangle";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Tokenizer {
    #[allow(dead_code)]
    comment: String,
    vocab: Vec<String>,
    max_tokens: usize,
}

fn tokenizer() -> Result<Tokenizer> {
    serde_json::from_str(VOCAB_JSON).map_err(|e| Error::Prompt(format!("vocab.json: {e}")))
}

/// The vocabulary (index = token id; 0 is padding).
pub fn vocabulary() -> Result<Vec<String>> {
    Ok(tokenizer()?.vocab)
}

/// The prompt's token ids, padded with 0 to the model's 8.
pub fn tokenize(prompt: &str) -> Result<Vec<i32>> {
    let tok = tokenizer()?;
    let lower = prompt.to_lowercase().replace(',', " ");
    let words: Vec<&str> = lower.split_whitespace().collect();
    let unknown: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| *w == "<pad>" || !tok.vocab.iter().any(|v| v == w))
        .collect();
    if !unknown.is_empty() {
        return Err(Error::Prompt(format!(
            "unknown words {unknown:?}; the vocabulary is {:?}",
            &tok.vocab[1..]
        )));
    }
    if words.len() > tok.max_tokens {
        return Err(Error::Prompt(format!(
            "{} words, at most {}",
            words.len(),
            tok.max_tokens
        )));
    }
    let mut ids: Vec<i32> = words
        .iter()
        .map(|w| tok.vocab.iter().position(|v| v == w).unwrap_or(0) as i32)
        .collect();
    ids.resize(tok.max_tokens, 0);
    Ok(ids)
}

/// The job input for `prompt`: its token ids as little-endian int32.
pub fn job_input(prompt: &str) -> Result<Vec<u8>> {
    Ok(tokenize(prompt)?
        .iter()
        .flat_map(|i| i.to_le_bytes())
        .collect())
}

/// Bytes of the demo model file (the converted `text2img.tflite`; deterministic).
pub fn demo_model_bytes() -> Result<Vec<u8>> {
    Model::convert_tflite(TEXT2IMG_TFLITE, &Budget::default())
}

/// The cheater's alteration: it delivers the picture of [`CHEAT_PROMPT`] instead of the one
/// asked for (of [`DEMO_PROMPT`] when that was the prompt), with hashes and commitment
/// consistent with what it delivers (the last layer's root changes, so the keeper's re-run finds
/// the last layer diverging). Returns the prompt whose picture it delivers.
pub fn cheat(model: &Model, exec: &mut Execution) -> Result<&'static str> {
    for prompt in [CHEAT_PROMPT, DEMO_PROMPT] {
        let other = CpuExecutor.run(model, &job_input(prompt)?)?;
        if other.output != exec.output {
            exec.replace_output(model, other.output.data);
            return Ok(prompt);
        }
    }
    Err(crate::Error::Claim(
        "no other picture to cheat with: the job's output equals both demo prompts'".into(),
    ))
}

/// The tensors a cheater's receipt commits to (its job archive, what its agent answers a proof
/// game from): every op output of the honest run of `input`, the graph output replaced by
/// `served`'s (after [`cheat`]). Their commitment is `served.commitment`.
pub fn committed_tensors(
    model: &Model,
    input: &[u8],
    served: &Execution,
) -> Result<crate::game::JobTensors> {
    let mut outputs = CpuExecutor.layer_outputs(model, input)?;
    if let Some(k) = model
        .layers()
        .iter()
        .rposition(|op| op.outputs[0] == model.output_tensor())
    {
        outputs[k] = served.output.data.iter().map(|&v| v as u8).collect();
    }
    let job = crate::game::JobTensors::new(input.to_vec(), outputs);
    if job.commitment() != served.commitment {
        return Err(Error::Claim(
            "the served execution is not the honest run with its output replaced".into(),
        ));
    }
    Ok(job)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenizer_matches_the_training_script() {
        // scenes.tokenize("a red circle above a blue square") in tools/models.
        assert_eq!(
            tokenize("A red circle above a blue square").unwrap(),
            [1, 5, 9, 12, 1, 7, 10, 0]
        );
        assert_eq!(tokenize("").unwrap(), [0; 8]);
        let e = tokenize("a purple circle").unwrap_err().to_string();
        assert!(e.contains("purple"), "{e}");
        assert!(tokenize("a a a a a a a a a").is_err());
        assert!(tokenize("<pad>").is_err());
        assert_eq!(job_input("a").unwrap()[..4], [1, 0, 0, 0]);
    }

    #[test]
    fn a_cheaters_tensors_rebuild_its_commitment_and_diverge_last() {
        let model = Model::from_bytes(&demo_model_bytes().unwrap()).unwrap();
        let input = job_input(DEMO_PROMPT).unwrap();
        let honest = CpuExecutor.run(&model, &input).unwrap();
        let mut served = honest.clone();
        cheat(&model, &mut served).unwrap();
        let job = committed_tensors(&model, &input, &served).unwrap();
        assert_eq!(job.commitment(), served.commitment);
        let reference = committed_tensors(&model, &input, &honest).unwrap();
        // Leaf 0 is the input, leaf k + 1 op k's output: the last op is the first to differ.
        assert_eq!(
            reference.first_divergence(job.roots()),
            Some(model.layers().len())
        );
        assert!(committed_tensors(&model, &job_input(CHEAT_PROMPT).unwrap(), &served).is_err());
    }
}
