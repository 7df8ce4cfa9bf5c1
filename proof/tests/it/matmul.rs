//! FULLY_CONNECTED and BATCH_MATMUL elements against the CPU reference.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use verifier::litert::{
    fixed::act_range,
    graph::{Activation, OpKind},
    ops::{
        broadcast_index,
        matmul::{batch_matmul_multiplier, fc_multipliers},
    },
};

use crate::support::{GraphBuilder, Harness, bytes, int, int8s, scale, tuple, uint, zp};

const ACTS: [Activation; 3] = [Activation::None, Activation::Relu, Activation::Relu6];

#[test]
fn fully_connected_elements_match() {
    let mut h = Harness::new();
    let mut rng = ChaCha8Rng::seed_from_u64(10);
    let mut compared = 0;
    for case in 0..40 {
        let (rows, o) = (rng.random_range(1..4), rng.random_range(1..6));
        let d = if case == 0 {
            768
        } else {
            rng.random_range(1..100)
        };
        let act = ACTS[case % 3];
        let x = int8s(&mut rng, rows * d);
        let w = int8s(&mut rng, o * d);
        // biases near the int32 edges make the accumulator wrap
        let bias: Vec<i32> = (0..o)
            .map(|_| match rng.random_range(0..4) {
                0 => rng.random(),
                _ => rng.random_range(-100_000..100_000),
            })
            .collect();
        let w_scales: Vec<f32> = (0..o).map(|_| scale(&mut rng) / 8.0).collect();
        let (s_in, z_in, s_out, z_out) =
            (scale(&mut rng), zp(&mut rng), scale(&mut rng), zp(&mut rng));
        let mut g = GraphBuilder::default();
        let xt = g.input(&[rows, d], s_in, z_in, &x);
        let wt = g.weights(&[o, d], &w_scales, 0, &w);
        let bt = g.const_i32(&[o], &bias);
        let out = g.output(&[rows, o], s_out, z_out);
        let mults = fc_multipliers(g.info(xt), g.info(wt), g.info(out));
        let (lo, hi) = act_range(act, s_out, z_out);
        let want = g
            .run(OpKind::FullyConnected { act }, vec![xt, wt, bt], out)
            .unwrap();
        for r in 0..rows {
            for c in 0..o {
                let (sig, exp) = proof::f64_parts(mults[c]).unwrap();
                let params = tuple(vec![
                    int(bias[c].into()),
                    int(z_in.into()),
                    uint(sig),
                    int(exp.into()),
                    int(z_out.into()),
                    int(lo.into()),
                    int(hi.into()),
                ]);
                let got = h
                    .int8(
                        "fullyConnected",
                        &[bytes(&x[r * d..][..d]), bytes(&w[c * d..][..d]), params],
                    )
                    .unwrap();
                assert_eq!(
                    got,
                    want[r * o + c],
                    "case {case}: row {r} channel {c}, D {d}"
                );
                compared += 1;
            }
        }
    }
    assert!(compared > 200);
}

#[test]
fn batch_matmul_elements_match() {
    let mut h = Harness::new();
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for case in 0..30 {
        let (m, k, n) = (
            rng.random_range(1..5),
            rng.random_range(1..70),
            rng.random_range(1..5),
        );
        let (adj_x, adj_y) = (rng.random_bool(0.5), rng.random_bool(0.5));
        // batch dims that broadcast: [2, 1] with [3], or none
        let (ba, bb): (Vec<usize>, Vec<usize>) = if case % 2 == 0 {
            (vec![2, 1], vec![3])
        } else {
            (vec![], vec![])
        };
        let batch: Vec<usize> = if ba.is_empty() { vec![] } else { vec![2, 3] };
        let shape = |b: &[usize], r: usize, c: usize| [b, &[r, c]].concat();
        let a_shape = if adj_x {
            shape(&ba, k, m)
        } else {
            shape(&ba, m, k)
        };
        let b_shape = if adj_y {
            shape(&bb, n, k)
        } else {
            shape(&bb, k, n)
        };
        let a = int8s(&mut rng, a_shape.iter().product());
        let b = int8s(&mut rng, b_shape.iter().product());
        let (sa, za, sb, zb) = (scale(&mut rng), zp(&mut rng), scale(&mut rng), zp(&mut rng));
        let (so, zo) = (scale(&mut rng), zp(&mut rng));
        let mut g = GraphBuilder::default();
        let at = g.input(&a_shape, sa, za, &a);
        let bt = g.input(&b_shape, sb, zb, &b);
        let out = g.output(&shape(&batch, m, n), so, zo);
        let want = g
            .run(OpKind::BatchMatmul { adj_x, adj_y }, vec![at, bt], out)
            .unwrap();
        let (q, shift) = batch_matmul_multiplier(sa, sb, so);
        let params = tuple(vec![
            int(za.into()),
            int(zb.into()),
            int(q.into()),
            int(shift.into()),
            int(zo.into()),
        ]);
        let ai = broadcast_index(&batch, &ba);
        let bi = broadcast_index(&batch, &bb);
        for (p, (&pa, &pb)) in ai.iter().zip(&bi).enumerate() {
            let (la, lb) = (&a[pa * m * k..][..m * k], &b[pb * k * n..][..k * n]);
            for i in 0..m {
                for j in 0..n {
                    // the opened row and column: K values each, adjoints applied
                    let row: Vec<i8> = (0..k)
                        .map(|t| if adj_x { la[t * m + i] } else { la[i * k + t] })
                        .collect();
                    let col: Vec<i8> = (0..k)
                        .map(|t| if adj_y { lb[j * k + t] } else { lb[t * n + j] })
                        .collect();
                    let got = h
                        .int8("batchMatmul", &[bytes(&row), bytes(&col), params.clone()])
                        .unwrap();
                    assert_eq!(
                        got,
                        want[(p * m + i) * n + j],
                        "case {case}: batch {p} ({i}, {j}), adj ({adj_x}, {adj_y})"
                    );
                }
            }
        }
    }
}
