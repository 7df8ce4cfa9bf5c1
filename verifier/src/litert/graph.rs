//! The typed graph an imported `.tflite` becomes: tensors with their quantization, ops with their
//! options, in execution order; and the budgets that bound an import.

/// Element type of a tensor: int8 (activations, weights) or int32 (biases, token ids, shapes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    /// Signed 8-bit.
    I8,
    /// Signed 32-bit.
    I32,
}

impl DType {
    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            DType::I8 => 1,
            DType::I32 => 4,
        }
    }
}

/// Quantization: per-tensor when `scale` has one entry, else per-channel along `axis`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Quant {
    /// f32 scales (real = scale * (q - zero_point)); empty for unquantized int32.
    pub scale: Vec<f32>,
    /// Zero points, one per scale.
    pub zero_point: Vec<i32>,
    /// The channel axis of per-channel quantization.
    pub axis: usize,
}

impl Quant {
    /// The per-tensor scale (the first).
    pub fn s(&self) -> f32 {
        self.scale.first().copied().unwrap_or(0.0)
    }

    /// The per-tensor zero point (the first).
    pub fn zp(&self) -> i32 {
        self.zero_point.first().copied().unwrap_or(0)
    }
}

/// A tensor: static shape, type, quantization, and its bytes when it is a constant.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorInfo {
    /// The file's tensor name.
    pub name: String,
    /// Element type.
    pub dtype: DType,
    /// Static shape (row-major).
    pub shape: Vec<usize>,
    /// Quantization parameters.
    pub quant: Quant,
    /// Little-endian bytes of a constant (weights, biases, shape operands).
    pub data: Option<Vec<u8>>,
}

impl TensorInfo {
    /// Element count.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Whether the tensor has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Constant data as int8.
    pub fn const_i8(&self) -> Option<Vec<i8>> {
        self.data
            .as_ref()
            .map(|d| d.iter().map(|&b| b as i8).collect())
    }

    /// Constant data as int32.
    pub fn const_i32(&self) -> Option<Vec<i32>> {
        self.data.as_ref().map(|d| {
            d.chunks_exact(4)
                .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect()
        })
    }
}

/// A fused activation, applied as a clamp after the output zero point is added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// Clamp to [-128, 127].
    None,
    /// Clamp below at the quantized 0.
    Relu,
    /// Clamp to the quantized [0, 6].
    Relu6,
}

/// SAME or VALID padding of convolutions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    /// Output size ceil(in / stride), zero-point padding split evenly (extra at the end).
    Same,
    /// No padding.
    Valid,
}

