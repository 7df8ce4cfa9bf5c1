//! Re-running one layer from its committed input (issue 16, item 7): library and CLI.

use crate::common::verifier;

use verifier::hash::{hash_i8, to_hex};
use verifier::{ClaimFile, CpuExecutor, Error, Executor, Model, demo, keccak, verify_layer};

fn demo_job() -> (Model, Vec<i8>) {
    let model = Model::from_bytes(&demo::demo_model_bytes().unwrap()).unwrap();
    (model, demo::job_input(77, "a red kite"))
}

/// The values layer `li` reads, taken from an honest run.
fn layer_inputs<'a>(
    model: &Model,
    input: &'a [i8],
    outputs: &'a [Vec<i8>],
    li: usize,
) -> Vec<&'a [i8]> {
    model.layers()[li]
        .inputs
        .iter()
        .map(|&v| {
            if v == 0 {
                input
            } else {
                outputs[v - 1].as_slice()
            }
        })
        .collect()
}

#[test]
fn every_layer_reruns_bit_exactly_on_cpu_and_wgpu() {
    let (model, input) = demo_job();
    let outputs = CpuExecutor.layer_outputs(&model, &input).unwrap();
    let hashes: Vec<_> = outputs.iter().map(|o| hash_i8(o)).collect();
    let input_hash = keccak(&verifier::input_to_bytes(&input));
    let mut gpu = crate::common::gpu();
    for li in 0..model.layers().len() {
        let xs = layer_inputs(&model, &input, &outputs, li);
        assert_eq!(
            CpuExecutor.layer_output(&model, li, &xs).unwrap(),
            outputs[li]
        );
        assert_eq!(
            gpu.execute_layer(&model, li, &xs).unwrap(),
            outputs[li],
            "wgpu layer {li} ({})",
            model.layers()[li].op.name()
        );
        for ex in [&mut CpuExecutor as &mut dyn Executor, &mut *gpu] {
            let v = verify_layer(ex, &model, input_hash, &hashes, li, &xs).unwrap();
            assert!(v.matches, "layer {li} on {}", ex.name());
            assert!(!v.confirmed_on_reference);
        }
    }
    // The demo model has a two-input `add`; it was covered above.
    assert!(model.layers().iter().any(|l| l.inputs.len() == 2));
}

#[test]
fn a_wrong_layer_claim_is_convicted_and_confirmed() {
    let (model, input) = demo_job();
    let outputs = CpuExecutor.layer_outputs(&model, &input).unwrap();
    let mut hashes: Vec<_> = outputs.iter().map(|o| hash_i8(o)).collect();
    let input_hash = keccak(&verifier::input_to_bytes(&input));
    let li = 3;
    hashes[li] = [7; 32];
    let xs = layer_inputs(&model, &input, &outputs, li);
    let mut gpu = crate::common::gpu();
    let v = verify_layer(&mut *gpu, &model, input_hash, &hashes, li, &xs).unwrap();
    assert!(!v.matches);
    assert!(v.confirmed_on_reference);
    assert!(!v.executor_wrong);
    assert_eq!(v.reference_hash, hash_i8(&outputs[li]));
    let v = verify_layer(&mut CpuExecutor, &model, input_hash, &hashes, li, &xs).unwrap();
    assert!(!v.matches && !v.confirmed_on_reference);
}

#[test]
fn inputs_that_do_not_match_their_commitment_are_refused() {
    let (model, input) = demo_job();
    let outputs = CpuExecutor.layer_outputs(&model, &input).unwrap();
    let hashes: Vec<_> = outputs.iter().map(|o| hash_i8(o)).collect();
    let input_hash = keccak(&verifier::input_to_bytes(&input));
    let li = 2;
    let mut tampered = layer_inputs(&model, &input, &outputs, li)[0].to_vec();
    tampered[0] = tampered[0].wrapping_add(1);
    let r = verify_layer(
        &mut CpuExecutor,
        &model,
        input_hash,
        &hashes,
        li,
        &[&tampered],
    );
    assert!(matches!(r, Err(Error::Claim(_))), "{r:?}");
    // Wrong count, wrong length, missing layer, short claim: errors, never panics.
    let xs = layer_inputs(&model, &input, &outputs, li);
    let bad: [&[&[i8]]; 2] = [&[], &[&[1, 2, 3]]];
    for b in bad {
        assert!(verify_layer(&mut CpuExecutor, &model, input_hash, &hashes, li, b).is_err());
        assert!(CpuExecutor.layer_output(&model, li, b).is_err());
        assert!(crate::common::gpu().execute_layer(&model, li, b).is_err());
    }
    let n = model.layers().len();
    assert!(verify_layer(&mut CpuExecutor, &model, input_hash, &hashes, n, &xs).is_err());
    assert!(CpuExecutor.layer_output(&model, n, &xs).is_err());
    assert!(crate::common::gpu().execute_layer(&model, n, &xs).is_err());
    assert!(verify_layer(&mut CpuExecutor, &model, input_hash, &hashes[1..], li, &xs).is_err());
}

#[test]
fn cli_check_layer() {
    let dir = std::env::temp_dir().join(format!("verifier-layer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (model, input) = demo_job();
    std::fs::write(dir.join("m.safetensors"), demo::demo_model_bytes().unwrap()).unwrap();
    std::fs::write(dir.join("in.bin"), verifier::input_to_bytes(&input)).unwrap();
    let out = verifier(
        &[
            "run",
            "--model",
            "m.safetensors",
            "--input",
            "in.bin",
            "--claim",
            "claim.json",
            "--save-layers",
            "layers",
        ],
        &dir,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The last layer (sigmoid LUT) and the two-input add before it.
    let last = model.layers().len() - 1;
    let add = model
        .layers()
        .iter()
        .position(|l| l.inputs.len() == 2)
        .unwrap();
    for (li, gpu) in [(last, false), (add, true), (0, false)] {
        let files: Vec<String> = model.layers()[li]
            .inputs
            .iter()
            .map(|&v| {
                if v == 0 {
                    "in.bin".into()
                } else {
                    format!("layers/layer-{}.bin", v - 1)
                }
            })
            .collect();
        let layer = li.to_string();
        let mut args = vec![
            "check-layer",
            "--model",
            "m.safetensors",
            "--claim",
            "claim.json",
        ];
        args.extend(["--layer", &layer]);
        for f in &files {
            args.extend(["--layer-input", f]);
        }
        if gpu {
            args.push("--gpu");
        }
        let out = verifier(&args, &dir);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["matches"], true);
    }
    // A claim whose last layer hash was altered: exit 1.
    let text = std::fs::read_to_string(dir.join("claim.json")).unwrap();
    let mut c: ClaimFile = serde_json::from_str(&text).unwrap();
    c.layer_hashes[last] = to_hex(&[9; 32]);
    std::fs::write(dir.join("bad.json"), serde_json::to_string(&c).unwrap()).unwrap();
    let prev = format!("layers/layer-{}.bin", last - 1);
    let layer = last.to_string();
    let args = [
        "check-layer",
        "--model",
        "m.safetensors",
        "--claim",
        "bad.json",
        "--layer",
        &layer,
        "--layer-input",
        &prev,
    ];
    assert_eq!(verifier(&args, &dir).status.code(), Some(1));
    // An input that does not match its commitment: exit 2.
    let args = [
        "check-layer",
        "--model",
        "m.safetensors",
        "--claim",
        "claim.json",
        "--layer",
        &layer,
        "--layer-input",
        "in.bin",
    ];
    assert_eq!(verifier(&args, &dir).status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}
