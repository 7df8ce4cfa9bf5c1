//! CONV_2D, DEPTHWISE_CONV_2D and TRANSPOSE_CONV (NHWC, per-channel int8 weights).
//!
//! Shared arithmetic (reference `ConvPerChannel`, `DepthwiseConvPerChannel`, `TransposeConv`):
//! `acc = bias[c] + sum w * (x - zp_in)` in int32 over the taps that fall inside the input (a
//! padded tap contributes nothing, as if the input were `zp_in`); per output channel
//! `m[c] = f64(s_in) * f64(s_w[c]) / f64(s_out)` quantized by `QuantizeMultiplier`;
//! `out = clamp(MBQM(acc, q[c], shift[c]) + zp_out)` to the fused activation's range.
//! Padding: `pad = max(((out - 1) * stride + (k - 1) * dilation + 1 - in) / 2, 0)` before the
//! first row/column (SAME), 0 for VALID.

use super::Values;
use crate::litert::fixed::{act_range, mbqm, quantize_multiplier};
use crate::litert::graph::{Activation, Op, Padding, TensorInfo};
// public: the dispute's on-chain conv element (`proof`) takes the same padding
pub use crate::litert::shapes::conv_out;

/// Per-channel (q, shift) for `channels` output channels (Prepare-time; shared with any other
/// executor of these ops).
pub fn multipliers(
    x: &TensorInfo,
    w: &TensorInfo,
    out: &TensorInfo,
    channels: usize,
) -> Vec<(i32, i32)> {
    (0..channels)
        .map(|c| {
            let sw = w.quant.scale.get(c).copied().unwrap_or(w.quant.s());
            quantize_multiplier(x.quant.s() as f64 * sw as f64 / out.quant.s() as f64)
        })
        .collect()
}

/// `sum_i w[i] * x[i]` in wrapping int32 (`x` already has the zero point removed).
#[inline]
fn dot(w: &[i8], x: &[i32]) -> i32 {
    w.iter()
        .zip(x)
        .fold(0i32, |s, (&a, &b)| s.wrapping_add(a as i32 * b))
}

/// The input with its zero point removed, once per op rather than once per tap.
fn centred(xs: &[i8], zi: i32) -> Vec<i32> {
    xs.iter().map(|&x| x as i32 - zi).collect()
}

/// A sliding-window op's geometry and requantization, read once: CONV_2D and DEPTHWISE_CONV_2D
/// differ only in what each tap adds to the accumulators.
struct Window {
    n: usize,
    h: usize,
    wd: usize,
    ic: usize,
    kh: usize,
    kw: usize,
    oh: usize,
    ow: usize,
    oc: usize,
    pad: (usize, usize),
    stride: (usize, usize),
    dil: (usize, usize),
    /// The input with its zero point removed.
    xc: Vec<i32>,
    bias: Vec<i32>,
    mults: Vec<(i32, i32)>,
    zo: i32,
    lo: i32,
    hi: i32,
}

impl Window {
    /// `oc_axis`: the filter axis that counts output channels (0 for CONV_2D, 3 for depthwise).
    fn read(
        op: &Op,
        v: &Values<'_>,
        padding: Padding,
        stride: (usize, usize),
        dil: (usize, usize),
        act: Activation,
        oc_axis: usize,
    ) -> Option<Self> {
        let (x, w, out) = (
            v.info(op.inputs[0]),
            v.info(op.inputs[1]),
            v.info(op.outputs[0]),
        );
        let [n, h, wd, ic] = x.shape[..] else {
            return None;
        };
        let [_, kh, kw, _] = w.shape[..] else {
            return None;
        };
        let [_, oh, ow, _] = out.shape[..] else {
            return None;
        };
        let oc = w.shape[oc_axis];
        let (_, ph) = conv_out(padding, h, kh, stride.0, dil.0);
        let (_, pw) = conv_out(padding, wd, kw, stride.1, dil.1);
        let zo = out.quant.zp();
        let (lo, hi) = act_range(act, out.quant.s(), zo);
        Some(Self {
            n,
            h,
            wd,
            ic,
            kh,
            kw,
            oh,
            ow,
            oc,
            pad: (ph, pw),
            stride,
            dil,
            xc: centred(v.i8(op.inputs[0]), x.quant.zp()),
            bias: op.inputs.get(2).map_or(vec![0; oc], |&b| v.i32(b).to_vec()),
            mults: multipliers(x, w, out, oc),
            zo,
            lo,
            hi,
        })
    }

    /// Slides the window over the input: per output pixel, the accumulators start at the bias,
    /// `tap(acc, input pixel's channels, ky * KW + kx)` adds each tap inside the input, then each
    /// channel is requantized (MBQM, `+ zp_out`, clamp).
    fn slide(&self, mut tap: impl FnMut(&mut [i32], &[i32], usize)) -> Vec<i8> {
        let (h, wd, ic) = (self.h, self.wd, self.ic);
        let mut res = Vec::with_capacity(self.n * self.oh * self.ow * self.oc);
        let mut acc = vec![0i32; self.oc];
        for b in 0..self.n {
            for oy in 0..self.oh {
                for ox in 0..self.ow {
                    acc.copy_from_slice(&self.bias);
                    for ky in 0..self.kh {
                        let iy =
                            (oy * self.stride.0 + ky * self.dil.0) as isize - self.pad.0 as isize;
                        if iy < 0 || iy >= h as isize {
                            continue;
                        }
                        for kx in 0..self.kw {
                            let ix = (ox * self.stride.1 + kx * self.dil.1) as isize
                                - self.pad.1 as isize;
                            if ix < 0 || ix >= wd as isize {
                                continue;
                            }
                            let xi = ((b * h + iy as usize) * wd + ix as usize) * ic;
                            tap(&mut acc, &self.xc[xi..xi + ic], ky * self.kw + kx);
                        }
                    }
                    for (c, &a) in acc.iter().enumerate() {
                        let (q, s) = self.mults[c];
                        res.push(
                            mbqm(a, q, s)
                                .saturating_add(self.zo)
                                .clamp(self.lo, self.hi) as i8,
                        );
                    }
                }
            }
        }
        res
    }
}

