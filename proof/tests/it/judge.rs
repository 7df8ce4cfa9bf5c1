//! The deployed element judge (`contracts/proof/LiteRtJudge.sol`) end to end on the demo model:
//! the verifier's openings (`verifier::opening`) of random elements of every op of text2img on a
//! real job input, recomputed in revm, must equal the CPU reference's bytes; a tampered opening
//! is refused. One opening per op is also written as Solidity, `test/proof/LiteRtJudgeFixtures.sol`,
//! which `test/proof/FinalStepGas.t.sol` replays for the gas rows (`judge_text2img_*` in
//! `snapshots/ProofFinalStep.json`): this test fails if that file is stale
//! (`JUDGE_FIXTURE_UPDATE=1` rewrites it).

use alloy::dyn_abi::DynSolValue;
use alloy::primitives::B256;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use verifier::opening::{ElementOpening, Opener};
use verifier::{CpuExecutor, Model, commit, demo};

use crate::support::{Harness, as_i64, uint};

pub(crate) fn b32(h: &[u8; 32]) -> DynSolValue {
    DynSolValue::FixedBytes(B256::from(*h), 32)
}

/// `abi.encode(LiteRtJudge.Opening)`: the verifier's own encoder (`ElementOpening::abi_encode`),
/// checked here against alloy's.
pub(crate) fn encode(o: &ElementOpening) -> Vec<u8> {
    let ranges = o
        .ranges
        .iter()
        .map(|r| {
            DynSolValue::Tuple(vec![
                uint(r.first),
                DynSolValue::Bytes(r.proof.chunks.concat()),
                DynSolValue::Array(r.proof.siblings.iter().map(b32).collect()),
            ])
        })
        .collect();
    let alloys = DynSolValue::Tuple(vec![
        DynSolValue::Bytes(o.node.clone()),
        DynSolValue::Array(o.node_proof.iter().map(b32).collect()),
        DynSolValue::Array(ranges),
        DynSolValue::Bytes(o.patch.clone()),
    ])
    .abi_encode();
    let ours = o.abi_encode();
    assert_eq!(ours, alloys, "the verifier's ABI encoding");
    ours
}

/// What `recompute` returned: the byte, the output length, the input roots `(leaf, root)`.
pub(crate) type Recomputed = (i8, u64, Vec<(u64, [u8; 32])>);

pub(crate) fn recompute(
    h: &mut Harness,
    id: &[u8; 32],
    layer: usize,
    e: u64,
    o: &ElementOpening,
) -> Result<Recomputed, String> {
    let args = [
        b32(id),
        uint(layer as u64),
        uint(e),
        DynSolValue::Bytes(encode(o)),
    ];
    let v = h.call("recompute", &args)?;
    let DynSolValue::Array(ins) = &v[2] else {
        panic!("inputs: {:?}", v[2])
    };
    let ins = ins
        .iter()
        .map(|t| match t {
            DynSolValue::Tuple(f) => match (&f[0], &f[1]) {
                (DynSolValue::Uint(l, _), DynSolValue::FixedBytes(r, _)) => (l.to::<u64>(), r.0),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        })
        .collect();
    Ok((as_i64(&v[0]) as i8, as_i64(&v[1]) as u64, ins))
}

struct Demo {
    model: Model,
    opener: Opener,
    tensors: Vec<Vec<u8>>,
}

/// The demo job, run once for the tests that share it.
fn demo_job() -> &'static Demo {
    static DEMO: std::sync::OnceLock<Demo> = std::sync::OnceLock::new();
    DEMO.get_or_init(run_demo)
}

fn run_demo() -> Demo {
    let model = Model::from_bytes(&demo::demo_model_bytes().unwrap()).unwrap();
    let input = demo::job_input(demo::DEMO_PROMPT).unwrap();
    let outputs = CpuExecutor.layer_outputs(&model, &input).unwrap();
    let mut tensors = vec![input];
    tensors.extend(outputs);
    let opener = Opener::new(&model);
    Demo {
        model,
        opener,
        tensors,
    }
}

