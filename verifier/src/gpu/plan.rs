//! Per-model GPU resources: one buffer per activation (channel-packed int8, see the parent
//! module), per-layer uniforms and bind groups, and a single read-back buffer holding every
//! layer's output.

use crate::hash::Hash32;
use crate::model::{Graph, Op};
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
    /// (dynamic uniform offset, workgroup counts) of each dispatch, in order.
    dispatches: Vec<(u32, [u32; 3])>,
}

/// Everything needed to run one model repeatedly.
pub(super) struct Plan {
    pub(super) model_id: Hash32,
    /// Number of input values (buffers `0..inputs`).
    inputs: usize,
    buffers: Vec<wgpu::Buffer>,
    /// Buffer index of each value (0 = input); reshapes that keep the layout alias their
    /// input's buffer.
    value_buf: Vec<usize>,
    /// Packed geometry of each value.
    value_geom: Vec<Geom>,
    steps: Vec<Step>,
    readback: wgpu::Buffer,
    /// (buffer index, packed geometry) of each layer output, in read-back order.
    copies: Vec<(usize, Geom)>,
}

/// The `(c, h, w)` a value is packed as: its shape for rank 3, `(n, 1, 1)` otherwise. Word
/// `(c4 * h + y) * w + x` holds channels `4·c4 .. 4·c4 + 3` at `(y, x)`, one per byte (zero
/// past `c`); for `h = w = 1` that is the row-major bytes, four to a word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Geom {
    pub c: usize,
    pub h: usize,
    pub w: usize,
}

impl Geom {
    pub(super) fn of(shape: &[usize]) -> Geom {
        match shape {
            &[c, h, w] => Geom { c, h, w },
            s => Geom {
                c: s.iter().product(),
                h: 1,
                w: 1,
            },
        }
    }

    fn plane(self) -> usize {
        self.h * self.w
    }

    /// Words of the packed tensor.
    pub(super) fn words(self) -> usize {
        self.c.div_ceil(4) * self.plane()
    }

    /// Whether two geometries give every flat element the same word and byte.
    fn same_layout(self, other: Geom) -> bool {
        self == other || (self.plane() == 1 && other.plane() == 1)
    }

    /// Packs row-major `[c, h, w]` values.
    pub(super) fn pack(self, values: &[i8]) -> Vec<u8> {
        let plane = self.plane();
        let mut bytes = vec![0u8; self.words().max(1) * 4];
        for (e, &v) in values.iter().enumerate() {
            let (c, r) = (e / plane, e % plane);
            bytes[((c / 4) * plane + r) * 4 + c % 4] = v as u8;
        }
        bytes
    }

    /// Unpacks `words()` words (as little-endian bytes) into row-major `[c, h, w]` values.
    pub(super) fn unpack(self, bytes: &[u8]) -> Vec<i8> {
        let plane = self.plane();
        let mut values = vec![0i8; self.c * plane];
        for (c, dst) in values.chunks_exact_mut(plane.max(1)).enumerate() {
            let at = (c / 4) * plane * 4 + c % 4;
            for (r, d) in dst.iter_mut().enumerate() {
                *d = bytes[at + 4 * r] as i8;
            }
        }
        values
    }
}

const ELTWISE_GROUP: u32 = 256;
/// Most reduction terms (conv/dense K, counted in packed words × 4) one dispatch sums per
/// output: a multiple of the kernel's K chunk, small enough that no invocation loops more than
/// a few hundred times.
pub const KSPLIT: usize = 1024;
/// Packed words of K per kernel chunk (`TQ` in `conv.wgsl`).
pub(super) const TQ: usize = 4;
/// Most pooling-window positions one dispatch sums per output.
pub const WSPLIT: usize = 1024;
/// Bytes of one uniform parameter block (32 words).
const PARAMS_BYTES: u64 = 128;
const MODE_FIRST: u32 = 1;
const MODE_LAST: u32 = 2;

fn ew_op(op: &Op) -> Option<u32> {
    Some(match op {
        Op::Relu => 0,
        Op::Clamp { .. } => 1,
        Op::Requantize(_) => 2,
        Op::Lut(_) => 3,
        Op::Add { .. } => 4,
        Op::Upsample { .. } => 5,
        Op::AvgPool { .. } => 6,
        // Only between layouts; a reshape that keeps the layout aliases its input.
        Op::Reshape => 7,
        Op::Dense { .. } | Op::Conv2d { .. } => return None,
    })
}

