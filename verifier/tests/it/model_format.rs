//! The converted model format: round trip of every committed model, determinism, the model id,
//! and the strict loader's refusals.

use std::collections::HashMap;

use safetensors::SafeTensors;
use safetensors::tensor::TensorView;
use serde_json::Value;
use verifier::model::format::GRAPH_KEY;
use verifier::{CpuExecutor, Error, Model, litert};

use crate::common::{convert, job_input, repo, tflite_models};

#[test]
fn every_model_round_trips_to_the_same_graph_and_bytes() {
    let mut n = 0;
    for path in tflite_models() {
        let tflite = std::fs::read(&path).unwrap();
        let imported = litert::import(&tflite, &Default::default()).unwrap();
        let (bytes, model) = convert(&path);
        // The loader rebuilds the very graph the importer made.
        assert!(imported == *model.graph(), "{}", path.display());
        // The id is the commitment over the node records, computed from the loaded graph.
        assert_eq!(model.id(), verifier::opening::model_id(model.graph()));
        // Converting is deterministic.
        let again = Model::convert_tflite(&tflite, &Default::default()).unwrap();
        assert_eq!(bytes, again, "{}", path.display());
        // Every op output equals the imported graph's run.
        for seed in 0..2 {
            let input = job_input(&imported, seed);
            let direct: Vec<Vec<u8>> = litert::run(&imported, &model.split_input(&input).unwrap())
                .unwrap()
                .into_iter()
                .map(|o| o.bytes)
                .collect();
            assert_eq!(
                CpuExecutor.layer_outputs(&model, &input).unwrap(),
                direct,
                "{}",
                path.display()
            );
        }
        n += 1;
    }
    assert!(n >= 30, "only {n} models");
}

#[test]
fn depthwise_filters_are_stored_per_channel() {
    let path = repo().join("tools/models/out/text2img.tflite");
    let (bytes, model) = convert(&path);
    let st = SafeTensors::deserialize(&bytes).unwrap();
    let g = model.graph();
    let dw = g
        .ops
        .iter()
        .find(|o| o.name == "DEPTHWISE_CONV_2D")
        .expect("text2img has a depthwise conv");
    let f = &g.tensors[dw.inputs[1]];
    let [_, h, w, o] = f.shape[..] else { panic!() };
    let stored = st.tensor(&format!("t{}", dw.inputs[1])).unwrap();
    assert_eq!(stored.shape(), [o, h, w]);
    // Channel 1's taps are contiguous: stored[1][y][x] = tflite[0][y][x][1].
    let data = f.data.as_ref().unwrap();
    for p in 0..h * w {
        assert_eq!(stored.data()[h * w + p], data[p * o + 1]);
    }
}