#[test]
fn the_judge_recomputes_every_op_of_the_demo_model() {
    let d = demo_job();
    let refs: Vec<&[u8]> = d.tensors.iter().map(Vec::as_slice).collect();
    let roots: Vec<[u8; 32]> = refs.iter().map(|t| commit::root(t)).collect();
    let opener = &d.opener;
    let id = d.model.id();
    let mut h = Harness::load("LiteRtJudge.sol/LiteRtJudge.json");
    let mut rng = ChaCha8Rng::seed_from_u64(19);
    let mut fixtures = Vec::new();
    for (layer, op) in d.model.layers().iter().enumerate() {
        let out = &d.tensors[layer + 1];
        let len = out.len() as u64;
        // The corners (padding taps), the gas row's element and a random one.
        let picks = [0, len - 1, len / 2 + 1, rng.random_range(0..len)];
        for &e in &picks {
            let o = opener.open(layer, e, &refs).unwrap();
            let (v, n, ins) = recompute(&mut h, &id, layer, e, &o)
                .unwrap_or_else(|err| panic!("{} layer {layer} element {e}: {err}", op.name));
            assert_eq!(
                v, out[e as usize] as i8,
                "{} layer {layer} element {e}",
                op.name
            );
            assert_eq!(n, len);
            assert!(!ins.is_empty(), "{}: reads no input", op.name);
            let leaves: Vec<u64> = ins.iter().map(|i| i.0).collect();
            assert_eq!(
                leaves, o.input_leaves,
                "{}: the opening's input leaves",
                op.name
            );
            for (leaf, root) in ins {
                assert!(leaf <= layer as u64, "{}: input leaf {leaf}", op.name);
                assert_eq!(root, roots[leaf as usize], "{} layer {layer}", op.name);
            }
            if e == len / 2 + 1 {
                let name = format!("op{layer:02}_{}", op.name);
                fixtures.push((name, layer, e, v, encode(&o)));
            }
        }
        // Past the output: chunk padding, 0, no input read.
        let o = opener.open(layer, len + 3, &refs).unwrap();
        assert_eq!(
            recompute(&mut h, &id, layer, len + 3, &o).unwrap(),
            (0, len, vec![])
        );
        let o = encode(&o);
        let n = h
            .call(
                "outputLength",
                &[b32(&id), uint(layer as u64), DynSolValue::Bytes(o)],
            )
            .unwrap();
        assert_eq!(as_i64(&n[0]) as u64, len);
    }
    check_fixtures(&id, &fixtures);
}

