//! The wgpu executor must produce the CPU reference's bytes exactly.

use crate::common::{gpu, run_both};
use proptest::prelude::*;
use verifier::model::builder::ModelBuilder;
use verifier::ops::{Requant, requantize};
use verifier::{CpuExecutor, Model, demo};

#[test]
fn demo_model_matches_on_cpu_and_gpu() {
    let model = Model::from_bytes(&demo::demo_model_bytes().unwrap()).unwrap();
    let input = demo::job_input(42, "a lighthouse at dusk");
    let exec = run_both(&model, &input);
    assert_eq!(exec.output.shape, vec![3, 64, 64]);
    // Second run on the same (reused) GPU buffers with another input.
    let input2 = demo::job_input(43, "a lighthouse at dusk");
    let exec2 = run_both(&model, &input2);
    assert_ne!(exec.output_hash, exec2.output_hash);
}

/// Every shift 0..=63 against edge multipliers and accumulators, in one model of dense layers
/// whose accumulator is exactly the bias (zero weights).
#[test]
fn requantize_edges_match_on_gpu() {
    let accs = [
        i32::MIN,
        i32::MIN + 1,
        -(1 << 30) - 1,
        -65537,
        -65536,
        -3,
        -2,
        -1,
        0,
        1,
        2,
        3,
        65535,
        65536,
        (1 << 30) + 1,
        i32::MAX - 1,
        i32::MAX,
    ];
    let mults = [i32::MIN, i32::MIN + 1, -1, 1, 3, 1 << 30, i32::MAX];
    let mut b = ModelBuilder::new(vec![1]);
    let mut expected = Vec::new();
    for s in 0..=63u32 {
        for &m in &mults {
            let rq = Requant {
                multiplier: m,
                shift: s,
            };
            b.dense(0, &vec![0; accs.len()], &accs, rq);
            expected.push(
                accs.iter()
                    .map(|&a| requantize(a, m, s))
                    .collect::<Vec<_>>(),
            );
        }
    }
    let model = b.build().unwrap();
    let gpu_hashes = gpu().run(&model, &[7]).unwrap().layer_hashes;
    let cpu_outputs = CpuExecutor.layer_outputs(&model, &[7]).unwrap();
    assert_eq!(cpu_outputs, expected);
    let expected_hashes: Vec<_> = expected
        .iter()
        .map(|l| verifier::hash::hash_i8(l))
        .collect();
    assert_eq!(gpu_hashes, expected_hashes);
}

fn conv_case() -> impl Strategy<Value = (ModelBuilder, Vec<i8>)> {
    (
        1usize..5,
        1usize..11,
        1usize..11,
        1usize..70,
        1usize..4,
        1usize..4,
        1usize..4,
        1usize..4,
    )
        .prop_flat_map(|(cin, h, w, cout, kh, kw, sh, sw)| {
            (
                Just((cin, h, w, cout, kh, kw, sh, sw)),
                0..kh,
                0..kw,
                any::<i32>(),
                0u32..=63,
                prop::collection::vec(any::<i8>(), cin * h * w),
                prop::collection::vec(any::<i8>(), cout * cin * kh * kw),
                prop::collection::vec(-100_000i32..100_000, cout),
            )
        })
        .prop_filter_map(
            "kernel must fit",
            |((cin, h, w, cout, kh, kw, sh, sw), ph, pw, m, s, x, wt, bias)| {
                if h + 2 * ph < kh || w + 2 * pw < kw {
                    return None;
                }
                let mut b = ModelBuilder::new(vec![cin, h, w]);
                let rq = Requant {
                    multiplier: m,
                    shift: s,
                };
                let v = b.conv2d(0, [cout, cin, kh, kw], &wt, &bias, [sh, sw], [ph, pw], rq);
                b.relu(v);
                Some((b, x))
            },
        )
}

fn dense_case() -> impl Strategy<Value = (ModelBuilder, Vec<i8>)> {
    (1usize..300, 1usize..100).prop_flat_map(|(k, n)| {
        (
            prop::collection::vec(any::<i8>(), k),
            prop::collection::vec(any::<i8>(), n * k),
            prop::collection::vec(any::<i32>(), n),
            any::<i32>(),
            0u32..=63,
        )
            .prop_map(move |(x, w, bias, m, s)| {
                let mut b = ModelBuilder::new(vec![k]);
                b.dense(
                    0,
                    &w,
                    &bias,
                    Requant {
                        multiplier: m,
                        shift: s,
                    },
                );
                (b, x)
            })
    })
}

/// A chain of the data-movement and elementwise ops on a random feature map.
fn chain_case() -> impl Strategy<Value = (ModelBuilder, Vec<i8>)> {
    (1usize..4, 2usize..9, 2usize..9).prop_flat_map(|(c, h, w)| {
        (
            prop::collection::vec(any::<i8>(), c * h * w),
            1usize..4,
            (1usize..=2, 1usize..=2, 1usize..3, 1usize..3),
            (any::<i8>(), any::<i8>()),
            (any::<i32>(), 0u32..=63),
            (-65536i32..=65536, -65536i32..=65536, 0u32..=63),
            prop::collection::vec(any::<i8>(), 256),
        )
            .prop_map(
                move |(x, f, (kh, kw, sh, sw), (lo, hi), (m, s), (wa, wb, sa), table)| {
                    let mut b = ModelBuilder::new(vec![c, h, w]);
                    let up = b.upsample(0, f);
                    let pooled = b.avg_pool(up, [kh, kw], [sh, sw]);
                    let r = b.requantize(
                        pooled,
                        Requant {
                            multiplier: m,
                            shift: s,
                        },
                    );
                    let t: [i8; 256] = table.try_into().unwrap();
                    let l = b.lut(r, &t);
                    let a = b.add(l, pooled, wa, wb, sa);
                    let cl = b.clamp(a, lo.min(hi), lo.max(hi));
                    b.relu(cl);
                    (b, x)
                },
            )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_conv_layers_match((b, x) in conv_case()) {
        run_both(&b.build().unwrap(), &x);
    }

    #[test]
    fn random_dense_layers_match((b, x) in dense_case()) {
        run_both(&b.build().unwrap(), &x);
    }

    #[test]
    fn random_elementwise_chains_match((b, x) in chain_case()) {
        run_both(&b.build().unwrap(), &x);
    }
}
