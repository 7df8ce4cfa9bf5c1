//! A lowered graph's GPU resources: one i32-per-element buffer per tensor the steps touch
//! (constants uploaded once), a copy packed four int8 to a word of each tensor a step reads
//! packed (`Step::packed_a`), per-step auxiliary tables and bind groups, one uniform buffer of
//! parameter blocks, a shared scratch for partial sums, a status buffer for refused inputs, a
//! buffer of the op outputs packed four int8 to a word (those of at least `pack_min` elements),
//! and one read-back buffer for every op output.

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

/// Where one op's output lies in the read-back.
struct ReadOut {
    op: usize,
    name: &'static str,
    tensor: usize,
    /// Word offset in the read-back.
    at: usize,
    elements: usize,
    /// The tensor's buffer when copied unpacked (one i32 per element).
    raw: Option<usize>,
}

/// Everything needed to run one graph repeatedly (see [`super::LiteRtGpu::prepare`]).
pub struct Prepared {
    steps: Vec<PStep>,
    /// (tensor, buffer) of each graph input.
    inputs: Vec<(usize, usize)>,
    buffers: Vec<wgpu::Buffer>,
    status: wgpu::Buffer,
    status_words: usize,
    /// The op outputs packed four int8 to a word (then copied to `readback`).
    packed: wgpu::Buffer,
    packed_words: usize,
    /// Word offset of the status words in the read-back.
    status_at: usize,
    readback: wgpu::Buffer,
    /// Where each op output lies in the read-back, in op order.
    outputs: Vec<ReadOut>,
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
    /// Op outputs of at least this many elements are packed for the read-back.
    pub pack_min: usize,
}