#[test]
fn a_tampered_opening_is_refused() {
    let d = demo_job();
    let refs: Vec<&[u8]> = d.tensors.iter().map(Vec::as_slice).collect();
    let opener = &d.opener;
    let id = d.model.id();
    let mut h = Harness::load("LiteRtJudge.sol/LiteRtJudge.json");
    let name = |k: usize| d.model.layers()[k].name;
    let fc = (0..d.model.layers().len())
        .find(|&k| name(k) == "FULLY_CONNECTED")
        .unwrap();
    let conv = (0..d.model.layers().len())
        .find(|&k| name(k) == "CONV_2D")
        .unwrap();
    let e = 77;
    let good = opener.open(fc, e, &refs).unwrap();
    assert!(recompute(&mut h, &id, fc, e, &good).is_ok());
    // A weight chunk that is not the model's (FC reads channel word, input row, weight row).
    let mut bad = good.clone();
    bad.ranges[2].proof.chunks[0][5] ^= 1;
    assert_eq!(
        recompute(&mut h, &id, fc, e, &bad).unwrap_err(),
        "RootMismatch"
    );
    // Another channel word (a different bias): the channel tree refuses it too.
    let mut bad = good.clone();
    bad.ranges[0].proof.chunks[0][7] ^= 1;
    assert_eq!(
        recompute(&mut h, &id, fc, e, &bad).unwrap_err(),
        "RootMismatch"
    );
    // A node record that is not the model's (a different zero point).
    let mut bad = good.clone();
    bad.node[20 * 32 + 31] ^= 1;
    assert_eq!(recompute(&mut h, &id, fc, e, &bad).unwrap_err(), "BadNode");
    // Another layer's node at this layer.
    let other = opener.open(conv, e, &refs).unwrap();
    let mut bad = other.clone();
    bad.node_proof = good.node_proof.clone();
    assert_eq!(recompute(&mut h, &id, fc, e, &bad).unwrap_err(), "BadNode");
    // Another element's ranges.
    let shifted = opener.open(fc, e + 1, &refs).unwrap();
    let mut bad = good.clone();
    bad.ranges[1] = shifted.ranges[1].clone();
    bad.ranges[0] = shifted.ranges[0].clone();
    assert_eq!(
        recompute(&mut h, &id, fc, e, &bad).unwrap_err(),
        "RangeMismatch"
    );
    // A wrong input: the judge proves it against a root that is not the committed tensor's,
    // which the game then refuses (InvalidInputRoot).
    let mut bad = good.clone();
    bad.ranges[1].proof.chunks[0][0] ^= 1;
    let (_, _, ins) = recompute(&mut h, &id, fc, e, &bad).unwrap();
    assert_ne!(ins[0].1, commit::root(refs[ins[0].0 as usize]));
    // A conv patch byte that is not the opened input's.
    let good = opener.open(conv, 100, &refs).unwrap();
    assert!(recompute(&mut h, &id, conv, 100, &good).is_ok());
    let mut bad = good.clone();
    let at = bad.patch.len() / 2;
    bad.patch[at] ^= 1;
    assert_eq!(
        recompute(&mut h, &id, conv, 100, &bad).unwrap_err(),
        "PatchMismatch"
    );
    // A missing range.
    let mut bad = good;
    bad.ranges.pop();
    assert!(recompute(&mut h, &id, conv, 100, &bad).is_err());
}

/// One opening per op: `(row name, layer, element, value, abi.encode(Opening))`.
pub(crate) type Fixture = (String, usize, u64, i8, Vec<u8>);

/// Checks (or with `JUDGE_FIXTURE_UPDATE=1` writes) the Solidity fixtures the gas test replays.
fn check_fixtures(id: &[u8; 32], fixtures: &[Fixture]) {
    write_fixtures(
        "LiteRtJudgeFixtures",
        "the demo model (text2img) on the demo prompt",
        id,
        fixtures,
    );
}

/// `test/proof/<library>.sol`: one `LiteRtJudge` opening per fixture of `what`, checked fresh
/// (or with `JUDGE_FIXTURE_UPDATE=1` rewritten).
pub(crate) fn write_fixtures(library: &str, what: &str, id: &[u8; 32], fixtures: &[Fixture]) {
    let path = format!("{}/../test/proof/{library}.sol", env!("CARGO_MANIFEST_DIR"));
    let mut src = format!(
        "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.28;\n\n\
         /// @notice Generated by proof/tests/it/judge*.rs (`JUDGE_FIXTURE_UPDATE=1`), do not edit: one\n\
         /// `LiteRtJudge` opening per op of {what}, built by\n\
         /// `verifier::opening`, and the byte the CPU reference computed there.\n\
         library {library} {{\n",
    );
    src += &format!(
        "    bytes32 internal constant MODEL_ID = 0x{};\n    uint256 internal constant COUNT = {};\n\n",
        alloy::hex::encode(id),
        fixtures.len()
    );
    src += "    /// @notice Fixture `i`: its gas row's name, the layer, the element, the byte, the opening.\n";
    src += "    function get(uint256 i)\n        internal\n        pure\n        returns (string memory name, uint256 layer, uint256 element, int8 value, bytes memory opening)\n    {\n";
    for (i, (name, layer, e, v, o)) in fixtures.iter().enumerate() {
        src += &format!(
            "        if (i == {i}) {{\n            return (\n                \"{name}\",\n                {layer},\n                {e},\n                {v},\n                hex\"{}\"\n            );\n        }}\n",
            alloy::hex::encode(o)
        );
    }
    src += "        revert(\"no such fixture\");\n    }\n}\n";
    crate::support::write_or_check(&path, &src, "judge");
}
