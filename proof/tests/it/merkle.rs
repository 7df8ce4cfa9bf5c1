//! The chunk commitment (shared spec, `contracts/proof/ChunkMerkle.sol`) against a small Rust
//! reference written here from the spec: roots of byte strings, the layer commitment, and range
//! proofs (valid ones open, altered ones do not).

use alloy::dyn_abi::DynSolValue;
use alloy::primitives::B256;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::support::{Harness, hash, uint};

fn leaf(chunk: &[u8; 32]) -> [u8; 32] {
    hash(&[&[0u8][..], chunk].concat())
}

fn node(l: &[u8; 32], r: &[u8; 32]) -> [u8; 32] {
    hash(&[&[1u8][..], l, r].concat())
}

/// Every level of the tree over `data`, leaves first.
fn levels(data: &[u8]) -> Vec<Vec<[u8; 32]>> {
    let count = data.len().div_ceil(32).max(1);
    let width = count.next_power_of_two();
    let mut level: Vec<[u8; 32]> = (0..width)
        .map(|i| {
            let mut chunk = [0u8; 32];
            if i * 32 < data.len() {
                let part = &data[i * 32..data.len().min(i * 32 + 32)];
                chunk[..part.len()].copy_from_slice(part);
            }
            leaf(&chunk)
        })
        .collect();
    let mut all = vec![level.clone()];
    while level.len() > 1 {
        level = level.chunks(2).map(|p| node(&p[0], &p[1])).collect();
        all.push(level.clone());
    }
    all
}

/// The siblings that open chunks `[first, first + n)`: bottom-up, left then right per level.
fn range_proof(levels: &[Vec<[u8; 32]>], first: usize, n: usize) -> Vec<[u8; 32]> {
    let (mut lo, mut hi) = (first, first + n - 1);
    let mut proof = Vec::new();
    for level in &levels[..levels.len() - 1] {
        if lo % 2 == 1 {
            proof.push(level[lo - 1]);
        }
        if hi % 2 == 0 {
            proof.push(level[hi + 1]);
        }
        (lo, hi) = (lo / 2, hi / 2);
    }
    proof
}

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
        let want = *levels(&data).last().unwrap().first().unwrap();
        let got = root_of(&mut h, "chunkRoot", &[DynSolValue::Bytes(data)]).unwrap();
        assert_eq!(got, want, "{len} bytes");
    }
    for n in 1..10 {
        let roots: Vec<[u8; 32]> = (0..n).map(|_| rng.random()).collect();
        let want = levels(&roots.concat()).last().unwrap()[0];
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
        let chunks = rng.random_range(1..70);
        let data: Vec<u8> = (0..chunks * 32).map(|_| rng.random()).collect();
        let tree = levels(&data);
        let depth = tree.len() - 1;
        let root = tree[depth][0];
        let first = rng.random_range(0..chunks);
        let n = rng.random_range(1..=chunks - first);
        let opened = data[first * 32..(first + n) * 32].to_vec();
        let proof = range_proof(&tree, first, n);
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
