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

/// The `&'static` builtin name equal to `name`, if it is one the importer knows.
pub fn builtin(name: &str) -> Option<&'static str> {
    (0..=255).filter_map(op_name).find(|n| *n == name)
}

/// Builtin operator codes of the supported ops, and of a few refused ones named in errors.
pub fn op_name(code: i32) -> Option<&'static str> {
    Some(match code {
        0 => "ADD",
        2 => "CONCATENATION",
        3 => "CONV_2D",
        4 => "DEPTHWISE_CONV_2D",
        6 => "DEQUANTIZE",
        9 => "FULLY_CONNECTED",
        14 => "LOGISTIC",
        18 => "MUL",
        22 => "RESHAPE",
        23 => "RESIZE_BILINEAR",
        25 => "SOFTMAX",
        28 => "TANH",
        36 => "GATHER",
        39 => "TRANSPOSE",
        40 => "MEAN",
        41 => "SUB",
        67 => "TRANSPOSE_CONV",
        76 => "RSQRT",
        97 => "RESIZE_NEAREST_NEIGHBOR",
        99 => "SQUARED_DIFFERENCE",
        114 => "QUANTIZE",
        126 => "BATCH_MATMUL",
        150 => "GELU",
        _ => return None,
    })
}