impl Prepared {
    /// Every op of `g` lowered (`tiled`: with the tiled GEMM where it applies, from that many
    /// MACs), and the scratch words the largest needs.
    /// `packed`: the channel-blocked kernels that can read their activations packed four int8
    /// to a word do ([`lower::pack_activations`]).
    pub(super) fn lower(
        g: &Graph,
        tiled: Option<usize>,
        packed: bool,
    ) -> Result<(Vec<Step>, usize)> {
        let mut steps: Vec<Step> = Vec::new();
        let mut scratch = 1usize;
        for (i, op) in g.ops.iter().enumerate() {
            let mut l = lower::lower(g, i, op, tiled)?;
            scratch = scratch.max(l.scratch);
            if packed {
                l.steps.iter_mut().for_each(|s| {
                    lower::pack_activations(s);
                });
            }
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
        // Activations read packed four int8 to a word (`Step::packed_a`): one packed copy per
        // tensor, made by the read-back's packing (eltwise kind 8) before its first reader.
        let mut packed_of = vec![usize::MAX; g.tensors.len()];
        let mut act_words: Vec<(usize, usize)> = Vec::new();
        for s in &steps {
            if let (true, Some(t)) = (s.packed_a, s.a)
                && packed_of[t] == usize::MAX
            {
                let n = g.tensors[t].len();
                bytes += lim
                    .check_binding(&format!("tensor {t} packed"), n.div_ceil(4))
                    .map_err(gpu)?;
                packed_of[t] = act_words.len();
                act_words.push((t, n));
            }
        }
        let scratch_bytes = lim.check_binding("partial sums", scratch).map_err(gpu)?;
        let status_words = 2 * g.ops.len().max(1);
        // The read-back: op outputs of at least `pack_min` elements packed four int8 to a word
        // on the device (into `packed`, copied to the read-back's start), the others copied as
        // they are (one i32 per element) after them, then the status words.
        let n_of = |o: &super::super::graph::Op| g.tensors[o.outputs[0]].len();
        let packs = |o: &super::super::graph::Op| n_of(o) >= cx.pack_min && n_of(o) > 0;
        let mut read_at = Vec::with_capacity(g.ops.len());
        let mut packed_words = 0usize;
        for o in &g.ops {
            read_at.push(packed_words);
            if packs(o) {
                packed_words += n_of(o).div_ceil(4);
            }
        }
        let mut read_words = packed_words;
        for (at, o) in read_at.iter_mut().zip(&g.ops) {
            if !packs(o) {
                *at = read_words;
                read_words += n_of(o);
            }
        }
        let packed_bytes = lim
            .check_binding("the packed op outputs", packed_words)
            .map_err(gpu)?;
        let readback_bytes = (read_words + status_words) as u64 * 4;
        if readback_bytes > lim.max_buffer {
            return Err(gpu(format!(
                "the op outputs need a {readback_bytes}-byte read-back; the device allows {}",
                lim.max_buffer
            )));
        }
        let stride = BLOCK_BYTES.div_ceil(lim.uniform_align) * lim.uniform_align;
        let mut blocks = Vec::new();
        let mut planned = Vec::with_capacity(steps.len());
        let mut act_planned = Vec::with_capacity(steps.len());
        let mut act_done = vec![false; act_words.len()];
        for s in &steps {
            let mut pre = None;
            if let (true, Some(t)) = (s.packed_a, s.a)
                && !std::mem::replace(&mut act_done[packed_of[t]], true)
            {
                let op = s.dispatches.first().map_or(0, |d| d.words[3] as usize);
                let n = g.tensors[t].len();
                pre = Some(pack_dispatches(cx, (&mut blocks, stride), op, n, 0)?);
            }
            act_planned.push(pre);
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
        // The read-back packing: one dispatch per packed op output (eltwise kind 8), after
        // every op.
        let mut pack_planned = Vec::with_capacity(g.ops.len());
        for (i, o) in g.ops.iter().enumerate() {
            let n = g.tensors[o.outputs[0]].len();
            if !packs(o) {
                pack_planned.push(Vec::new());
                continue;
            }
            pack_planned.push(pack_dispatches(
                cx,
                (&mut blocks, stride),
                i,
                n,
                read_at[i],
            )?);
        }
        let uniform_bytes = blocks.len().max(1) as u64 * stride;
        let mut aux_bytes = 0;
        for s in &steps {
            aux_bytes += lim
                .check_binding("an op's tables", s.aux.len())
                .map_err(gpu)?;
        }
        bytes += scratch_bytes + packed_bytes + readback_bytes + uniform_bytes + aux_bytes;
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
        let packed = plain(packed_bytes, "packed outputs");
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
        let bind = |a: &wgpu::Buffer, b: &wgpu::Buffer, aux: &wgpu::Buffer, out: &wgpu::Buffer| {
            cx.device.create_bind_group(&wgpu::BindGroupDescriptor {
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
                    entry(1, a),
                    entry(2, b),
                    entry(3, aux),
                    entry(4, out),
                    entry(5, &scratch_buf),
                    entry(6, &status),
                ],
            })
        };
        let mut psteps = Vec::with_capacity(steps.len() + g.ops.len());
        let act_bufs: Vec<wgpu::Buffer> = act_words
            .iter()
            .map(|&(_, n)| plain(n.div_ceil(4) as u64 * 4, "packed activations"))
            .collect();
        for ((s, ds), pre) in steps.iter().zip(planned).zip(act_planned) {
            let packed_a = s.a.filter(|_| s.packed_a).map(|t| &act_bufs[packed_of[t]]);
            if let (Some(pre), Some(t), Some(dst)) = (pre, s.a, packed_a) {
                psteps.push(PStep {
                    pipe_of: pre,
                    bind_group: bind(&buffers[buf_of[t]], &dummy, &dummy, dst),
                });
            }
            let aux = if s.aux.is_empty() {
                None
            } else {
                Some(init(cx.device, &s.aux, wgpu::BufferUsages::STORAGE))
            };
            let tensor = |t: Option<usize>| t.map_or(&dummy, |t| &buffers[buf_of[t]]);
            let bind_group = bind(
                tensor(s.a),
                packed_a.unwrap_or(tensor(s.b)),
                aux.as_ref().unwrap_or(&dummy),
                tensor(Some(s.out)),
            );
            psteps.push(PStep {
                pipe_of: ds,
                bind_group,
            });
        }
        for (o, ds) in g.ops.iter().zip(pack_planned) {
            if ds.is_empty() {
                continue;
            }
            let src = &buffers[buf_of[o.outputs[0]]];
            psteps.push(PStep {
                pipe_of: ds,
                bind_group: bind(src, &dummy, &dummy, &packed),
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
                    ReadOut {
                        op: i,
                        name: o.name,
                        tensor: t,
                        at: read_at[i],
                        elements: g.tensors[t].len(),
                        raw: (!packs(o)).then_some(buf_of[t]),
                    }
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
            packed,
            packed_words,
            status_at: read_words,
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
        let packed_bytes = self.packed_words as u64 * 4;
        if packed_bytes > 0 {
            encoder.copy_buffer_to_buffer(&self.packed, 0, &self.readback, 0, packed_bytes);
        }
        for &ReadOut {
            at,
            elements: n,
            raw,
            ..
        } in &self.outputs
        {
            if let Some(buf) = raw.filter(|_| n > 0) {
                let dst = at as u64 * 4;
                encoder.copy_buffer_to_buffer(
                    &self.buffers[buf],
                    0,
                    &self.readback,
                    dst,
                    n as u64 * 4,
                );
            }
        }
        let status_bytes = self.status_at as u64 * 4;
        encoder.copy_buffer_to_buffer(
            &self.status,
            0,
            &self.readback,
            status_bytes,
            self.status_words as u64 * 4,
        );
        let index = queue.submit([encoder.finish()]);
        // one copy out of the mapped range (as fast as a memcpy), then sliced on the host
        let view = crate::gpu::device::read_back(device, &self.readback, index, timeout, |v| {
            Ok(v.to_vec())
        })
        .map_err(gpu)?;
        let outputs = &self.outputs;
        let word = |i: usize| {
            let at = status_bytes as usize + 4 * i;
            view.get(at..at + 4)
                .map_or(0, |c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        };
        let flagged = outputs.len().min(self.status_words / 2);
        if let Some(op) = (0..flagged).find(|&i| word(2 * i) == 1) {
            return Err(LiteRtError::Op {
                index: op,
                op: outputs[op].name,
                why: format!(
                    "input {} is outside the op's domain (refused on the GPU)",
                    word(2 * op + 1)
                ),
            });
        }
        let mut res = Vec::with_capacity(outputs.len());
        for &ReadOut {
            op,
            name,
            tensor,
            at,
            elements: n,
            raw,
        } in outputs
        {
            let len = if raw.is_some() { 4 * n } else { n };
            let bytes = view
                .get(4 * at..4 * at + len)
                .ok_or_else(|| gpu("read-back shorter than the op outputs"))?;
            let bytes = match raw {
                // one i32 per element: its low byte is the int8
                Some(_) => bytes.chunks_exact(4).map(|c| c[0]).collect(),
                None => bytes.to_vec(),
            };
            res.push(OpOutput {
                op,
                name,
                tensor,
                bytes,
            });
        }
        Ok(res)
    }
}

fn entry(binding: u32, buf: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: buf.as_entire_binding(),
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

/// The dispatches of one packing (eltwise kind 8) of `n` elements into words `at ..` of its
/// output, for op `op` (its status word), their parameter blocks appended to `blocks`.
fn pack_dispatches(
    cx: &Ctx<'_>,
    (blocks, stride): (&mut Vec<[i32; WORDS]>, u64),
    op: usize,
    n: usize,
    at: usize,
) -> Result<Vec<(wgpu::ComputePipeline, u32, [u32; 2])>> {
    let fits = |v: usize| i32::try_from(v).map_err(|_| gpu(format!("{v} does not fit")));
    let mut w = [0i32; WORDS];
    w[3] = fits(op)?;
    w[4] = 8;
    w[12] = fits(n)?;
    w[13] = fits(at)?;
    let total = n.div_ceil(4);
    let mut ds = Vec::new();
    if total > 0 {
        let key = super::kernels::key(lower::Pipe::Eltwise, &w);
        let pipeline = cx.kernels.pipeline(cx.device, key);
        for (base, gx, gy) in grid(total, cx.limits.max_groups) {
            let mut w = w;
            w[0] = fits(total)?;
            w[1] = fits(base as usize)?;
            w[2] = gx as i32;
            ds.push((
                pipeline.clone(),
                (blocks.len() as u64 * stride) as u32,
                [gx, gy],
            ));
            blocks.push(w);
        }
    }
    Ok(ds)
}
