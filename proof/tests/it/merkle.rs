//! The chunk commitment on chain (`contracts/proof/ChunkMerkle.sol`) against the verifier's
//! (`verifier::commit`, the one Rust implementation, whose vectors file
//! `verifier/tests/vectors/commit.json` is checked here too): roots of byte strings, the layer
//! commitment, and range proofs (valid ones open, altered ones do not).

use alloy::dyn_abi::DynSolValue;
use alloy::primitives::B256;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use verifier::commit::{self, open_range};

use crate::support::{Harness, uint};

fn words(v: &[[u8; 32]]) -> DynSolValue {
    DynSolValue::Array(
        v.iter()
            .map(|w| DynSolValue::FixedBytes(B256::from(*w), 32))
            .collect(),
    )
}

fn root_of(h: &mut Harness, name: &str, args: &[DynSolValue]) -> Result<[u8; 32], String> {
    h.call(name, args).map(|r| match &r[0] {
        DynSolValue::FixedBytes(w, 32) => w.0,
        other => panic!("not a root: {other:?}"),
    })
}

#[test]
fn roots_and_layer_commitments_match() {
    let mut h = Harness::new();
    let mut rng = ChaCha8Rng::seed_from_u64(60);
    for len in (0..100).chain([255, 256, 257, 1000]) {
        let data: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        let want = commit::root(&data);
        let got = root_of(&mut h, "chunkRoot", &[DynSolValue::Bytes(data)]).unwrap();
        assert_eq!(got, want, "{len} bytes");
    }
    for n in 1..10 {
        let roots: Vec<[u8; 32]> = (0..n).map(|_| rng.random()).collect();
        let want = commit::commitment_of_roots(&roots[0], &roots[1..]);
        assert_eq!(
            root_of(&mut h, "layerCommitment", &[words(&roots)]).unwrap(),
            want
        );
    }
}

#[test]
fn range_proofs_open_exactly_their_chunks() {
    let mut h = Harness::new();
    let mut rng = ChaCha8Rng::seed_from_u64(61);
    for case in 0..60 {
        let chunks: usize = rng.random_range(1..70);
        let data: Vec<u8> = (0..chunks * 32).map(|_| rng.random()).collect();
        let depth = chunks.next_power_of_two().trailing_zeros() as usize;
        let root = commit::root(&data);
        let first = rng.random_range(0..chunks);
        let n = rng.random_range(1..=chunks - first);
        let opened = data[first * 32..(first + n) * 32].to_vec();
        let proof = open_range(&data, first, n).unwrap().siblings;
        let call = |h: &mut Harness, opened: &[u8], proof: &[[u8; 32]]| {
            root_of(
                h,
                "rangeRoot",
                &[
                    uint(depth as u64),
                    uint(first as u64),
                    DynSolValue::Bytes(opened.to_vec()),
                    words(proof),
                ],
            )
        };
        assert_eq!(
            call(&mut h, &opened, &proof).unwrap(),
            root,
            "case {case}: [{first}, +{n})"
        );
        // one flipped bit in the data or in a sibling changes the root
        let mut bad = opened.clone();
        let bit = rng.random_range(0..bad.len() * 8);
        bad[bit / 8] ^= 1 << (bit % 8);
        assert_ne!(
            call(&mut h, &bad, &proof).unwrap(),
            root,
            "case {case}: altered data"
        );
        if !proof.is_empty() {
            let mut bad = proof.clone();
            let i = rng.random_range(0..bad.len());
            bad[i][0] ^= 0x80;
            assert_ne!(
                call(&mut h, &opened, &bad).unwrap(),
                root,
                "case {case}: altered proof"
            );
            assert_eq!(
                call(&mut h, &opened, &proof[..proof.len() - 1]).unwrap_err(),
                "BadProofLength"
            );
        }
        let mut longer = proof.clone();
        longer.push([0; 32]);
        assert_eq!(
            call(&mut h, &opened, &longer).unwrap_err(),
            "BadProofLength"
        );
    }
    // a range past the tree's end, or not whole chunks
    let args = [
        uint(1),
        uint(1),
        DynSolValue::Bytes(vec![0; 64]),
        words(&[]),
    ];
    assert_eq!(h.call("rangeRoot", &args).unwrap_err(), "BadRange");
    let args = [
        uint(1),
        uint(0),
        DynSolValue::Bytes(vec![0; 33]),
        words(&[]),
    ];
    assert_eq!(h.call("rangeRoot", &args).unwrap_err(), "BadRange");
}

/// The vectors the verifier publishes for other implementations: every root, range proof and
/// layer commitment in the file, recomputed on chain.
#[test]
fn the_verifiers_published_vectors_hold_on_chain() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../verifier/tests/vectors/commit.json"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let hex = |s: &serde_json::Value| alloy::hex::decode(s.as_str().unwrap()).unwrap();
    let word = |s: &serde_json::Value| -> [u8; 32] { hex(s).try_into().unwrap() };
    let mut h = Harness::new();
    let (mut trees, mut ranges) = (0, 0);
    for t in v["trees"].as_array().unwrap() {
        let root = word(&t["root"]);
        let got = root_of(&mut h, "chunkRoot", &[DynSolValue::Bytes(hex(&t["bytes"]))]).unwrap();
        assert_eq!(got, root);
        trees += 1;
        let depth = t["chunks"]
            .as_u64()
            .unwrap()
            .next_power_of_two()
            .trailing_zeros();
        for r in t["ranges"].as_array().unwrap() {
            let opened: Vec<u8> = r["chunks"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(hex)
                .collect();
            let siblings: Vec<[u8; 32]> =
                r["siblings"].as_array().unwrap().iter().map(word).collect();
            let args = [
                uint(depth as u64),
                uint(r["first"].as_u64().unwrap()),
                DynSolValue::Bytes(opened),
                words(&siblings),
            ];
            assert_eq!(root_of(&mut h, "rangeRoot", &args).unwrap(), root);
            ranges += 1;
        }
    }
    for c in v["layer_commitments"].as_array().unwrap() {
        let mut roots = vec![commit::root(&hex(&c["input"]))];
        roots.extend(
            c["outputs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| commit::root(&hex(o))),
        );
        let got = root_of(&mut h, "layerCommitment", &[words(&roots)]).unwrap();
        assert_eq!(got, word(&c["commitment"]));
    }
    assert!(
        trees >= 10 && ranges >= 10,
        "{trees} trees, {ranges} ranges"
    );
}
