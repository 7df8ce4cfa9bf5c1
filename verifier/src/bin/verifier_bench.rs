//! Throughput benchmark (not a test): inferences per second on the CPU reference and on wgpu for
//! the demo model and the large (≥ 50 M MAC) model, plus achieved integer ops/s (2 per MAC).
//!
//! `cargo run --release -p verifier --bin verifier-bench [-- SECONDS_PER_MEASUREMENT]`

use std::time::{Duration, Instant};

use anyhow::Result;
use verifier::gpu::ConvTile;
use verifier::{CpuExecutor, Executor, GpuExecutor, Model, demo};

/// Runs `f` until `budget` has elapsed (at least twice); returns inferences per second.
fn measure(budget: Duration, mut f: impl FnMut() -> Result<()>) -> Result<(f64, u32)> {
    f()?; // warm-up: builds GPU buffers, faults in memory
    let start = Instant::now();
    let mut n = 0u32;
    while n < 2 || start.elapsed() < budget {
        f()?;
        n += 1;
    }
    Ok((n as f64 / start.elapsed().as_secs_f64(), n))
}

/// Multiply-accumulates of one layer (dense and conv; 0 for the others).
fn layer_macs(model: &Model, li: usize) -> u64 {
    let layer = &model.layers()[li];
    match &layer.op {
        verifier::model::Op::Conv2d { geom, .. } => geom.macs(),
        verifier::model::Op::Dense { weight, .. } => weight.len() as u64,
        _ => 0,
    }
}

/// Best (shortest) times of one int8 layer run and of a same-device fp32 GEMM.
struct Best {
    int8: f64,
    fp32: f64,
    fp32_moved: f64,
}

/// A same-device fp32 GEMM `[m,k]·[k,n]` (one dispatch, waited for) in the tile the int8 kernel
/// uses for that shape, timed alone and with the layer's transfers at fp32 width (`input`
/// values written, the `[m, n]` result read back; `int8` has them at int8 width). The three
/// runs alternate until `budget` has elapsed and the best time of each counts, so that a
/// shared machine's load moves them alike.
fn fp32_gemm(
    budget: Duration,
    [m, n, k]: [u32; 3],
    input: usize,
    mut int8: impl FnMut() -> Result<()>,
) -> Result<Best> {
    let (tp, tc, _, _) = ConvTile::select(m as usize, n as usize).dims();
    let source = format!(
        "const TP: u32 = {tp}u;\nconst TC: u32 = {tc}u;\n{}",
        include_str!("fp32_gemm.wgsl")
    );
    pollster::block_on(async {
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle());
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                ..Default::default()
            })
            .await?;
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor::default())
            .await?;
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("fp32-gemm"),
            source: wgpu::ShaderSource::Wgsl(source.into()),
        });
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some("fp32-gemm"),
            layout: None,
            module: &module,
            entry_point: Some("main"),
            compilation_options: Default::default(),
            cache: None,
        });
        let buf = |len: usize, usage: wgpu::BufferUsages| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: None,
                size: (len * 4) as u64,
                usage,
                mapped_at_creation: false,
            })
        };
        let st = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST;
        let dims = buf(
            4,
            wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        );
        queue.write_buffer(&dims, 0, &[m, n, k, 0].map(u32::to_le_bytes).concat());
        let a = buf((m * k) as usize, st);
        let b = buf((k * n) as usize, st);
        let c = buf((m * n) as usize, st | wgpu::BufferUsages::COPY_SRC);
        let staging = buf(input, st);
        let readback = buf(
            (m * n) as usize,
            wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        );
        let input_bytes = vec![0u8; input * 4];
        let fill = |len: u32| -> Vec<u8> {
            (0..len)
                .flat_map(|i| (((i % 255) as f32 - 127.0) / 64.0).to_le_bytes())
                .collect()
        };
        queue.write_buffer(&a, 0, &fill(m * k));
        queue.write_buffer(&b, 0, &fill(k * n));
        let bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &pipeline.get_bind_group_layout(0),
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: dims.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: a.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: b.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 3,
                    resource: c.as_entire_binding(),
                },
            ],
        });
        let run = |transfers: bool| -> Result<()> {
            if transfers {
                queue.write_buffer(&staging, 0, &input_bytes);
            }
            let mut enc = device.create_command_encoder(&Default::default());
            {
                let mut pass = enc.begin_compute_pass(&Default::default());
                pass.set_pipeline(&pipeline);
                pass.set_bind_group(0, &bind, &[]);
                pass.dispatch_workgroups(n.div_ceil(4 * tp), m.div_ceil(4 * tc), 1);
            }
            if transfers {
                enc.copy_buffer_to_buffer(&c, 0, &readback, 0, u64::from(m * n) * 4);
            }
            queue.submit([enc.finish()]);
            let (tx, rx) = std::sync::mpsc::channel();
            if transfers {
                readback.map_async(wgpu::MapMode::Read, .., move |r| {
                    let _ = tx.send(r);
                });
            }
            device.poll(wgpu::PollType::wait_indefinitely())?;
            if transfers {
                // The map callback runs during a poll once the copy is done.
                let mapped = loop {
                    if let Ok(r) = rx.try_recv() {
                        break r;
                    }
                    device.poll(wgpu::PollType::wait_indefinitely())?;
                };
                mapped?;
                let sum: u64 = readback
                    .get_mapped_range(..)?
                    .iter()
                    .map(|&b| u64::from(b))
                    .sum();
                std::hint::black_box(sum);
                readback.unmap();
            }
            Ok(())
        };
        let time = |f: &mut dyn FnMut() -> Result<()>| -> Result<f64> {
            let t = Instant::now();
            f()?;
            Ok(t.elapsed().as_secs_f64())
        };
        int8()?;
        run(true)?; // warm-up
        let mut best = Best {
            int8: f64::MAX,
            fp32: f64::MAX,
            fp32_moved: f64::MAX,
        };
        let start = Instant::now();
        let mut rounds = 0;
        while rounds < 3 || start.elapsed() < budget {
            best.int8 = best.int8.min(time(&mut int8)?);
            best.fp32 = best.fp32.min(time(&mut || run(false))?);
            best.fp32_moved = best.fp32_moved.min(time(&mut || run(true))?);
            rounds += 1;
        }
        Ok(best)
    })
}