/// Rewrites a converted file's graph JSON with `edit` (tensors unchanged).
fn rewrite(bytes: &[u8], edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let (_, meta) = SafeTensors::read_metadata(bytes).unwrap();
    let mut graph: Value =
        serde_json::from_str(meta.metadata().as_ref().unwrap().get(GRAPH_KEY).unwrap()).unwrap();
    edit(&mut graph);
    let st = SafeTensors::deserialize(bytes).unwrap();
    let views: Vec<(String, TensorView<'_>)> = st.tensors().into_iter().collect();
    let meta = HashMap::from([(GRAPH_KEY.to_string(), graph.to_string())]);
    safetensors::serialize(views, Some(meta)).unwrap()
}

fn refused(bytes: &[u8], needle: &str) {
    let e = Model::from_bytes(bytes)
        .expect_err("must be refused")
        .to_string();
    assert!(e.contains(needle), "`{e}` lacks `{needle}`");
}

#[test]
fn the_loader_is_strict() {
    let (bytes, _) = convert(&repo().join("tools/models/out/tiny_transformer.tflite"));
    // Unchanged JSON still loads (the rewrite itself is neutral).
    Model::from_bytes(&rewrite(&bytes, |_| {})).unwrap();
    refused(
        &rewrite(&bytes, |g| g["dilation"] = 2.into()),
        "unknown field",
    );
    refused(
        &rewrite(&bytes, |g| g["ops"][0]["derived"]["extra"] = 1.into()),
        "unknown field",
    );
    refused(
        &rewrite(&bytes, |g| g["format"] = "verifier-graph/1".into()),
        "format",
    );
    // A derived integer that the scales do not give.
    let fc = |g: &Value| {
        g["ops"]
            .as_array()
            .unwrap()
            .iter()
            .position(|o| o["op"] == "FULLY_CONNECTED")
            .unwrap()
    };
    refused(
        &rewrite(&bytes, |g| {
            let i = fc(g);
            let e = g["ops"][i]["derived"]["fc_exponent"][0].as_i64().unwrap();
            g["ops"][i]["derived"]["fc_exponent"][0] = (e + 1).into();
        }),
        "derived integers differ",
    );
    // A scale changed without its derived integers.
    refused(
        &rewrite(&bytes, |g| {
            let i = fc(g);
            let out = g["ops"][i]["outputs"][0].as_u64().unwrap() as usize;
            g["tensors"][out]["scale"][0] = 0.5.into();
        }),
        "derived integers differ",
    );
    // An option field the op does not read, an option of the wrong type, an unknown op.
    refused(
        &rewrite(&bytes, |g| g["ops"][0]["options"]["17"] = 1.into()),
        "option field 17",
    );
    refused(
        &rewrite(&bytes, |g| {
            let i = fc(g);
            g["ops"][i]["options"]["0"] = 1.5.into();
        }),
        "not an integer",
    );
    refused(
        &rewrite(&bytes, |g| g["ops"][0]["op"] = "CUSTOM_THING".into()),
        "unsupported operator",
    );
    // Wiring: an op reading a tensor before it is written.
    refused(
        &rewrite(&bytes, |g| {
            let last = g["ops"].as_array().unwrap().len() - 1;
            let late = g["ops"][last]["outputs"][0].clone();
            g["ops"][1]["inputs"][0] = late;
        }),
        "before it is written",
    );
    // A constant that is not in the file, a layout on a non-depthwise tensor.
    refused(
        &rewrite(&bytes, |g| {
            let t = g["tensors"]
                .as_array()
                .unwrap()
                .iter()
                .position(|t| t["constant"] == false)
                .unwrap();
            g["tensors"][t]["constant"] = true.into();
        }),
        "no safetensors entry",
    );
    refused(
        &rewrite(&bytes, |g| {
            let t = g["tensors"]
                .as_array()
                .unwrap()
                .iter()
                .position(|t| t["constant"] == true)
                .unwrap();
            g["tensors"][t]["layout"] = "ohw".into();
        }),
        "layout",
    );
    // Duplicate keys in the graph JSON.
    let dup = {
        let (_, meta) = SafeTensors::read_metadata(&bytes).unwrap();
        let json = meta.metadata().as_ref().unwrap()[GRAPH_KEY].clone();
        let json = json.replacen("{\"format\":", "{\"format\":\"x\",\"format\":", 1);
        let st = SafeTensors::deserialize(&bytes).unwrap();
        safetensors::serialize(
            st.tensors(),
            Some(HashMap::from([(GRAPH_KEY.to_string(), json)])),
        )
        .unwrap()
    };
    refused(&dup, "duplicate key");
}

#[test]
fn hostile_files_are_refused_without_panic() {
    let (bytes, _) = convert(&repo().join("tools/models/out/ops/conv2d.tflite"));
    for cut in [0, 7, 8, 9, 40, bytes.len() / 2, bytes.len() - 1] {
        assert!(Model::from_bytes(&bytes[..cut]).is_err());
    }
    assert!(matches!(
        Model::from_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{"),
        Err(Error::Safetensors(_))
    ));
    // Budgets: a huge declared tensor is refused before any allocation.
    refused(
        &rewrite(&bytes, |g| {
            g["tensors"][0]["shape"] = serde_json::json!([1 << 30, 1 << 30])
        }),
        "over budget",
    );
    refused(
        &rewrite(&bytes, |g| {
            g["tensors"][0]["shape"] = serde_json::json!([0, 3])
        }),
        "dimension 0",
    );
    refused(
        &rewrite(&bytes, |g| {
            g["tensors"][0]["scale"] = serde_json::json!([-1.0])
        }),
        "scale",
    );
    // A .tflite that is not full-integer is refused by the converter with the importer's error.
    let pt2e = std::fs::read(repo().join("tools/models/out/torch_tiny_pt2e.tflite")).unwrap();
    let e = Model::convert_tflite(&pt2e, &Default::default()).unwrap_err();
    assert!(matches!(e, Error::LiteRt(_)), "{e}");
}
