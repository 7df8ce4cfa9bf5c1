//! RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR (NHWC; no requantization: the import requires
//! equal input and output quantization).

use super::Values;
use crate::litert::graph::Op;

/// Source coordinate in 1/1024 units and its two neighbours along one axis.
fn coords(v: usize, scale: i64, size: usize, half_pixel: bool) -> (i64, usize, usize) {
    let val = if half_pixel {
        v as i64 * scale + scale / 2 - 512
    } else {
        v as i64 * scale
    };
    let lo = (val / 1024).max(0) as usize;
    let hi = ((val + 1023) / 1024).min(size as i64 - 1).max(0) as usize;
    (val, lo, hi)
}

/// One axis of [`bilinear`]: for each output coordinate, the two source indices and the
/// fraction (1/1024 units) of the second.
pub fn bilinear_axis(
    input: usize,
    output: usize,
    align: bool,
    half_pixel: bool,
) -> Vec<(usize, usize, i64)> {
    let (i, o) = (input as i64, output.max(1) as i64);
    let step = if align && o > 1 {
        (1024 * (i - 1) + (o - 1) / 2) / (o - 1)
    } else {
        (1024 * i + o / 2) / o
    };
    (0..output)
        .map(|y| {
            let (v, lo, hi) = coords(y, step, input, half_pixel);
            (lo, hi, v - 1024 * lo as i64)
        })
        .collect()
}

/// RESIZE_BILINEAR (reference `ResizeBilinearInteger`): the step in 1/1024 units is
/// `(1024 * in + out / 2) / out` (align_corners: `(1024 (in-1) + (out-1)/2) / (out-1)`);
/// the source coordinate `y * step` (half-pixel: `+ step / 2 - 512`); `y0 = max(c / 1024, 0)`,
/// `y1 = min((c + 1023) / 1024, in - 1)` (C division), fractions `fy = c - 1024 y0`; the four
/// raw int8 taps weighted by `(1024 - fy)(1024 - fx)` etc. summed in i64, then
/// `(sum ± 2^19) / 2^20` truncating (half away from zero).
pub fn bilinear(op: &Op, v: &Values<'_>, align: bool, half_pixel: bool) -> Vec<i8> {
    let (x, o) = (v.info(op.inputs[0]), v.info(op.outputs[0]));
    let [n, ih, iw, ch] = x.shape[..] else {
        return Vec::new();
    };
    let [_, oh, ow, _] = o.shape[..] else {
        return Vec::new();
    };
    let (rows, cols) = (
        bilinear_axis(ih, oh, align, half_pixel),
        bilinear_axis(iw, ow, align, half_pixel),
    );
    let xs = v.i8(op.inputs[0]);
    let at = |b: usize, y: usize, xx: usize, c: usize| xs[((b * ih + y) * iw + xx) * ch + c] as i64;
    let mut res = Vec::with_capacity(o.len());
    for b in 0..n {
        for &(y0, y1, fy) in &rows {
            for &(x0, x1, fx) in &cols {
                for c in 0..ch {
                    let acc = at(b, y0, x0, c) * (1024 - fy) * (1024 - fx)
                        + at(b, y1, x0, c) * fy * (1024 - fx)
                        + at(b, y0, x1, c) * (1024 - fy) * fx
                        + at(b, y1, x1, c) * fy * fx;
                    let r = (acc + if acc > 0 { 1 << 19 } else { -(1 << 19) }) / (1 << 20);
                    res.push(r.clamp(-128, 127) as i8);
                }
            }
        }
    }
    res
}

/// Source index along one axis (`GetNearestNeighbor`): `scale = in / out` in f32
/// (align_corners: `(in-1)/(out-1)`), `s = f32(y + offset) * scale` with offset 0.5 under
/// half_pixel_centers; `floor(s)` (align_corners: round half away), at most `in - 1`, at least 0.
pub fn nearest_index(
    y: usize,
    input: usize,
    output: usize,
    align: bool,
    half_pixel: bool,
) -> usize {
    let scale = if align && output > 1 {
        (input - 1) as f32 / (output - 1) as f32
    } else {
        input as f32 / output as f32
    };
    let offset = if half_pixel { 0.5f32 } else { 0.0 };
    let s = (y as f32 + offset) * scale;
    let i = if align {
        s.round() as i64
    } else {
        s.floor() as i64
    };
    i.min(input as i64 - 1).max(0) as usize
}

/// RESIZE_NEAREST_NEIGHBOR: a byte copy from [`nearest_index`] rows and columns.
pub fn nearest(op: &Op, v: &Values<'_>, align: bool, half_pixel: bool) -> Vec<i8> {
    let (x, o) = (v.info(op.inputs[0]), v.info(op.outputs[0]));
    let [n, ih, iw, ch] = x.shape[..] else {
        return Vec::new();
    };
    let [_, oh, ow, _] = o.shape[..] else {
        return Vec::new();
    };
    let xs = v.i8(op.inputs[0]);
    let mut res = Vec::with_capacity(o.len());
    for b in 0..n {
        for y in 0..oh {
            let sy = nearest_index(y, ih, oh, align, half_pixel);
            for xx in 0..ow {
                let sx = nearest_index(xx, iw, ow, align, half_pixel);
                let p = ((b * ih + sy) * iw + sx) * ch;
                res.extend_from_slice(&xs[p..p + ch]);
            }
        }
    }
    res
}