/// The supported operators and their options.
#[derive(Debug, Clone, PartialEq)]
pub enum OpKind {
    /// FULLY_CONNECTED: inputs x, weights [O, D], bias.
    FullyConnected {
        /// Fused activation.
        act: Activation,
    },
    /// BATCH_MATMUL of two activations.
    BatchMatmul {
        /// Transpose the last two dims of the lhs.
        adj_x: bool,
        /// Transpose the last two dims of the rhs.
        adj_y: bool,
    },
    /// CONV_2D: inputs x NHWC, filter [O, KH, KW, I], bias.
    Conv2d {
        /// Padding.
        padding: Padding,
        /// (stride_h, stride_w).
        stride: (usize, usize),
        /// (dilation_h, dilation_w).
        dilation: (usize, usize),
        /// Fused activation.
        act: Activation,
    },
    /// DEPTHWISE_CONV_2D: filter [1, KH, KW, I * multiplier].
    DepthwiseConv2d {
        /// Padding.
        padding: Padding,
        /// (stride_h, stride_w).
        stride: (usize, usize),
        /// (dilation_h, dilation_w).
        dilation: (usize, usize),
        /// Output channels per input channel.
        multiplier: usize,
        /// Fused activation.
        act: Activation,
    },
    /// TRANSPOSE_CONV: inputs output_shape, filter [O, KH, KW, I], x, optional bias.
    TransposeConv {
        /// Padding.
        padding: Padding,
        /// (stride_h, stride_w).
        stride: (usize, usize),
        /// Fused activation.
        act: Activation,
    },
    /// ADD (broadcasting).
    Add {
        /// Fused activation.
        act: Activation,
    },
    /// SUB (broadcasting).
    Sub {
        /// Fused activation.
        act: Activation,
    },
    /// MUL (broadcasting).
    Mul {
        /// Fused activation.
        act: Activation,
    },
    /// SQUARED_DIFFERENCE (broadcasting).
    SquaredDifference,
    /// RSQRT.
    Rsqrt,
    /// MEAN over the constant axes of input 1.
    Mean {
        /// The reduced axes, sorted, deduplicated.
        axes: Vec<usize>,
    },
    /// SOFTMAX over the last axis.
    Softmax {
        /// The beta option.
        beta: f32,
    },
    /// LOGISTIC, TANH or GELU: a 256-entry table built at import (see `ops::lut`).
    Lut {
        /// Which function (for messages).
        func: LutFn,
        /// `table[q as u8]` is the output for input q.
        table: Box<[i8; 256]>,
    },
    /// GATHER rows of a table (axis 0, batch_dims 0).
    Gather,
    /// RESHAPE (a byte copy).
    Reshape,
    /// TRANSPOSE by a constant permutation.
    Transpose {
        /// The permutation.
        perm: Vec<usize>,
    },
    /// CONCATENATION along an axis (equal input and output quantization).
    Concatenation {
        /// The axis (non-negative).
        axis: usize,
    },
    /// RESIZE_BILINEAR.
    ResizeBilinear {
        /// align_corners option.
        align_corners: bool,
        /// half_pixel_centers option.
        half_pixel: bool,
    },
    /// RESIZE_NEAREST_NEIGHBOR.
    ResizeNearest {
        /// align_corners option.
        align_corners: bool,
        /// half_pixel_centers option.
        half_pixel: bool,
    },
}

/// The nonlinear functions done by table lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LutFn {
    /// LOGISTIC.
    Logistic,
    /// TANH.
    Tanh,
    /// GELU with erfc.
    Gelu,
    /// GELU, tanh approximation.
    GeluTanh,
}

/// One operator instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Op {
    /// LiteRT builtin name (e.g. "CONV_2D").
    pub name: &'static str,
    /// What it computes.
    pub kind: OpKind,
    /// Input tensor ids (optional absent inputs are dropped).
    pub inputs: Vec<usize>,
    /// Output tensor ids.
    pub outputs: Vec<usize>,
    /// Multiply-accumulates (for budgets and op counts).
    pub macs: u64,
}

/// An imported model: tensors, ops in execution order, graph inputs and outputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Graph {
    /// All tensors of the subgraph.
    pub tensors: Vec<TensorInfo>,
    /// Ops in execution order.
    pub ops: Vec<Op>,
    /// Graph input tensor ids.
    pub inputs: Vec<usize>,
    /// Graph output tensor ids.
    pub outputs: Vec<usize>,
}

impl Graph {
    /// Total multiply-accumulates of one inference.
    pub fn macs(&self) -> u64 {
        self.ops.iter().map(|o| o.macs).sum()
    }
}

/// Limits on what a file may ask for, so a hostile file cannot exhaust memory or time.
#[derive(Debug, Clone, Copy)]
pub struct LiteRtBudget {
    /// File size in bytes.
    pub max_file_bytes: u64,
    /// Tensors in the subgraph.
    pub max_tensors: u64,
    /// Operators in the subgraph.
    pub max_ops: u64,
    /// Rank of any tensor.
    pub max_rank: u64,
    /// Elements of any one tensor.
    pub max_tensor_elements: u64,
    /// Bytes of all activation tensors together.
    pub max_activation_bytes: u64,
    /// Multiply-accumulates of one inference.
    pub max_macs: u64,
}

impl Default for LiteRtBudget {
    fn default() -> Self {
        Self {
            max_file_bytes: 64 << 20,
            max_tensors: 10_000,
            max_ops: 5_000,
            max_rank: 6,
            max_tensor_elements: 16 << 20,
            max_activation_bytes: 256 << 20,
            max_macs: 20_000_000_000,
        }
    }
}
