//! The compiled kernels: three shader modules and their pipelines, one per (entry point, kind,
//! requantization) used, each specialized with WGSL `override` constants.
//!
//! Why specialize: llvmpipe (Mesa 22) runs both sides of every branch under an execution mask,
//! so a kernel that switched on a parameter word paid for every kind's setup (divisions with
//! their zero checks, FULLY_CONNECTED's float64 emulation) in every invocation. With `KIND` and
//! `REQ` fixed per pipeline the driver folds the switch away. Pipelines are built on first use
//! and cached, so an executor compiles only what its graphs need.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Mutex;

use super::lower::{self, Pipe};
use crate::gpu::device::storage_entry;

const REQUANT_WGSL: &str = include_str!("requant.wgsl");
const FIXED_WGSL: &str = include_str!("fixed.wgsl");
const COMMON_WGSL: &str = include_str!("common.wgsl");
const REDUCE_WGSL: &str = include_str!("reduce.wgsl");
const ELTWISE_WGSL: &str = include_str!("eltwise.wgsl");
const BLOCKED_WGSL: &str = include_str!("blocked.wgsl");
const GEMM_WGSL: &str = include_str!("gemm.wgsl");
const MAC_DOT4_WGSL: &str = include_str!("mac_dot4.wgsl");
const MAC_UNPACK_WGSL: &str = include_str!("mac_unpack.wgsl");

/// A pipeline's specialization: entry point, `KIND` (parameter word 4), `REQ` (word 44: 0
/// FULLY_CONNECTED's float64, 1 per-channel MBQM; only the passes that requantize read it),
/// `WT` (a reduction's weights transposed or packed in aux), `NB` (blocks of four channels per
/// invocation of the channel-blocked reductions).
pub(super) type Key = (Pipe, i32, i32, i32, i32);

/// The specialization of dispatch `words` on `pipe`.
pub(super) fn key(pipe: Pipe, words: &[i32; lower::WORDS]) -> Key {
    let reduction = matches!(
        pipe,
        Pipe::Partial | Pipe::Finish | Pipe::Partial4 | Pipe::Finish4
    );
    let req = match pipe {
        Pipe::Finish | Pipe::Finish4 | Pipe::Tile => words[44],
        _ => 0,
    };
    let wt = match (reduction, words[4]) {
        (true, 0) => words[19],
        (true, 2..=4) => words[30],
        _ => 0,
    };
    let nb = match pipe {
        Pipe::Partial4 | Pipe::Finish4 => words[54],
        _ => 1,
    };
    (pipe, words[4], req, wt, nb)
}

/// Shader modules, layouts and the pipeline cache.
pub(super) struct Kernels {
    pub layout: wgpu::BindGroupLayout,
    pipeline_layout: wgpu::PipelineLayout,
    reduce: wgpu::ShaderModule,
    eltwise: wgpu::ShaderModule,
    gemm: wgpu::ShaderModule,
    cache: Mutex<HashMap<Key, wgpu::ComputePipeline>>,
}

impl Kernels {
    /// Compiles the modules (`dot4`: the tiled GEMM's inner step is `dot4I8Packed`) and the
    /// tiled GEMM's pipelines (so that a device that cannot build them is known at once).
    pub fn new(device: &wgpu::Device, dot4: bool) -> Self {
        let mut entries = vec![wgpu::BindGroupLayoutEntry {
            binding: 0,
            visibility: wgpu::ShaderStages::COMPUTE,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Uniform,
                has_dynamic_offset: true,
                min_binding_size: wgpu::BufferSize::new((lower::WORDS * 4) as u64),
            },
            count: None,
        }];
        entries.extend((1..=6).map(|b| storage_entry(b, b <= 3)));
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("litert-step"),
            entries: &entries,
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("litert"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let module = |name: &str, body: &str| {
            device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(name),
                source: wgpu::ShaderSource::Wgsl(Cow::Owned(format!(
                    "{REQUANT_WGSL}\n{FIXED_WGSL}\n{COMMON_WGSL}\n{body}"
                ))),
            })
        };
        let mac = if dot4 { MAC_DOT4_WGSL } else { MAC_UNPACK_WGSL };
        let k = Kernels {
            reduce: module("litert-reduce", &format!("{REDUCE_WGSL}\n{BLOCKED_WGSL}")),
            eltwise: module("litert-eltwise", ELTWISE_WGSL),
            gemm: module("litert-gemm", &format!("{REDUCE_WGSL}\n{GEMM_WGSL}\n{mac}")),
            layout,
            pipeline_layout,
            cache: Mutex::new(HashMap::new()),
        };
        for req in [0, 1] {
            k.pipeline(device, (Pipe::Tile, 9, req, 0, 1));
        }
        k
    }

    /// The pipeline of `key`, built on first use (run it inside an error scope: a driver that
    /// cannot build it reports there).
    pub fn pipeline(&self, device: &wgpu::Device, key: Key) -> wgpu::ComputePipeline {
        // a poisoned lock only means another thread panicked mid-insert; the map is still valid
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = cache.get(&key) {
            return p.clone();
        }
        let (pipe, kind, req, wt, nb) = key;
        let (module, entry) = match pipe {
            Pipe::Partial => (&self.reduce, "partial"),
            Pipe::Finish => (&self.reduce, "finish"),
            Pipe::Partial4 => (&self.reduce, "partial4"),
            Pipe::Finish4 => (&self.reduce, "finish4"),
            Pipe::Eltwise => (&self.eltwise, "eltwise"),
            Pipe::Tile => (&self.gemm, "tile"),
        };
        let constants = [
            ("KIND", f64::from(kind)),
            ("REQ", f64::from(req)),
            ("WT", f64::from(wt)),
            ("NB", f64::from(nb)),
        ];
        let p = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(entry),
            layout: Some(&self.pipeline_layout),
            module,
            entry_point: Some(entry),
            compilation_options: wgpu::PipelineCompilationOptions {
                constants: &constants,
                // every kernel writes its workgroup memory before a barrier and a read
                zero_initialize_workgroup_memory: false,
            },
            cache: None,
        });
        cache.insert(key, p.clone());
        p
    }
}
