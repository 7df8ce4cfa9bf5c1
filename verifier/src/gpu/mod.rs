//! The wgpu executor: WGSL compute kernels that implement [`crate::ops`] bit for bit.
//!
//! * Activations live on the GPU as int8 packed four to a `u32` **along channels**: word
//!   `(c4·h + y)·w + x` holds channels `4·c4 .. 4·c4+3` at `(y, x)` (rank-3 values; others are
//!   packed as `[n, 1, 1]`, i.e. their row-major bytes). Every kernel writes whole words (one
//!   invocation per output word), and a convolution's im2col fetches four reduction terms with
//!   one load. Weights are packed the same way along K. The read-back is these words (a
//!   quarter of an `i32` layout), unpacked to row-major bytes on the host.
//! * Conv and dense layers (a dense layer is a convolution whose kernel covers its input) run a
//!   tiled implicit-GEMM kernel (`conv.wgsl`: K staged through workgroup memory in chunks of
//!   [`plan::TQ`] words) in three tile shapes ([`ConvTile`]); other ops run `eltwise.wgsl`
//!   (a `reshape` between layouts is a repacking kernel; one that keeps the layout is free).
//!   Requantization (`requant.wgsl`) builds the 64-bit product from 16-bit pieces.
//! * Buffers, uniforms and bind groups are created once per model (module `plan`) and reused; each
//!   inference writes the input, records every layer plus the read-back copies in one command
//!   encoder, and submits once.
//!
//! # Never a silent wrong answer
//!
//! * **Bounded loops.** No invocation runs an unbounded loop: a conv/dense reduction is split
//!   into dispatches of at most [`KSPLIT`] terms and a pooling window into dispatches of at most
//!   [`WSPLIT`] positions, chained through an `i32` scratch buffer (wrapping addition is
//!   associative, so the split sum is exact). Mesa's llvmpipe stops an invocation after about
//!   65,535 loop iterations without any error; real GPUs have watchdogs.
//! * **Dispatch and buffer limits.** Grids larger than the device's workgroup-count limit are
//!   split into several dispatches; a buffer over the device's storage-binding or buffer size
//!   limit is refused before any work ([`Error::DeviceLimit`], see [`GpuExecutor::check`]).
//! * **Errors, not panics.** wgpu validation and out-of-memory errors are captured with error
//!   scopes (and an uncaptured-error handler) and returned as [`Error::Gpu`]; the wait for the
//!   device is bounded by [`GpuExecutor::set_timeout`] (default [`DEFAULT_TIMEOUT`]).
//! * **Known-answer self-test.** [`GpuExecutor::new`] runs a model exercising the longest loop
//!   (full `KSPLIT` splits and a split pooling window), every tile shape with ragged edges, a
//!   wrapping accumulator and extreme requantization, compares it with the CPU reference byte
//!   for byte and refuses the device ([`Error::SelfTest`]) on any difference.
//! * A mismatch found on the GPU is confirmed on the CPU reference before it is reported
//!   ([`crate::verify::verify_with`]).

pub(crate) mod device;
mod plan;

use std::borrow::Cow;
use std::sync::{Arc, Mutex};

use device::storage_entry;
use std::time::{Duration, Instant};

use crate::cpu::CpuExecutor;
use crate::exec::{Execution, Executor, check_input};
use crate::model::{Graph, Model};
use crate::{Error, Result};

pub use plan::{KSPLIT, WSPLIT};

/// Default bound on one wait for the device.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

const REQUANT_WGSL: &str = include_str!("requant.wgsl");
const CONV_WGSL: &str = include_str!("conv.wgsl");
const ELTWISE_WGSL: &str = include_str!("eltwise.wgsl");

