//! The outside oracle: every committed `.tflite` model run through LiteRT's reference kernels
//! (`tools/models/oracle.py` in the venv `make models-oracle` builds) and through
//! `verifier::litert`; every op's output must be byte-identical, on several seeded random inputs,
//! and the LOGISTIC/TANH/GELU tables on all 256 int8 inputs.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use verifier::litert::{self, LiteRtError};

/// Random input sets per model: 4 in `make test`; `VERIFIER_ORACLE_CASES=N` for a deep run
/// (`make verifier-deep`).
fn cases() -> usize {
    std::env::var("VERIFIER_ORACLE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4)
}
const SEED: u64 = 1800;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn python() -> PathBuf {
    let py = repo().join("tools/models/.venv-oracle/bin/python");
    assert!(
        py.exists(),
        "the LiteRT oracle venv is missing ({}): create it with `make models-oracle` (ai-edge-litert + numpy, ~160 MB)",
        py.display()
    );
    py
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("litert-oracle-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// Runs oracle.py on `model` into `out` with extra arguments; returns the manifest.
fn oracle(model: &Path, out: &Path, args: &[&str]) -> Value {
    let run = Command::new(python())
        .arg(repo().join("tools/models/oracle.py"))
        .arg(model)
        .arg("--out")
        .arg(out)
        .args(args)
        .output()
        .expect("run oracle.py");
    assert!(
        run.status.success(),
        "oracle.py {} failed: {}",
        model.display(),
        String::from_utf8_lossy(&run.stderr)
    );
    serde_json::from_slice(&std::fs::read(out.join("manifest.json")).expect("manifest"))
        .expect("manifest json")
}

/// Checks every case of an oracle run against the executor; returns the number of op outputs
/// compared.
fn compare(model: &Path, graph: &litert::Graph, out: &Path, manifest: &Value) -> usize {
    let ops = manifest["ops"].as_array().expect("ops");
    let names: Vec<&str> = ops.iter().map(|o| o["op"].as_str().unwrap_or("")).collect();
    let ours: Vec<&str> = graph.ops.iter().map(|o| o.name).collect();
    assert_eq!(ours, names, "{}: op sequence", model.display());
    let inputs: Vec<u64> = manifest["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    assert_eq!(
        inputs,
        graph.inputs.iter().map(|&i| i as u64).collect::<Vec<_>>(),
        "{}: graph inputs",
        model.display()
    );
    let mut compared = 0;
    for case in manifest["cases"].as_array().expect("cases") {
        let dir = out.join(case["dir"].as_str().expect("case dir"));
        let read = |t: u64| std::fs::read(dir.join(format!("t{t}.bin"))).expect("tensor file");
        let xs: Vec<Vec<u8>> = inputs.iter().map(|&t| read(t)).collect();
        let refs: Vec<&[u8]> = xs.iter().map(Vec::as_slice).collect();
        let got = litert::run(graph, &refs).unwrap_or_else(|e| panic!("{}: {e}", model.display()));
        for (o, op) in got.iter().zip(ops) {
            let t = op["outputs"][0].as_u64().expect("output id");
            assert_eq!(
                o.tensor as u64,
                t,
                "{}: op {} output tensor",
                model.display(),
                o.op
            );
            let want = read(t);
            let diff = want.iter().zip(&o.bytes).filter(|(a, b)| a != b).count();
            assert!(
                want == o.bytes,
                "{} case {} op {} {}: {diff} of {} bytes differ from LiteRT's reference",
                model.display(),
                case["dir"],
                o.op,
                o.name,
                want.len()
            );
            compared += 1;
        }
    }
    compared
}

pub fn models() -> Vec<PathBuf> {
    let out = repo().join("tools/models/out");
    let mut v: Vec<PathBuf> = [
        "text2img.tflite",
        "tiny_transformer.tflite",
        "torch_tiny.tflite",
    ]
    .iter()
    .map(|m| out.join(m))
    .collect();
    let mut ops: Vec<PathBuf> = std::fs::read_dir(out.join("ops"))
        .expect("tools/models/out/ops")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "tflite"))
        .collect();
    ops.sort();
    v.extend(ops);
    v
}

#[test]
fn every_committed_model_matches_litert_reference_bytes() {
    let (mut n_models, mut n_ops, mut n_outputs) = (0, 0, 0);
    for model in models() {
        let bytes = std::fs::read(&model).expect("model");
        let graph = litert::import(&bytes, &Default::default())
            .unwrap_or_else(|e| panic!("{}: {e}", model.display()));
        let name = model
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("m")
            .to_string();
        let out = scratch(&name);
        let seed = SEED.to_string();
        let manifest = oracle(
            &model,
            &out,
            &["--cases", &cases().to_string(), "--seed", &seed],
        );
        n_outputs += compare(&model, &graph, &out, &manifest);
        n_models += 1;
        n_ops += graph.ops.len();
        let _ = std::fs::remove_dir_all(&out);
    }
    eprintln!(
        "litert oracle: {n_models} models, {n_ops} ops, {n_outputs} op outputs identical ({} cases each)",
        cases()
    );
    assert!(
        n_models >= 30 && n_ops >= 150,
        "too few models/ops checked: {n_models} / {n_ops}"
    );
}

#[test]
fn lookup_tables_match_litert_on_all_256_inputs() {
    for name in ["logistic", "tanh", "gelu", "gelu_tanh_approx"] {
        let model = repo().join(format!("tools/models/out/ops/{name}.tflite"));
        let graph = litert::import(&std::fs::read(&model).expect("model"), &Default::default())
            .expect("import");
        let input = &graph.tensors[graph.inputs[0]];
        assert_eq!(input.len(), 64, "{name}: the test feeds 64 values per run");
        for chunk in 0..4 {
            let out = scratch(&format!("{name}-{chunk}"));
            std::fs::create_dir_all(&out).expect("scratch dir");
            let file = out.join("x.bin");
            let xs: Vec<u8> = (0..64).map(|i| (chunk * 64 + i) as u8).collect();
            std::fs::write(&file, xs).expect("input file");
            let manifest = oracle(
                &model,
                &out.join("o"),
                &["--input", file.to_str().expect("path")],
            );
            assert_eq!(compare(&model, &graph, &out.join("o"), &manifest), 1);
            let _ = std::fs::remove_dir_all(&out);
        }
    }
}

#[test]
fn pt2e_model_with_float_tensors_is_refused() {
    let bytes =
        std::fs::read(repo().join("tools/models/out/torch_tiny_pt2e.tflite")).expect("model");
    let err =
        litert::import(&bytes, &Default::default()).expect_err("float tensors must be refused");
    assert!(
        matches!(&err, LiteRtError::UnsupportedDtype { dtype, .. } if dtype == "FLOAT32"),
        "unexpected error: {err}"
    );
}
