//! A lowered graph's GPU resources: one i32-per-element buffer per tensor the steps touch
//! (constants uploaded once), per-step auxiliary tables and bind groups, one uniform buffer of
//! parameter blocks, a shared scratch for partial sums, a status buffer for refused inputs, and
//! one read-back buffer for every op output.

use super::lower::{self, Step, WORDS};
use crate::gpu::device::DeviceLimits;
use crate::litert::error::{LiteRtError, Result};
use crate::litert::exec::OpOutput;
use crate::litert::graph::{DType, Graph};

const GROUP: u64 = 64;
const BLOCK_BYTES: u64 = (WORDS * 4) as u64;

fn gpu(e: impl std::fmt::Display) -> LiteRtError {
    LiteRtError::Gpu(e.to_string())
}

/// `(base invocation, workgroups x, y)` of each dispatch covering `total` invocations within
/// `max_groups` per dimension.
pub(super) fn grid(total: usize, max_groups: u32) -> Vec<(u64, u32, u32)> {
    let groups = (total as u64).div_ceil(GROUP).max(1);
    let maxg = u64::from(max_groups.max(1));
    let per = maxg * maxg;
    (0..groups)
        .step_by(per as usize)
        .map(|start| {
            let n = per.min(groups - start);
            let gx = n.min(maxg);
            (start * GROUP, gx as u32, n.div_ceil(gx) as u32)
        })
        .collect()
}

struct PStep {
    pipe_of: Vec<(wgpu::ComputePipeline, u32, [u32; 2])>,
    bind_group: wgpu::BindGroup,
}

/// Everything needed to run one graph repeatedly (see [`super::LiteRtGpu::prepare`]).
pub struct Prepared {
    steps: Vec<PStep>,
    /// (tensor, buffer) of each graph input.
    inputs: Vec<(usize, usize)>,
    buffers: Vec<wgpu::Buffer>,
    status: wgpu::Buffer,
    status_words: usize,
    readback: wgpu::Buffer,
    /// (op index, name, tensor, buffer, elements) of each op output, in read-back order.
    outputs: Vec<(usize, &'static str, usize, usize, usize)>,
    /// Input sizes in bytes, for checking.
    input_bytes: Vec<usize>,
    input_dtypes: Vec<DType>,
    /// Device memory held, in bytes.
    pub bytes: u64,
    /// Dispatches of one inference.
    pub dispatches: usize,
}

/// The parts of the executor a plan is built with.
pub(super) struct Ctx<'a> {
    pub device: &'a wgpu::Device,
    pub kernels: &'a super::kernels::Kernels,
    pub limits: &'a DeviceLimits,
    pub max_bytes: u64,
}

impl Prepared {
    /// Every op of `g` lowered (`tiled`: with the tiled GEMM where it applies, from that many
    /// MACs), and the scratch words the largest needs.
    pub(super) fn lower(g: &Graph, tiled: Option<usize>) -> Result<(Vec<Step>, usize)> {
        let mut steps: Vec<Step> = Vec::new();
        let mut scratch = 1usize;
        for (i, op) in g.ops.iter().enumerate() {
            let l = lower::lower(g, i, op, tiled)?;
            scratch = scratch.max(l.scratch);
            steps.extend(l.steps);
        }
        Ok((steps, scratch))
    }