/// Tile shape of the conv kernel: `tp × tc` threads, each computing 4 consecutive channels (one
/// packed output word) × `rn` pixels, so a tile is `4·tc` channels × `tp·rn` pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConvTile {
    /// 64 channels × 64 pixels (16×16 threads, 4×4 each).
    Wide,
    /// 32 channels × 128 pixels (32×8 threads, 4×4 each), for `cout ≤ 32`.
    Half,
    /// 16 channels × 256 pixels (64×4 threads, 4×4 each), for `cout ≤ 16`.
    Quarter,
    /// 4 channels × 256 pixels (64 threads, 4×4 each), for `cout ≤ 4`.
    Narrow,
    /// 256 channels × 1 pixel (64 threads along the workgroup's x, 4 channels each), for dense
    /// layers: llvmpipe vectorizes along x only.
    Vector,
}

impl ConvTile {
    /// Every tile, in pipeline order.
    pub const ALL: [ConvTile; 5] = [
        ConvTile::Wide,
        ConvTile::Half,
        ConvTile::Quarter,
        ConvTile::Narrow,
        ConvTile::Vector,
    ];

    /// `(tp, tc, rn, channels along the workgroup's x)`.
    pub const fn dims(self) -> (u32, u32, u32, bool) {
        match self {
            ConvTile::Wide => (16, 16, 4, false),
            ConvTile::Half => (32, 8, 4, false),
            ConvTile::Quarter => (64, 4, 4, false),
            ConvTile::Narrow => (64, 1, 4, false),
            ConvTile::Vector => (1, 64, 1, true),
        }
    }

    /// Output channels per tile.
    pub const fn channels(self) -> u32 {
        4 * self.dims().1
    }

    /// Output pixels per tile.
    pub const fn pixels(self) -> u32 {
        let (tp, _, rn, _) = self.dims();
        tp * rn
    }

    /// The tile used for a layer with `cout` channels and `p` output pixels.
    pub fn select(cout: usize, p: usize) -> Self {
        if p == 1 {
            ConvTile::Vector
        } else if cout <= 4 {
            ConvTile::Narrow
        } else if cout <= 16 {
            ConvTile::Quarter
        } else if cout <= 32 {
            ConvTile::Half
        } else {
            ConvTile::Wide
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Device, queue and compiled pipelines, plus the buffers of the last model run.
pub struct GpuExecutor {
    device: wgpu::Device,
    queue: wgpu::Queue,
    layout: wgpu::BindGroupLayout,
    conv: [wgpu::ComputePipeline; ConvTile::ALL.len()],
    eltwise: wgpu::ComputePipeline,
    adapter: String,
    plan: Option<plan::Plan>,
    limits: device::DeviceLimits,
    timeout: Duration,
    uncaptured: Arc<Mutex<Option<String>>>,
    self_test_time: Duration,
}

impl std::fmt::Debug for GpuExecutor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GpuExecutor")
            .field("adapter", &self.adapter)
            .finish()
    }
}

fn scoped<T>(
    device: &wgpu::Device,
    uncaptured: &Mutex<Option<String>>,
    what: &str,
    f: impl FnOnce() -> Result<T>,
) -> Result<T> {
    device::scoped(device, uncaptured, what, Error::Gpu, f)
}

impl GpuExecutor {
    /// Opens the first Vulkan adapter (a GPU, or lavapipe on machines without one) and compiles
    /// the kernels. Fails with [`Error::NoAdapter`] when there is none.
    pub fn new() -> Result<Self> {
        Self::open()
    }

    fn open() -> Result<Self> {
        let device::Opened {
            device,
            queue,
            adapter: adapter_name,
            device_type,
            uncaptured,
        } = device::open("verifier").map_err(|e| match e {
            device::OpenError::NoAdapter(e) => Error::NoAdapter(e),
            device::OpenError::Device(e) => Error::Gpu(e),
        })?;
        let limits = device::DeviceLimits::of(&device.limits());
        let dot4 = match std::env::var("VERIFIER_DOT4").as_deref() {
            Ok("1") => true,
            Ok("0") => false,
            _ => device_type != wgpu::DeviceType::Cpu,
        };
        let (layout, conv, eltwise) = scoped(&device, &uncaptured, "compiling kernels", || {
            Ok(Self::pipelines(&device, dot4))
        })?;
        let mut exec = GpuExecutor {
            device,
            queue,
            layout,
            conv,
            eltwise,
            adapter: format!(
                "{adapter_name} [{}]",
                if dot4 {
                    "dot4I8Packed"
                } else {
                    "unpacked vec4 dot"
                }
            ),
            plan: None,
            limits,
            timeout: DEFAULT_TIMEOUT,
            uncaptured,
            self_test_time: Duration::ZERO,
        };
        exec.self_test()?;
        Ok(exec)
    }

