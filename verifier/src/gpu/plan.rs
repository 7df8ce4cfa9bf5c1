//! Per-model GPU resources: one buffer per activation, per-layer uniforms and bind groups, and a
//! single read-back buffer holding every layer's output.

use crate::hash::Hash32;
use crate::model::{Model, Op};
use crate::{Error, Result};

/// Which kernel a step runs.
#[derive(Clone, Copy, Debug)]
enum Kernel {
    Conv(super::ConvTile),
    Eltwise,
}

struct Step {
    kernel: Kernel,
    bind_group: wgpu::BindGroup,
    groups: [u32; 3],
}

/// Everything needed to run one model repeatedly.
pub(super) struct Plan {
    pub(super) model_id: Hash32,
    buffers: Vec<wgpu::Buffer>,
    /// Buffer index of each value (0 = input); reshapes alias their input's buffer.
    value_buf: Vec<usize>,
    steps: Vec<Step>,
    readback: wgpu::Buffer,
    /// (buffer index, element count) of each layer output, in read-back order.
    copies: Vec<(usize, usize)>,
}

const ELTWISE_GROUP: u32 = 256;
const MAX_GROUPS_X: u32 = 65535;

fn ew_op(op: &Op) -> u32 {
    match op {
        Op::Relu => 0,
        Op::Clamp { .. } => 1,
        Op::Requantize(_) => 2,
        Op::Lut(_) => 3,
        Op::Add { .. } => 4,
        Op::Upsample { .. } => 5,
        Op::AvgPool { .. } => 6,
        Op::Dense { .. } | Op::Conv2d { .. } | Op::Reshape => unreachable!("not elementwise"),
    }
}

