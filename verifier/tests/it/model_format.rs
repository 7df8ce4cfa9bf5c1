//! Model file format: ids, determinism, and rejection of malformed files.

use verifier::model::builder::{ModelBuilder, TensorBlob, write_model_file};
use verifier::model::graph::{GRAPH_FORMAT, GraphSpec, NodeSpec};
use verifier::ops::Requant;
use verifier::{CpuExecutor, Error, Model, demo, keccak};

const RQ: Requant = Requant {
    multiplier: 1,
    shift: 0,
};

fn small() -> ModelBuilder {
    let mut b = ModelBuilder::new(vec![1, 2, 2]);
    let v = b.conv2d(0, [2, 1, 1, 1], &[1, -1], &[0, 0], [1, 1], [0, 0], RQ);
    b.relu(v);
    b
}

fn graph(nodes: Vec<NodeSpec>) -> GraphSpec {
    GraphSpec {
        format: GRAPH_FORMAT.into(),
        input_shape: vec![4],
        nodes,
    }
}

fn dense_node(weight: &str) -> NodeSpec {
    NodeSpec::Dense {
        input: 0,
        weight: weight.into(),
        bias: "b".into(),
        multiplier: 1,
        shift: 0,
    }
}

#[test]
fn model_id_is_keccak_of_file_bytes() {
    let bytes = small().to_bytes().unwrap();
    assert_eq!(Model::from_bytes(&bytes).unwrap().id(), keccak(&bytes));
}

/// The demo generator is pure code: its bytes, and so the model id, are pinned.
#[test]
fn demo_model_id_is_stable() {
    let a = demo::demo_model_bytes().unwrap();
    assert_eq!(a, demo::demo_model_bytes().unwrap());
    let model = Model::from_bytes(&a).unwrap();
    assert_eq!(
        verifier::hash::to_hex(&model.id()),
        "0xe19eff66ef92fe50accb56c56393c495a8c48cc95a561a2c70075443fc59f07b"
    );
    assert_eq!(model.output_shape(), &[3, 64, 64]);
    assert_eq!(model.macs(), 10_715_136);
}

#[test]
fn large_model_exceeds_fifty_million_macs() {
    let model = Model::from_bytes(&demo::large_model_bytes().unwrap()).unwrap();
    assert!(model.macs() >= 50_000_000, "{}", model.macs());
}

