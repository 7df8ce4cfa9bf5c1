//! Hostile `.tflite` files: the importer refuses them with a typed error, never panics.

use std::path::Path;

use verifier::litert::{self, LiteRtBudget, LiteRtError};

fn model(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tools/models/out")
            .join(name),
    )
    .expect("model")
}

#[test]
fn truncated_files_are_refused_at_every_length() {
    let bytes = model("ops/conv2d.tflite");
    for len in (0..bytes.len()).step_by(7) {
        assert!(
            litert::import(&bytes[..len], &Default::default()).is_err(),
            "prefix of {len} bytes imported"
        );
    }
}

#[test]
fn corrupted_bytes_never_panic() {
    // Flip each byte of two small models in turn: every result is Ok or a typed error, and an
    // Ok graph still runs (or fails) without panicking.
    for name in [
        "ops/add.tflite",
        "ops/transpose_conv.tflite",
        "ops/softmax.tflite",
        "ops/layer_norm.tflite",
        "ops/resize_bilinear.tflite",
        "ops/batch_matmul_adj_y.tflite",
        "ops/depthwise_conv2d.tflite",
        "ops/gelu.tflite",
    ] {
        let bytes = model(name);
        for i in 0..bytes.len() {
            for x in [0xffu8, 0x80, 0x01] {
                let mut b = bytes.clone();
                b[i] ^= x;
                if let Ok(g) = litert::import(&b, &Default::default()) {
                    let xs: Vec<Vec<u8>> = g
                        .inputs
                        .iter()
                        .map(|&t| vec![0u8; g.tensors[t].len() * g.tensors[t].dtype.size()])
                        .collect();
                    let refs: Vec<&[u8]> = xs.iter().map(Vec::as_slice).collect();
                    let _ = litert::run(&g, &refs);
                }
            }
        }
    }
}

#[test]
fn huge_shapes_hit_the_budget() {
    // ops/transpose.tflite's input shape is [1, 4, 6, 8]: make the 6 a million.
    let mut bytes = model("ops/transpose.tflite");
    let needle: Vec<u8> = [1i32, 4, 6, 8]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let pos = bytes
        .windows(16)
        .position(|w| w == needle)
        .expect("shape vector");
    bytes[pos + 8..pos + 12].copy_from_slice(&1_000_000i32.to_le_bytes());
    let err = litert::import(&bytes, &Default::default()).expect_err("huge shape");
    assert!(
        matches!(err, LiteRtError::Budget { .. } | LiteRtError::Op { .. }),
        "{err}"
    );
    let tiny = LiteRtBudget {
        max_tensor_elements: 10,
        ..Default::default()
    };
    let err = litert::import(&model("ops/add.tflite"), &tiny).expect_err("tiny budget");
    assert!(
        matches!(
            err,
            LiteRtError::Budget {
                what: "tensor elements",
                ..
            }
        ),
        "{err}"
    );
    let few_macs = LiteRtBudget {
        max_macs: 1000,
        ..Default::default()
    };
    let err = litert::import(&model("text2img.tflite"), &few_macs).expect_err("MAC budget");
    assert!(
        matches!(
            err,
            LiteRtError::Budget {
                what: "multiply-accumulates",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn bad_root_offset_and_out_of_range_tensor_ids_are_refused() {
    let mut bytes = model("ops/add.tflite");
    bytes[0..4].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(
        litert::import(&bytes, &Default::default()),
        Err(LiteRtError::Malformed(_))
    ));

    // ops/add.tflite's op reads tensors [0, 1] and writes [2] (see the oracle manifest): point
    // the op's output at tensor 99, then at its own input (a cycle / rewrite of a graph input).
    let g = litert::import(&model("ops/add.tflite"), &Default::default()).expect("add imports");
    assert_eq!(g.ops[0].outputs.len(), 1);
    let out = g.ops[0].outputs[0] as i32;
    // The [len = 1, id] vector appears as the op's outputs (and the graph's): patch each
    // occurrence; the op's one must be refused for the reason given.
    let needle: Vec<u8> = [1i32, out].iter().flat_map(|v| v.to_le_bytes()).collect();
    let clean = model("ops/add.tflite");
    let sites: Vec<usize> = (0..clean.len() - 8)
        .filter(|&p| clean[p..p + 8] == needle[..])
        .collect();
    for (to, want) in [
        (99, "out of range"),
        (g.ops[0].inputs[0] as i32, "already written"),
    ] {
        let refused = sites.iter().any(|&pos| {
            let mut b = clean.clone();
            b[pos + 4..pos + 8].copy_from_slice(&to.to_le_bytes());
            matches!(litert::import(&b, &Default::default()), Err(LiteRtError::Graph(m)) if m.contains(want))
        });
        assert!(refused, "output id {to} was not refused with `{want}`");
    }
}