    fn pipelines(
        device: &wgpu::Device,
        dot4: bool,
    ) -> (
        wgpu::BindGroupLayout,
        [wgpu::ComputePipeline; ConvTile::ALL.len()],
        wgpu::ComputePipeline,
    ) {
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("verifier-layer"),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::COMPUTE,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: true,
                        min_binding_size: wgpu::BufferSize::new(128),
                    },
                    count: None,
                },
                storage_entry(1, true),
                storage_entry(2, true),
                storage_entry(3, true),
                storage_entry(4, false),
                storage_entry(5, false),
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("verifier"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = |name: &str, body: &str| {
            let source = format!("{REQUANT_WGSL}\n{body}");
            let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(name),
                source: wgpu::ShaderSource::Wgsl(Cow::Owned(source)),
            });
            device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(name),
                layout: Some(&pipeline_layout),
                module: &module,
                entry_point: Some("main"),
                compilation_options: Default::default(),
                cache: None,
            })
        };
        let conv = ConvTile::ALL.map(|t| {
            let (tp, tc, rn, cx) = t.dims();
            let (wx, wy) = if cx { (tc, tp) } else { (tp, tc) };
            let consts = format!(
                "const TP: u32 = {tp}u;\nconst TC: u32 = {tc}u;\nconst RN: u32 = {rn}u;\nconst CX: u32 = {}u;\nconst WX: u32 = {wx}u;\nconst WY: u32 = {wy}u;\nconst TQ: u32 = {}u;\nconst DOT4: u32 = {}u;\n",
                u32::from(cx),
                plan::TQ,
                u32::from(dot4)
            );
            pipeline(&format!("conv-{t:?}"), &format!("{consts}{CONV_WGSL}"))
        });
        let eltwise = pipeline("eltwise", ELTWISE_WGSL);
        (layout, conv, eltwise)
    }

    /// The start-up known-answer test (see the module docs): runs [`self_test_model`] and
    /// compares every layer with the CPU reference. Returns how long it took.
    pub fn self_test(&mut self) -> Result<Duration> {
        let start = Instant::now();
        let (model, input) = self_test_model()?;
        let expected = CpuExecutor.layer_outputs(&model, &input)?;
        let got = self.layer_outputs(&model, &input);
        self.plan = None;
        let got = got.map_err(|e| Error::SelfTest {
            adapter: self.adapter.clone(),
            detail: e.to_string(),
        })?;
        if let Some(layer) = (0..expected.len()).find(|&i| got.get(i) != expected.get(i)) {
            return Err(Error::SelfTest {
                adapter: self.adapter.clone(),
                detail: format!(
                    "layer {layer} ({}) differs from the CPU reference",
                    model.layers()[layer].op.name()
                ),
            });
        }
        self.self_test_time = start.elapsed();
        Ok(self.self_test_time)
    }

    /// How long the last self-test took.
    pub fn self_test_time(&self) -> Duration {
        self.self_test_time
    }

    /// Bounds each wait for the device (default [`DEFAULT_TIMEOUT`]); past it, a run fails with
    /// [`Error::Gpu`].
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// Lowers the workgroup count per dispatch dimension the planner tiles grids to (at most
    /// the device's limit): tests use a small value to exercise the split-grid path cheaply.
    pub fn set_max_workgroups_per_dimension(&mut self, n: u32) {
        let device_max = self.device.limits().max_compute_workgroups_per_dimension;
        self.limits.max_groups = n.clamp(1, device_max.max(1));
        self.plan = None;
    }

    /// Lowers the storage-binding size (bytes) the planner allows (at most the device's limit):
    /// tests use a small value to exercise the refusal path on any device.
    pub fn set_max_storage_binding(&mut self, bytes: u64) {
        let device_max = self.device.limits().max_storage_buffer_binding_size;
        self.limits.max_binding = bytes.clamp(4, device_max.max(4));
        self.plan = None;
    }

    /// Checks, without allocating, that this device can hold `model`'s buffers; the error
    /// [`Error::DeviceLimit`] is what [`GpuExecutor::run`] would return before any work.
    pub fn check(&self, model: &Model) -> Result<()> {
        plan::check_model(&model.graph(), &self.limits)
    }

    /// Runs `model` on `input`, returning every layer's output in layer order.
    pub fn layer_outputs(&mut self, model: &Model, input: &[i8]) -> Result<Vec<Vec<i8>>> {
        check_input(model, input)?;
        self.check(model)?;
        let result = self.graph_outputs(&model.graph(), &[input]);
        if result.is_err() {
            // The device may hold half-done work on these buffers: rebuild next time.
            self.plan = None;
        }
        result
    }

    /// Re-executes layer `layer` of `model` alone from its input values (see
    /// [`Executor::execute_layer`]); the one-layer plan is cached like a model's.
    pub fn layer_output(
        &mut self,
        model: &Model,
        layer: usize,
        inputs: &[&[i8]],
    ) -> Result<Vec<i8>> {
        let (graph, values) = crate::cpu::layer_inputs(model, layer, inputs)?;
        plan::check_model(&graph, &self.limits)?;
        let refs: Vec<&[i8]> = values.iter().map(|v| v.as_slice()).collect();
        let result = self.graph_outputs(&graph, &refs);
        if result.is_err() {
            self.plan = None;
        }
        Ok(result?.pop().unwrap_or_default())
    }

    fn graph_outputs(&mut self, model: &Graph<'_>, inputs: &[&[i8]]) -> Result<Vec<Vec<i8>>> {
        if self.plan.as_ref().map(|p| p.model_id) != Some(model.id) {
            self.plan = None;
            let (device, queue, layout, limits) =
                (&self.device, &self.queue, &self.layout, &self.limits);
            let plan = scoped(device, &self.uncaptured, "building buffers", || {
                plan::Plan::new(device, queue, layout, model, limits)
            })?;
            self.plan = Some(plan);
        }
        let plan = self
            .plan
            .as_ref()
            .ok_or_else(|| Error::Gpu("no plan".into()))?;
        let (device, queue, conv, eltwise) = (&self.device, &self.queue, &self.conv, &self.eltwise);
        scoped(device, &self.uncaptured, "running", || {
            plan.run(device, queue, conv, eltwise, inputs, self.timeout)
        })
    }

    /// Human-readable adapter description (e.g. `llvmpipe (LLVM 15.0.6, 256 bits) (Cpu, Vulkan)`).
    pub fn adapter(&self) -> &str {
        &self.adapter
    }

    /// Runs `model` on `input`; buffers are built on the first call for a model and reused.
    pub fn run(&mut self, model: &Model, input: &[i8]) -> Result<Execution> {
        let outputs = self.layer_outputs(model, input)?;
        Ok(Execution::from_layer_outputs(model, outputs))
    }
}

