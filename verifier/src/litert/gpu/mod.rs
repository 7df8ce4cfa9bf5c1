//! # The wgpu executor of imported LiteRT graphs: the CPU reference's bytes on a GPU
//!
//! [`LiteRtGpu::run`] takes the same [`Graph`] and inputs as [`crate::litert::run`] and returns
//! every op's output, byte-identical to the CPU reference for every supported op.
//!
//! * **One source of arithmetic.** Multipliers, shifts, tables and index maps are derived on the
//!   host by the CPU kernels' own functions (`ops::*`: `fc_multipliers`, `conv::multipliers`,
//!   `add_sub_params`, `mean_multiplier`, `softmax_params`/`softmax_exp`, `rsqrt_one`,
//!   `bilinear_axis`, `nearest_index`, ...) and uploaded as integers. The shaders do integer
//!   arithmetic only (`fixed.wgsl`): gemmlowp's SaturatingRoundingDoublingHighMul and
//!   RoundingDivideByPOT on a 64-bit product held in two u32 words, wrapping i32 sums.
//!   FULLY_CONNECTED's reference kernel requantizes in IEEE float64; WGSL has no f64, so
//!   [`f64fc`] emulates `round(f64(acc) * m)` exactly with integer limbs (the 53-bit significand
//!   product rounded ties-to-even, then half away from zero). RSQRT and SOFTMAX's exponentials
//!   depend on one int8 (or an int8 difference), so their 256 values are tabulated on the host,
//!   like LOGISTIC/TANH/GELU's tables.
//! * **Layout.** Every activation is one `i32` per element (some channel-blocked kernels read a
//!   packed copy, below); each op runs as a few dispatches over its output elements
//!   (reductions: a partial pass, combine passes, a requantizing finish), all recorded in one
//!   command encoder with one submit and one read-back per inference. On GPUs,
//!   op outputs of at least [`PACK_MIN`] elements are packed four int8 to a word on the device
//!   for the read-back (a quarter of the bytes; `VERIFIER_PACK=1/0` forces it on or off). A
//!   reduction of at most [`RSPLIT`] terms is summed and requantized in one dispatch.
//! * **Specialized pipelines** (`kernels.rs`). Each (entry point, op kind, requantization,
//!   weight layout) is its own pipeline, fixed with WGSL `override` constants and built on first
//!   use: a CPU driver runs both sides of every branch under a mask, so one kernel switching on a
//!   parameter word paid for every kind's code in every invocation.
//! * **Channel-blocked reductions** (`blocked.wgsl`). FULLY_CONNECTED, CONV_2D,
//!   DEPTHWISE_CONV_2D and TRANSPOSE_CONV with at least [`BLOCK_MIN_CHANNELS`] output channels
//!   compute four channels per invocation (eight from 8 channels): the window's position, bounds
//!   checks and counters once per block, each activation loaded once for its channels, constant
//!   weights
//!   packed four int8 to a `u32` (four consecutive terms per channel; DEPTHWISE: a block's four
//!   channels per tap). CONV_2D, TRANSPOSE_CONV and DEPTHWISE (multiplier 1) with constant
//!   weights and input channels a multiple of 4 read their activations from a copy packed four
//!   int8 to a `u32` (one load for four channels of a pixel; the copy made on the device by one
//!   dispatch per tensor before its first reader; [`LiteRtGpu::set_packed_activations`]). The
//!   resizes also write four channels per invocation.
//! * **Tiled int8 GEMM.** FULLY_CONNECTED and CONV_2D with constant weights and at least
//!   [`TILE_MIN_MACS`] (tiles at least a quarter full) replace the partial pass with
//!   `gemm.wgsl`: 32 pixels x 32 channels per workgroup of 64, 4 x 4 outputs per invocation,
//!   weights packed four int8 to a `u32` on the host, the im2col window packed on the fly, both
//!   staged in workgroup memory, packed 4x8 dot products (`dot4I8Packed`, or unpacked vec4 dots
//!   where the device is a CPU or cannot compile it; `VERIFIER_DOT4=1/0` forces either). The
//!   zero point is folded in as `sum w x - zi sum w` (wrapping, so exact); the same chunks of
//!   [`RSPLIT`] terms and combine passes; one chunk requantizes in the same dispatch. On by
//!   default on GPUs; off on a CPU driver (lavapipe), where staging through workgroup memory buys
//!   nothing and the channel-blocked kernels are faster (`VERIFIER_TILE=1/0` forces either).
//!
//! ## Never a silent wrong answer (the verifier-trust rules of `crate::gpu`)
//!
//! * **Bounded loops.** No invocation adds more than [`RSPLIT`] terms: a reduction over K terms
//!   (FULLY_CONNECTED/BATCH_MATMUL depth, a convolution's window times channels, MEAN's count,
//!   SOFTMAX's row) writes `ceil(K / RSPLIT)` partial sums per output, which further passes of at
//!   most `RSPLIT` each combine; wrapping i32 addition (and max) make the split result exact.
//!   K = 1M is two passes.
//! * **Limits before work.** Every buffer is checked against the device's storage-binding and
//!   buffer limits, and the total against a device-memory budget ([`DEFAULT_MAX_BYTES`]), before
//!   any is created; grids are split to the workgroups-per-dimension limit; a value that does not
//!   fit the kernels' i32 parameters refuses the op. All are [`LiteRtError::Gpu`] errors.
//! * **Errors, not panics.** wgpu validation and out-of-memory errors are captured with error
//!   scopes, the wait for the device is bounded ([`LiteRtGpu::set_timeout`]).
//! * **Known-answer self-test.** [`LiteRtGpu::new`] runs [`synth::self_test_graph`] (a
//!   FULLY_CONNECTED whose K needs a combine pass, with a wrapping accumulator and an extreme
//!   multiplier; a padded CONV_2D; two tiled CONV_2Ds over partial tiles, one with K across two
//!   chunks and not a multiple of 4; SOFTMAX; MEAN; the channel-blocked kernels of each kind
//!   with a partial last block, constant and in-place weights; a tiled CONV_2D of one input
//!   channel, whose stepped window taps cross rows; both resizes with a channel tail; packed
//!   activations read by a CONV_2D, a TRANSPOSE_CONV and a DEPTHWISE_CONV_2D), with the tiled
//!   GEMM on, the packed activations on and every output packed for the read-back whatever the
//!   defaults (the FULLY_CONNECTED probe reads its output unpacked), and refuses the device
//!   unless every byte equals the CPU reference.

