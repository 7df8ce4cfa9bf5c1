//! The wgpu executor: WGSL compute kernels that implement [`crate::ops`] bit for bit.
//!
//! * Activations live on the GPU as one `i32` per element (values in `-128..=127`), weights as
//!   `i32` per element, so kernels never need sub-word writes.
//! * Conv and dense layers run a tiled implicit-GEMM kernel (`conv.wgsl`: K staged through
//!   workgroup memory in 16-deep chunks) in three tile shapes ([`ConvTile`]): 64×64 outputs with
//!   4×4 per thread, 4 channels × 256 pixels for layers with few output channels, and 256
//!   channels × 1 for dense layers; other ops run `eltwise.wgsl`. Requantization (`requant.wgsl`) builds the 64-bit product from 16-bit pieces.
//! * Buffers, uniforms and bind groups are created once per model (module `plan`) and reused; each
//!   inference writes the input, records every layer plus the read-back copies in one command
//!   encoder, and submits once.

mod plan;

use std::borrow::Cow;

use crate::exec::{Execution, Executor, check_input};
use crate::model::Model;
use crate::{Error, Result};

const REQUANT_WGSL: &str = include_str!("requant.wgsl");
const CONV_WGSL: &str = include_str!("conv.wgsl");
const ELTWISE_WGSL: &str = include_str!("eltwise.wgsl");

/// Tile shape of the conv kernel: workgroup `tx × ty` threads, each computing `rm` channels ×
/// `rn` pixels, so a tile is `ty·rm` channels × `tx·rn` pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConvTile {
    /// 64 channels × 64 pixels (16×16 threads, 4×4 each).
    Wide,
    /// 4 channels × 256 pixels (64×4 threads, 1×4 each), for `cout ≤ 4`.
    Narrow,
    /// 256 channels × 1 pixel (1×256 threads), for dense layers.
    Vector,
}

impl ConvTile {
    /// `(tx, ty, rm, rn)`.
    pub const fn dims(self) -> (u32, u32, u32, u32) {
        match self {
            ConvTile::Wide => (16, 16, 4, 4),
            ConvTile::Narrow => (64, 4, 1, 4),
            ConvTile::Vector => (1, 256, 1, 1),
        }
    }

    /// Output channels per tile.
    pub const fn channels(self) -> u32 {
        let (_, ty, rm, _) = self.dims();
        ty * rm
    }

    /// Output pixels per tile.
    pub const fn pixels(self) -> u32 {
        let (tx, _, _, rn) = self.dims();
        tx * rn
    }

    /// The tile used for a layer with `cout` channels and `p` output pixels.
    pub fn select(cout: usize, p: usize) -> Self {
        if p == 1 {
            ConvTile::Vector
        } else if cout <= 4 {
            ConvTile::Narrow
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
    conv: [wgpu::ComputePipeline; 3],
    eltwise: wgpu::ComputePipeline,
    adapter: String,
    plan: Option<plan::Plan>,
}

impl std::fmt::Debug for GpuExecutor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GpuExecutor")
            .field("adapter", &self.adapter)
            .finish()
    }
}

fn storage_entry(binding: u32, read_only: bool) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage { read_only },
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    }
}

impl GpuExecutor {
    /// Opens the first Vulkan adapter (a GPU, or lavapipe on machines without one) and compiles
    /// the kernels. Fails with [`Error::NoAdapter`] when there is none.
    pub fn new() -> Result<Self> {
        pollster::block_on(Self::new_async())
    }

    async fn new_async() -> Result<Self> {
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle());
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                ..Default::default()
            })
            .await
            .map_err(|e| Error::NoAdapter(e.to_string()))?;
        let info = adapter.get_info();
        let adapter_name = format!("{} ({:?}, {:?})", info.name, info.device_type, info.backend);
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("verifier"),
                required_limits: adapter.limits(),
                ..Default::default()
            })
            .await
            .map_err(|e| Error::Gpu(format!("request_device: {e}")))?;

        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("verifier-layer"),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::COMPUTE,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: false,
                        min_binding_size: None,
                    },
                    count: None,
                },
                storage_entry(1, true),
                storage_entry(2, true),
                storage_entry(3, true),
                storage_entry(4, false),
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
        let conv = [ConvTile::Wide, ConvTile::Narrow, ConvTile::Vector].map(|t| {
            let (tx, ty, rm, rn) = t.dims();
            let consts = format!(
                "const TX: u32 = {tx}u;\nconst TY: u32 = {ty}u;\nconst RM: u32 = {rm}u;\nconst RN: u32 = {rn}u;\n"
            );
            pipeline(&format!("conv-{t:?}"), &format!("{consts}{CONV_WGSL}"))
        });
        let eltwise = pipeline("eltwise", ELTWISE_WGSL);
        Ok(GpuExecutor {
            device,
            queue,
            layout,
            conv,
            eltwise,
            adapter: adapter_name,
            plan: None,
        })
    }

    /// Human-readable adapter description (e.g. `llvmpipe (LLVM 15.0.6, 256 bits) (Cpu, Vulkan)`).
    pub fn adapter(&self) -> &str {
        &self.adapter
    }

    /// Runs `model` on `input`; buffers are built on the first call for a model and reused.
    pub fn run(&mut self, model: &Model, input: &[i8]) -> Result<Execution> {
        check_input(model, input)?;
        if self.plan.as_ref().map(|p| p.model_id) != Some(model.id()) {
            self.plan = Some(plan::Plan::new(
                &self.device,
                &self.queue,
                &self.layout,
                model,
            )?);
        }
        let plan = self.plan.as_ref().expect("just built");
        let outputs = plan.run(&self.device, &self.queue, &self.conv, &self.eltwise, input)?;
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
}
