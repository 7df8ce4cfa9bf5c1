//! The lookup-table ops, GATHER, RESHAPE, TRANSPOSE, CONCATENATION and the resizes: the
//! contract's index maps (and blends) give the reference's bytes.

use alloy::dyn_abi::DynSolValue;
use rand::{Rng, SeedableRng, seq::SliceRandom};
use rand_chacha::ChaCha8Rng;
use verifier::litert::{
    graph::{LutFn, OpKind},
    ops::lut,
};

use crate::support::{GraphBuilder, Harness, as_i64, bytes, int, int8s, scale, uint, zp};

fn uints(v: &[usize]) -> DynSolValue {
    DynSolValue::Array(v.iter().map(|&x| uint(x as u64)).collect())
}

#[test]
fn lookup_table_elements_match() {
    let mut h = Harness::new();
    let mut rng = ChaCha8Rng::seed_from_u64(50);
    let funcs = [LutFn::Logistic, LutFn::Tanh, LutFn::Gelu, LutFn::GeluTanh];
    for (case, func) in funcs.into_iter().cycle().take(8).enumerate() {
        let (si, zi, so, zo) = (scale(&mut rng), zp(&mut rng), scale(&mut rng), zp(&mut rng));
        let table = lut::table(func, si, zi, so, zo);
        let x: Vec<i8> = (-128..=127).collect();
        let mut g = GraphBuilder::default();
        let xt = g.input(&[256], si, zi, &x);
        let out = g.output(&[256], so, zo);
        let want = g
            .run(
                OpKind::Lut {
                    func,
                    table: Box::new(table),
                },
                vec![xt],
                out,
            )
            .unwrap();
        for (e, &v) in x.iter().enumerate() {
            let got = h.int8("lut", &[bytes(&table), int(v.into())]).unwrap();
            assert_eq!(got, want[e], "case {case} {func:?}: input {v}");
        }
    }
}

#[test]
fn gather_elements_match() {
    let mut h = Harness::new();
    let mut rng = ChaCha8Rng::seed_from_u64(51);
    for case in 0..10 {
        let (rows, width, n) = (
            rng.random_range(1..20),
            rng.random_range(1..9),
            rng.random_range(1..8),
        );
        let table = int8s(&mut rng, rows * width);
        let ids: Vec<i32> = (0..n).map(|_| rng.random_range(0..rows as i32)).collect();
        let mut g = GraphBuilder::default();
        let tt = g.const_i8(&[rows, width], 0.1, 0, &table);
        let it = g.input_i32(&[n], &ids);
        let out = g.output(&[n, width], 0.1, 0);
        let want = g.run(OpKind::Gather, vec![tt, it], out).unwrap();
        for (i, &w) in want.iter().enumerate() {
            let args = [
                uint(i as u64),
                int(ids[i / width].into()),
                uint(rows as u64),
                uint(width as u64),
            ];
            let src = as_i64(&h.call("gatherSource", &args).unwrap()[0]) as usize;
            assert_eq!(table[src], w, "case {case}: element {i}");
        }
    }
    // an id outside the table: both refuse
    let mut g = GraphBuilder::default();
    let tt = g.const_i8(&[2, 1], 0.1, 0, &[1, 2]);
    let it = g.input_i32(&[1], &[2]);
    let out = g.output(&[1, 1], 0.1, 0);
    assert!(g.run(OpKind::Gather, vec![tt, it], out).is_err());
    let err = h.call("gatherSource", &[uint(0), int(2), uint(2), uint(1)]);
    assert_eq!(err.unwrap_err(), "GatherIndexOutOfRange");
}

