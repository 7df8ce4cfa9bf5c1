//! SOFTMAX elements (the whole row opened) against the CPU reference.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use verifier::litert::{graph::OpKind, ops::softmax::softmax_params};

use crate::support::{GraphBuilder, Harness, bytes, int, int8s, scale, uint, zp};

#[test]
fn softmax_elements_match() {
    let mut h = Harness::new();
    let mut rng = ChaCha8Rng::seed_from_u64(40);
    for case in 0..14 {
        let (rows, depth) = (rng.random_range(1..4), rng.random_range(1..40));
        let x = int8s(&mut rng, rows * depth);
        let beta = if case % 3 == 0 {
            rng.random_range(0.05..8.0)
        } else {
            1.0
        };
        // wide scales reach the diff_min cut-off (elements far below the row's maximum)
        let s_in = scale(&mut rng) * 64.0;
        let mut g = GraphBuilder::default();
        let xt = g.input(&[rows, depth], s_in, zp(&mut rng), &x);
        let out = g.output(&[rows, depth], 1.0 / 256.0, -128);
        let want = g.run(OpKind::Softmax { beta }, vec![xt], out).unwrap();
        let (mult, ls, diff_min) = softmax_params(beta, s_in);
        for r in 0..rows {
            let row = &x[r * depth..][..depth];
            for i in 0..depth {
                let args = [
                    bytes(row),
                    uint(i as u64),
                    int(mult.into()),
                    int(ls.into()),
                    int(diff_min),
                ];
                assert_eq!(
                    h.int8("softmax", &args).unwrap(),
                    want[r * depth + i],
                    "case {case}: row {r} element {i}, beta {beta}, scale {s_in}"
                );
            }
        }
    }
}
