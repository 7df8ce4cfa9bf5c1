//! The parts of the TFLite FlatBuffers schema (`schema.fbs`, version 3) the importer reads:
//! field ids of each table, enum values, and builtin operator codes.

/// `Model` fields.
pub mod model {
    /// `version: uint`.
    pub const VERSION: usize = 0;
    /// `operator_codes: [OperatorCode]`.
    pub const OPERATOR_CODES: usize = 1;
    /// `subgraphs: [SubGraph]`.
    pub const SUBGRAPHS: usize = 2;
    /// `buffers: [Buffer]`.
    pub const BUFFERS: usize = 4;
}

/// `OperatorCode` fields.
pub mod opcode {
    /// `deprecated_builtin_code: byte` (codes < 127).
    pub const DEPRECATED_BUILTIN: usize = 0;
    /// `custom_code: string`.
    pub const CUSTOM: usize = 1;
    /// `version: int = 1`.
    pub const VERSION: usize = 2;
    /// `builtin_code: BuiltinOperator` (the real code is the max of the two).
    pub const BUILTIN: usize = 3;
}

/// `SubGraph` fields.
pub mod subgraph {
    /// `tensors: [Tensor]`.
    pub const TENSORS: usize = 0;
    /// `inputs: [int]`.
    pub const INPUTS: usize = 1;
    /// `outputs: [int]`.
    pub const OUTPUTS: usize = 2;
    /// `operators: [Operator]`.
    pub const OPERATORS: usize = 3;
}

/// `Tensor` fields.
pub mod tensor {
    /// `shape: [int]`.
    pub const SHAPE: usize = 0;
    /// `type: TensorType`.
    pub const TYPE: usize = 1;
    /// `buffer: uint`.
    pub const BUFFER: usize = 2;
    /// `name: string`.
    pub const NAME: usize = 3;
    /// `quantization: QuantizationParameters`.
    pub const QUANTIZATION: usize = 4;
    /// `is_variable: bool`.
    pub const IS_VARIABLE: usize = 5;
    /// `sparsity: SparsityParameters`.
    pub const SPARSITY: usize = 6;
}

/// `QuantizationParameters` fields.
pub mod quant {
    /// `scale: [float]`.
    pub const SCALE: usize = 2;
    /// `zero_point: [long]`.
    pub const ZERO_POINT: usize = 3;
    /// `details_type` (union tag; custom quantization when non-zero).
    pub const DETAILS_TYPE: usize = 4;
    /// `quantized_dimension: int`.
    pub const AXIS: usize = 6;
}

/// `Buffer` fields.
pub mod buffer {
    /// `data: [ubyte]`.
    pub const DATA: usize = 0;
    /// `offset: ulong` (data outside the FlatBuffer, for files over 2 GB: refused).
    pub const OFFSET: usize = 1;
}

/// `Operator` fields.
pub mod operator {
    /// `opcode_index: uint`.
    pub const OPCODE_INDEX: usize = 0;
    /// `inputs: [int]` (-1 = optional input absent).
    pub const INPUTS: usize = 1;
    /// `outputs: [int]`.
    pub const OUTPUTS: usize = 2;
    /// `builtin_options` (the union's value; its tag is field 3).
    pub const OPTIONS: usize = 4;
}

/// `TensorType` values the importer names in errors.
pub fn dtype_name(t: u8) -> String {
    const NAMES: [&str; 18] = [
        "FLOAT32",
        "FLOAT16",
        "INT32",
        "UINT8",
        "INT64",
        "STRING",
        "BOOL",
        "INT16",
        "COMPLEX64",
        "INT8",
        "FLOAT64",
        "COMPLEX128",
        "UINT64",
        "RESOURCE",
        "VARIANT",
        "UINT32",
        "UINT16",
        "INT4",
    ];
    NAMES
        .get(t as usize)
        .map_or_else(|| format!("type {t}"), |s| s.to_string())
}

/// `TensorType::INT32`.
pub const TYPE_INT32: u8 = 2;
/// `TensorType::INT8`.
pub const TYPE_INT8: u8 = 9;

/// Declares LiteRT's builtin operator codes once: a constant per op in [`op`] and the
/// [`BUILTIN_OPS`] table of `(code, name)` (the judge's Solidity constants are generated from it).
macro_rules! builtin_ops {
    ($($name:ident = $code:literal,)*) => {
        /// LiteRT's builtin operator codes (`BuiltinOperator` in LiteRT's schema).
        pub mod op {
            $(#[doc = concat!("`", stringify!($name), "`")] pub const $name: i32 = $code;)*
        }
        /// Every builtin op the importer knows: the supported ops, and a few refused ones named in
        /// errors.
        pub const BUILTIN_OPS: &[(i32, &str)] = &[$(($code, stringify!($name)),)*];
    };
}

builtin_ops! {
    ADD = 0,
    CONCATENATION = 2,
    CONV_2D = 3,
    DEPTHWISE_CONV_2D = 4,
    DEQUANTIZE = 6,
    FULLY_CONNECTED = 9,
    LOGISTIC = 14,
    MUL = 18,
    RESHAPE = 22,
    RESIZE_BILINEAR = 23,
    SOFTMAX = 25,
    TANH = 28,
    GATHER = 36,
    TRANSPOSE = 39,
    MEAN = 40,
    SUB = 41,
    TRANSPOSE_CONV = 67,
    RSQRT = 76,
    RESIZE_NEAREST_NEIGHBOR = 97,
    SQUARED_DIFFERENCE = 99,
    QUANTIZE = 114,
    BATCH_MATMUL = 126,
    GELU = 150,
}

/// The `&'static` builtin name equal to `name`, if it is one the importer knows.
pub fn builtin(name: &str) -> Option<&'static str> {
    BUILTIN_OPS.iter().map(|&(_, n)| n).find(|n| *n == name)
}

/// The name of builtin operator `code`, if it is one the importer knows.
pub fn op_name(code: i32) -> Option<&'static str> {
    BUILTIN_OPS
        .iter()
        .find(|&&(c, _)| c == code)
        .map(|&(_, n)| n)
}

/// The code of the builtin operator named `name`, if it is one the importer knows.
pub fn op_code(name: &str) -> Option<i32> {
    BUILTIN_OPS
        .iter()
        .find(|&&(_, n)| n == name)
        .map(|&(c, _)| c)
}
