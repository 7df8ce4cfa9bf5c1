//! What every wgpu executor of the crate shares: opening the device with an uncaptured-error
//! sink, error scopes around work, the device limits a plan must respect, and a read-back whose
//! wait is bounded. Errors are plain messages here; each executor wraps them in its own type.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Why a device could not be opened.
#[derive(Debug)]
pub(crate) enum OpenError {
    /// No adapter at all (no GPU and no lavapipe).
    NoAdapter(String),
    /// The adapter refused the device.
    Device(String),
}

/// An opened device: queue, adapter description, and the sink that collects errors wgpu reports
/// outside any error scope.
pub(crate) struct Opened {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    /// `name (type, backend)`.
    pub adapter: String,
    pub uncaptured: Arc<Mutex<Option<String>>>,
}

/// Opens the first Vulkan adapter (a GPU, or lavapipe on machines without one) with all of its
/// limits.
pub(crate) fn open(label: &str) -> Result<Opened, OpenError> {
    pollster::block_on(async {
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle());
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                ..Default::default()
            })
            .await
            .map_err(|e| OpenError::NoAdapter(e.to_string()))?;
        let info = adapter.get_info();
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some(label),
                required_limits: adapter.limits(),
                ..Default::default()
            })
            .await
            .map_err(|e| OpenError::Device(format!("request_device: {e}")))?;
        let uncaptured: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
        let sink = uncaptured.clone();
        device.on_uncaptured_error(Arc::new(move |e| {
            if let Ok(mut g) = sink.lock() {
                g.get_or_insert_with(|| e.to_string());
            }
        }));
        Ok(Opened {
            device,
            queue,
            adapter: format!("{} ({:?}, {:?})", info.name, info.device_type, info.backend),
            uncaptured,
        })
    })
}

/// Runs `f` inside validation and out-of-memory error scopes; any captured error (or one reported
/// to the uncaptured-error handler meanwhile) becomes `wrap("{what}: {error}")`.
pub(crate) fn scoped<T, E>(
    device: &wgpu::Device,
    uncaptured: &Mutex<Option<String>>,
    what: &str,
    wrap: impl Fn(String) -> E,
    f: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    let oom = device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
    let validation = device.push_error_scope(wgpu::ErrorFilter::Validation);
    let result = f();
    let v = pollster::block_on(validation.pop());
    let o = pollster::block_on(oom.pop());
    if let Some(e) = v.or(o) {
        return Err(wrap(format!("{what}: {e}")));
    }
    if let Some(e) = uncaptured.lock().ok().and_then(|mut g| g.take()) {
        return Err(wrap(format!("{what}: {e}")));
    }
    result
}

/// A read-write or read-only storage binding visible to compute shaders.
pub(crate) fn storage_entry(binding: u32, read_only: bool) -> wgpu::BindGroupLayoutEntry {
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

/// The device limits a plan must respect (tests may lower them to exercise the split and
/// refusal paths on any device).
#[derive(Clone, Copy, Debug)]
pub(crate) struct DeviceLimits {
    pub max_groups: u32,
    pub max_binding: u64,
    pub max_buffer: u64,
    pub uniform_align: u64,
}

impl DeviceLimits {
    pub(crate) fn of(limits: &wgpu::Limits) -> Self {
        DeviceLimits {
            max_groups: limits.max_compute_workgroups_per_dimension.max(1),
            max_binding: limits.max_storage_buffer_binding_size,
            max_buffer: limits.max_buffer_size,
            uniform_align: u64::from(limits.min_uniform_buffer_offset_alignment).max(16),
        }
    }

    /// Checks a storage binding of `words` 32-bit words; returns its size in bytes.
    pub(crate) fn check_binding(&self, what: &str, words: usize) -> Result<u64, String> {
        let bytes = (words.max(1) as u64).saturating_mul(4);
        if bytes > self.max_binding || bytes > self.max_buffer {
            return Err(format!(
                "{what} needs a {bytes}-byte storage binding; the device allows {} (buffer {})",
                self.max_binding, self.max_buffer
            ));
        }
        Ok(bytes)
    }
}

/// Maps `readback` after submission `index` and hands its bytes to `read`; every wait (the
/// device, then the map callback) is bounded by `timeout`.
pub(crate) fn read_back<R>(
    device: &wgpu::Device,
    readback: &wgpu::Buffer,
    index: wgpu::SubmissionIndex,
    timeout: Duration,
    read: impl FnOnce(&[u8]) -> Result<R, String>,
) -> Result<R, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    readback.map_async(wgpu::MapMode::Read, .., move |r| {
        let _ = tx.send(r);
    });
    device
        .poll(wgpu::PollType::Wait {
            submission_index: Some(index),
            timeout: Some(timeout),
        })
        .map_err(|e| format!("waiting for the device (limit {timeout:?}): {e}"))?;
    // The map callback runs during a later poll once the copy is done.
    let deadline = Instant::now() + timeout;
    let mapped = loop {
        match rx.try_recv() {
            Ok(r) => break r,
            Err(std::sync::mpsc::TryRecvError::Empty) => {
                if Instant::now() > deadline {
                    return Err(format!("read-back not mapped within {timeout:?}"));
                }
                device
                    .poll(wgpu::PollType::Poll)
                    .map_err(|e| format!("poll: {e}"))?;
                std::thread::yield_now();
            }
            Err(e) => return Err(format!("map callback dropped: {e}")),
        }
    };
    mapped.map_err(|e| format!("map: {e}"))?;
    let result = {
        let view = readback
            .get_mapped_range(..)
            .map_err(|e| format!("mapped range: {e}"))?;
        read(&view)
    };
    readback.unmap();
    result
}