fn words(values: impl IntoIterator<Item = i32>) -> Vec<u8> {
    values.into_iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn u(v: usize) -> Result<u32> {
    u32::try_from(v).map_err(|_| Error::DeviceLimit(format!("{v} does not fit in u32")))
}

/// `(begin, end)` ranges of at most `step` covering `0..n` (one empty range when `n = 0`).
fn ranges(n: usize, step: usize) -> Vec<(usize, usize)> {
    if n == 0 {
        return vec![(0, 0)];
    }
    (0..n)
        .step_by(step)
        .map(|b| (b, (b + step).min(n)))
        .collect()
}

use super::device::DeviceLimits;

/// [`DeviceLimits::check_binding`] as this executor's error.
fn check_binding(lim: &DeviceLimits, what: &str, words: usize) -> Result<u64> {
    lim.check_binding(what, words).map_err(Error::DeviceLimit)
}

/// Conv geometry of a dense or conv layer: a dense layer is a convolution whose kernel covers
/// its input's packed geometry (the weight's row-major `[c, h, w]` columns are then exactly
/// `[cin, kh, kw]`).
fn conv_geom(model: &Graph<'_>, li: usize) -> Option<crate::ops::ConvGeom> {
    let layer = &model.layers[li];
    match &layer.op {
        Op::Conv2d { geom, .. } => Some(*geom),
        Op::Dense { bias, .. } => {
            let g = Geom::of(model.value_shape(layer.inputs[0]));
            Some(crate::ops::ConvGeom {
                cin: g.c,
                h: g.h,
                w: g.w,
                cout: bias.len(),
                kh: g.h,
                kw: g.w,
                sh: 1,
                sw: 1,
                ph: 0,
                pw: 0,
            })
        }
        _ => None,
    }
}

/// Packed words of K (`taps · ⌈cin / 4⌉`).
fn k_words(g: &crate::ops::ConvGeom) -> usize {
    g.kh * g.kw * g.cin.div_ceil(4)
}

/// Whether a layer's reduction is split over several dispatches (and so needs scratch).
fn is_split(model: &Graph<'_>, li: usize) -> bool {
    match &model.layers[li].op {
        Op::AvgPool { kernel, .. } => kernel[0] * kernel[1] > WSPLIT,
        _ => conv_geom(model, li).is_some_and(|g| k_words(&g) * 4 > KSPLIT),
    }
}

/// Checks a model against the device's buffer limits without allocating anything.
pub(super) fn check_model(model: &Graph<'_>, lim: &DeviceLimits) -> Result<()> {
    for shape in &model.inputs {
        check_binding(lim, "the input", Geom::of(shape).words())?;
    }
    let mut total = 0u64;
    for (li, layer) in model.layers.iter().enumerate() {
        let words = Geom::of(&layer.shape).words();
        total = total.saturating_add((words as u64).saturating_mul(4));
        check_binding(lim, &format!("layer {li}'s output"), words)?;
        if let Some(g) = conv_geom(model, li) {
            let w = g.cout.saturating_mul(k_words(&g));
            check_binding(lim, &format!("layer {li}'s weights"), w)?;
        }
        if is_split(model, li) {
            // Split partial sums: one i32 per element (avg_pool: per packed byte).
            let n = Geom::of(&layer.shape).words().saturating_mul(4);
            check_binding(lim, &format!("layer {li}'s partial sums"), n)?;
        }
    }
    if total > lim.max_buffer {
        return Err(Error::DeviceLimit(format!(
            "the read-back of every layer needs {total} bytes; the device's buffer limit is {}",
            lim.max_buffer
        )));
    }
    Ok(())
}

impl Plan {
    pub(super) fn new(
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        layout: &wgpu::BindGroupLayout,
        model: &Graph<'_>,
        lim: &DeviceLimits,
    ) -> Result<Plan> {
        check_model(model, lim)?;
        let storage = |label: &str, words: usize, extra: wgpu::BufferUsages| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: (words.max(1) * 4) as u64,
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST | extra,
                mapped_at_creation: false,
            })
        };
        let constant = |label: &str, data: Vec<i32>| {
            let buf = storage(label, data.len(), wgpu::BufferUsages::empty());
            queue.write_buffer(&buf, 0, &words(data));
            buf
        };
        let stride = PARAMS_BYTES.div_ceil(lim.uniform_align) * lim.uniform_align;
        // One uniform buffer per step holding one 128-byte block per dispatch (dynamic offsets).
        let uniforms = |blocks: &[[u32; 32]]| -> Result<(wgpu::Buffer, Vec<u32>)> {
            let size = stride.saturating_mul(blocks.len() as u64);
            if size > lim.max_buffer {
                return Err(Error::DeviceLimit(format!(
                    "{} dispatches need {size} bytes of parameters",
                    blocks.len()
                )));
            }
            let mut bytes = vec![0u8; size as usize];
            let mut offsets = Vec::with_capacity(blocks.len());
            for (i, b) in blocks.iter().enumerate() {
                let at = i * stride as usize;
                bytes[at..at + PARAMS_BYTES as usize]
                    .copy_from_slice(&words(b.iter().map(|&x| x as i32)));
                offsets.push(u(at)?);
            }
            let buf = device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("params"),
                size,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            queue.write_buffer(&buf, 0, &bytes);
            Ok((buf, offsets))
        };
        let dummy = storage("dummy", 4, wgpu::BufferUsages::empty());

        // Scratch for split reductions: the largest split layer's output, as i32.
        let mut scratch_len = 1usize;
        for (li, layer) in model.layers.iter().enumerate() {
            if is_split(model, li) {
                scratch_len = scratch_len.max(Geom::of(&layer.shape).words() * 4);
            }
        }
        let scratch = storage("scratch", scratch_len, wgpu::BufferUsages::empty());

        let mut buffers: Vec<wgpu::Buffer> = model
            .inputs
            .iter()
            .map(|s| storage("input", Geom::of(s).words(), wgpu::BufferUsages::COPY_SRC))
            .collect();
        let mut value_buf: Vec<usize> = (0..buffers.len()).collect();
        let mut value_geom: Vec<Geom> = model.inputs.iter().map(|s| Geom::of(s)).collect();
        let mut steps = Vec::new();
        let mut copies = Vec::new();
        for (li, layer) in model.layers.iter().enumerate() {
            let in_geom = value_geom[layer.inputs[0]];
            let out_geom = Geom::of(&layer.shape);
            let n_out = out_geom.words();
            if matches!(layer.op, Op::Reshape) && in_geom.same_layout(out_geom) {
                let b = value_buf[layer.inputs[0]];
                value_buf.push(b);
                value_geom.push(in_geom);
                copies.push((b, in_geom));
                continue;
            }
            let out = storage(&format!("layer{li}"), n_out, wgpu::BufferUsages::COPY_SRC);
            let a = &buffers[value_buf[layer.inputs[0]]];
            let mut blocks: Vec<[u32; 32]> = Vec::new();
            let mut groups: Vec<[u32; 3]> = Vec::new();
            let (kernel, own2, own3, second) = match (&layer.op, conv_geom(model, li)) {
                (
                    Op::Dense { weight, bias, rq }
                    | Op::Conv2d {
                        weight, bias, rq, ..
                    },
                    Some(g),
                ) => {
                    let (Some(oh), Some(ow)) = (g.oh(), g.ow()) else {
                        return Err(Error::Gpu(format!("layer {li}: invalid geometry")));
                    };
                    let k = g.cin * g.kh * g.kw;
                    let (cq, kq) = (g.cin.div_ceil(4), k_words(&g));
                    let p = oh * ow;
                    let mut base = [0u32; 32];
                    for (slot, v) in [
                        g.cin, g.h, g.w, g.cout, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, oh, ow,
                    ]
                    .into_iter()
                    .enumerate()
                    {
                        base[slot] = u(v)?;
                    }
                    base[12] = rq.multiplier as u32;
                    base[13] = rq.shift;
                    base[14] = u(cq)?;
                    base[15] = u(p)?;
                    base[21] = u(kq)?;
                    let tile = super::ConvTile::select(g.cout, p);
                    let xt = p.div_ceil(tile.pixels() as usize);
                    let yt = g.cout.div_ceil(tile.channels() as usize);
                    let maxg = lim.max_groups as usize;
                    let splits = ranges(kq, KSPLIT / 4);
                    for (x0, x1) in ranges(xt, maxg) {
                        for (y0, y1) in ranges(yt, maxg) {
                            for (si, &(qb, qe)) in splits.iter().enumerate() {
                                let mut blk = base;
                                blk[16] = u(qb)?;
                                blk[17] = u(qe)?;
                                // q_begin decoded, so the kernel never divides per word.
                                let tap = qb / cq.max(1);
                                blk[22] = u(qb % cq.max(1))?;
                                blk[23] = u(tap / g.kw.max(1))?;
                                blk[24] = u(tap % g.kw.max(1))?;
                                blk[18] = if si == 0 { MODE_FIRST } else { 0 }
                                    | if si + 1 == splits.len() { MODE_LAST } else { 0 };
                                blk[19] = u(x0)?;
                                blk[20] = u(y0)?;
                                blocks.push(blk);
                                groups.push([u(x1 - x0)?, u(y1 - y0)?, 1]);
                            }
                        }
                    }
                    // Packed like the activations: word (tap · cq + c4) of row co holds
                    // W[co, 4·c4 + l, tap] in byte l (zero past cin).
                    let taps = g.kh * g.kw;
                    let mut packed = vec![0i32; g.cout * kq];
                    for (co, row) in weight.chunks_exact(k.max(1)).enumerate() {
                        for (kk, &v) in row.iter().enumerate() {
                            let (ci, tap) = (kk / taps, kk % taps);
                            packed[co * kq + tap * cq + ci / 4] |=
                                ((v as u8 as u32) << (8 * (ci % 4))) as i32;
                        }
                    }
                    let w = constant("weight", packed);
                    let b = constant("bias", bias.clone());
                    (Kernel::Conv(tile), Some(w), Some(b), None)
                }
                (op, _) => {
                    let code = ew_op(op)
                        .ok_or_else(|| Error::Gpu(format!("layer {li}: no kernel for {op:?}")))?;
                    let mut p = [0u32; 32];
                    p[0] = code;
                    p[1] = u(n_out)?;
                    p[2] = u(in_geom.c)?;
                    p[3] = u(in_geom.h)?;
                    p[4] = u(in_geom.w)?;
                    p[5] = u(out_geom.h)?;
                    p[6] = u(out_geom.w)?;
                    p[14] = u(out_geom.c)?;
                    let mut table = None;
                    let mut second = None;
                    let mut window = 0usize;
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
                        Op::Upsample { factor } => p[7] = u(*factor)?,
                        Op::AvgPool { kernel, stride } => {
                            p[7] = u(kernel[0])?;
                            p[8] = u(kernel[1])?;
                            p[9] = u(stride[0])?;
                            p[10] = u(stride[1])?;
                            window = kernel[0] * kernel[1];
                        }
                        _ => {}
                    }
                    // Grids over the device's limits run as several dispatches, each
                    // covering words [base, end).
                    let total = n_out.div_ceil(ELTWISE_GROUP as usize);
                    let maxg = lim.max_groups as usize;
                    let splits = ranges(window, WSPLIT);
                    for (g0, g1) in ranges(total, maxg * maxg) {
                        let gx = (g1 - g0).min(maxg);
                        let gy = (g1 - g0).div_ceil(gx.max(1));
                        for (si, &(tb, te)) in splits.iter().enumerate() {
                            let mut blk = p;
                            blk[15] = u(g0 * ELTWISE_GROUP as usize)?;
                            blk[19] = u((g1 * ELTWISE_GROUP as usize).min(n_out))?;
                            blk[16] = u(tb)?;
                            blk[17] = u(te)?;
                            blk[18] = if si == 0 { MODE_FIRST } else { 0 }
                                | if si + 1 == splits.len() { MODE_LAST } else { 0 };
                            blocks.push(blk);
                            groups.push([u(gx)?, u(gy)?, 1]);
                        }
                    }
                    (Kernel::Eltwise, None, table, second)
                }
            };
            let (params, offsets) = uniforms(&blocks)?;
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
                        resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                            buffer: &params,
                            offset: 0,
                            size: wgpu::BufferSize::new(PARAMS_BYTES),
                        }),
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
                    wgpu::BindGroupEntry {
                        binding: 5,
                        resource: scratch.as_entire_binding(),
                    },
                ],
            });
            steps.push(Step {
                kernel,
                bind_group,
                dispatches: offsets.into_iter().zip(groups).collect(),
            });
            buffers.push(out);
            value_buf.push(buffers.len() - 1);
            value_geom.push(out_geom);
            copies.push((buffers.len() - 1, out_geom));
        }
        let total: usize = copies.iter().map(|c| c.1.words()).sum();
        let readback = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size: (total.max(1) * 4) as u64,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        Ok(Plan {
            model_id: model.id,
            inputs: model.inputs.len(),
            buffers,
            value_buf,
            value_geom,
            steps,
            readback,
            copies,
        })
    }

    /// Runs one inference: write input, one encoder, one submit, one map (waiting at most
    /// `timeout`).
    pub(super) fn run(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        conv: &[wgpu::ComputePipeline; super::ConvTile::ALL.len()],
        eltwise: &wgpu::ComputePipeline,
        inputs: &[&[i8]],
        timeout: std::time::Duration,
    ) -> Result<Vec<Vec<i8>>> {
        if inputs.len() != self.inputs {
            return Err(Error::Gpu(format!(
                "plan has {} inputs, {} given",
                self.inputs,
                inputs.len()
            )));
        }
        for (i, input) in inputs.iter().enumerate() {
            let geom = self.value_geom[i];
            if input.len() != geom.c * geom.plane() {
                return Err(Error::Gpu(format!("input {i} has {} values", input.len())));
            }
            queue.write_buffer(&self.buffers[self.value_buf[i]], 0, &geom.pack(input));
        }
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
                for &(offset, g) in &step.dispatches {
                    pass.set_bind_group(0, &step.bind_group, &[offset]);
                    pass.dispatch_workgroups(g[0], g[1], g[2]);
                }
            }
        }
        let mut offset = 0u64;
        for &(buf, geom) in &self.copies {
            let bytes = (geom.words() * 4) as u64;
            encoder.copy_buffer_to_buffer(&self.buffers[buf], 0, &self.readback, offset, bytes);
            offset += bytes;
        }
        let index = queue.submit([encoder.finish()]);

        super::device::read_back(device, &self.readback, index, timeout, |view| {
            let mut outputs = Vec::with_capacity(self.copies.len());
            let mut at = 0usize;
            for &(_, geom) in &self.copies {
                let n = geom.words() * 4;
                let bytes = view
                    .get(at..at + n)
                    .ok_or("read-back shorter than planned")?;
                outputs.push(geom.unpack(bytes));
                at += n;
            }
            Ok(outputs)
        })
        .map_err(Error::Gpu)
    }
}

