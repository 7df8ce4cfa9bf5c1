//! The keeper's `verify` API and the claim file.

use verifier::hash::{hash_i8, merkle_root};
use verifier::{ClaimFile, CpuExecutor, Model, compare, demo, verify, verify_with};

fn demo_job() -> (Model, Vec<i8>) {
    let model = Model::from_bytes(&demo::demo_model_bytes().unwrap()).unwrap();
    (model, demo::job_input(1234, "snowy mountains"))
}

#[test]
fn honest_claim_matches_and_cheats_are_located() {
    let (model, input) = demo_job();
    let honest = CpuExecutor.run(&model, &input).unwrap();
    assert_eq!(honest.commitment, merkle_root(&honest.layer_hashes));
    assert_eq!(honest.output_hash, hash_i8(&honest.output.data));

    let v = verify(
        &model,
        &input,
        honest.output_hash,
        Some(&honest.layer_hashes),
    )
    .unwrap();
    assert!(v.matches);
    assert_eq!(v.first_diverging_layer, None);
    assert_eq!(v.reference_commitment, honest.commitment);

    // Output hash only.
    assert!(
        verify(&model, &input, honest.output_hash, None)
            .unwrap()
            .matches
    );

    // The cheater alters the image and claims hashes consistent with it.
    let mut cheated = honest.output.clone();
    demo::cheat(&mut cheated);
    let mut layers = honest.layer_hashes.clone();
    let last = layers.len() - 1;
    layers[last] = hash_i8(&cheated.data);
    let v = compare(&honest, layers[last], Some(&layers));
    assert!(!v.matches);
    assert_eq!(v.first_diverging_layer, Some(last));
    assert_eq!(v.reference_output_hash, honest.output_hash);

    // A divergence in the middle is reported at its first layer.
    let mut layers = honest.layer_hashes.clone();
    layers[5] = [0; 32];
    layers[9] = [1; 32];
    assert_eq!(
        compare(&honest, honest.output_hash, Some(&layers)).first_diverging_layer,
        Some(5)
    );

    // Missing or extra layers diverge at the shorter length.
    let short = &honest.layer_hashes[..3];
    assert_eq!(
        compare(&honest, honest.output_hash, Some(short)).first_diverging_layer,
        Some(3)
    );
    let mut long = honest.layer_hashes.clone();
    long.push([9; 32]);
    let v = compare(&honest, honest.output_hash, Some(&long));
    assert_eq!(v.first_diverging_layer, Some(honest.layer_hashes.len()));
    assert!(!v.matches);

    // Wrong output hash without a layer list.
    let v = verify(&model, &input, [7; 32], None).unwrap();
    assert!(!v.matches);
    assert_eq!(v.first_diverging_layer, None);
}

#[test]
fn verify_on_gpu_agrees_with_cpu() {
    let (model, input) = demo_job();
    let honest = CpuExecutor.run(&model, &input).unwrap();
    let mut gpu = crate::common::gpu();
    let v = verify_with(
        &mut *gpu,
        &model,
        &input,
        honest.output_hash,
        Some(&honest.layer_hashes),
    )
    .unwrap();
    assert!(v.matches);
    assert_eq!(v.reference_layer_hashes, honest.layer_hashes);
}

#[test]
fn claim_file_roundtrip_and_job_binding() {
    let (model, input) = demo_job();
    let exec = CpuExecutor.run(&model, &input).unwrap();
    let claim = ClaimFile::new(&model, &input, &exec);
    let parsed: ClaimFile = serde_json::from_str(&serde_json::to_string(&claim).unwrap()).unwrap();
    assert_eq!(parsed, claim);
    assert_eq!(parsed.output_hash().unwrap(), exec.output_hash);
    assert_eq!(parsed.layer_hashes().unwrap(), exec.layer_hashes);
    parsed.check_job(&model, &input).unwrap();
    let other_input = demo::job_input(1, "snowy mountains");
    assert!(parsed.check_job(&model, &other_input).is_err());
}
