//! End-to-end CLI: generate, run honestly and as a cheater, check both.

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
    let id = ok(&["gen-demo-model", "--out", "m.safetensors"]);
    assert_eq!(
        id.trim(),
        verifier::hash::to_hex(&verifier::keccak(
            &std::fs::read(dir.join("m.safetensors")).unwrap()
        ))
    );
    ok(&[
        "make-input",
        "--seed",
        "9",
        "--prompt",
        "harbour at noon",
        "--out",
        "in.bin",
    ]);
    assert_eq!(std::fs::read(dir.join("in.bin")).unwrap().len(), 64);
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
    assert_eq!(report["first_diverging_layer"], 14);

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
