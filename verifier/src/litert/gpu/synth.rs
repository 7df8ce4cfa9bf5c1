//! Graphs built in code rather than imported: the executor's self-test, and shapes and
//! quantizations past what the committed models cover (the GPU tests use them).

use super::f64fc;
use crate::litert::graph::{Activation, DType, Graph, Op, OpKind, Quant, TensorInfo};

/// Builds a [`Graph`] tensor by tensor (no validation: the caller keeps it consistent).
#[derive(Debug)]
pub struct GraphBuilder {
    graph: Graph,
}

impl Default for GraphBuilder {
    fn default() -> Self {
        Self::new()
    }
}

fn quant(scale: Vec<f32>, zero_point: Vec<i32>, axis: usize) -> Quant {
    Quant {
        scale,
        zero_point,
        axis,
    }
}

impl GraphBuilder {
    /// An empty graph.
    pub fn new() -> Self {
        GraphBuilder {
            graph: Graph {
                tensors: Vec::new(),
                ops: Vec::new(),
                inputs: Vec::new(),
                outputs: Vec::new(),
            },
        }
    }

    fn tensor(
        &mut self,
        dtype: DType,
        shape: &[usize],
        quant: Quant,
        data: Option<Vec<u8>>,
    ) -> usize {
        self.graph.tensors.push(TensorInfo {
            name: format!("t{}", self.graph.tensors.len()),
            dtype,
            shape: shape.to_vec(),
            quant,
            data,
        });
        self.graph.tensors.len() - 1
    }

    /// A graph input: int8 with `scale` and `zp`, or int32 ids when `scale` is 0.
    pub fn input(&mut self, shape: &[usize], scale: f32, zp: i32) -> usize {
        let t = if scale == 0.0 {
            self.tensor(DType::I32, shape, Quant::default(), None)
        } else {
            self.tensor(DType::I8, shape, quant(vec![scale], vec![zp], 0), None)
        };
        self.graph.inputs.push(t);
        t
    }

    /// Constant int8 weights, symmetric, one scale per entry of `scales` along `axis`.
    pub fn weights(&mut self, shape: &[usize], data: &[i8], scales: &[f32], axis: usize) -> usize {
        let zps = vec![0; scales.len()];
        let bytes = data.iter().map(|&v| v as u8).collect();
        self.tensor(
            DType::I8,
            shape,
            quant(scales.to_vec(), zps, axis),
            Some(bytes),
        )
    }

    /// A constant int32 vector (bias).
    pub fn bias(&mut self, data: &[i32]) -> usize {
        let bytes = data.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.tensor(DType::I32, &[data.len()], Quant::default(), Some(bytes))
    }

    /// Appends an op writing a new int8 tensor of `shape`, `scale`, `zp`; returns that tensor.
    pub fn op(
        &mut self,
        name: &'static str,
        kind: OpKind,
        inputs: &[usize],
        shape: &[usize],
        scale: f32,
        zp: i32,
    ) -> usize {
        let t = self.tensor(DType::I8, shape, quant(vec![scale], vec![zp], 0), None);
        self.graph.ops.push(Op {
            name,
            kind,
            inputs: inputs.to_vec(),
            outputs: vec![t],
            macs: 0,
        });
        t
    }

    /// The graph, its outputs the last op's.
    pub fn finish(mut self) -> Graph {
        self.graph.outputs = self
            .graph
            .ops
            .last()
            .map(|o| o.outputs.clone())
            .unwrap_or_default();
        self.graph
    }
}

/// A deterministic byte stream (splitmix64; Steele, Lea, Flood 2014) for synthetic weights and
/// inputs.
#[derive(Debug)]
pub struct Bytes(u64);

