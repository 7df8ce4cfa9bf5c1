//! End-to-end CLI: convert, generate the demo model and input, run honestly and as a cheater,
//! check both, re-run one layer.

use crate::common::verifier;

#[test]
fn demo_flow_honest_and_cheater() {
    let dir = std::env::temp_dir().join(format!("verifier-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ok = |args: &[&str]| {
        let out = verifier(args, &dir);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let tflite = crate::common::repo().join("tools/models/out/text2img.tflite");
    let converted = ok(&["convert", tflite.to_str().unwrap(), "-o", "converted.vm"]);
    let id = ok(&["gen-demo-model", "--out", "m.safetensors"]);
    // The demo model is the converted text2img.tflite.
    assert_eq!(converted, id);
    // A model that is not full-integer: a clear refusal, exit non-zero.
    let pt2e = crate::common::repo().join("tools/models/out/torch_tiny_pt2e.tflite");
    let refused = verifier(&["convert", pt2e.to_str().unwrap(), "-o", "x.vm"], &dir);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("unsupported"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(!dir.join("x.vm").exists());
    let unknown = verifier(
        &["make-input", "--prompt", "a purple cow", "--out", "p.bin"],
        &dir,
    );
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("purple"));
    // The printed id is the model commitment of the converted file.
    let converted = verifier::Model::load(dir.join("m.safetensors")).unwrap();
    assert_eq!(id.trim(), verifier::hash::to_hex(&converted.id()));
    ok(&[
        "make-input",
        "--prompt",
        "a blue square left of a red triangle",
        "--out",
        "in.bin",
    ]);
    assert_eq!(std::fs::read(dir.join("in.bin")).unwrap().len(), 32);
    ok(&[
        "run",
        "--model",
        "m.safetensors",
        "--input",
        "in.bin",
        "--out",
        "honest.png",
        "--claim",
        "honest.json",
        "--save-layers",
        "layers",
    ]);
    ok(&[
        "run",
        "--model",
        "m.safetensors",
        "--input",
        "in.bin",
        "--out",
        "cheat.png",
        "--claim",
        "cheat.json",
        "--cheat",
    ]);
    assert!(
        std::fs::read(dir.join("honest.png"))
            .unwrap()
            .starts_with(b"\x89PNG")
    );
    assert_ne!(
        std::fs::read(dir.join("honest.png")).unwrap(),
        std::fs::read(dir.join("cheat.png")).unwrap()
    );

    let honest = verifier(
        &[
            "check",
            "--model",
            "m.safetensors",
            "--input",
            "in.bin",
            "--claim",
            "honest.json",
        ],
        &dir,
    );
    assert_eq!(
        honest.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&honest.stdout)
    );
    let cheat = verifier(
        &[
            "check",
            "--model",
            "m.safetensors",
            "--input",
            "in.bin",
            "--claim",
            "cheat.json",
        ],
        &dir,
    );
    assert_eq!(cheat.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&cheat.stdout).unwrap();
    assert_eq!(report["matches"], false);
    let layers = std::fs::read_dir(dir.join("layers")).unwrap().count();
    assert_eq!(report["first_diverging_layer"], layers - 1);

    // The last layer re-run alone from its committed input, against both claims.
    let last = (layers - 1).to_string();
    let prev = format!("layers/layer-{}.bin", layers - 2);
    let layer_args = |claim: &'static str| {
        vec![
            "check-layer".to_string(),
            "--model".into(),
            "m.safetensors".into(),
            "--claim".into(),
            claim.into(),
            "--input".into(),
            "in.bin".into(),
            "--layer".into(),
            last.clone(),
            "--layer-input".into(),
            prev.clone(),
        ]
    };
    let run_layer = |claim: &'static str| {
        let args = layer_args(claim);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        verifier(&refs, &dir)
    };
    let honest_layer = run_layer("honest.json");
    assert_eq!(
        honest_layer.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&honest_layer.stderr)
    );
    assert_eq!(run_layer("cheat.json").status.code(), Some(1));

    let claim: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("honest.json")).unwrap()).unwrap();
    let h = claim["output_hash"].as_str().unwrap();
    let by_hash = verifier(
        &[
            "check",
            "--model",
            "m.safetensors",
            "--input",
            "in.bin",
            "--output-hash",
            h,
        ],
        &dir,
    );
    assert_eq!(by_hash.status.code(), Some(0));

    // Malformed model: exit code 2 with a clear message.
    std::fs::write(
        dir.join("bad.safetensors"),
        b"\x10\x00\x00\x00\x00\x00\x00\x00{",
    )
    .unwrap();
    let bad = verifier(
        &["run", "--model", "bad.safetensors", "--input", "in.bin"],
        &dir,
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("malformed safetensors"));
}
