//! The chunk-commitment test vectors shared with the Solidity side (contracts/proof):
//! `tests/vectors/commit.json` must equal what this crate computes. Regenerate with
//! `VERIFIER_WRITE_VECTORS=1 cargo test -p verifier --test it commit_vectors`.

use serde_json::{Value, json};
use verifier::commit::{CHUNK, chunks, layer_commitment, open_range, root, verify_range};
use verifier::hash::{keccak, to_hex};

fn hex(b: &[u8]) -> String {
    format!(
        "0x{}",
        b.iter().map(|x| format!("{x:02x}")).collect::<String>()
    )
}

/// Deterministic bytes: keccak256 of a counter, concatenated.
fn data(n: usize, salt: u8) -> Vec<u8> {
    (0..n.div_ceil(32))
        .flat_map(|i| keccak(&[salt, i as u8]))
        .take(n)
        .collect()
}

fn vectors() -> Value {
    let mut trees = Vec::new();
    for (n, salt) in [
        (0, 0),
        (1, 1),
        (31, 2),
        (32, 3),
        (33, 4),
        (64, 5),
        (65, 6),
        (200, 7),
        (256, 8),
        (257, 9),
    ] {
        let b = data(n, salt);
        let r = root(&b);
        let leaves = chunks(&b).len();
        let p = leaves.next_power_of_two();
        let mut ranges = Vec::new();
        for (first, count) in [
            (0, 1),
            (leaves - 1, 1),
            (0, leaves),
            (1, 2),
            (p / 2, p - p / 2),
        ] {
            let Some(proof) = open_range(&b, first, count) else {
                continue;
            };
            assert!(verify_range(&r, leaves, first, &proof));
            ranges.push(json!({
                "first": first,
                "count": count,
                "chunks": proof.chunks.iter().map(|c| hex(c)).collect::<Vec<_>>(),
                "siblings": proof.siblings.iter().map(to_hex).collect::<Vec<_>>(),
            }));
        }
        trees.push(json!({
            "bytes": hex(&b),
            "chunks": leaves,
            "root": to_hex(&r),
            "ranges": ranges,
        }));
    }
    let input = data(32, 20);
    let outs = [data(100, 21), data(3, 22), data(3072, 23)];
    let refs: Vec<&[u8]> = outs.iter().map(Vec::as_slice).collect();
    json!({
        "format": "verifier-commit-vectors/1",
        "spec": "verifier/src/commit.rs: 32-byte chunks, leaf = keccak256(0x00 ‖ chunk), node = keccak256(0x01 ‖ l ‖ r), complete tree padded with leaf(0^32); layer commitment = root(root(input) ‖ root(out_0) ‖ …)",
        "chunk_bytes": CHUNK,
        "trees": trees,
        "layer_commitments": [{
            "input": hex(&input),
            "outputs": outs.iter().map(|o| hex(o)).collect::<Vec<_>>(),
            "commitment": to_hex(&layer_commitment(&input, &refs)),
        }],
    })
}

#[test]
fn commit_vectors_file_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/commit.json");
    let want = serde_json::to_string_pretty(&vectors()).unwrap() + "\n";
    if std::env::var_os("VERIFIER_WRITE_VECTORS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).expect("tests/vectors/commit.json");
    assert_eq!(have, want, "regenerate with VERIFIER_WRITE_VECTORS=1");
}
