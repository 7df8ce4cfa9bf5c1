//! The keeper's `verify` API, the claim file, and single-layer re-runs, on the demo's
//! text-to-image model and the tiny transformer.

use verifier::commit::{commitment_of_roots, root};
use verifier::model::Value;
use verifier::{
    ClaimFile, CpuExecutor, Error, Executor, GpuExecutor, Model, compare, demo, keccak, verify,
    verify_layer, verify_with,
};

use crate::common::{convert, job_input, repo};

fn demo_job() -> (Model, Vec<u8>) {
    let model = Model::from_bytes(&demo::demo_model_bytes().unwrap()).unwrap();
    (model, demo::job_input(demo::DEMO_PROMPT).unwrap())
}

#[test]
fn honest_claim_matches_and_the_cheater_is_located() {
    let (model, input) = demo_job();
    let honest = CpuExecutor.run(&model, &input).unwrap();
    assert_eq!(
        honest.commitment,
        commitment_of_roots(&root(&input), &honest.layer_roots)
    );
    let out: Vec<u8> = honest.output.data.iter().map(|&v| v as u8).collect();
    assert_eq!(honest.output_hash, keccak(&out));
    assert_eq!(honest.output.shape, [1, 32, 32, 3]);

    let v = verify(
        &model,
        &input,
        honest.output_hash,
        Some(&honest.layer_roots),
    )
    .unwrap();
    assert!(v.matches);
    assert_eq!(v.first_diverging_layer, None);
    assert_eq!(v.reference_commitment, honest.commitment);
    assert!(
        verify(&model, &input, honest.output_hash, None)
            .unwrap()
            .matches
    );

    // The cheater delivers another prompt's picture: visibly different (many pixels change by
    // a lot), caught at the last layer.
    let mut cheated = honest.clone();
    demo::cheat(&model, &mut cheated).unwrap();
    let changed = honest
        .output
        .data
        .iter()
        .zip(&cheated.output.data)
        .filter(|(a, b)| (**a as i32 - **b as i32).abs() > 64)
        .count();
    assert!(changed > 300, "only {changed} of 3072 values changed a lot");
    let v = verify(
        &model,
        &input,
        cheated.output_hash,
        Some(&cheated.layer_roots),
    )
    .unwrap();
    assert!(!v.matches);
    assert_eq!(v.first_diverging_layer, Some(model.layers().len() - 1));
    assert_eq!(v.reference_output_hash, honest.output_hash);

    // A different prompt gives a different picture.
    let other = CpuExecutor
        .run(&model, &demo::job_input("a green square").unwrap())
        .unwrap();
    assert_ne!(other.output_hash, honest.output_hash);

    // Missing or extra layers count as diverging.
    let short = compare(&honest, honest.output_hash, Some(&honest.layer_roots[..3]));
    assert_eq!(short.first_diverging_layer, Some(3));
}

#[test]
fn claim_file_checks_job_and_commitment() {
    let (model, input) = demo_job();
    let exec = CpuExecutor.run(&model, &input).unwrap();
    let claim = ClaimFile::new(&model, &input, &exec);
    claim.check_job(&model, &input).unwrap();
    let roots = claim.checked_layer_roots(&exec.commitment).unwrap();
    assert_eq!(roots, exec.layer_roots);
    let json = serde_json::to_string(&claim).unwrap();
    assert_eq!(serde_json::from_str::<ClaimFile>(&json).unwrap(), claim);
    assert!(
        claim
            .check_job(&model, &demo::job_input("a red circle").unwrap())
            .is_err()
    );
    let mut bad = claim.clone();
    let last = bad.layer_roots.len() - 1;
    bad.layer_roots.swap(0, last);
    assert!(matches!(
        bad.checked_layer_roots(&exec.commitment),
        Err(Error::Claim(_))
    ));
    let mut extra: serde_json::Value = serde_json::from_str(&json).unwrap();
    extra["note"] = "x".into();
    assert!(serde_json::from_value::<ClaimFile>(extra).is_err());
}