pub mod f64fc;
mod kernels;
mod lower;
mod plan;
pub mod synth;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::error::{LiteRtError, Result};
use super::exec::OpOutput;
use super::graph::Graph;
use crate::gpu::device::{self, DeviceLimits};

pub use lower::{BLOCK_MIN_CHANNELS, RSPLIT, TILE_MIN_MACS};
pub use plan::Prepared;

/// Default bound on one wait for the device.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
/// Default device-memory budget of one prepared graph.
pub const DEFAULT_MAX_BYTES: u64 = 1 << 30;
/// On GPUs, op outputs of at least this many elements are packed four int8 to a word on the
/// device for the read-back (one more dispatch each, a quarter of the bytes across the bus);
/// smaller ones are copied as they are, where the dispatch costs more than it saves. Off on a
/// CPU driver, where the read-back is a memcpy and the extra dispatches cost more than they
/// save (0.96-0.98x on lavapipe with `litert-bench`).
pub const PACK_MIN: usize = 4096;

/// Device, queue and compiled kernels.
pub struct LiteRtGpu {
    device: wgpu::Device,
    queue: wgpu::Queue,
    kernels: kernels::Kernels,
    adapter: String,
    /// Whether the tiled GEMM's inner step is `dot4I8Packed` (else unpacked vec4 dots).
    dot4: bool,
    /// FULLY_CONNECTED and CONV_2D with constant weights and at least this many MACs lowered
    /// to the tiled GEMM (None: never).
    tiled: Option<usize>,
    limits: DeviceLimits,
    max_bytes: u64,
    /// See [`PACK_MIN`].
    pack_min: usize,
    /// See [`LiteRtGpu::set_packed_activations`].
    packed_act: bool,
    timeout: Duration,
    uncaptured: Arc<Mutex<Option<String>>>,
    self_test_time: Duration,
}

