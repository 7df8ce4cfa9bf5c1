//! CONV_2D, DEPTHWISE_CONV_2D and TRANSPOSE_CONV elements against the CPU reference, over random
//! geometry (SAME/VALID, strides, dilations, the borders where taps fall outside the input).

use alloy::dyn_abi::DynSolValue;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use verifier::litert::{
    fixed::act_range,
    graph::{Activation, OpKind, Padding},
    ops::conv::multipliers,
};

use crate::support::{GraphBuilder, Harness, bytes, int, int8s, scale, tuple, uint, uint_n, zp};

const ACTS: [Activation; 3] = [Activation::None, Activation::Relu, Activation::Relu6];

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Conv,
    Depthwise,
    Transpose,
}

/// One random case: geometry, data, the reference's output, and the contract's parameters.
struct Case {
    h: usize,
    w: usize,
    ic: usize,
    kh: usize,
    kw: usize,
    oc: usize,
    oh: usize,
    ow: usize,
    mult: usize,
    stride: (usize, usize),
    dil: (usize, usize),
    pad: (usize, usize),
    x: Vec<i8>,
    wts: Vec<i8>,
    bias: Vec<i32>,
    z_in: i32,
    z_out: i32,
    mults: Vec<(i32, i32)>,
    range: (i32, i32),
    want: Vec<i8>,
}

fn make(kind: Kind, rng: &mut ChaCha8Rng, n: usize) -> Case {
    let (h, w) = (rng.random_range(1..8), rng.random_range(1..8));
    let ic = rng.random_range(1..6);
    let (kh, kw) = (rng.random_range(1..4), rng.random_range(1..4));
    let stride = (rng.random_range(1..4), rng.random_range(1..4));
    let dil = if kind == Kind::Transpose {
        (1, 1)
    } else {
        (rng.random_range(1..3), rng.random_range(1..3))
    };
    let padding = if rng.random_bool(0.5) {
        Padding::Same
    } else {
        Padding::Valid
    };
    let act = ACTS[n % 3];
    let mult = if kind == Kind::Depthwise {
        rng.random_range(1..3)
    } else {
        1
    };
    let oc = if kind == Kind::Depthwise {
        ic * mult
    } else {
        rng.random_range(1..5)
    };
    let (oh, ow, pad) = match kind {
        Kind::Transpose => {
            let size = |i: usize, k: usize, s: usize| match padding {
                Padding::Same => i * s,
                Padding::Valid => (i - 1) * s + k,
            };
            let (oh, ow) = (size(h, kh, stride.0), size(w, kw, stride.1));
            let ph = proof::conv_geometry(padding, oh, kh, stride.0, 1).1;
            let pw = proof::conv_geometry(padding, ow, kw, stride.1, 1).1;
            (oh, ow, (ph, pw))
        }
        _ => {
            let (oh, ph) = proof::conv_geometry(padding, h, kh, stride.0, dil.0);
            let (ow, pw) = proof::conv_geometry(padding, w, kw, stride.1, dil.1);
            (oh, ow, (ph, pw))
        }
    };
    let x = int8s(rng, h * w * ic);
    let filter_shape = match kind {
        Kind::Depthwise => [1, kh, kw, oc],
        _ => [oc, kh, kw, ic],
    };
    let wts = int8s(rng, filter_shape.iter().product());
    let bias: Vec<i32> = (0..oc)
        .map(|_| match rng.random_range(0..5) {
            0 => rng.random(),
            _ => rng.random_range(-50_000..50_000),
        })
        .collect();
    let w_scales: Vec<f32> = (0..oc).map(|_| scale(rng) / 8.0).collect();
    let (s_in, z_in, s_out, z_out) = (scale(rng), zp(rng), scale(rng), zp(rng));
    let mut g = GraphBuilder::default();
    let shape_t = g.const_i32(&[4], &[1, oh as i32, ow as i32, oc as i32]);
    let xt = g.input(&[1, h, w, ic], s_in, z_in, &x);
    let axis = if kind == Kind::Depthwise { 3 } else { 0 };
    let wt = g.weights(&filter_shape, &w_scales, axis, &wts);
    let bt = g.const_i32(&[oc], &bias);
    let out = g.output(&[1, oh, ow, oc], s_out, z_out);
    let mults = multipliers(g.info(xt), g.info(wt), g.info(out), oc);
    let range = act_range(act, s_out, z_out);
    let (opk, inputs) = match kind {
        Kind::Conv => (
            OpKind::Conv2d {
                padding,
                stride,
                dilation: dil,
                act,
            },
            vec![xt, wt, bt],
        ),
        Kind::Depthwise => (
            OpKind::DepthwiseConv2d {
                padding,
                stride,
                dilation: dil,
                multiplier: mult,
                act,
            },
            vec![xt, wt, bt],
        ),
        Kind::Transpose => (
            OpKind::TransposeConv {
                padding,
                stride,
                act,
            },
            vec![shape_t, wt, xt, bt],
        ),
    };
    let want = g.run(opk, inputs, out).unwrap();
    Case {
        h,
        w,
        ic,
        kh,
        kw,
        oc,
        oh,
        ow,
        mult,
        stride,
        dil,
        pad,
        x,
        wts,
        bias,
        z_in,
        z_out,
        mults,
        range,
        want,
    }
}