/// The bytes of each value `layer` reads, from the job's graph inputs and every layer's output.
fn layer_values<'a>(
    model: &Model,
    layer: usize,
    graph_inputs: &[&'a [u8]],
    outs: &'a [Vec<u8>],
) -> Vec<&'a [u8]> {
    model
        .layer_values(layer)
        .unwrap()
        .iter()
        .map(|(_, v)| match *v {
            Value::Input(i) => graph_inputs[i],
            Value::Layer(k) => outs[k].as_slice(),
        })
        .collect()
}

/// Every layer of `model`, re-run alone from its committed inputs, gives its committed root; a
/// wrong claimed root or wrong input bytes are caught.
fn rerun_every_layer(model: &Model, input: &[u8]) -> usize {
    let outs = CpuExecutor.layer_outputs(model, input).unwrap();
    let exec = CpuExecutor.run(model, input).unwrap();
    let graph_inputs = model.split_input(input).unwrap();
    for layer in 0..model.layers().len() {
        let values = layer_values(model, layer, &graph_inputs, &outs);
        let v = verify_layer(
            &mut CpuExecutor,
            model,
            input,
            &exec.layer_roots,
            layer,
            &values,
        )
        .unwrap();
        assert!(v.matches, "layer {layer}");
        let mut wrong = exec.layer_roots.clone();
        wrong[layer][0] ^= 1;
        let v = verify_layer(&mut CpuExecutor, model, input, &wrong, layer, &values).unwrap();
        assert!(!v.matches);
        if let Some(first) = values.first() {
            let mut bad = first.to_vec();
            bad[0] ^= 1;
            let mut vs = values.clone();
            vs[0] = &bad;
            assert!(
                verify_layer(
                    &mut CpuExecutor,
                    model,
                    input,
                    &exec.layer_roots,
                    layer,
                    &vs
                )
                .is_err()
            );
        }
    }
    model.layers().len()
}

#[test]
fn single_layers_rerun_from_committed_inputs() {
    let (model, input) = demo_job();
    assert!(rerun_every_layer(&model, &input) >= 10);
    // The transformer has multi-input ops (BATCH_MATMUL, ADD, MUL of activations).
    let (_, tt) = convert(&repo().join("tools/models/out/tiny_transformer.tflite"));
    let x = job_input(tt.graph(), 7);
    assert!(rerun_every_layer(&tt, &x) >= 30);
}

#[test]
fn the_wgpu_executor_gives_the_references_commitments_and_layers() {
    let mut gpu = GpuExecutor::new().expect("lavapipe or a GPU");
    let (model, input) = demo_job();
    let (_, tt) = convert(&repo().join("tools/models/out/tiny_transformer.tflite"));
    let x = job_input(tt.graph(), 7);
    for (model, input) in [(&model, &input), (&tt, &x)] {
        let cpu = CpuExecutor.run(model, input).unwrap();
        assert_eq!(gpu.execute(model, input).unwrap(), cpu);
        // Every layer alone, from the reference's values, as `check-layer` re-runs it.
        let outs = CpuExecutor.layer_outputs(model, input).unwrap();
        let graph_inputs = model.split_input(input).unwrap();
        for layer in 0..model.layers().len() {
            let values = layer_values(model, layer, &graph_inputs, &outs);
            assert_eq!(
                gpu.execute_layer(model, layer, &values).unwrap(),
                outs[layer],
                "layer {layer}"
            );
        }
    }
    // A wrong claim found on the GPU is confirmed on the reference before it counts.
    let honest = CpuExecutor.run(&model, &input).unwrap();
    let mut wrong = honest.output_hash;
    wrong[0] ^= 1;
    let v = verify_with(&mut gpu, &model, &input, wrong, None).unwrap();
    assert!(!v.matches);
    assert_eq!(v.reference_commitment, honest.commitment);
}