#[test]
fn reshape_transpose_and_concatenation_index_maps_match() {
    let mut h = Harness::new();
    let mut rng = ChaCha8Rng::seed_from_u64(52);
    for case in 0..12 {
        let rank = rng.random_range(1..5);
        let shape: Vec<usize> = (0..rank).map(|_| rng.random_range(1..5)).collect();
        let x = int8s(&mut rng, shape.iter().product());
        let mut perm: Vec<usize> = (0..rank).collect();
        perm.shuffle(&mut rng);
        let out_shape: Vec<usize> = perm.iter().map(|&p| shape[p]).collect();
        let mut g = GraphBuilder::default();
        let xt = g.input(&shape, 0.1, 0, &x);
        let out = g.output(&out_shape, 0.1, 0);
        let want = g
            .run(OpKind::Transpose { perm: perm.clone() }, vec![xt], out)
            .unwrap();
        for (i, &w) in want.iter().enumerate() {
            let args = [uint(i as u64), uints(&shape), uints(&perm)];
            let src = as_i64(&h.call("transposeSource", &args).unwrap()[0]) as usize;
            assert_eq!(
                x[src], w,
                "case {case}: transpose {shape:?} by {perm:?}, element {i}"
            );
        }
        // RESHAPE: the reference copies bytes, so its index map is the identity
        let mut g = GraphBuilder::default();
        let xt = g.input(&shape, 0.1, 0, &x);
        let out = g.output(&[x.len()], 0.1, 0);
        assert_eq!(g.run(OpKind::Reshape, vec![xt], out).unwrap(), x);
    }
    for case in 0..12 {
        let rank = rng.random_range(1..4);
        let axis = rng.random_range(0..rank);
        let base: Vec<usize> = (0..rank).map(|_| rng.random_range(1..4)).collect();
        let parts = rng.random_range(1..4);
        let mut g = GraphBuilder::default();
        let (mut ts, mut xs, mut chunks) = (Vec::new(), Vec::new(), Vec::new());
        let mut out_shape = base.clone();
        out_shape[axis] = 0;
        for _ in 0..parts {
            let mut s = base.clone();
            s[axis] = rng.random_range(1..4);
            out_shape[axis] += s[axis];
            let x = int8s(&mut rng, s.iter().product());
            ts.push(g.input(&s, 0.1, 0, &x));
            chunks.push(s[axis..].iter().product::<usize>());
            xs.push(x);
        }
        let out = g.output(&out_shape, 0.1, 0);
        let want = g.run(OpKind::Concatenation { axis }, ts, out).unwrap();
        for (i, &w) in want.iter().enumerate() {
            let r = h
                .call("concatSource", &[uint(i as u64), uints(&chunks)])
                .unwrap();
            let (t, idx) = (as_i64(&r[0]) as usize, as_i64(&r[1]) as usize);
            assert_eq!(xs[t][idx], w, "case {case}: axis {axis}, element {i}");
        }
    }
}

#[test]
fn resize_elements_match() {
    let mut h = Harness::new();
    let mut rng = ChaCha8Rng::seed_from_u64(53);
    for case in 0..16 {
        let (ih, iw, ch) = (
            rng.random_range(1..6),
            rng.random_range(1..6),
            rng.random_range(1..3),
        );
        let (oh, ow) = (rng.random_range(1..12), rng.random_range(1..12));
        let (align, half) = match case % 3 {
            0 => (false, false),
            1 => (false, true),
            _ => (true, false),
        };
        let bilinear = case % 2 == 0;
        let x = int8s(&mut rng, ih * iw * ch);
        let mut g = GraphBuilder::default();
        let xt = g.input(&[1, ih, iw, ch], 0.1, 0, &x);
        let out = g.output(&[1, oh, ow, ch], 0.1, 0);
        let kind = if bilinear {
            OpKind::ResizeBilinear {
                align_corners: align,
                half_pixel: half,
            }
        } else {
            OpKind::ResizeNearest {
                align_corners: align,
                half_pixel: half,
            }
        };
        let want = g.run(kind, vec![xt], out).unwrap();
        let sizes = DynSolValue::FixedArray([ih, iw, oh, ow].map(|v| uint(v as u64)).to_vec());
        let at = |y: usize, xx: usize, c: usize| x[(y * iw + xx) * ch + c];
        for oy in 0..oh {
            for ox in 0..ow {
                let args = [
                    uint(oy as u64),
                    uint(ox as u64),
                    sizes.clone(),
                    align.into(),
                    half.into(),
                ];
                for c in 0..ch {
                    let got = if bilinear {
                        let r = h.call("bilinearSource", &args).unwrap();
                        let DynSolValue::FixedArray(src) = &r[0] else {
                            panic!("sources")
                        };
                        let s: Vec<usize> = src.iter().map(|v| as_i64(v) as usize).collect();
                        let taps = [
                            at(s[0], s[2], c),
                            at(s[1], s[2], c),
                            at(s[0], s[3], c),
                            at(s[1], s[3], c),
                        ];
                        let taps = DynSolValue::FixedArray(taps.map(|v| int(v.into())).to_vec());
                        h.int8("bilinear", &[taps, r[1].clone(), r[2].clone()])
                            .unwrap()
                    } else {
                        let r = h.call("nearestSource", &args).unwrap();
                        at(as_i64(&r[0]) as usize, as_i64(&r[1]) as usize, c)
                    };
                    let want = want[(oy * ow + ox) * ch + c];
                    assert_eq!(
                        got, want,
                        "case {case}: ({oy}, {ox}, {c}) bilinear {bilinear} align {align} half {half}"
                    );
                }
            }
        }
    }
}