impl std::fmt::Debug for LiteRtGpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiteRtGpu")
            .field("adapter", &self.adapter)
            .finish()
    }
}

impl LiteRtGpu {
    /// Opens the first Vulkan adapter (a GPU, or lavapipe), compiles the kernels and runs the
    /// known-answer self-test; any failure is [`LiteRtError::Gpu`].
    pub fn new() -> Result<Self> {
        let opened = device::open("verifier-litert").map_err(|e| {
            LiteRtError::Gpu(match e {
                device::OpenError::NoAdapter(e) => format!("no wgpu adapter: {e}"),
                device::OpenError::Device(e) => e,
            })
        })?;
        let device::Opened {
            device,
            queue,
            adapter,
            uncaptured,
            ..
        } = opened;
        let limits = DeviceLimits::of(&device.limits());
        // The packed dot product on GPUs (lavapipe runs the unpacked form faster: it has no such
        // instruction); VERIFIER_DOT4=1/0 forces either. A device that cannot compile it gets
        // the unpacked form.
        let want_dot4 = match std::env::var("VERIFIER_DOT4").as_deref() {
            Ok("1") => true,
            Ok("0") => false,
            _ => !adapter.contains("(Cpu,"),
        };
        // The tiled GEMM on GPUs; on a CPU driver the channel-blocked kernels are faster
        // (measured with `litert-bench`: each workgroup-memory access is a scalar load per lane
        // there, so staging tiles buys nothing). VERIFIER_TILE=1/0 forces either.
        let tiled = match std::env::var("VERIFIER_TILE").as_deref() {
            Ok("1") => true,
            Ok("0") => false,
            _ => !adapter.contains("(Cpu,"),
        };
        // Packed read-back on GPUs; VERIFIER_PACK=1/0 forces it on or off.
        let pack = match std::env::var("VERIFIER_PACK").as_deref() {
            Ok("1") => true,
            Ok("0") => false,
            _ => !adapter.contains("(Cpu,"),
        };
        // Channel-blocked kernels read their activations packed four int8 to a word where they
        // can (measured with `litert-bench`); VERIFIER_PACKACT=0 turns it off.
        let packed_act = std::env::var("VERIFIER_PACKACT").as_deref() != Ok("0");
        let compile = |dot4: bool| {
            device::scoped(
                &device,
                &uncaptured,
                "compiling kernels",
                LiteRtError::Gpu,
                || Ok(kernels::Kernels::new(&device, dot4)),
            )
        };
        let (dot4, kernels) = match want_dot4.then(|| compile(true)) {
            Some(Ok(p)) => (true, p),
            _ => (false, compile(false)?),
        };
        let mut gpu = LiteRtGpu {
            device,
            queue,
            kernels,
            adapter,
            dot4,
            tiled: tiled.then_some(TILE_MIN_MACS),
            limits,
            max_bytes: DEFAULT_MAX_BYTES,
            pack_min: if pack { PACK_MIN } else { usize::MAX },
            packed_act,
            timeout: DEFAULT_TIMEOUT,
            uncaptured,
            self_test_time: Duration::ZERO,
        };
        gpu.self_test()?;
        Ok(gpu)
    }