fn words(values: impl IntoIterator<Item = i32>) -> Vec<u8> {
    values.into_iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn u(v: usize) -> u32 {
    u32::try_from(v).expect("sizes are bounded by the loader")
}

impl Plan {
    pub(super) fn new(
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        layout: &wgpu::BindGroupLayout,
        model: &Model,
    ) -> Result<Plan> {
        let storage = |label: &str, elements: usize, extra: wgpu::BufferUsages| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: (elements.max(1) * 4) as u64,
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST | extra,
                mapped_at_creation: false,
            })
        };
        let constant = |label: &str, data: Vec<i32>| {
            let buf = storage(label, data.len(), wgpu::BufferUsages::empty());
            queue.write_buffer(&buf, 0, &words(data));
            buf
        };
        let uniform = |data: [u32; 16]| {
            let buf = device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("params"),
                size: 64,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            queue.write_buffer(&buf, 0, &words(data.map(|x| x as i32)));
            buf
        };
        let dummy = storage("dummy", 4, wgpu::BufferUsages::empty());

        let mut buffers = vec![storage(
            "input",
            model.input_len(),
            wgpu::BufferUsages::COPY_SRC,
        )];
        let mut value_buf = vec![0usize];
        let mut steps = Vec::new();
        let mut copies = Vec::new();
        for (li, layer) in model.layers().iter().enumerate() {
            let in_shape = model.value_shape(layer.inputs[0]);
            let n_out: usize = layer.shape.iter().product();
            if matches!(layer.op, Op::Reshape) {
                let b = value_buf[layer.inputs[0]];
                value_buf.push(b);
                copies.push((b, n_out));
                continue;
            }
            let out = storage(&format!("layer{li}"), n_out, wgpu::BufferUsages::COPY_SRC);
            let a = &buffers[value_buf[layer.inputs[0]]];
            let (kernel, params, own2, own3, groups, second) = match &layer.op {
                Op::Dense { weight, bias, rq }
                | Op::Conv2d {
                    weight, bias, rq, ..
                } => {
                    let g = match &layer.op {
                        Op::Conv2d { geom, .. } => *geom,
                        _ => crate::ops::ConvGeom {
                            cin: in_shape.iter().product(),
                            h: 1,
                            w: 1,
                            cout: bias.len(),
                            kh: 1,
                            kw: 1,
                            sh: 1,
                            sw: 1,
                            ph: 0,
                            pw: 0,
                        },
                    };
                    let (oh, ow) = (g.oh().expect("validated"), g.ow().expect("validated"));
                    let k = g.cin * g.kh * g.kw;
                    let p = oh * ow;
                    let params = [
                        u(g.cin),
                        u(g.h),
                        u(g.w),
                        u(g.cout),
                        u(g.kh),
                        u(g.kw),
                        u(g.sh),
                        u(g.sw),
                        u(g.ph),
                        u(g.pw),
                        u(oh),
                        u(ow),
                        rq.multiplier as u32,
                        rq.shift,
                        u(k),
                        u(p),
                    ];
                    let w = constant("weight", weight.iter().map(|&v| v as i32).collect());
                    let b = constant("bias", bias.clone());
                    let tile = super::ConvTile::select(g.cout, p);
                    let groups = [
                        u(p).div_ceil(tile.pixels()),
                        u(g.cout).div_ceil(tile.channels()),
                        1,
                    ];
                    (Kernel::Conv(tile), params, Some(w), Some(b), groups, None)
                }
                op => {
                    let mut p = [0u32; 16];
                    p[0] = ew_op(op);
                    p[1] = u(n_out);
                    if in_shape.len() == 3 {
                        p[2] = u(in_shape[0]);
                        p[3] = u(in_shape[1]);
                        p[4] = u(in_shape[2]);
                    }
                    if layer.shape.len() == 3 {
                        p[5] = u(layer.shape[1]);
                        p[6] = u(layer.shape[2]);
                    }
                    let mut table = None;
                    let mut second = None;
                    match op {
                        Op::Clamp { min, max } => {
                            p[12] = *min as i32 as u32;
                            p[13] = *max as i32 as u32;
                        }
                        Op::Requantize(rq) => {
                            p[12] = rq.multiplier as u32;
                            p[11] = rq.shift;
                        }
                        Op::Lut(t) => {
                            table = Some(constant("table", t.iter().map(|&v| v as i32).collect()));
                        }
                        Op::Add {
                            weight_a,
                            weight_b,
                            shift,
                        } => {
                            p[12] = *weight_a as u32;
                            p[13] = *weight_b as u32;
                            p[11] = *shift;
                            second = Some(value_buf[layer.inputs[1]]);
                        }
                        Op::Upsample { factor } => p[7] = u(*factor),
                        Op::AvgPool { kernel, stride } => {
                            p[7] = u(kernel[0]);
                            p[8] = u(kernel[1]);
                            p[9] = u(stride[0]);
                            p[10] = u(stride[1]);
                        }
                        _ => {}
                    }
                    let total = u(n_out).div_ceil(ELTWISE_GROUP);
                    let gx = total.min(MAX_GROUPS_X);
                    let groups = [gx, total.div_ceil(gx), 1];
                    (Kernel::Eltwise, p, None, table, groups, second)
                }
            };
            let params = uniform(params);
            // Binding 2: conv weights or the second input of `add`; binding 3: bias or table.
            let b_buf = second
                .map(|i| &buffers[i])
                .or(own2.as_ref())
                .unwrap_or(&dummy);
            let t_buf = own3.as_ref().unwrap_or(&dummy);
            let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("layer"),
                layout,
                entries: &[
                    wgpu::BindGroupEntry {
                        binding: 0,
                        resource: params.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 1,
                        resource: a.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 2,
                        resource: b_buf.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 3,
                        resource: t_buf.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 4,
                        resource: out.as_entire_binding(),
                    },
                ],
            });
            steps.push(Step {
                kernel,
                bind_group,
                groups,
            });
            buffers.push(out);
            value_buf.push(buffers.len() - 1);
            copies.push((buffers.len() - 1, n_out));
        }
        let total: usize = copies.iter().map(|c| c.1).sum();
        let readback = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size: (total * 4) as u64,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        Ok(Plan {
            model_id: model.id(),
            buffers,
            value_buf,
            steps,
            readback,
            copies,
        })
    }

    /// Runs one inference: write input, one encoder, one submit, one map.
    pub(super) fn run(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        conv: &[wgpu::ComputePipeline; 3],
        eltwise: &wgpu::ComputePipeline,
        input: &[i8],
    ) -> Result<Vec<Vec<i8>>> {
        queue.write_buffer(
            &self.buffers[self.value_buf[0]],
            0,
            &words(input.iter().map(|&v| v as i32)),
        );
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("inference"),
        });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("layers"),
                timestamp_writes: None,
            });
            for step in &self.steps {
                pass.set_pipeline(match step.kernel {
                    Kernel::Conv(tile) => &conv[tile.index()],
                    Kernel::Eltwise => eltwise,
                });
                pass.set_bind_group(0, &step.bind_group, &[]);
                pass.dispatch_workgroups(step.groups[0], step.groups[1], step.groups[2]);
            }
        }
        let mut offset = 0u64;
        for &(buf, n) in &self.copies {
            let bytes = (n * 4) as u64;
            encoder.copy_buffer_to_buffer(&self.buffers[buf], 0, &self.readback, offset, bytes);
            offset += bytes;
        }
        queue.submit([encoder.finish()]);

        let (tx, rx) = std::sync::mpsc::channel();
        self.readback.map_async(wgpu::MapMode::Read, .., move |r| {
            let _ = tx.send(r);
        });
        device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| Error::Gpu(format!("poll: {e}")))?;
        rx.recv()
            .map_err(|e| Error::Gpu(format!("map callback dropped: {e}")))?
            .map_err(|e| Error::Gpu(format!("map: {e}")))?;
        let mut outputs = Vec::with_capacity(self.copies.len());
        {
            let view = self
                .readback
                .get_mapped_range(..)
                .map_err(|e| Error::Gpu(format!("mapped range: {e}")))?;
            let mut at = 0usize;
            for &(_, n) in &self.copies {
                let mut layer = Vec::with_capacity(n);
                for c in view[at..at + n * 4].chunks_exact(4) {
                    let v = i32::from_le_bytes([c[0], c[1], c[2], c[3]]);
                    let v = i8::try_from(v)
                        .map_err(|_| Error::Gpu(format!("kernel wrote {v}, outside i8")))?;
                    layer.push(v);
                }
                outputs.push(layer);
                at += n * 4;
            }
        }
        self.readback.unmap();
        Ok(outputs)
    }
}