fn main() -> Result<()> {
    let secs: f64 = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(3.0);
    let budget = Duration::from_secs_f64(secs);
    let mut gpu = GpuExecutor::new()?;
    println!(
        "wgpu adapter: {} (start-up self-test {:.0} ms)",
        gpu.adapter(),
        gpu.self_test_time().as_secs_f64() * 1e3
    );
    println!(
        "{:<6} {:>12} {:>8} {:>12} {:>14} {:>13} {:>13}",
        "model", "MACs", "backend", "infer/s", "int ops/s", "whole model", "one layer"
    );
    for (name, bytes) in [
        ("demo", demo::demo_model_bytes()?),
        ("large", demo::large_model_bytes()?),
    ] {
        let model = Model::from_bytes(&bytes)?;
        let input = demo::job_input(1, "benchmark");
        let macs = model.macs();
        let cpu_ref = CpuExecutor.run(&model, &input)?;
        let (cpu_ips, cpu_n) = measure(budget, || {
            CpuExecutor
                .execute(&model, &input)
                .map(|_| ())
                .map_err(Into::into)
        })?;
        let (gpu_ips, gpu_n) = measure(budget, || {
            let e = gpu.execute(&model, &input)?;
            anyhow::ensure!(
                e.output_hash == cpu_ref.output_hash,
                "wgpu result differs from CPU"
            );
            Ok(())
        })?;
        // Re-running one layer (the most expensive) from its committed input.
        let outputs = CpuExecutor.layer_outputs(&model, &input)?;
        let li = (0..model.layers().len())
            .max_by_key(|&i| layer_macs(&model, i))
            .unwrap_or(0);
        let xs: Vec<&[i8]> = model.layers()[li]
            .inputs
            .iter()
            .map(|&v| {
                if v == 0 {
                    input.as_slice()
                } else {
                    outputs[v - 1].as_slice()
                }
            })
            .collect();
        let (cpu_layer, _) = measure(budget, || {
            CpuExecutor.layer_output(&model, li, &xs)?;
            Ok(())
        })?;
        let (gpu_layer, _) = measure(budget, || {
            let y = gpu.layer_output(&model, li, &xs)?;
            anyhow::ensure!(y == outputs[li], "wgpu layer differs from CPU");
            Ok(())
        })?;
        for (backend, ips, n, layer_ips) in [
            ("cpu", cpu_ips, cpu_n, cpu_layer),
            ("wgpu", gpu_ips, gpu_n, gpu_layer),
        ] {
            println!(
                "{name:<6} {macs:>12} {backend:>8} {ips:>12.2} {:>14.3e} {:>10.2} ms {:>10.2} ms   ({n} runs; layer {li})",
                2.0 * macs as f64 * ips,
                1e3 / ips,
                1e3 / layer_ips,
            );
        }
    }
    // The int8 kernel against a same-device fp32 GEMM of the large model's biggest layer.
    let model = Model::from_bytes(&demo::large_model_bytes()?)?;
    let li = (0..model.layers().len())
        .max_by_key(|&i| layer_macs(&model, i))
        .unwrap_or(0);
    if let verifier::model::Op::Conv2d { geom, .. } = &model.layers()[li].op {
        let (m, n, k) = (
            geom.cout,
            geom.oh().unwrap_or(0) * geom.ow().unwrap_or(0),
            geom.cin * geom.kh * geom.kw,
        );
        let macs = (m * n * k) as f64;
        let input = demo::job_input(1, "benchmark");
        let outputs = CpuExecutor.layer_outputs(&model, &input)?;
        let xs: Vec<&[i8]> = model.layers()[li]
            .inputs
            .iter()
            .map(|&v| {
                if v == 0 {
                    input.as_slice()
                } else {
                    outputs[v - 1].as_slice()
                }
            })
            .collect();
        let input_len = geom.cin * geom.h * geom.w;
        let mnk = [m, n, k].map(|v| v as u32);
        let best = fp32_gemm(budget, mnk, input_len, || {
            gpu.layer_output(&model, li, &xs)?;
            Ok(())
        })?;
        println!(
            "largest layer {li}: M={m} N={n} K={k}, tile {:?}, best of alternating runs: int8 conv (upload, im2col, requantize, read-back) {:.2} ms = {:.3e} MAC/s",
            ConvTile::select(m, n),
            best.int8 * 1e3,
            macs / best.int8,
        );
        println!(
            "  fp32 GEMM dispatch alone {:.2} ms: int8/fp32 = {:.2}; with the same transfers at fp32 width {:.2} ms: int8/fp32 = {:.2}",
            best.fp32 * 1e3,
            best.fp32 / best.int8,
            best.fp32_moved * 1e3,
            best.fp32_moved / best.int8,
        );
    }
    Ok(())
}