    /// The start-up known-answer test: runs [`synth::self_test_graph`] and compares every op
    /// output with the CPU reference. Returns how long it took.
    pub fn self_test(&mut self) -> Result<Duration> {
        let start = Instant::now();
        let (graph, inputs) = synth::self_test_graph();
        let refs: Vec<&[u8]> = inputs.iter().map(Vec::as_slice).collect();
        let expected = super::run(&graph, &refs)?;
        let fail = |detail: String| {
            LiteRtError::Gpu(format!(
                "self-test failed on {}: {detail}; refusing this device",
                self.adapter
            ))
        };
        // with the tiled GEMM whatever the default, so that turning it on meets tested kernels,
        // and every output packed for the read-back (the FULLY_CONNECTED probe below reads its
        // output unpacked)
        let tiled = self.tiled.replace(TILE_MIN_MACS);
        let pack_min = std::mem::replace(&mut self.pack_min, 0);
        let packed_act = std::mem::replace(&mut self.packed_act, true);
        let got = self.run(&graph, &refs);
        self.tiled = tiled;
        self.pack_min = pack_min;
        self.packed_act = packed_act;
        let got = got.map_err(|e| fail(e.to_string()))?;
        if let Some(i) = (0..expected.len()).find(|&i| got.get(i) != expected.get(i)) {
            return Err(fail(format!(
                "op {i} ({}) differs from the CPU reference",
                expected[i].name
            )));
        }
        let pairs = synth::fc_probe_pairs();
        let want: Vec<i8> = pairs
            .iter()
            .map(|&(acc, m)| f64fc::reference(acc, m).clamp(-128, 127) as i8)
            .collect();
        let got = self
            .fc_requantize_probe(&pairs)
            .map_err(|e| fail(e.to_string()))?;
        if let Some(i) = (0..want.len()).find(|&i| got[i] != want[i]) {
            return Err(fail(format!(
                "FULLY_CONNECTED's float64 requantization of {:?} gives {}, the CPU {}",
                pairs[i], got[i], want[i]
            )));
        }
        self.self_test_time = start.elapsed();
        Ok(self.self_test_time)
    }

    /// How long the last self-test took.
    pub fn self_test_time(&self) -> Duration {
        self.self_test_time
    }

    /// Human-readable adapter description.
    pub fn adapter(&self) -> &str {
        &self.adapter
    }

    /// Whether the tiled GEMM uses the device's packed 4x8 dot product (`dot4I8Packed`), else
    /// its portable unpacked form.
    pub fn dot4(&self) -> bool {
        self.dot4
    }

    /// Turns the tiled GEMM of FULLY_CONNECTED and CONV_2D on (for ops of at least
    /// [`TILE_MIN_MACS`]; the default on GPUs) or off (the channel-blocked and one-per-output
    /// kernels; the default on a CPU driver, and the tests' second opinion) for the graphs
    /// prepared after.
    pub fn set_tiled(&mut self, on: bool) {
        self.tiled = on.then_some(TILE_MIN_MACS);
    }

    /// Whether the tiled GEMM is on (see [`LiteRtGpu::set_tiled`]).
    pub fn tiled(&self) -> bool {
        self.tiled.is_some()
    }

    /// Tiles FULLY_CONNECTED and CONV_2D from `macs` multiply-accumulates (tests use 0 to put
    /// small shapes through the tiles).
    pub fn set_tile_min_macs(&mut self, macs: usize) {
        self.tiled = Some(macs);
    }

    /// Bounds each wait for the device (default [`DEFAULT_TIMEOUT`]).
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// Lowers the workgroups per dispatch dimension (at most the device's): tests use a small
    /// value to exercise split grids cheaply.
    pub fn set_max_workgroups_per_dimension(&mut self, n: u32) {
        let device_max = self.device.limits().max_compute_workgroups_per_dimension;
        self.limits.max_groups = n.clamp(1, device_max.max(1));
    }

    /// Lowers the storage-binding size in bytes (at most the device's): tests use a small value
    /// to exercise the refusal path on any device.
    pub fn set_max_storage_binding(&mut self, bytes: u64) {
        let device_max = self.device.limits().max_storage_buffer_binding_size;
        self.limits.max_binding = bytes.clamp(4, device_max.max(4));
    }

    /// Packs op outputs of at least `elements` for the read-back (0: all, `usize::MAX`: none;
    /// the default is [`PACK_MIN`] on GPUs, none on a CPU driver) in the graphs prepared after.
    pub fn set_pack_min(&mut self, elements: usize) {
        self.pack_min = elements;
    }

    /// From how many elements an op output is packed for the read-back ([`Self::set_pack_min`]).
    pub fn pack_min(&self) -> usize {
        self.pack_min
    }

