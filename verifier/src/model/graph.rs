//! The graph description stored as JSON in the safetensors `__metadata__`.
//!
//! ```json
//! {"format": "verifier-graph/1",
//!  "input_shape": [64],
//!  "nodes": [
//!    {"op": "dense", "input": 0, "weight": "n0.weight", "bias": "n0.bias", "multiplier": 1073741824, "shift": 38},
//!    {"op": "reshape", "input": 1, "shape": [32, 8, 8]},
//!    {"op": "upsample", "input": 2, "factor": 2},
//!    ...]}
//! ```
//!
//! Values are numbered: `0` is the graph input, `k ≥ 1` is the output of node `k − 1`. A node
//! may only read values produced before it, so the node list is a topological order. The graph
//! output is the output of the last node. Every node is one "layer" for hashing.
//!
//! Fields per op (tensors are referenced by name; dtypes and shapes are checked at load):
//!
//! | op | fields |
//! |----|--------|
//! | `dense` | `input`, `weight` (I8 `[N, K]`), `bias` (I32 `[N]`), `multiplier` (i32), `shift` (0..=63) |
//! | `conv2d` | `input`, `weight` (I8 `[Cout, Cin, KH, KW]`), `bias` (I32 `[Cout]`), `stride` `[sh, sw]`, `padding` `[ph, pw]`, `multiplier`, `shift` |
//! | `upsample` | `input`, `factor` |
//! | `add` | `inputs` `[a, b]`, `weight_a`, `weight_b` (`|w| ≤ 65536`), `shift` |
//! | `relu` | `input` |
//! | `clamp` | `input`, `min`, `max` (i8, `min ≤ max`) |
//! | `requantize` | `input`, `multiplier`, `shift` |
//! | `avg_pool` | `input`, `kernel` `[kh, kw]`, `stride` `[sh, sw]` |
//! | `lut` | `input`, `table` (I8 `[256]`) |
//! | `reshape` | `input`, `shape` |
//!
//! The format is strict: an unknown field (in the graph or in a node) and a duplicate key in
//! any JSON object (graph or safetensors header) are errors. Limits the loader checks:
//!
//! | limit | value |
//! |-------|-------|
//! | elements of any tensor or activation | ≤ 2²⁶ ([`crate::ops::MAX_ELEMENTS`]), no zero dimension |
//! | `shift` | `0..=63` |
//! | `add` weights | `|w| ≤ 2¹⁶` |
//! | `conv2d` stride | `1..=2¹⁶`; padding `≤ 2¹⁶` and `<` the kernel; the kernel fits the padded input |
//! | `avg_pool` | kernel and stride `≥ 1`, stride `≤ 2¹⁶`, `kh·kw ≤ 2¹⁶`, window fits the input |
//! | `upsample` factor | `1..=64` |
//! | `clamp` | `min ≤ max` |
//! | node inputs | produced by an earlier node (or the graph input) |
//! | tensors | exact dtype and shape, every tensor used |
//! | budget ([`crate::model::Budget`]) | nodes, multiply-accumulates, memory bytes (operator-configurable) |

use serde::{Deserialize, Serialize};

/// The `__metadata__` key holding the graph JSON.
pub const GRAPH_KEY: &str = "verifier.graph";
/// The only graph format version this crate reads and writes.
pub const GRAPH_FORMAT: &str = "verifier-graph/1";
/// Names of the ops this runtime implements.
pub const KNOWN_OPS: &[&str] = &[
    "dense",
    "conv2d",
    "upsample",
    "add",
    "relu",
    "clamp",
    "requantize",
    "avg_pool",
    "lut",
    "reshape",
];

/// Whole-graph description.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GraphSpec {
    /// Must equal [`GRAPH_FORMAT`].
    pub format: String,
    /// Shape of the i8 input tensor.
    pub input_shape: Vec<usize>,
    /// Nodes in execution order.
    pub nodes: Vec<NodeSpec>,
}

/// One node as written in the file.
#[allow(missing_docs)]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum NodeSpec {
    Dense {
        input: usize,
        weight: String,
        bias: String,
        multiplier: i32,
        shift: u32,
    },
    Conv2d {
        input: usize,
        weight: String,
        bias: String,
        stride: [usize; 2],
        padding: [usize; 2],
        multiplier: i32,
        shift: u32,
    },
    Upsample {
        input: usize,
        factor: usize,
    },
    Add {
        inputs: [usize; 2],
        weight_a: i32,
        weight_b: i32,
        shift: u32,
    },
    Relu {
        input: usize,
    },
    Clamp {
        input: usize,
        min: i8,
        max: i8,
    },
    Requantize {
        input: usize,
        multiplier: i32,
        shift: u32,
    },
    AvgPool {
        input: usize,
        kernel: [usize; 2],
        stride: [usize; 2],
    },
    Lut {
        input: usize,
        table: String,
    },
    Reshape {
        input: usize,
        shape: Vec<usize>,
    },
}

impl NodeSpec {
    /// The values this node reads.
    pub fn inputs(&self) -> Vec<usize> {
        match self {
            NodeSpec::Add { inputs, .. } => inputs.to_vec(),
            NodeSpec::Dense { input, .. }
            | NodeSpec::Conv2d { input, .. }
            | NodeSpec::Upsample { input, .. }
            | NodeSpec::Relu { input }
            | NodeSpec::Clamp { input, .. }
            | NodeSpec::Requantize { input, .. }
            | NodeSpec::AvgPool { input, .. }
            | NodeSpec::Lut { input, .. }
            | NodeSpec::Reshape { input, .. } => vec![*input],
        }
    }
}