/// CONV_2D: filter `[O, KH, KW, I]`, output `[N, OH, OW, O]`.
pub fn conv2d(
    op: &Op,
    v: &Values<'_>,
    padding: Padding,
    stride: (usize, usize),
    dil: (usize, usize),
    act: Activation,
) -> Vec<i8> {
    let Some(win) = Window::read(op, v, padding, stride, dil, act, 0) else {
        return Vec::new();
    };
    let (oc, taps_ic) = (win.oc, win.kh * win.kw * win.ic);
    // weights as [KH][KW][I][O] so the innermost loop runs over output channels (vectorises)
    let ws = v.i8(op.inputs[1]);
    let mut wt = vec![0i32; ws.len()];
    for (j, &wv) in ws.iter().enumerate() {
        let (c, r) = (j / taps_ic, j % taps_ic);
        wt[r * oc + c] = wv as i32;
    }
    win.slide(|acc, xr, t| {
        let wi = t * xr.len() * oc;
        for (i, &xv) in xr.iter().enumerate() {
            let wrow = &wt[wi + i * oc..wi + (i + 1) * oc];
            // int32 wraps like the C kernels' two's-complement accumulators
            for (a, &wv) in acc.iter_mut().zip(wrow) {
                *a = a.wrapping_add(wv * xv);
            }
        }
    })
}

/// DEPTHWISE_CONV_2D: filter `[1, KH, KW, I * multiplier]`; output channel
/// `oc = ic * multiplier + m` reads only input channel `ic`.
pub fn depthwise(
    op: &Op,
    v: &Values<'_>,
    padding: Padding,
    stride: (usize, usize),
    dil: (usize, usize),
    multiplier: usize,
    act: Activation,
) -> Vec<i8> {
    let Some(win) = Window::read(op, v, padding, stride, dil, act, 3) else {
        return Vec::new();
    };
    let (ws, oc) = (v.i8(op.inputs[1]), win.oc);
    win.slide(|acc, xr, t| {
        let wr = &ws[t * oc..][..oc];
        for (c, (a, &wv)) in acc.iter_mut().zip(wr).enumerate() {
            *a = a.wrapping_add(wv as i32 * xr[c / multiplier]);
        }
    })
}

/// TRANSPOSE_CONV: inputs `[output_shape, filter [O, KH, KW, I], x, bias?]`.
///
/// Every input pixel scatters `w[oc][ky][kx][ic] * (x - zp_in)` into an int32 scratch of the
/// output shape at `(iy * stride - pad + ky, ix * stride - pad + kx)` (taps outside are dropped);
/// then per element `+ bias[oc]`, MBQM, `+ zp_out`, clamp. The padding is the one a forward
/// convolution from the output size would use: `pad = max(((o - 1) * stride + k - out) / 2, 0)`
/// with `o = ceil(out / stride)` (SAME) or `(out - k + stride) / stride` (VALID).
pub fn transpose_conv(
    op: &Op,
    v: &Values<'_>,
    padding: Padding,
    stride: (usize, usize),
    act: Activation,
) -> Vec<i8> {
    let (w, x, out) = (
        v.info(op.inputs[1]),
        v.info(op.inputs[2]),
        v.info(op.outputs[0]),
    );
    let [n, h, wd, ic] = x.shape[..] else {
        return Vec::new();
    };
    let [oc, kh, kw, _] = w.shape[..] else {
        return Vec::new();
    };
    let [_, oh, ow, _] = out.shape[..] else {
        return Vec::new();
    };
    let (_, ph) = conv_out(padding, oh, kh, stride.0, 1);
    let (_, pw) = conv_out(padding, ow, kw, stride.1, 1);
    let (xs, ws) = (v.i8(op.inputs[2]), v.i8(op.inputs[1]));
    let bias = op.inputs.get(3).map(|&b| v.i32(b));
    let mults = multipliers(x, w, out, oc);
    let (zi, zo) = (x.quant.zp(), out.quant.zp());
    let (lo, hi) = act_range(act, out.quant.s(), zo);
    let xc = centred(xs, zi);
    let mut acc = vec![0i32; n * oh * ow * oc];
    for b in 0..n {
        for iy in 0..h {
            for ix in 0..wd {
                let xi = ((b * h + iy) * wd + ix) * ic;
                for ky in 0..kh {
                    let oy = (iy * stride.0 + ky) as isize - ph as isize;
                    if oy < 0 || oy >= oh as isize {
                        continue;
                    }
                    for kx in 0..kw {
                        let ox = (ix * stride.1 + kx) as isize - pw as isize;
                        if ox < 0 || ox >= ow as isize {
                            continue;
                        }
                        let oi = ((b * oh + oy as usize) * ow + ox as usize) * oc;
                        for c in 0..oc {
                            let wi = ((c * kh + ky) * kw + kx) * ic;
                            acc[oi + c] =
                                acc[oi + c].wrapping_add(dot(&ws[wi..wi + ic], &xc[xi..xi + ic]));
                        }
                    }
                }
            }
        }
    }
    acc.iter()
        .enumerate()
        .map(|(i, &a)| {
            let c = i % oc;
            let (q, s) = mults[c];
            (mbqm(a.wrapping_add(bias.map_or(0, |bs| bs[c])), q, s).saturating_add(zo))
                .clamp(lo, hi) as i8
        })
        .collect()
}
