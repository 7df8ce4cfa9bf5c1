//! `verifier::litert::gpu` against the CPU reference: every committed model on seeded random
//! inputs, synthetic FULLY_CONNECTED / convolution / BATCH_MATMUL shapes past the device's loop
//! limits with extreme multipliers, FULLY_CONNECTED's float64 emulation on adversarial pairs,
//! and the refusals (device limits, inputs the ops refuse) as errors.

use std::sync::{Mutex, MutexGuard, OnceLock};

use verifier::litert::gpu::synth::{Bytes, GraphBuilder};
use verifier::litert::gpu::{LiteRtGpu, f64fc};
use verifier::litert::graph::{Activation, DType, OpKind, Padding};
use verifier::litert::{self, Graph, LiteRtError};

/// The process-wide executor. Panics (never skips) when no adapter exists.
fn gpu() -> MutexGuard<'static, LiteRtGpu> {
    static GPU: OnceLock<Mutex<LiteRtGpu>> = OnceLock::new();
    GPU.get_or_init(|| {
        Mutex::new(LiteRtGpu::new().unwrap_or_else(|e| {
            panic!(
                "these tests need a wgpu adapter; on machines without a GPU install lavapipe \
                 (`apt-get install -y mesa-vulkan-drivers`): {e}"
            )
        }))
    })
    .lock()
    .unwrap_or_else(|p| p.into_inner())
}

/// Random inputs: int8 bytes, or token ids below the row count of the table they index.
fn random_inputs(g: &Graph, r: &mut Bytes) -> Vec<Vec<u8>> {
    g.inputs
        .iter()
        .map(|&t| {
            let info = &g.tensors[t];
            match info.dtype {
                DType::I8 => r.i8s(info.len()).iter().map(|&v| v as u8).collect(),
                DType::I32 => {
                    let rows = g
                        .ops
                        .iter()
                        .find(|o| o.inputs.get(1) == Some(&t))
                        .map_or(1, |o| g.tensors[o.inputs[0]].shape[0].max(1));
                    (0..info.len())
                        .flat_map(|_| ((r.next_u64() % rows as u64) as i32).to_le_bytes())
                        .collect()
                }
            }
        })
        .collect()
}

/// Runs `g` on both executors and asserts every op output is byte-identical; returns the
/// number of op outputs compared.
fn same(gpu: &LiteRtGpu, g: &Graph, inputs: &[Vec<u8>], what: &str) -> usize {
    let refs: Vec<&[u8]> = inputs.iter().map(Vec::as_slice).collect();
    let cpu = litert::run(g, &refs).unwrap_or_else(|e| panic!("{what}: cpu: {e}"));
    let got = gpu
        .run(g, &refs)
        .unwrap_or_else(|e| panic!("{what}: gpu: {e}"));
    assert_eq!(got.len(), cpu.len(), "{what}: op count");
    for (a, b) in got.iter().zip(&cpu) {
        assert!(
            a == b,
            "{what}: op {} ({}) differs from the CPU reference (first differing byte at {:?})",
            b.op,
            b.name,
            a.bytes.iter().zip(&b.bytes).position(|(x, y)| x != y)
        );
    }
    cpu.len()
}

#[test]
fn litert_gpu_every_committed_model_matches_the_cpu() {
    let gpu = gpu();
    let (mut models, mut outputs) = (0, 0);
    for path in super::litert_oracle::models() {
        let bytes = std::fs::read(&path).expect("model");
        let g = litert::import(&bytes, &Default::default()).expect("import");
        let mut r = Bytes::new(0x6e0 + models as u64);
        for case in 0..2 {
            let xs = random_inputs(&g, &mut r);
            outputs += same(&gpu, &g, &xs, &format!("{} case {case}", path.display()));
        }
        models += 1;
    }
    assert!(models >= 29 && outputs > 150, "{models} models, {outputs} op outputs");
}