    /// Builds the resources of `g` lowered to `steps`.
    pub(super) fn new(cx: &Ctx<'_>, g: &Graph, steps: Vec<Step>, scratch: usize) -> Result<Self> {
        let lim = cx.limits;
        // Buffers, checked against the device before any is created.
        let mut buf_of = vec![usize::MAX; g.tensors.len()];
        let mut sizes: Vec<(usize, u64)> = Vec::new();
        let mut bytes = 0u64;
        let mut need = |t: usize, sizes: &mut Vec<(usize, u64)>, bytes: &mut u64| -> Result<()> {
            if buf_of[t] == usize::MAX {
                let info = &g.tensors[t];
                let b = lim
                    .check_binding(&format!("tensor {t} `{}`", info.name), info.len())
                    .map_err(gpu)?;
                buf_of[t] = sizes.len();
                sizes.push((t, b));
                *bytes += b;
            }
            Ok(())
        };
        for &t in &g.inputs {
            need(t, &mut sizes, &mut bytes)?;
        }
        for s in &steps {
            for t in [s.a, s.b, Some(s.out)].into_iter().flatten() {
                need(t, &mut sizes, &mut bytes)?;
            }
        }
        let scratch_bytes = lim.check_binding("partial sums", scratch).map_err(gpu)?;
        let status_words = 2 * g.ops.len().max(1);
        let out_words: usize = g.ops.iter().map(|o| g.tensors[o.outputs[0]].len()).sum();
        let readback_bytes = (out_words + status_words) as u64 * 4;
        if readback_bytes > lim.max_buffer {
            return Err(gpu(format!(
                "the op outputs need a {readback_bytes}-byte read-back; the device allows {}",
                lim.max_buffer
            )));
        }
        let stride = BLOCK_BYTES.div_ceil(lim.uniform_align) * lim.uniform_align;
        let mut blocks = Vec::new();
        let mut planned = Vec::with_capacity(steps.len());
        for s in &steps {
            let mut ds = Vec::new();
            for d in &s.dispatches {
                if d.total > i32::MAX as usize {
                    return Err(gpu(format!("{} invocations in one op", d.total)));
                }
                for (base, gx, gy) in grid(d.total, lim.max_groups) {
                    let mut w = d.words;
                    w[0] = d.total as i32;
                    w[1] = base as i32;
                    w[2] = gx as i32;
                    let key = super::kernels::key(d.pipe, &d.words);
                    let pipeline = cx.kernels.pipeline(cx.device, key);
                    ds.push((pipeline, (blocks.len() as u64 * stride) as u32, [gx, gy]));
                    blocks.push(w);
                }
            }
            planned.push(ds);
        }
        let uniform_bytes = blocks.len().max(1) as u64 * stride;
        let mut aux_bytes = 0;
        for s in &steps {
            aux_bytes += lim
                .check_binding("an op's tables", s.aux.len())
                .map_err(gpu)?;
        }
        bytes += scratch_bytes + readback_bytes + uniform_bytes + aux_bytes;
        if bytes > cx.max_bytes || uniform_bytes > lim.max_buffer {
            return Err(gpu(format!(
                "the graph needs {bytes} bytes of device memory; the budget is {}",
                cx.max_bytes
            )));
        }

        use wgpu::util::DeviceExt;
        let usage = wgpu::BufferUsages::STORAGE
            | wgpu::BufferUsages::COPY_DST
            | wgpu::BufferUsages::COPY_SRC;
        let buffers: Vec<wgpu::Buffer> = sizes
            .iter()
            .map(|&(t, size)| {
                let info = &g.tensors[t];
                match (&info.data, info.dtype) {
                    (Some(_), DType::I8) => {
                        let v: Vec<i32> = info
                            .const_i8()
                            .unwrap_or_default()
                            .iter()
                            .map(|&x| x as i32)
                            .collect();
                        init(cx.device, &v, usage)
                    }
                    (Some(_), DType::I32) => {
                        init(cx.device, &info.const_i32().unwrap_or_default(), usage)
                    }
                    _ => cx.device.create_buffer(&wgpu::BufferDescriptor {
                        label: Some("tensor"),
                        size,
                        usage,
                        mapped_at_creation: false,
                    }),
                }
            })
            .collect();
        let plain = |size: u64, label: &str| {
            cx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: size.max(4),
                usage,
                mapped_at_creation: false,
            })
        };
        let scratch_buf = plain(scratch_bytes, "scratch");
        let status = plain(status_words as u64 * 4, "status");
        let dummy = plain(4, "unused");
        let readback = cx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("read-back"),
            size: readback_bytes.max(4),
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut ubytes = vec![0u8; uniform_bytes as usize];
        for (i, w) in blocks.iter().enumerate() {
            let at = i * stride as usize;
            for (j, v) in w.iter().enumerate() {
                ubytes[at + 4 * j..at + 4 * j + 4].copy_from_slice(&v.to_le_bytes());
            }
        }
        let uniform = cx
            .device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("params"),
                contents: &ubytes,
                usage: wgpu::BufferUsages::UNIFORM,
            });
        let mut psteps = Vec::with_capacity(steps.len());
        for (s, ds) in steps.iter().zip(planned) {
            let aux = if s.aux.is_empty() {
                None
            } else {
                Some(init(cx.device, &s.aux, wgpu::BufferUsages::STORAGE))
            };
            let tensor = |t: Option<usize>| t.map_or(&dummy, |t| &buffers[buf_of[t]]);
            let bind_group = cx.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("litert-step"),
                layout: &cx.kernels.layout,
                entries: &[
                    wgpu::BindGroupEntry {
                        binding: 0,
                        resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                            buffer: &uniform,
                            offset: 0,
                            size: wgpu::BufferSize::new(BLOCK_BYTES),
                        }),
                    },
                    wgpu::BindGroupEntry {
                        binding: 1,
                        resource: tensor(s.a).as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 2,
                        resource: tensor(s.b).as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 3,
                        resource: aux.as_ref().unwrap_or(&dummy).as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 4,
                        resource: tensor(Some(s.out)).as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 5,
                        resource: scratch_buf.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 6,
                        resource: status.as_entire_binding(),
                    },
                ],
            });
            psteps.push(PStep {
                pipe_of: ds,
                bind_group,
            });
        }
        let dispatches = psteps.iter().map(|s| s.pipe_of.len()).sum();
        Ok(Prepared {
            steps: psteps,
            inputs: g.inputs.iter().map(|&t| (t, buf_of[t])).collect(),
            outputs: g
                .ops
                .iter()
                .enumerate()
                .map(|(i, o)| {
                    let t = o.outputs[0];
                    (i, o.name, t, buf_of[t], g.tensors[t].len())
                })
                .collect(),
            input_bytes: g
                .inputs
                .iter()
                .map(|&t| g.tensors[t].len() * g.tensors[t].dtype.size())
                .collect(),
            input_dtypes: g.inputs.iter().map(|&t| g.tensors[t].dtype).collect(),
            buffers,
            status,
            status_words,
            readback,
            bytes,
            dispatches,
        })
    }

    /// One inference: inputs written, every dispatch and the read-back copies in one encoder,
    /// one submit, one bounded wait. A refused input (GATHER id, RSQRT of a negative) fails with
    /// the first op that flagged one, as the CPU reference fails there.
    pub(super) fn run(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        inputs: &[&[u8]],
        timeout: std::time::Duration,
    ) -> Result<Vec<OpOutput>> {
        if inputs.len() != self.inputs.len() {
            return Err(LiteRtError::Input(format!(
                "{} inputs given, the graph has {}",
                inputs.len(),
                self.inputs.len()
            )));
        }
        for (i, (&(t, buf), bytes)) in self.inputs.iter().zip(inputs).enumerate() {
            if bytes.len() != self.input_bytes[i] {
                return Err(LiteRtError::Input(format!(
                    "input tensor {t}: {} bytes, needs {}",
                    bytes.len(),
                    self.input_bytes[i]
                )));
            }
            let words: Vec<u8> = match self.input_dtypes[i] {
                DType::I8 => bytes
                    .iter()
                    .flat_map(|&b| (b as i8 as i32).to_le_bytes())
                    .collect(),
                DType::I32 => bytes.to_vec(),
            };
            if !words.is_empty() {
                queue.write_buffer(&self.buffers[buf], 0, &words);
            }
        }
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("litert-inference"),
        });
        encoder.clear_buffer(&self.status, 0, None);
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("litert-ops"),
                timestamp_writes: None,
            });
            for s in &self.steps {
                for (pipeline, offset, [gx, gy]) in &s.pipe_of {
                    pass.set_pipeline(pipeline);
                    pass.set_bind_group(0, &s.bind_group, &[*offset]);
                    pass.dispatch_workgroups(*gx, *gy, 1);
                }
            }
        }
        let mut at = 0u64;
        for &(_, _, _, buf, n) in &self.outputs {
            if n > 0 {
                encoder.copy_buffer_to_buffer(
                    &self.buffers[buf],
                    0,
                    &self.readback,
                    at,
                    n as u64 * 4,
                );
            }
            at += n as u64 * 4;
        }
        encoder.copy_buffer_to_buffer(
            &self.status,
            0,
            &self.readback,
            at,
            self.status_words as u64 * 4,
        );
        let index = queue.submit([encoder.finish()]);
        let words = crate::gpu::device::read_back(device, &self.readback, index, timeout, |view| {
            Ok(view
                .chunks_exact(4)
                .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect::<Vec<i32>>())
        })
        .map_err(gpu)?;
        let (outs, status) = words.split_at(at as usize / 4);
        if let Some(op) = (0..self.outputs.len()).find(|&i| status.get(2 * i) == Some(&1)) {
            let (_, name, ..) = self.outputs[op];
            return Err(LiteRtError::Op {
                index: op,
                op: name,
                why: format!(
                    "input {} is outside the op's domain (refused on the GPU)",
                    status[2 * op + 1]
                ),
            });
        }
        let mut res = Vec::with_capacity(self.outputs.len());
        let mut at = 0usize;
        for &(op, name, tensor, _, n) in &self.outputs {
            res.push(OpOutput {
                op,
                name,
                tensor,
                bytes: outs[at..at + n].iter().map(|&v| v as u8).collect(),
            });
            at += n;
        }
        Ok(res)
    }
}

fn init(device: &wgpu::Device, words: &[i32], usage: wgpu::BufferUsages) -> wgpu::Buffer {
    use wgpu::util::DeviceExt;
    let mut bytes: Vec<u8> = words.iter().flat_map(|v| v.to_le_bytes()).collect();
    if bytes.is_empty() {
        bytes = vec![0; 4];
    }
    device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("constant"),
        contents: &bytes,
        usage,
    })
}
