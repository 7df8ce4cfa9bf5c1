//! Straightforward slice-level implementations of every op: the CPU reference.
//!
//! These are written for clarity, directly from the formulas in [`crate::ops`]; the GPU kernels
//! are tested against them.

use super::{ConvGeom, Requant, requantize, rounded_average};

/// `dense`: `y[n] = requantize(bias[n] + Σₖ w[n,k]·x[k])` with wrapping i32 accumulation.
pub fn dense(x: &[i8], weight: &[i8], bias: &[i32], rq: Requant) -> Vec<i8> {
    let k = x.len();
    bias.iter()
        .enumerate()
        .map(|(n, &b)| {
            let row = &weight[n * k..(n + 1) * k];
            let acc = row.iter().zip(x).fold(b, |acc, (&w, &v)| {
                acc.wrapping_add((w as i32).wrapping_mul(v as i32))
            });
            requantize(acc, rq.multiplier, rq.shift)
        })
        .collect()
}

/// `conv2d` with zero padding; output `[cout, oh, ow]`.
pub fn conv2d(x: &[i8], g: &ConvGeom, weight: &[i8], bias: &[i32], rq: Requant) -> Vec<i8> {
    let (oh, ow) = (g.oh().expect("validated"), g.ow().expect("validated"));
    let mut out = Vec::with_capacity(g.cout * oh * ow);
    for o in 0..g.cout {
        for i in 0..oh {
            for j in 0..ow {
                let mut acc = bias[o];
                for c in 0..g.cin {
                    for u in 0..g.kh {
                        let y = (i * g.sh + u) as isize - g.ph as isize;
                        if y < 0 || y >= g.h as isize {
                            continue;
                        }
                        for v in 0..g.kw {
                            let xx = (j * g.sw + v) as isize - g.pw as isize;
                            if xx < 0 || xx >= g.w as isize {
                                continue;
                            }
                            let xv = x[(c * g.h + y as usize) * g.w + xx as usize] as i32;
                            let wv = weight[((o * g.cin + c) * g.kh + u) * g.kw + v] as i32;
                            acc = acc.wrapping_add(wv.wrapping_mul(xv));
                        }
                    }
                }
                out.push(requantize(acc, rq.multiplier, rq.shift));
            }
        }
    }
    out
}

/// Nearest-neighbour upsampling of a `[c, h, w]` map by `factor`.
pub fn upsample(x: &[i8], c: usize, h: usize, w: usize, factor: usize) -> Vec<i8> {
    let (oh, ow) = (h * factor, w * factor);
    let mut out = Vec::with_capacity(c * oh * ow);
    for ch in 0..c {
        for i in 0..oh {
            for j in 0..ow {
                out.push(x[(ch * h + i / factor) * w + j / factor]);
            }
        }
    }
    out
}

/// Average pooling without padding over a `[c, h, w]` map.
pub fn avg_pool(x: &[i8], dims: [usize; 3], kernel: [usize; 2], stride: [usize; 2]) -> Vec<i8> {
    let [c, h, w] = dims;
    let oh = (h - kernel[0]) / stride[0] + 1;
    let ow = (w - kernel[1]) / stride[1] + 1;
    let n = (kernel[0] * kernel[1]) as u32;
    let mut out = Vec::with_capacity(c * oh * ow);
    for ch in 0..c {
        for i in 0..oh {
            for j in 0..ow {
                let mut sum = 0i32;
                for u in 0..kernel[0] {
                    for v in 0..kernel[1] {
                        sum += x[(ch * h + i * stride[0] + u) * w + j * stride[1] + v] as i32;
                    }
                }
                out.push(rounded_average(sum, n));
            }
        }
    }
    out
}

/// `add`: `requantize(wa·a + wb·b, 1, shift)`.
pub fn add(a: &[i8], b: &[i8], wa: i32, wb: i32, shift: u32) -> Vec<i8> {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| requantize(wa * x as i32 + wb * y as i32, 1, shift))
        .collect()
}

/// `relu`.
pub fn relu(x: &[i8]) -> Vec<i8> {
    x.iter().map(|&v| v.max(0)).collect()
}

/// `clamp` to `[lo, hi]`.
pub fn clamp(x: &[i8], lo: i8, hi: i8) -> Vec<i8> {
    x.iter().map(|&v| v.clamp(lo, hi)).collect()
}

/// Elementwise `requantize`.
pub fn rescale(x: &[i8], rq: Requant) -> Vec<i8> {
    x.iter()
        .map(|&v| requantize(v as i32, rq.multiplier, rq.shift))
        .collect()
}

