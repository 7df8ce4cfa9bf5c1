//! ADD, SUB, MUL, SQUARED_DIFFERENCE (broadcasting), RSQRT and MEAN elements against the CPU
//! reference.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use verifier::litert::{
    fixed::{act_range, quantize_multiplier},
    graph::{Activation, OpKind},
    ops::{
        broadcast_index,
        elementwise::{
            add_sub_params, mul_multiplier, rsqrt_multiplier, squared_difference_params,
        },
    },
};

use crate::support::{GraphBuilder, Harness, bytes, int, int8s, scale, tuple, zp};

const ACTS: [Activation; 3] = [Activation::None, Activation::Relu, Activation::Relu6];

/// Shapes that broadcast to `[2, 3, 4]` in the ways NumPy allows.
const SHAPES: [(&[usize], &[usize]); 4] = [
    (&[2, 3, 4], &[2, 3, 4]),
    (&[2, 3, 4], &[4]),
    (&[2, 1, 4], &[3, 1]),
    (&[1], &[2, 3, 4]),
];

#[derive(Clone, Copy, Debug)]
enum Binary {
    Add,
    Sub,
    Mul,
    SquaredDifference,
}

#[test]
fn binary_elements_match() {
    let mut h = Harness::new();
    let mut rng = ChaCha8Rng::seed_from_u64(30);
    let out_shape = [2usize, 3, 4];
    for case in 0..48 {
        let op = [
            Binary::Add,
            Binary::Sub,
            Binary::Mul,
            Binary::SquaredDifference,
        ][case % 4];
        let act = if matches!(op, Binary::SquaredDifference) {
            Activation::None
        } else {
            ACTS[(case / 4) % 3]
        };
        let (sa_shape, sb_shape) = SHAPES[(case / 12) % 4];
        let a = int8s(&mut rng, sa_shape.iter().product());
        let b = int8s(&mut rng, sb_shape.iter().product());
        let (sa, za, sb, zb) = (scale(&mut rng), zp(&mut rng), scale(&mut rng), zp(&mut rng));
        let (so, zo) = (scale(&mut rng), zp(&mut rng));
        let mut g = GraphBuilder::default();
        let at = g.input(sa_shape, sa, za, &a);
        let bt = g.input(sb_shape, sb, zb, &b);
        let out = g.output(&out_shape, so, zo);
        let kind = match op {
            Binary::Add => OpKind::Add { act },
            Binary::Sub => OpKind::Sub { act },
            Binary::Mul => OpKind::Mul { act },
            Binary::SquaredDifference => OpKind::SquaredDifference,
        };
        let want = g.run(kind, vec![at, bt], out).unwrap();
        let (lo, hi) = act_range(act, so, zo);
        let ia = broadcast_index(&out_shape, sa_shape);
        let ib = broadcast_index(&out_shape, sb_shape);
        for (e, (&i, &j)) in ia.iter().zip(&ib).enumerate() {
            let (x, y) = (int(a[i].into()), int(b[j].into()));
            let got = match op {
                Binary::Mul => {
                    let (q, s) = mul_multiplier(sa, sb, so);
                    let zq = [za, zb, q, s, zo, lo, hi].map(|v| int(v.into()));
                    h.int8(
                        "mul",
                        &[x, y, alloy::dyn_abi::DynSolValue::FixedArray(zq.to_vec())],
                    )
                }
                _ => {
                    let p = if matches!(op, Binary::SquaredDifference) {
                        squared_difference_params(sa, sb, so)
                    } else {
                        add_sub_params(sa, sb, so)
                    };
                    let params = tuple(
                        [
                            za, zb, p[0].0, p[0].1, p[1].0, p[1].1, p[2].0, p[2].1, zo, lo, hi,
                        ]
                        .map(|v| int(v.into()))
                        .to_vec(),
                    );
                    if matches!(op, Binary::SquaredDifference) {
                        h.int8("squaredDifference", &[x, y, params])
                    } else {
                        h.int8("addSub", &[x, y, params, matches!(op, Binary::Sub).into()])
                    }
                }
            }
            .unwrap();
            assert_eq!(got, want[e], "case {case} {op:?}: element {e}");
        }
    }
}