#[cfg(test)]
mod tests {
    use super::Geom;

    #[test]
    fn packing_puts_four_channels_in_a_word() {
        // [5, 2, 3]: word (c4·2 + y)·3 + x, byte c % 4; channels 5..8 of word group 1 are zero.
        let g = Geom::of(&[5, 2, 3]);
        assert_eq!(g.words(), 2 * 6);
        let values: Vec<i8> = (0..30).map(|i| i as i8 - 15).collect();
        let bytes = g.pack(&values);
        let at = |c: usize, y: usize, x: usize| bytes[(((c / 4) * 2 + y) * 3 + x) * 4 + c % 4];
        assert_eq!(at(0, 0, 0), values[0] as u8);
        assert_eq!(at(3, 1, 2), values[(3 * 2 + 1) * 3 + 2] as u8);
        assert_eq!(at(4, 1, 0), values[(4 * 2 + 1) * 3] as u8);
        assert!((5..8).all(|c| at(c, 1, 2) == 0));
        assert_eq!(g.unpack(&bytes), values);
    }

    #[test]
    fn other_ranks_pack_as_their_row_major_bytes() {
        let values: Vec<i8> = (0..9).map(|i| -(i as i8)).collect();
        for shape in [&[9][..], &[3, 3], &[9, 1, 1], &[1, 3, 3, 1]] {
            let g = Geom::of(shape);
            let bytes = g.pack(&values);
            assert_eq!(
                &bytes[..9],
                &values.iter().map(|&v| v as u8).collect::<Vec<_>>()[..]
            );
            assert_eq!(g.unpack(&bytes), values);
        }
        // [1, 3, 3] is one channel over nine positions: a word per position.
        let g = Geom::of(&[1, 3, 3]);
        assert_eq!(g.words(), 9);
        assert!(!g.same_layout(Geom::of(&[9])));
        assert!(Geom::of(&[9, 1, 1]).same_layout(Geom::of(&[9])));
        assert_eq!(g.unpack(&g.pack(&values)), values);
    }
}