impl Bytes {
    /// Seeded.
    pub fn new(seed: u64) -> Self {
        Bytes(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A fair coin.
    pub fn coin(&mut self) -> bool {
        self.next_u64() & 1 == 0
    }

    /// `n` random int8.
    pub fn i8s(&mut self, n: usize) -> Vec<i8> {
        (0..n).map(|_| self.next_u64() as i8).collect()
    }
}

/// The self-test graph and its input: FULLY_CONNECTED with K = 5 * RSPLIT + 37 (partial and
/// combine passes), all weights 127 against inputs far from the zero point (large
/// accumulators), biases near `i32::MAX` (the sum wraps) and a multiplier near 2^40 beside a
/// tiny one; a padded, strided CONV_2D; a padded CONV_2D over two tiles of pixels and of
/// channels of the tiled GEMM with K = 1,089 (two chunks, not a multiple of 4) and one whose
/// channels are a multiple of 4; SOFTMAX; MEAN over a long axis; then
/// `blocked_and_stepped`'s ops.
pub fn self_test_graph() -> (Graph, Vec<Vec<u8>>) {
    let mut r = Bytes::new(0x11fe_5e1f);
    let k = 5 * super::RSPLIT + 37;
    let mut b = GraphBuilder::new();
    let x = b.input(&[2, k], 0.5, -3);
    let o = 6;
    let mut wd = r.i8s(o * k);
    wd[..k].iter_mut().for_each(|w| *w = 127);
    let w = b.weights(&[o, k], &wd, &[1e6, 1e-9, 0.01, 0.02, 3e-3, 1.0], 0);
    let bias = b.bias(&[i32::MAX - 5, -7, i32::MIN + 9, 1 << 30, -(1 << 20), 12345]);
    let fc = b.op(
        "FULLY_CONNECTED",
        OpKind::FullyConnected {
            act: Activation::None,
        },
        &[x, w, bias],
        &[2, o],
        0.05,
        4,
    );
    let img = b.input(&[1, 5, 7, 3], 0.1, 2);
    let cw = b.weights(&[4, 3, 3, 3], &r.i8s(4 * 27), &[0.01, 0.2, 0.003, 0.05], 0);
    let cb = b.bias(&[100, -100, i32::MAX, 0]);
    b.op(
        "CONV_2D",
        OpKind::Conv2d {
            padding: crate::litert::graph::Padding::Same,
            stride: (2, 1),
            dilation: (1, 2),
            act: Activation::Relu6,
        },
        &[img, cw, cb],
        &[1, 3, 7, 4],
        0.02,
        -5,
    );
    // 42 pixels x 37 channels: full and partial tiles both ways
    let big = b.input(&[1, 6, 7, 121], 0.07, -100);
    let bw = b.weights(&[37, 3, 3, 121], &r.i8s(37 * 1089), &[0.0004; 37], 0);
    let bb = b.bias(&(0..37).map(|c| (c - 18) * 1000).collect::<Vec<_>>());
    b.op(
        "CONV_2D",
        OpKind::Conv2d {
            padding: crate::litert::graph::Padding::Same,
            stride: (1, 1),
            dilation: (1, 1),
            act: Activation::None,
        },
        &[big, bw, bb],
        &[1, 6, 7, 37],
        0.5,
        3,
    );
    // channels a multiple of 4 (one tap per packed word), padded
    let img16 = b.input(&[1, 8, 8, 16], 0.03, 50);
    let w16 = b.weights(&[37, 3, 3, 16], &r.i8s(37 * 144), &[0.002; 37], 0);
    let b16 = b.bias(&[-1000; 37]);
    b.op(
        "CONV_2D",
        OpKind::Conv2d {
            padding: crate::litert::graph::Padding::Same,
            stride: (1, 1),
            dilation: (1, 1),
            act: Activation::Relu,
        },
        &[img16, w16, b16],
        &[1, 8, 8, 37],
        0.2,
        -20,
    );
    b.op(
        "SOFTMAX",
        OpKind::Softmax { beta: 1.0 },
        &[fc],
        &[2, o],
        1.0 / 256.0,
        -128,
    );
    b.op(
        "MEAN",
        OpKind::Mean { axes: vec![1] },
        &[x],
        &[2, 1],
        0.3,
        1,
    );
    blocked_and_stepped(&mut b, &mut r);
    let mut inputs = vec![
        r.i8s(2 * k).iter().map(|&v| (v / 2 + 60) as u8).collect(),
        r.i8s(5 * 7 * 3).iter().map(|&v| v as u8).collect(),
        r.i8s(6 * 7 * 121).iter().map(|&v| v as u8).collect(),
        r.i8s(8 * 8 * 16).iter().map(|&v| v as u8).collect(),
    ];
    for n in [
        5 * 6 * 3,
        3 * 4 * 7,
        3 * 4 * 8,
        20 * 20,
        3 * 40,
        9 * 40,
        3 * 4 * 5,
        2 * (2 * super::RSPLIT + 8),
    ] {
        inputs.push(r.i8s(n).iter().map(|&v| v as u8).collect());
    }
    (b.finish(), inputs)
}

/// The self-test's channel-blocked kernels (`blocked.wgsl`: one or two blocks of four channels
/// per invocation, the last one partial) and the tiled GEMM's stepped window taps:
/// DEPTHWISE_CONV_2D with multipliers of 2 (6 channels, stride 2) and 3 (9 channels), an input
/// zero point of -128; CONV_2D to 10 channels from 3 and from 8 (a packed word four channels of
/// one tap); TRANSPOSE_CONV to 5 and (from 8 channels: packed weights) 10 channels, stride 2;
/// a tiled CONV_2D with one input channel and a 5 x 5 window (a step of 16 terms crosses three
/// rows of taps), zero point 127; FULLY_CONNECTED to 9 channels whose weights are an input
/// (read in place, not packed); RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR over 5
/// channels (four per invocation, a tail of one); FULLY_CONNECTED over two rows of 2,056 terms
/// (three chunks) with constant weights; a DEPTHWISE_CONV_2D of multiplier 1 over 8 channels.
/// The TRANSPOSE_CONV, CONV_2D and DEPTHWISE_CONV_2D from 8 channels read their activations
/// packed four to a word (one copy shared).
fn blocked_and_stepped(b: &mut GraphBuilder, r: &mut Bytes) {
    use crate::litert::graph::Padding;
    let dx = b.input(&[1, 5, 6, 3], 0.05, -128);
    let dw = b.weights(
        &[1, 3, 3, 6],
        &r.i8s(54),
        &[0.01, 0.02, 0.03, 0.005, 0.1, 0.2],
        3,
    );
    let db = b.bias(&[5, -5, 300, -300, 0, 77]);
    let kind = OpKind::DepthwiseConv2d {
        padding: Padding::Same,
        stride: (2, 2),
        dilation: (1, 1),
        multiplier: 2,
        act: Activation::None,
    };
    b.op(
        "DEPTHWISE_CONV_2D",
        kind,
        &[dx, dw, db],
        &[1, 3, 3, 6],
        0.1,
        7,
    );
    // two blocks of four per invocation (from 8 channels), the second partial
    let dw9 = b.weights(&[1, 2, 2, 9], &r.i8s(36), &[0.02; 9], 3);
    let db9 = b.bias(&[-50; 9]);
    let kind = OpKind::DepthwiseConv2d {
        padding: Padding::Valid,
        stride: (1, 1),
        dilation: (1, 1),
        multiplier: 3,
        act: Activation::None,
    };
    b.op(
        "DEPTHWISE_CONV_2D",
        kind,
        &[dx, dw9, db9],
        &[1, 4, 5, 9],
        0.05,
        -2,
    );
    let cw10 = b.weights(&[10, 3, 3, 3], &r.i8s(270), &[0.01; 10], 0);
    let cb10 = b.bias(&[20; 10]);
    let kind = OpKind::Conv2d {
        padding: Padding::Same,
        stride: (1, 1),
        dilation: (1, 1),
        act: Activation::None,
    };
    b.op("CONV_2D", kind, &[dx, cw10, cb10], &[1, 5, 6, 10], 0.05, 3);
    let shape = b.bias(&[1, 6, 8, 5]);
    let tw = b.weights(
        &[5, 3, 3, 7],
        &r.i8s(5 * 63),
        &[0.01, 0.02, 0.004, 0.05, 0.3],
        0,
    );
    let tx = b.input(&[1, 3, 4, 7], 0.08, 9);
    let tb = b.bias(&[1, 2, 3, -40000, 40000]);
    let kind = OpKind::TransposeConv {
        padding: Padding::Same,
        stride: (2, 2),
        act: Activation::None,
    };
    b.op(
        "TRANSPOSE_CONV",
        kind,
        &[shape, tw, tx, tb],
        &[1, 6, 8, 5],
        0.4,
        -3,
    );
    // 8 input channels: the packed weights of four channels of one tap
    let shape10 = b.bias(&[1, 6, 8, 10]);
    let tw10 = b.weights(&[10, 3, 3, 8], &r.i8s(10 * 72), &[0.03; 10], 0);
    let tx8 = b.input(&[1, 3, 4, 8], 0.06, -11);
    let tb10 = b.bias(&[100; 10]);
    let kind = OpKind::TransposeConv {
        padding: Padding::Same,
        stride: (2, 2),
        act: Activation::None,
    };
    b.op(
        "TRANSPOSE_CONV",
        kind,
        &[shape10, tw10, tx8, tb10],
        &[1, 6, 8, 10],
        0.5,
        1,
    );
    // and a CONV_2D over them: a packed word is four channels of one tap
    let cw8 = b.weights(&[10, 3, 3, 8], &r.i8s(720), &[0.004; 10], 0);
    let cb8 = b.bias(&[-30; 10]);
    let kind = OpKind::Conv2d {
        padding: Padding::Same,
        stride: (1, 1),
        dilation: (1, 1),
        act: Activation::None,
    };
    b.op("CONV_2D", kind, &[tx8, cw8, cb8], &[1, 3, 4, 10], 0.1, 5);
    // and a DEPTHWISE_CONV_2D of multiplier 1: four channels of a pixel in one packed word
    let dw8 = b.weights(&[1, 3, 3, 8], &r.i8s(72), &[0.02; 8], 3);
    let db8 = b.bias(&[40; 8]);
    let kind = OpKind::DepthwiseConv2d {
        padding: Padding::Same,
        stride: (1, 1),
        dilation: (1, 1),
        multiplier: 1,
        act: Activation::None,
    };
    b.op(
        "DEPTHWISE_CONV_2D",
        kind,
        &[tx8, dw8, db8],
        &[1, 3, 4, 8],
        0.1,
        -6,
    );
    let one = b.input(&[1, 20, 20, 1], 0.02, 127);
    let ow = b.weights(&[33, 5, 5, 1], &r.i8s(33 * 25), &[0.003; 33], 0);
    let ob = b.bias(&[-300; 33]);
    let kind = OpKind::Conv2d {
        padding: Padding::Same,
        stride: (1, 1),
        dilation: (1, 1),
        act: Activation::None,
    };
    b.op("CONV_2D", kind, &[one, ow, ob], &[1, 20, 20, 33], 0.05, 0);
    let fx = b.input(&[3, 40], 0.1, -7);
    let fw = b.input(&[9, 40], 0.02, 0);
    let fb = b.bias(&[0, 1, -1, 1000, -1000, 7, -7, 70, -70]);
    let kind = OpKind::FullyConnected {
        act: Activation::None,
    };
    b.op("FULLY_CONNECTED", kind, &[fx, fw, fb], &[3, 9], 0.3, 2);
    let rx = b.input(&[1, 3, 4, 5], 0.1, -4);
    let kind = OpKind::ResizeBilinear {
        align_corners: false,
        half_pixel: true,
    };
    b.op("RESIZE_BILINEAR", kind, &[rx], &[1, 7, 9, 5], 0.1, -4);
    let kind = OpKind::ResizeNearest {
        align_corners: true,
        half_pixel: false,
    };
    b.op(
        "RESIZE_NEAREST_NEIGHBOR",
        kind,
        &[rx],
        &[1, 5, 6, 5],
        0.1,
        -4,
    );
    // constant weights, K a multiple of 4 across three chunks, two rows
    let k = 2 * super::RSPLIT + 8;
    let px = b.input(&[2, k], 0.04, 13);
    let pw = b.weights(
        &[5, k],
        &r.i8s(5 * k),
        &[0.001, 0.002, 0.0005, 0.003, 0.001],
        0,
    );
    let pb = b.bias(&[9, -9, 1 << 20, -(1 << 20), 0]);
    let kind = OpKind::FullyConnected {
        act: Activation::None,
    };
    b.op("FULLY_CONNECTED", kind, &[px, pw, pb], &[2, 5], 0.2, -1);
}

/// The graph behind [`super::LiteRtGpu::fc_requantize_probe`]: one row, `D = 1`, weights 0,
/// biases the accumulators, unit scales (the multipliers are replaced after lowering); and its
/// input.
pub fn fc_probe_graph(pairs: &[(i32, f64)]) -> (Graph, Vec<u8>) {
    let o = pairs.len().max(1);
    let mut b = GraphBuilder::new();
    let x = b.input(&[1, 1], 1.0, 0);
    let w = b.weights(&[o, 1], &vec![0; o], &vec![1.0; o], 0);
    let accs: Vec<i32> = pairs.iter().map(|p| p.0).collect();
    let bias = b.bias(&accs);
    let kind = OpKind::FullyConnected {
        act: Activation::None,
    };
    b.op("FULLY_CONNECTED", kind, &[x, w, bias], &[1, o], 1.0, 0);
    (b.finish(), vec![0])
}

/// Adversarial `(acc, m)` pairs for FULLY_CONNECTED's float64 requantization: exact final ties
/// (`m = 2^-j`, odd multiples), products of more than 53 bits a few units from a tie (the f64
/// rounding decides the byte), the largest and smallest significands, saturation.
pub fn fc_probe_pairs() -> Vec<(i32, f64)> {
    let mut pairs = vec![
        (1, 0.5),
        (-1, 0.5),
        (3, 0.5),
        (-3, 0.5),
        (255, 0.5),
        (i32::MAX, 1.0),
        (i32::MIN, 1.0),
        (i32::MIN, 2f64.powi(-24)),
        (i32::MAX, 2f64.powi(-24)),
        (7, f64::from_bits(0x3fef_ffff_ffff_ffff)),
        (-7, f64::from_bits(0x3fe0_0000_0000_0001)),
        (1, 1e-300),
        (1 << 30, 1e100),
    ];
    let mut r = Bytes::new(0xf64);
    // acc = ±3 and 3M = (2k+1) 2^p ± 1 (54 bits): the product's rounding meets an exact tie
    // of its own, ties-to-even lands on k + 1/2 exactly or moves off it, and that decides the
    // byte
    for t in (3u64..256).step_by(2) {
        let p = 53 - (63 - t.leading_zeros() as i32);
        for n in [(t << p) - 1, (t << p) + 1] {
            let m = n / 3;
            if n % 3 == 0 && (1 << 52..1 << 53).contains(&m) {
                let m = m as f64 * 2f64.powi(-p - 1);
                pairs.extend([(3, m), (-3, m)]);
            }
        }
    }
    // 32 near ties where the f64 product's rounding changes the byte
    let mut flips = 0;
    for i in 0..100_000 {
        let k = (r.next_u64() % 250) as i64 - 125;
        let acc = (1i64 << 30) + (r.next_u64() % (1 << 30)) as i64;
        let (mm, e) = near_tie(acc as u64, k, (i % 5) as i64 - 2);
        let m = mm as f64 * 2f64.powi(e);
        let acc = (if i % 2 == 0 { acc } else { -acc }) as i32;
        if f64fc::exact(acc, m) != Some(f64fc::reference(acc, m)) {
            pairs.push((acc, m));
            flips += 1;
            if flips == 32 {
                break;
            }
        }
    }
    pairs
}

/// A 53-bit significand `M` and exponent `e` with `acc * M * 2^e` within `delta` units of the
/// last place of `k + 1/2` (so the f64 product's rounding decides the final rounding).
pub fn near_tie(acc: u64, k: i64, delta: i64) -> (u64, i32) {
    let twice = (2 * k + 1).unsigned_abs() as u128;
    let mut e = 0i32;
    loop {
        e -= 1;
        let m = (twice << (-e - 1) as u32) / acc as u128;
        if m >= 1u128 << 52 || e < -200 {
            let m = (m as i128 + delta as i128).clamp(1 << 52, (1 << 53) - 1) as u64;
            return (m, e);
        }
    }
}
