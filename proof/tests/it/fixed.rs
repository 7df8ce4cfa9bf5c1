//! The fixed-point and floating-point helpers, one call each, against `verifier::litert::fixed`
//! (and the reference's own f64/f32 expressions) on random and extreme operands.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use verifier::litert::{
    fixed::{act_range, mbqm, mul_pot, rdbpot, srdhm},
    graph::Activation,
    ops::resize::nearest_index,
};

use crate::support::{Harness, as_i64, bytes, int, int8s, uint, uint_n};

/// An int32 drawn to hit the edges often.
fn edgy(rng: &mut impl Rng) -> i32 {
    match rng.random_range(0..6) {
        0 => *[i32::MIN, i32::MAX, 0, -1, 1, i32::MIN + 1]
            .get(rng.random_range(0..6))
            .unwrap(),
        1 => rng.random_range(-300..300),
        _ => rng.random(),
    }
}

#[test]
fn gemmlowp_primitives_match() {
    let mut h = Harness::new();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for _ in 0..300 {
        let (a, b) = (edgy(&mut rng), edgy(&mut rng));
        let got = as_i64(&h.call("srdhm", &[int(a.into()), int(b.into())]).unwrap()[0]);
        assert_eq!(got, srdhm(a, b) as i64, "srdhm({a}, {b})");
        let e = rng.random_range(-3..40);
        let got = as_i64(&h.call("rdbpot", &[int(a.into()), int(e.into())]).unwrap()[0]);
        assert_eq!(got, rdbpot(a, e) as i64, "rdbpot({a}, {e})");
        // multipliers as QuantizeMultiplier makes them ([2^30, 2^31)) and hostile ones
        let q = if rng.random_bool(0.7) {
            rng.random_range(1 << 30..=i32::MAX)
        } else {
            edgy(&mut rng)
        };
        let shift = rng.random_range(-40..40);
        let got = as_i64(
            &h.call("mbqm", &[int(a.into()), int(q.into()), int(shift.into())])
                .unwrap()[0],
        );
        assert_eq!(got, mbqm(a, q, shift) as i64, "mbqm({a}, {q}, {shift})");
        let e = rng.random_range(-31..31);
        let got = as_i64(&h.call("mulPot", &[int(a.into()), int(e.into())]).unwrap()[0]);
        assert_eq!(got, mul_pot(a, e) as i64, "mul_pot({a}, {e})");
    }
}

#[test]
fn packed_dot_products_match() {
    let mut h = Harness::new();
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    // every tail length, a few multi-word lengths, and one past the 1,024-word block
    let mut lengths: Vec<usize> = (0..=70).collect();
    lengths.extend([768, 4096, 32 * 1024 + 5]);
    for n in lengths {
        let (a, b) = (int8s(&mut rng, n), int8s(&mut rng, n));
        let want = |x: &[i8], y: &[i8]| {
            x.iter()
                .zip(y)
                .fold(0i32, |s, (&p, &q)| s.wrapping_add(p as i32 * q as i32))
        };
        let ones = vec![1i8; n];
        let out = h.call("dot", &[bytes(&a), bytes(&b)]).unwrap();
        assert_eq!(as_i64(&out[0]), want(&a, &b) as i64, "dot, n = {n}");
        assert_eq!(as_i64(&out[1]), want(&a, &ones) as i64, "sum a, n = {n}");
        assert_eq!(as_i64(&out[2]), want(&b, &ones) as i64, "sum b, n = {n}");
    }
    let err = h.call("dot", &[bytes(&[1, 2]), bytes(&[1])]).unwrap_err();
    assert_eq!(err, "LengthMismatch");
}

/// The reference's FULLY_CONNECTED requantization, as written in `ops::matmul`.
fn fc_reference(acc: i32, m: f64) -> i64 {
    verifier::litert::fixed::round_away(acc as f64 * m).clamp(-(1 << 31), (1 << 31) - 1)
}