impl Executor for GpuExecutor {
    fn name(&self) -> &'static str {
        "wgpu"
    }

    fn execute(&mut self, model: &Model, input: &[i8]) -> Result<Execution> {
        self.run(model, input)
    }

    fn execute_layer(&mut self, model: &Model, layer: usize, inputs: &[&[i8]]) -> Result<Vec<i8>> {
        self.layer_output(model, layer, inputs)
    }
}

/// The self-test's model and input: a dense layer whose K spans four full [`KSPLIT`] splits
/// plus a ragged one, with biases that make the accumulator wrap; conv layers in every tile
/// (ragged edges; the wide one with K over one split, the quarter one over a single channel);
/// a reshape between packed layouts; a pooling window over four [`WSPLIT`] splits; extreme
/// requantization.
pub fn self_test_model() -> Result<(Model, Vec<i8>)> {
    use crate::model::builder::ModelBuilder;
    use crate::ops::Requant;
    let mut rng = crate::demo::SplitMix64::new(0x5e1f_7e57);
    let (c, w) = (16usize, 260usize); // K = 4160 = 4·1024 + 64
    let k = c * w;
    let input: Vec<i8> = (0..k).map(|_| rng.next_i8()).collect();
    let mut b = ModelBuilder::new(vec![c, 1, w]);
    let rq = |multiplier: i32, shift: u32| Requant { multiplier, shift };
    // Dense: 300 outputs (two 256-channel tiles, the second ragged); half the biases sit
    // near i32::MAX so that the sum wraps.
    let n = 300usize;
    let wd: Vec<i8> = (0..n * k).map(|_| rng.next_i8()).collect();
    let bias: Vec<i32> = (0..n)
        .map(|i| {
            if i % 2 == 0 {
                i32::MAX - (i as i32) * 1000
            } else {
                rng.symmetric(1 << 20)
            }
        })
        .collect();
    b.dense(0, &wd, &bias, rq(i32::MAX, 31));
    // Requantize edges on the dense output.
    b.requantize(1, rq(i32::MIN, 1));
    // Wide conv: cout 70, 1×65 kernel over 16 channels (K = 1040 > KSPLIT), 196 pixels.
    let (cout, kw) = (70usize, 65usize);
    let wc: Vec<i8> = (0..cout * c * kw).map(|_| rng.next_i8()).collect();
    let bc: Vec<i32> = (0..cout)
        .map(|i| {
            if i % 3 == 0 {
                i32::MAX - 50_000
            } else {
                rng.symmetric(1 << 16)
            }
        })
        .collect();
    b.conv2d(
        0,
        [cout, c, 1, kw],
        &wc,
        &bc,
        [1, 1],
        [0, 1],
        rq(1 << 30, 40),
    );
    // Narrow conv: cout 3, 3×3 kernel with padding.
    let wn: Vec<i8> = (0..3 * c * 9).map(|_| rng.next_i8()).collect();
    b.conv2d(
        0,
        [3, c, 3, 3],
        &wn,
        &[7, -7, i32::MIN],
        [1, 2],
        [1, 1],
        rq(-(1 << 29), 35),
    );
    // Half and quarter tiles (ragged), the second over one channel: three padding bytes per
    // packed word.
    let wh: Vec<i8> = (0..20 * c * 3).map(|_| rng.next_i8()).collect();
    let bh: Vec<i32> = (0..20).map(|_| rng.symmetric(1 << 12)).collect();
    b.conv2d(0, [20, c, 1, 3], &wh, &bh, [1, 1], [0, 1], rq(1 << 30, 38));
    // A reshape between packed layouts (repacked on the device), then a pooling window of 4160
    // positions (five WSPLIT splits), and a small one.
    let r = b.reshape(0, vec![1, c, w]);
    let wq: Vec<i8> = (0..9 * 9).map(|_| rng.next_i8()).collect();
    let bq: Vec<i32> = (0..9).map(|_| rng.symmetric(1 << 10)).collect();
    b.conv2d(r, [9, 1, 3, 3], &wq, &bq, [2, 1], [1, 1], rq(1 << 30, 33));
    b.avg_pool(r, [c, w], [1, 1]);
    b.avg_pool(0, [1, 7], [1, 3]);
    let model = b.build_with_budget(&crate::model::Budget::UNLIMITED)?;
    Ok((model, input))
}