/// Table lookup `table[x + 128]`.
pub fn lut(x: &[i8], table: &[i8; 256]) -> Vec<i8> {
    x.iter()
        .map(|&v| table[(v as i32 + 128) as usize])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: Requant = Requant {
        multiplier: 1,
        shift: 0,
    };

    #[test]
    fn dense_known_answer() {
        // y0 = 10 + 1*2 + 2*(-3) = 6 ; y1 = -1 + (-4)*2 + 5*(-3) = -24
        let y = dense(&[2, -3], &[1, 2, -4, 5], &[10, -1], ID);
        assert_eq!(y, vec![6, -24]);
        // Half-scale with rounding: 6/2 = 3, -24/2 = -12; then 7/2 -> 4 (tie away).
        let rq = Requant {
            multiplier: 1,
            shift: 1,
        };
        assert_eq!(dense(&[2, -3], &[1, 2, -4, 5], &[10, -1], rq), vec![3, -12]);
        assert_eq!(dense(&[1], &[7], &[0], rq), vec![4]);
        assert_eq!(dense(&[1], &[-7], &[0], rq), vec![-4]);
    }

    #[test]
    fn dense_accumulator_wraps() {
        // bias i32::MAX + 1*1 wraps to i32::MIN -> saturates to -128.
        assert_eq!(dense(&[1], &[1], &[i32::MAX], ID), vec![-128]);
        // bias i32::MIN + (-1)*1 wraps to i32::MAX -> 127.
        assert_eq!(dense(&[1], &[-1], &[i32::MIN], ID), vec![127]);
        // i32::MIN + (-128)*(-128) does not wrap; scaled by 2^-24: (-2^31 + 2^14) / 2^24 = -127.999 -> -128
        let rq = Requant {
            multiplier: 1,
            shift: 24,
        };
        assert_eq!(dense(&[-128], &[-128], &[i32::MIN], rq), vec![-128]);
    }

    #[test]
    fn conv2d_known_answer_padding_and_stride() {
        // 1x3x3 input 1..9, 3x3 kernel of ones, padding 1, stride 2 -> 2x2 output of window sums.
        let x: Vec<i8> = (1..=9).collect();
        let g = ConvGeom {
            cin: 1,
            h: 3,
            w: 3,
            cout: 1,
            kh: 3,
            kw: 3,
            sh: 2,
            sw: 2,
            ph: 1,
            pw: 1,
        };
        let y = conv2d(&x, &g, &[1; 9], &[0], ID);
        // top-left window covers (0..2,0..2): 1+2+4+5 = 12; top-right: 2+3+5+6 = 16;
        // bottom-left: 4+5+7+8 = 24; bottom-right: 5+6+8+9 = 28.
        assert_eq!(y, vec![12, 16, 24, 28]);
    }

    #[test]
    fn conv2d_multi_channel_bias_and_saturation() {
        // 2 input channels 1x2, kernel 1x2, 2 output channels.
        let x = [1i8, 2, 3, 4]; // c0 = [1,2], c1 = [3,4]
        let g = ConvGeom {
            cin: 2,
            h: 1,
            w: 2,
            cout: 2,
            kh: 1,
            kw: 2,
            sh: 1,
            sw: 1,
            ph: 0,
            pw: 0,
        };
        // o0: w = c0 [1,1], c1 [1,1] -> 10 + 5; o1: c0 [100,0], c1 [0,100] -> 100 + 400 - 5 = 495 -> 127
        let w = [1i8, 1, 1, 1, 100, 0, 0, 100];
        assert_eq!(conv2d(&x, &g, &w, &[5, -5], ID), vec![15, 127]);
    }

    #[test]
    fn upsample_and_pool() {
        let x = [1i8, 2, 3, 4]; // 1x2x2
        assert_eq!(
            upsample(&x, 1, 2, 2, 2),
            vec![1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]
        );
        // mean of 1,2,3,4 = 2.5 -> 3 ; of -1,-2,-3,-4 -> -3
        assert_eq!(avg_pool(&x, [1, 2, 2], [2, 2], [2, 2]), vec![3]);
        assert_eq!(
            avg_pool(&[-1, -2, -3, -4], [1, 2, 2], [2, 2], [1, 1]),
            vec![-3]
        );
        // 1x1x3 stride 1 window 2: (1+2)/2 -> 2, (2+4)/2 -> 3
        assert_eq!(avg_pool(&[1, 2, 4], [1, 1, 3], [1, 2], [1, 1]), vec![2, 3]);
    }

    #[test]
    fn elementwise_ops() {
        assert_eq!(relu(&[-128, -1, 0, 1, 127]), vec![0, 0, 0, 1, 127]);
        assert_eq!(clamp(&[-128, -6, 0, 6, 127], -6, 6), vec![-6, -6, 0, 6, 6]);
        // add: (3a + b) / 2 with ties away from zero and saturation.
        assert_eq!(
            add(&[1, -1, 100, -100], &[0, 0, 100, -100], 3, 1, 1),
            vec![2, -2, 127, -128]
        );
        let rq = Requant {
            multiplier: 3,
            shift: 2,
        }; // x * 0.75
        assert_eq!(rescale(&[2, -2, 127, -128, 1], rq), vec![2, -2, 95, -96, 1]);
        let mut table = [0i8; 256];
        for (i, t) in table.iter_mut().enumerate() {
            *t = (255 - i) as u8 as i8; // reverses and wraps bytes
        }
        assert_eq!(lut(&[-128, 0, 127], &table), vec![-1, 127, 0]);
    }
}