    /// Whether the channel-blocked CONV_2D, TRANSPOSE_CONV and DEPTHWISE_CONV_2D of multiplier
    /// 1 with constant weights and input channels a multiple of 4 read their activations from a
    /// copy packed four int8 to a word (one load for four channels; the copy made on the device
    /// before the first reader) in the graphs prepared after. On by default
    /// (`VERIFIER_PACKACT=0`: off); the self-test always runs it.
    pub fn set_packed_activations(&mut self, on: bool) {
        self.packed_act = on;
    }

    /// See [`LiteRtGpu::set_packed_activations`].
    pub fn packed_activations(&self) -> bool {
        self.packed_act
    }

    /// Sets the device-memory budget of one prepared graph (default [`DEFAULT_MAX_BYTES`]).
    pub fn set_max_bytes(&mut self, bytes: u64) {
        self.max_bytes = bytes;
    }

    fn ctx(&self) -> plan::Ctx<'_> {
        plan::Ctx {
            device: &self.device,
            kernels: &self.kernels,
            limits: &self.limits,
            max_bytes: self.max_bytes,
            pack_min: self.pack_min,
        }
    }

    /// Lowers `graph` and builds its buffers (constants uploaded once) for repeated runs; every
    /// limit is checked first.
    pub fn prepare(&self, graph: &Graph) -> Result<Prepared> {
        let cx = self.ctx();
        device::scoped(
            &self.device,
            &self.uncaptured,
            "building buffers",
            LiteRtError::Gpu,
            || {
                let (steps, scratch) = Prepared::lower(graph, self.tiled, self.packed_act)?;
                Prepared::new(&cx, graph, steps, scratch)
            },
        )
    }

    /// FULLY_CONNECTED's float64 requantization run on the device for arbitrary `(acc, m)`
    /// pairs (multipliers no f32 scales produce): a one-row FULLY_CONNECTED whose weights are 0
    /// and biases `acc`, its multipliers replaced by `m`. Returns
    /// `clamp(round_half_away(f64(acc) * m), -128, 127)` per pair, as the shader computes it;
    /// the self-test and the tests compare it with the CPU's f64.
    pub fn fc_requantize_probe(&self, pairs: &[(i32, f64)]) -> Result<Vec<i8>> {
        let (graph, input) = synth::fc_probe_graph(pairs);
        let (mut steps, scratch) = Prepared::lower(&graph, self.tiled, self.packed_act)?;
        for (c, &(_, m)) in pairs.iter().enumerate() {
            let (lo, hi, e) = f64fc::split(m).ok_or_else(|| {
                LiteRtError::Gpu(format!("multiplier {m} is not a normal double"))
            })?;
            steps[0].aux[4 * c + 1..4 * c + 4].copy_from_slice(&[lo as i32, hi as i32, e]);
        }
        let cx = self.ctx();
        let prepared = device::scoped(
            &self.device,
            &self.uncaptured,
            "building buffers",
            LiteRtError::Gpu,
            || Prepared::new(&cx, &graph, steps, scratch),
        )?;
        let out = self.run_prepared(&prepared, &[&input])?;
        Ok(out[0].bytes.iter().map(|&b| b as i8).collect())
    }

    /// Runs a prepared graph on `inputs` (as [`crate::litert::run`] takes them).
    pub fn run_prepared(&self, prepared: &Prepared, inputs: &[&[u8]]) -> Result<Vec<OpOutput>> {
        device::scoped(
            &self.device,
            &self.uncaptured,
            "running",
            LiteRtError::Gpu,
            || prepared.run(&self.device, &self.queue, inputs, self.timeout),
        )
    }

    /// Runs `graph` on `inputs` and returns every op's output in execution order, as
    /// [`crate::litert::run`] does.
    pub fn run(&self, graph: &Graph, inputs: &[&[u8]]) -> Result<Vec<OpOutput>> {
        if inputs.len() != graph.inputs.len() {
            return Err(LiteRtError::Input(format!(
                "{} inputs given, the graph has {}",
                inputs.len(),
                graph.inputs.len()
            )));
        }
        let prepared = self.prepare(graph)?;
        self.run_prepared(&prepared, inputs)
    }
}