#[test]
fn file_roundtrip_through_disk() {
    let dir = std::env::temp_dir().join(format!("verifier-fmt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("m.safetensors");
    let bytes = small().to_bytes().unwrap();
    std::fs::write(&path, &bytes).unwrap();
    let m = Model::load(&path).unwrap();
    assert_eq!(m.id(), keccak(&bytes));
    let out = CpuExecutor.run(&m, &[1, -2, 3, -4]).unwrap();
    // channel 0 = relu(x), channel 1 = relu(-x)
    assert_eq!(out.output.data, vec![1, 0, 3, 0, 0, 2, 0, 4]);
    assert!(matches!(
        Model::load(dir.join("missing")),
        Err(Error::Io { .. })
    ));
}

#[test]
fn rejects_truncated_files() {
    let bytes = small().to_bytes().unwrap();
    for cut in [0, 4, 8, 20, bytes.len() / 2, bytes.len() - 1] {
        let err = Model::from_bytes(&bytes[..cut]).unwrap_err();
        assert!(matches!(err, Error::Safetensors(_)), "cut {cut}: {err}");
    }
    let mut extra = bytes.clone();
    extra.push(0);
    assert!(matches!(
        Model::from_bytes(&extra),
        Err(Error::Safetensors(_))
    ));
}

#[test]
fn rejects_unknown_op() {
    let b = small();
    let json = serde_json::to_string(b.graph())
        .unwrap()
        .replace("\"relu\"", "\"gelu\"");
    let g: serde_json::Value = serde_json::from_str(&json).unwrap();
    // Write the edited graph through the raw safetensors API.
    let views: Vec<_> = b
        .tensors()
        .iter()
        .map(|t| {
            (
                t.name.clone(),
                safetensors::tensor::TensorView::new(t.dtype, t.shape.clone(), &t.data).unwrap(),
            )
        })
        .collect();
    let meta = std::collections::HashMap::from([("verifier.graph".to_string(), g.to_string())]);
    let bytes = safetensors::serialize(views, Some(meta)).unwrap();
    match Model::from_bytes(&bytes) {
        Err(Error::UnknownOp { node: 1, op }) => assert_eq!(op, "gelu"),
        other => panic!("expected UnknownOp, got {other:?}"),
    }
}

#[test]
fn rejects_missing_graph() {
    let bytes = safetensors::serialize(
        Vec::<(String, safetensors::tensor::TensorView<'_>)>::new(),
        None,
    )
    .unwrap();
    assert!(matches!(
        Model::from_bytes(&bytes),
        Err(Error::MissingGraph(_))
    ));
}

#[test]
fn rejects_shape_mismatch() {
    // Dense weight [3, 5] for an input of 4 elements.
    let t = [
        TensorBlob::i8("w", vec![3, 5], &[0; 15]),
        TensorBlob::i32("b", vec![3], &[0; 3]),
    ];
    let bytes = write_model_file(&graph(vec![dense_node("w")]), &t).unwrap();
    assert!(matches!(
        Model::from_bytes(&bytes),
        Err(Error::ShapeMismatch { node: 0, .. })
    ));
    // Bias of the wrong length.
    let t = [
        TensorBlob::i8("w", vec![3, 4], &[0; 12]),
        TensorBlob::i32("b", vec![2], &[0; 2]),
    ];
    let bytes = write_model_file(&graph(vec![dense_node("w")]), &t).unwrap();
    assert!(matches!(
        Model::from_bytes(&bytes),
        Err(Error::ShapeMismatch { node: 0, .. })
    ));
    // Add of two differently shaped values.
    let mut b = ModelBuilder::new(vec![4]);
    let v = b.dense(0, &[0; 8], &[0, 0], RQ);
    b.add(v, 0, 1, 1, 0);
    assert!(matches!(
        b.build(),
        Err(Error::ShapeMismatch { node: 1, .. })
    ));
    // Conv on a vector input.
    let mut b = ModelBuilder::new(vec![4]);
    b.conv2d(0, [1, 1, 1, 1], &[1], &[0], [1, 1], [0, 0], RQ);
    assert!(matches!(
        b.build(),
        Err(Error::ShapeMismatch { node: 0, .. })
    ));
    // Reshape to a different element count.
    let mut b = ModelBuilder::new(vec![4]);
    b.reshape(0, vec![1, 2, 3]);
    assert!(matches!(
        b.build(),
        Err(Error::ShapeMismatch { node: 0, .. })
    ));
}

#[test]
fn rejects_wrong_dtype_missing_and_unused_tensors() {
    let t = [
        TensorBlob::i32("w", vec![3, 4], &[0; 12]),
        TensorBlob::i32("b", vec![3], &[0; 3]),
    ];
    let bytes = write_model_file(&graph(vec![dense_node("w")]), &t).unwrap();
    assert!(matches!(
        Model::from_bytes(&bytes),
        Err(Error::DType { .. })
    ));

    let t = [TensorBlob::i32("b", vec![3], &[0; 3])];
    let bytes = write_model_file(&graph(vec![dense_node("w")]), &t).unwrap();
    assert!(matches!(
        Model::from_bytes(&bytes),
        Err(Error::MissingTensor { node: 0, .. })
    ));

    let t = [
        TensorBlob::i8("w", vec![3, 4], &[0; 12]),
        TensorBlob::i32("b", vec![3], &[0; 3]),
        TensorBlob::i8("stray", vec![1], &[0]),
    ];
    let bytes = write_model_file(&graph(vec![dense_node("w")]), &t).unwrap();
    assert!(matches!(Model::from_bytes(&bytes), Err(Error::UnusedTensor(n)) if n == "stray"));
}

#[test]
fn rejects_invalid_parameters() {
    type Edit = Box<dyn Fn(&mut ModelBuilder)>;
    let cases: Vec<(&str, Edit)> = vec![
        (
            "shift > 63",
            Box::new(|b| {
                b.requantize(
                    0,
                    Requant {
                        multiplier: 1,
                        shift: 64,
                    },
                );
            }),
        ),
        (
            "clamp min > max",
            Box::new(|b| {
                b.clamp(0, 5, -5);
            }),
        ),
        (
            "forward reference",
            Box::new(|b| {
                b.relu(3);
            }),
        ),
        (
            "upsample 0",
            Box::new(|b| {
                b.upsample(0, 0);
            }),
        ),
        (
            "add weight",
            Box::new(|b| {
                b.add(0, 0, 65537, 1, 0);
            }),
        ),
        (
            "pool too big",
            Box::new(|b| {
                b.avg_pool(0, [3, 1], [1, 1]);
            }),
        ),
        (
            "stride 0",
            Box::new(|b| {
                b.conv2d(0, [1, 1, 1, 1], &[1], &[0], [0, 1], [0, 0], RQ);
            }),
        ),
        (
            "kernel too big",
            Box::new(|b| {
                b.conv2d(0, [1, 1, 3, 3], &[1; 9], &[0], [1, 1], [0, 0], RQ);
            }),
        ),
    ];
    for (what, add) in cases {
        let mut b = ModelBuilder::new(vec![1, 2, 2]);
        add(&mut b);
        match b.build() {
            Err(Error::InvalidParam { .. }) => {}
            other => panic!("{what}: expected InvalidParam, got {other:?}"),
        }
    }
}

#[test]
fn rejects_bad_graph_json_and_input_size() {
    let t = [
        TensorBlob::i8("w", vec![3, 4], &[0; 12]),
        TensorBlob::i32("b", vec![3], &[0; 3]),
    ];
    let mut g = graph(vec![dense_node("w")]);
    g.format = "other/2".into();
    let bytes = write_model_file(&g, &t).unwrap();
    assert!(matches!(
        Model::from_bytes(&bytes),
        Err(Error::GraphJson(_))
    ));
    let bytes = write_model_file(&graph(vec![]), &[]).unwrap();
    assert!(matches!(
        Model::from_bytes(&bytes),
        Err(Error::GraphJson(_))
    ));

    let m = small().build().unwrap();
    assert!(matches!(
        CpuExecutor.run(&m, &[1, 2, 3]),
        Err(Error::InputSize {
            expected: 4,
            found: 3
        })
    ));
}