/// The input pixel tap `(ky, kx)` of output `(oy, ox)` meets, if any.
fn source(
    kind: Kind,
    c: &Case,
    oy: usize,
    ox: usize,
    ky: usize,
    kx: usize,
) -> Option<(usize, usize)> {
    let axis = |o: usize, k: usize, s: usize, d: usize, p: usize, size: usize| {
        if kind == Kind::Transpose {
            let at = (o + p).checked_sub(k)?;
            (at % s == 0 && at / s < size).then_some(at / s)
        } else {
            let at = (o * s + k * d).checked_sub(p)?;
            (at < size).then_some(at)
        }
    };
    Some((
        axis(oy, ky, c.stride.0, c.dil.0, c.pad.0, c.h)?,
        axis(ox, kx, c.stride.1, c.dil.1, c.pad.1, c.w)?,
    ))
}

fn check(kind: Kind, seed: u64, cases: usize) -> usize {
    let mut h = Harness::new();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut compared = 0;
    for n in 0..cases {
        let c = make(kind, &mut rng, n);
        for oy in 0..c.oh {
            for ox in 0..c.ow {
                for ch in 0..c.oc {
                    // the opened kernel and patch in tap order; taps outside get junk bytes
                    let mut kernel = Vec::new();
                    let mut patch = Vec::new();
                    for ky in 0..c.kh {
                        for kx in 0..c.kw {
                            let src = source(kind, &c, oy, ox, ky, kx);
                            if kind == Kind::Depthwise {
                                kernel.push(c.wts[(ky * c.kw + kx) * c.oc + ch]);
                                patch.push(match src {
                                    Some((iy, ix)) => c.x[(iy * c.w + ix) * c.ic + ch / c.mult],
                                    None => rng.random(),
                                });
                            } else {
                                let at = ((ch * c.kh + ky) * c.kw + kx) * c.ic;
                                kernel.extend_from_slice(&c.wts[at..at + c.ic]);
                                match src {
                                    Some((iy, ix)) => {
                                        let at = (iy * c.w + ix) * c.ic;
                                        patch.extend_from_slice(&c.x[at..at + c.ic]);
                                    }
                                    None => patch.extend(int8s(&mut rng, c.ic)),
                                }
                            }
                        }
                    }
                    let ic = if kind == Kind::Depthwise { 1 } else { c.ic };
                    let (q, shift) = c.mults[ch];
                    let u = |v: usize| uint(v as u64);
                    let params: Vec<DynSolValue> = vec![
                        u(oy),
                        u(ox),
                        u(c.h),
                        u(c.w),
                        u(c.kh),
                        u(c.kw),
                        u(ic),
                        u(c.stride.0),
                        u(c.stride.1),
                        u(c.dil.0),
                        u(c.dil.1),
                        u(c.pad.0),
                        u(c.pad.1),
                        int(c.z_in.into()),
                        int(c.bias[ch].into()),
                        int(q.into()),
                        int(shift.into()),
                        int(c.z_out.into()),
                        int(c.range.0.into()),
                        int(c.range.1.into()),
                    ];
                    let code = match kind {
                        Kind::Conv => 0u64,
                        Kind::Depthwise => 1,
                        Kind::Transpose => 2,
                    };
                    let params = tuple(params);
                    let args = [
                        uint_n(code, 8),
                        bytes(&kernel),
                        bytes(&patch),
                        params.clone(),
                    ];
                    let got = h.int8("conv", &args).unwrap();
                    let want = c.want[(oy * c.ow + ox) * c.oc + ch];
                    assert_eq!(got, want, "case {n}: ({oy}, {ox}, {ch})");
                    compared += 1;
                    if kind == Kind::Conv {
                        // the same patch as kernel rows scattered in a longer opening
                        let width = c.kw * c.ic;
                        let mut rows = int8s(&mut rng, 3);
                        let mut at = Vec::new();
                        for ky in 0..c.kh {
                            at.push(uint(rows.len() as u64));
                            rows.extend_from_slice(&patch[ky * width..][..width]);
                            let junk = rng.random_range(0..40);
                            rows.extend(int8s(&mut rng, junk));
                        }
                        let args = [
                            bytes(&kernel),
                            bytes(&rows),
                            DynSolValue::Array(at),
                            params.clone(),
                        ];
                        let got = h.int8("convRows", &args).unwrap();
                        assert_eq!(got, want, "case {n}: ({oy}, {ox}, {ch}) by rows");
                    }
                }
            }
        }
    }
    compared
}

#[test]
fn conv2d_elements_match() {
    let n = check(Kind::Conv, 20, 40);
    assert!(n > 250, "{n} elements");
}

#[test]
fn depthwise_conv2d_elements_match() {
    let n = check(Kind::Depthwise, 21, 30);
    assert!(n > 250, "{n} elements");
}

#[test]
fn transpose_conv_elements_match() {
    assert!(check(Kind::Transpose, 22, 10) > 300);
}