#[test]
fn rsqrt_elements_match() {
    let mut h = Harness::new();
    let mut rng = ChaCha8Rng::seed_from_u64(31);
    for case in 0..12 {
        let x = int8s(&mut rng, 64);
        let lowest = *x.iter().min().unwrap() as i32;
        // a zero point at or below every input: the reference refuses negatives
        let zi = rng.random_range(-128..=lowest);
        let (si, so, zo) = (scale(&mut rng), scale(&mut rng), zp(&mut rng));
        let mut g = GraphBuilder::default();
        let xt = g.input(&[64], si, zi, &x);
        let out = g.output(&[64], so, zo);
        let want = g.run(OpKind::Rsqrt, vec![xt], out).unwrap();
        let (q, s) = rsqrt_multiplier(si, so);
        for (e, &v) in x.iter().enumerate() {
            let args = [v as i32, zi, q, s, zo].map(|v| int(v.into()));
            assert_eq!(
                h.int8("rsqrt", &args).unwrap(),
                want[e],
                "case {case}: {v} - {zi}"
            );
        }
    }
    // below the zero point: both refuse
    let mut g = GraphBuilder::default();
    let xt = g.input(&[1], 0.1, 5, &[4]);
    let out = g.output(&[1], 0.1, 0);
    assert!(g.run(OpKind::Rsqrt, vec![xt], out).is_err());
    let args = [4, 5, 1 << 30, 0, 0].map(|v: i32| int(v.into()));
    assert_eq!(h.int8("rsqrt", &args).unwrap_err(), "RsqrtOfNegative");
}

#[test]
fn mean_elements_match() {
    let mut h = Harness::new();
    let mut rng = ChaCha8Rng::seed_from_u64(32);
    let axis_sets: [&[usize]; 5] = [&[2], &[1], &[0, 2], &[1, 2], &[0, 1, 2]];
    for case in 0..25 {
        let shape = [
            rng.random_range(1..4),
            rng.random_range(1..6),
            rng.random_range(1..40),
        ];
        let axes = axis_sets[case % 5];
        let x = int8s(&mut rng, shape.iter().product());
        let (si, zi, so, zo) = (scale(&mut rng), zp(&mut rng), scale(&mut rng), zp(&mut rng));
        let out_shape: Vec<usize> = (0..3)
            .map(|a| if axes.contains(&a) { 1 } else { shape[a] })
            .collect();
        let mut g = GraphBuilder::default();
        let xt = g.input(&shape, si, zi, &x);
        let out = g.output(&out_shape, so, zo);
        let want = g
            .run(
                OpKind::Mean {
                    axes: axes.to_vec(),
                },
                vec![xt],
                out,
            )
            .unwrap();
        // each output's inputs, gathered (the opened data)
        let mut groups = vec![Vec::new(); want.len()];
        for (i, &v) in x.iter().enumerate() {
            let idx = [
                i / (shape[1] * shape[2]),
                i / shape[2] % shape[1],
                i % shape[2],
            ];
            let o = (0..3).fold(0, |f, a| {
                f * out_shape[a] + if axes.contains(&a) { 0 } else { idx[a] }
            });
            groups[o].push(v);
        }
        let (q, s) = quantize_multiplier(si as f64 / so as f64);
        for (o, group) in groups.iter().enumerate() {
            let args = [
                bytes(group),
                int(zi.into()),
                int(q.into()),
                int(s.into()),
                int(zo.into()),
            ];
            assert_eq!(
                h.int8("mean", &args).unwrap(),
                want[o],
                "case {case}: output {o}"
            );
        }
    }
}
