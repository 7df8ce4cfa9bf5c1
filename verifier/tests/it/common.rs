//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use verifier::Model;
use verifier::litert::graph::{DType, Graph};

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every committed full-integer `.tflite` (tools/models/out and out/ops).
pub fn tflite_models() -> Vec<PathBuf> {
    let out = repo().join("tools/models/out");
    let mut v: Vec<PathBuf> = ["text2img", "tiny_transformer", "torch_tiny"]
        .iter()
        .map(|m| out.join(format!("{m}.tflite")))
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

/// A converted model file and its model.
pub fn convert(path: &Path) -> (Vec<u8>, Model) {
    let tflite = std::fs::read(path).expect("tflite");
    let bytes = Model::convert_tflite(&tflite, &Default::default())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let model = Model::from_bytes(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (bytes, model)
}

/// A deterministic job input for `graph` from `seed`: token ids below the GATHER table's row
/// count, int8 elsewhere.
pub fn job_input(graph: &Graph, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut bytes = Vec::new();
    for &t in &graph.inputs {
        let info = &graph.tensors[t];
        let rows = graph
            .ops
            .iter()
            .find(|o| o.name == "GATHER" && o.inputs.get(1) == Some(&t))
            .map_or(1 << 16, |o| graph.tensors[o.inputs[0]].shape[0] as u64);
        for _ in 0..info.len() {
            match info.dtype {
                DType::I32 => bytes.extend(((next() % rows) as i32).to_le_bytes()),
                DType::I8 => bytes.push(next() as u8),
            }
        }
    }
    bytes
}

/// Runs the `verifier` binary with `args` in `dir` and returns its output, or kills it and fails
/// the test once it has run for two minutes: a stalled driver must fail CI, never hang it.
pub fn verifier(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    use std::{
        io::Read,
        process::{Command, Stdio},
        time::{Duration, Instant},
    };
    const LIMIT: Duration = Duration::from_secs(120);
    let mut child = Command::new(env!("CARGO_BIN_EXE_verifier"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn verifier");
    // Drain both pipes on their own threads so a chatty child never blocks on a full pipe.
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out.read_to_end(&mut buf);
        buf
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err.read_to_end(&mut buf);
        buf
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for verifier") {
            break status;
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("verifier {args:?} still running after {LIMIT:?}: killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    std::process::Output {
        status,
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
    }
}
