//! Hostile models: each must be refused with a clear error, quickly, never panic, hang or abort;
//! valid models at the device's limits must run (or be refused before any work).

use crate::common::gpu;
use verifier::model::builder::ModelBuilder;
use verifier::ops::Requant;
use verifier::{Budget, CpuExecutor, Error, Model};

const RQ: Requant = Requant {
    multiplier: 1,
    shift: 0,
};

/// Loads `bytes` under the default budget, asserting it fails within `limit`.
/// The loader's refusal. Refused by a budget means refused before any tensor is allocated or any
/// layer runs (the budgets are checked on the header alone); how fast is the bench's business,
/// not a test's.
fn refused(bytes: &[u8]) -> Error {
    Model::from_bytes(bytes).expect_err("a hostile model must be refused")
}

#[test]
fn tiny_file_asking_for_huge_memory_is_refused() {
    // Input 1×16×64 upsampled to 1×4096×16384 (2^26 elements), then 40 relus: ~21 GB.
    let mut b = ModelBuilder::new(vec![1, 16, 64]);
    let v = b.upsample(0, 64);
    let mut v = b.upsample(v, 4);
    for _ in 0..40 {
        v = b.relu(v);
    }
    let bytes = b.to_bytes().unwrap();
    assert!(bytes.len() < 20_000, "{} bytes", bytes.len());
    let err = refused(&bytes);
    assert!(
        matches!(
            err,
            Error::Budget {
                what: "memory bytes",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn huge_mac_count_is_refused() {
    // 64×256×256 map, four 64→64 3×3 convs: ~9.7e9 MACs, a 150 KB file.
    let mut b = ModelBuilder::new(vec![64, 4, 4]);
    let mut v = b.upsample(0, 64);
    for _ in 0..4 {
        v = b.conv2d(
            v,
            [64, 64, 3, 3],
            &[1; 64 * 64 * 9],
            &[0; 64],
            [1, 1],
            [1, 1],
            RQ,
        );
    }
    let bytes = b.to_bytes().unwrap();
    let err = refused(&bytes);
    assert!(
        matches!(
            err,
            Error::Budget {
                what: "multiply-accumulates",
                ..
            }
        ),
        "{err}"
    );
    // An operator may raise the budget; the model then loads.
    let big = Budget {
        max_macs: 20_000_000_000,
        max_memory_bytes: 8 << 30,
        ..Budget::DEFAULT
    };
    let m = Model::from_bytes_with_budget(&bytes, &big).unwrap();
    assert!(m.macs() > Budget::DEFAULT.max_macs);
}

#[test]
fn two_hundred_thousand_nodes_are_refused() {
    let mut b = ModelBuilder::new(vec![1]);
    let mut v = 0;
    for _ in 0..200_000 {
        v = b.relu(v);
    }
    let bytes = b.to_bytes().unwrap();
    let err = refused(&bytes);
    assert!(matches!(err, Error::Budget { what: "nodes", .. }), "{err}");
}

#[test]
fn overflowing_parameters_are_errors_not_panics() {
    // Padding and stride near usize::MAX must not overflow (debug builds panic on overflow).
    let mut b = ModelBuilder::new(vec![1, 2, 2]);
    b.conv2d(0, [1, 1, 1, 1], &[1], &[0], [1, 1], [usize::MAX / 2, 0], RQ);
    assert!(matches!(b.build().unwrap_err(), Error::InvalidParam { .. }));
    let mut b = ModelBuilder::new(vec![1, 2, 2]);
    b.conv2d(0, [1, 1, 1, 1], &[1], &[0], [usize::MAX, 1], [0, 0], RQ);
    assert!(matches!(b.build().unwrap_err(), Error::InvalidParam { .. }));
    let mut b = ModelBuilder::new(vec![1, 2, 2]);
    b.avg_pool(0, [usize::MAX, usize::MAX], [1, 1]);
    assert!(matches!(b.build().unwrap_err(), Error::InvalidParam { .. }));
}

/// Replaces the graph JSON inside a model file's header by `edit(graph_json)`, or the whole
/// header by `edit_header`.
fn with_header(bytes: &[u8], edit_header: impl Fn(&str) -> String) -> Vec<u8> {
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header = std::str::from_utf8(&bytes[8..8 + n]).unwrap();
    let new = edit_header(header);
    let mut out = (new.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(new.as_bytes());
    out.extend_from_slice(&bytes[8 + n..]);
    out
}

fn small_conv() -> Vec<u8> {
    let mut b = ModelBuilder::new(vec![1, 2, 2]);
    b.conv2d(0, [1, 1, 1, 1], &[1], &[0], [1, 1], [0, 0], RQ);
    b.to_bytes().unwrap()
}

#[test]
fn unknown_fields_are_errors() {
    let bytes = small_conv();
    assert!(Model::from_bytes(&bytes).is_ok());
    let dilated = with_header(&bytes, |h| {
        h.replace(r#"\"stride\":"#, r#"\"dilation\":[2,2],\"stride\":"#)
    });
    assert_ne!(dilated, bytes);
    let err = Model::from_bytes(&dilated).unwrap_err();
    assert!(err.to_string().contains("dilation"), "{err}");
    let top = with_header(&bytes, |h| {
        h.replace(r#"\"nodes\":"#, r#"\"comment\":1,\"nodes\":"#)
    });
    assert_ne!(top, bytes);
    let err = Model::from_bytes(&top).unwrap_err();
    assert!(err.to_string().contains("comment"), "{err}");
}

#[test]
fn duplicate_keys_are_errors() {
    let bytes = small_conv();
    // A duplicate key inside the graph JSON.
    let dup = with_header(&bytes, |h| {
        h.replace(
            r#"\"stride\":[1,1]"#,
            r#"\"stride\":[1,1],\"stride\":[2,2]"#,
        )
    });
    assert_ne!(dup, bytes);
    let err = Model::from_bytes(&dup).unwrap_err();
    assert!(err.to_string().contains("duplicate"), "{err}");
    // Two graphs in the safetensors metadata.
    let two = with_header(&bytes, |h| {
        h.replace(
            r#""__metadata__":{"#,
            r#""__metadata__":{"verifier.graph":"{}","#,
        )
    });
    assert_ne!(two, bytes);
    let err = Model::from_bytes(&two).unwrap_err();
    assert!(err.to_string().contains("duplicate"), "{err}");
}

#[test]
fn activation_over_the_binding_limit_is_refused_before_work() {
    // 16×256×256 = 2^20 elements: 1 MiB packed, over a binding limit lowered to 512 KiB.
    let mut b = ModelBuilder::new(vec![16, 16, 16]);
    b.upsample(0, 16);
    let model = b.build().unwrap();
    let mut g = gpu();
    g.set_max_storage_binding(512 << 10);
    // `check` plans without touching the device; `run` must refuse with the very same error,
    // so it refused at planning, before any buffer or dispatch.
    let checked = g.check(&model);
    let run = g.run(&model, &vec![0; 16 * 16 * 16]);
    g.set_max_storage_binding(u64::MAX);
    let msg = match (checked, run) {
        (Err(Error::DeviceLimit(a)), Err(Error::DeviceLimit(b))) if a == b => a,
        other => panic!("expected the same DeviceLimit from check and run, got {other:?}"),
    };
    assert!(msg.contains("layer 0's output"), "{msg}");
    // Under the device's own limit the same model runs exactly.
    let input: Vec<i8> = (0..4096).map(|i| (i * 37) as i8).collect();
    let cpu = CpuExecutor.run(&model, &input).unwrap();
    assert_eq!(g.run(&model, &input).unwrap(), cpu);
}

#[test]
fn activation_at_the_format_limit_runs_or_is_refused_before_work() {
    // 1×4096×16384 = 2^26 elements (the format's limit): 64 MiB packed four to a word, within
    // lavapipe's 128 MiB storage-binding limit, so it runs; a smaller device refuses it.
    let mut b = ModelBuilder::new(vec![1, 16, 64]);
    let v = b.upsample(0, 64);
    b.upsample(v, 4);
    let model = b.build().unwrap();
    let mut g = gpu();
    match g.check(&model) {
        Err(Error::DeviceLimit(msg)) => {
            let err = g.run(&model, &vec![0; 1024]).unwrap_err();
            assert!(matches!(err, Error::DeviceLimit(_)), "{err}");
            eprintln!("refused as expected: {msg}");
        }
        Ok(()) => {
            // A device with larger bindings must then run it exactly.
            let input: Vec<i8> = (0..1024).map(|i| i as i8).collect();
            let cpu = CpuExecutor.run(&model, &input).unwrap();
            assert_eq!(g.run(&model, &input).unwrap(), cpu);
        }
        Err(e) => panic!("unexpected error {e}"),
    }
}

#[test]
fn grids_over_the_workgroup_limit_are_split() {
    // With the per-dimension limit lowered to 2, every grid below is split in x and y (the
    // same code path a 65,536-tile grid takes on a real device limit of 65,535).
    let mut b = ModelBuilder::new(vec![5, 40, 40]);
    let w: Vec<i8> = (0..130 * 5 * 9).map(|i| (i * 31 % 251) as i8).collect();
    let bias: Vec<i32> = (0..130).map(|i| i * 1000 - 60_000).collect();
    let rq = Requant {
        multiplier: 1 << 30,
        shift: 36,
    };
    let v = b.conv2d(0, [130, 5, 3, 3], &w, &bias, [1, 1], [1, 1], rq);
    let v = b.conv2d(v, [3, 130, 1, 1], &w[..390], &[1, 2, 3], [1, 1], [0, 0], rq);
    let v = b.reshape(v, vec![4800]);
    let wd: Vec<i8> = (0..600 * 4800).map(|i| (i * 13 % 255) as i8).collect();
    b.dense(v, &wd, &vec![5; 600], rq);
    let model = b.build().unwrap();
    let input: Vec<i8> = (0..8000).map(|i| (i * 7) as i8).collect();
    let cpu = CpuExecutor.run(&model, &input).unwrap();
    let mut g = gpu();
    g.set_max_workgroups_per_dimension(2);
    let got = g.run(&model, &input);
    g.set_max_workgroups_per_dimension(u32::MAX);
    assert_eq!(got.unwrap().layer_hashes, cpu.layer_hashes);
}

#[test]
fn self_test_passes_on_this_adapter() {
    // Its cost is reported by the bench (verifier_bench prints the self-test time).
    let mut g = gpu();
    let t = g.self_test().unwrap();
    eprintln!("self-test on {}: {t:?}", g.adapter());
}