#[test]
fn float64_requantization_matches() {
    let mut h = Harness::new();
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut cases: Vec<(i32, f64)> = Vec::new();
    for _ in 0..400 {
        let acc = edgy(&mut rng);
        let m = match rng.random_range(0..4) {
            // realistic: s_in * s_w / s_out
            0 | 1 => {
                let s = |r: &mut ChaCha8Rng| 2f32.powf(r.random_range(-14.0..0.0)) as f64;
                s(&mut rng) * s(&mut rng) / s(&mut rng)
            }
            // any double in a wide range
            2 => f64::from_bits(rng.random_range(0x3800_0000_0000_0000..0x4300_0000_0000_0000u64)),
            _ => rng.random_range(0.0..4.0),
        };
        cases.push((acc, m));
    }
    // exact ties before and after the 53-bit rounding: acc * m = k + 1/2
    for k in [0i32, 1, 2, 3, 1000, -1, -2, -7, 12345] {
        cases.push((2 * k + 1, 0.5));
        cases.push((2 * k + 1, 0.5 + f64::EPSILON));
        cases.push((2 * k + 1, 0.5 - f64::EPSILON / 2.0));
    }
    // exact ties at the 53-bit rounding that decide the final integer: acc * significand =
    // 2M + 1 (54 bits) with M odd and M = 2^29 - 1 mod 2^30, so ties-to-even rounds up to M + 1,
    // whose value at 2^-31 is an exact half that rounds away (rounding down would not)
    for r in 0..60u64 {
        let m = (1u64 << 52) + (r << 30) + (1 << 29) - 1;
        if (2 * m + 1).is_multiple_of(3) {
            let sig = (2 * m + 1) / 3;
            cases.push((3, sig as f64 * 2f64.powi(-31)));
            cases.push((-3, sig as f64 * 2f64.powi(-31)));
        }
    }
    cases.push((i32::MAX, 1.0 + f64::EPSILON));
    cases.push((i32::MIN, 1e10));
    cases.push((7, 0.0));
    for (acc, m) in cases {
        let (s, e) = proof::f64_parts(m).unwrap();
        let got = as_i64(
            &h.call("fcRequant", &[int(acc.into()), uint(s), int(e.into())])
                .unwrap()[0],
        );
        assert_eq!(got, fc_reference(acc, m), "acc {acc}, m {m:e}");
    }
}

#[test]
fn activation_ranges_match() {
    let mut h = Harness::new();
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let acts = [Activation::None, Activation::Relu, Activation::Relu6];
    for i in 0..300 {
        let act = acts[i % 3];
        let scale = match rng.random_range(0..5) {
            0 => f32::from_bits(rng.random()),
            1 => 6.0 / (rng.random_range(1..300) as f32 + 0.5),
            _ => 2f32.powf(rng.random_range(-20.0..4.0)),
        };
        if scale.is_nan() {
            continue;
        }
        let zp = rng.random_range(-128..=127);
        let (lo, hi) = act_range(act, scale, zp);
        if lo > hi {
            continue; // no model runs with an empty range (the reference's clamp would panic)
        }
        let out = h
            .call(
                "activationRange",
                &[
                    uint_n(proof::activation_code(act).into(), 8),
                    uint_n(scale.to_bits().into(), 32),
                    int(zp.into()),
                ],
            )
            .unwrap();
        assert_eq!(
            (as_i64(&out[0]), as_i64(&out[1])),
            (lo as i64, hi as i64),
            "{act:?} scale {scale:e} ({:#x}) zp {zp}",
            scale.to_bits()
        );
    }
}

#[test]
fn nearest_indices_match() {
    let mut h = Harness::new();
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for _ in 0..300 {
        let input = rng.random_range(1..70);
        let output = rng.random_range(1..200);
        let (align, half) = (rng.random_bool(0.5), rng.random_bool(0.5));
        let y = rng.random_range(0..output);
        let got = as_i64(
            &h.call(
                "nearestIndex",
                &[
                    uint(y as u64),
                    uint(input as u64),
                    uint(output as u64),
                    align.into(),
                    half.into(),
                ],
            )
            .unwrap()[0],
        );
        let want = nearest_index(y, input, output, align, half);
        assert_eq!(
            got as usize, want,
            "y {y} in {input} out {output} align {align} half {half}"
        );
    }
}
