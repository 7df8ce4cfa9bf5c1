//! Chunk commitments: the Merkle tree over 32-byte chunks that receipts commit to, shared with
//! the Solidity side (contracts/proof) through the test vectors in `tests/vectors/commit.json`.
//!
//! * A byte string `b` (an int8 tensor as two's-complement bytes, row-major; or any committed
//!   data) is cut into 32-byte chunks (one EVM word): `c = max(1, ceil(len / 32))` chunks, the
//!   last one zero-padded.
//! * `leaf(chunk) = keccak256(0x00 ‖ chunk)` (33 bytes); `node(l, r) = keccak256(0x01 ‖ l ‖ r)`
//!   (65 bytes): leaves and inner nodes are domain-separated by the first byte.
//! * The tree is complete: the leaves are padded to the next power of two `P ≥ c` with
//!   `leaf(32 zero bytes)`; [`root`] is its root (a single chunk's root is its leaf hash). The
//!   length is not hashed: every committed tensor's length is fixed by the model's shapes.
//! * A receipt's layer commitment ([`layer_commitment`]) is
//!   `root(root(input) ‖ root(out_0) ‖ … ‖ root(out_{L-1}))`: the same function over the
//!   concatenated 32-byte roots, job input first, then each op's output in execution order.
//!
//! Why 32-byte chunks: a bisection ends on one word, which the final on-chain step reads with one
//! calldata load; contiguous rows (an FC weight row, an NHWC pixel's channels) are contiguous
//! chunk ranges, opened with one range proof ([`open_range`]: the chunks plus the O(depth)
//! siblings around the range).

use crate::hash::Hash32;

/// Bytes per chunk (one EVM word).
pub const CHUNK: usize = 32;

/// `keccak256(0x00 ‖ chunk)`.
pub fn leaf(chunk: &[u8; CHUNK]) -> Hash32 {
    let mut buf = [0u8; 1 + CHUNK];
    buf[1..].copy_from_slice(chunk);
    keccak_block(&buf)
}

/// `keccak256(0x01 ‖ l ‖ r)`.
pub fn node(l: &Hash32, r: &Hash32) -> Hash32 {
    let mut buf = [0u8; 65];
    buf[0] = 1;
    buf[1..33].copy_from_slice(l);
    buf[33..].copy_from_slice(r);
    keccak_block(&buf)
}

/// keccak256 of a message shorter than one sponge block (136 bytes): one permutation. The tree
/// hashes tens of thousands of 33- and 65-byte messages per model id; the generic hasher, built
/// unoptimized in tests, made that a second per model load (the permutation is optimized there).
fn keccak_block(msg: &[u8]) -> Hash32 {
    const RATE: usize = 136;
    let mut block = [0u8; RATE];
    block[..msg.len()].copy_from_slice(msg);
    block[msg.len()] ^= 0x01;
    block[RATE - 1] ^= 0x80;
    let mut state = [0u64; 25];
    for (lane, b) in state.iter_mut().zip(block.chunks_exact(8)) {
        *lane = u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
    }
    keccak::f1600(&mut state);
    let mut out = [0u8; 32];
    for (o, lane) in out.chunks_exact_mut(8).zip(state) {
        o.copy_from_slice(&lane.to_le_bytes());
    }
    out
}

/// The chunks of `bytes`: `max(1, ceil(len / 32))`, the last zero-padded.
pub fn chunks(bytes: &[u8]) -> Vec<[u8; CHUNK]> {
    let n = bytes.len().div_ceil(CHUNK).max(1);
    (0..n)
        .map(|i| {
            let mut c = [0u8; CHUNK];
            let part = bytes.get(i * CHUNK..).unwrap_or(&[]);
            let take = part.len().min(CHUNK);
            c[..take].copy_from_slice(&part[..take]);
            c
        })
        .collect()
}

/// Every level of the complete tree, leaves first (padded to a power of two), root last.
fn levels(bytes: &[u8]) -> Vec<Vec<Hash32>> {
    let mut level: Vec<Hash32> = chunks(bytes).iter().map(leaf).collect();
    let p = level.len().next_power_of_two();
    level.resize(p, leaf(&[0u8; CHUNK]));
    let mut all = vec![level];
    while all.last().is_some_and(|l| l.len() > 1) {
        let next = all
            .last()
            .map(|l| l.chunks(2).map(|p| node(&p[0], &p[1])).collect())
            .unwrap_or_default();
        all.push(next);
    }
    all
}

/// The root of `bytes`' chunk tree.
pub fn root(bytes: &[u8]) -> Hash32 {
    levels(bytes)
        .last()
        .and_then(|l| l.first().copied())
        .unwrap_or_default()
}

/// The layer commitment from the roots: `root(input_root ‖ out_roots[0] ‖ …)`.
pub fn commitment_of_roots(input_root: &Hash32, out_roots: &[Hash32]) -> Hash32 {
    let mut cat = Vec::with_capacity(CHUNK * (1 + out_roots.len()));
    cat.extend_from_slice(input_root);
    for r in out_roots {
        cat.extend_from_slice(r);
    }
    root(&cat)
}

/// A receipt's layer commitment over the job input and every op's output (execution order).
pub fn layer_commitment(input: &[u8], outputs: &[&[u8]]) -> Hash32 {
    let roots: Vec<Hash32> = outputs.iter().map(|o| root(o)).collect();
    commitment_of_roots(&root(input), &roots)
}

/// A range proof: chunks `first..first + chunks.len()` of a committed byte string and the
/// sibling hashes that, with them, rebuild the root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RangeProof {
    /// The opened chunks, in order (the last zero-padded if it is the string's last).
    pub chunks: Vec<[u8; CHUNK]>,
    /// Siblings bottom-up; on each level, the left neighbour of the range (if the range starts
    /// on a right child) then the right neighbour (if it ends on a left child).
    pub siblings: Vec<Hash32>,
}

/// Opens chunks `first..first + count` of `bytes` (`None` if the range is empty or past the
/// padded tree's last leaf).
pub fn open_range(bytes: &[u8], first: usize, count: usize) -> Option<RangeProof> {
    Tree::new(bytes).open(first, count)
}

/// A byte string's whole chunk tree, kept for many range proofs of it.
#[derive(Clone, Debug)]
pub struct Tree {
    levels: Vec<Vec<Hash32>>,
    chunks: Vec<[u8; CHUNK]>,
}

impl Tree {
    /// Builds the tree of `bytes`.
    pub fn new(bytes: &[u8]) -> Tree {
        let levels = levels(bytes);
        let mut chunks = chunks(bytes);
        chunks.resize(levels.first().map_or(0, Vec::len), [0u8; CHUNK]);
        Tree { levels, chunks }
    }

    /// Its root ([`root`]).
    pub fn root(&self) -> Hash32 {
        self.levels
            .last()
            .and_then(|l| l.first().copied())
            .unwrap_or_default()
    }

    /// Levels between the root and the chunks (log2 of the padded chunk count).
    pub fn depth(&self) -> usize {
        self.levels.len() - 1
    }

    /// The hashes of level `height` above the chunks (0: the leaf hashes; [`Tree::depth`]: the
    /// root alone).
    pub fn level(&self, height: usize) -> Option<&[Hash32]> {
        self.levels.get(height).map(Vec::as_slice)
    }

    /// Chunk `i` (zero past the string, up to the padded count).
    pub fn chunk(&self, i: usize) -> Option<&[u8; CHUNK]> {
        self.chunks.get(i)
    }

    /// [`open_range`] on the kept tree.
    pub fn open(&self, first: usize, count: usize) -> Option<RangeProof> {
        let p = self.chunks.len();
        if count == 0 || first.checked_add(count)? > p {
            return None;
        }
        let (mut lo, mut hi) = (first, first + count - 1);
        let mut siblings = Vec::new();
        for level in &self.levels[..self.levels.len() - 1] {
            if lo % 2 == 1 {
                siblings.push(level[lo - 1]);
            }
            if hi % 2 == 0 {
                siblings.push(level[hi + 1]);
            }
            lo /= 2;
            hi /= 2;
        }
        Some(RangeProof {
            chunks: self.chunks[first..first + count].to_vec(),
            siblings,
        })
    }
}

/// Checks that `proof` opens chunks `first..` of a tree of `leaves` leaves (the committed
/// string's chunk count: the tree is padded to its next power of two) whose root is `root`.
pub fn verify_range(root: &Hash32, leaves: usize, first: usize, proof: &RangeProof) -> bool {
    let p = leaves.max(1).next_power_of_two();
    let count = proof.chunks.len();
    if count == 0 || first.checked_add(count).is_none_or(|end| end > p) {
        return false;
    }
    let mut level: Vec<Hash32> = proof.chunks.iter().map(leaf).collect();
    let (mut lo, mut hi) = (first, first + count - 1);
    let mut sib = proof.siblings.iter();
    let mut width = p;
    while width > 1 {
        if lo % 2 == 1 {
            let Some(s) = sib.next() else { return false };
            level.insert(0, *s);
            lo -= 1;
        }
        if hi % 2 == 0 {
            let Some(s) = sib.next() else { return false };
            level.push(*s);
            hi += 1;
        }
        level = level.chunks(2).map(|p| node(&p[0], &p[1])).collect();
        lo /= 2;
        hi /= 2;
        width /= 2;
    }
    sib.next().is_none() && level.len() == 1 && level[0] == *root
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::keccak;

    /// Bytes without repeated chunks (so that no range opens at another position).
    fn bytes(n: usize) -> Vec<u8> {
        (0..n)
            .map(|i| keccak(&(i as u64).to_le_bytes())[0])
            .collect()
    }

    #[test]
    fn the_one_block_keccak_is_keccak256() {
        for n in 0..136 {
            let m = bytes(n);
            assert_eq!(keccak_block(&m), keccak(&m), "{n} bytes");
        }
    }

    #[test]
    fn shapes_of_small_trees() {
        // Empty and sub-word strings are one zero-padded chunk: the root is that leaf.
        assert_eq!(root(&[]), leaf(&[0; 32]));
        let mut c = [0u8; 32];
        c[0] = 9;
        assert_eq!(root(&[9]), leaf(&c));
        // 33 bytes: two chunks.
        let b = bytes(33);
        let cs = chunks(&b);
        assert_eq!(root(&b), node(&leaf(&cs[0]), &leaf(&cs[1])));
        // 65 bytes: three chunks, padded to four with a zero leaf.
        let b = bytes(65);
        let cs = chunks(&b);
        let z = leaf(&[0; 32]);
        assert_eq!(
            root(&b),
            node(
                &node(&leaf(&cs[0]), &leaf(&cs[1])),
                &node(&leaf(&cs[2]), &z)
            )
        );
        // Trailing zero bytes inside the last chunk are not distinguished (lengths are fixed).
        assert_eq!(root(&[1, 0]), root(&[1]));
    }

    #[test]
    fn every_range_opens_and_verifies() {
        for n in [1usize, 31, 32, 64, 65, 200, 257] {
            let b = bytes(n);
            let r = root(&b);
            let leaves = chunks(&b).len();
            let p = leaves.next_power_of_two();
            for first in 0..p {
                for count in 1..=p - first {
                    let proof = open_range(&b, first, count).unwrap();
                    assert!(
                        verify_range(&r, leaves, first, &proof),
                        "{n} {first} {count}"
                    );
                    // A flipped chunk bit or a wrong position fails.
                    let mut bad = proof.clone();
                    bad.chunks[0][0] ^= 1;
                    assert!(!verify_range(&r, leaves, first, &bad));
                    if first + count < leaves {
                        assert!(!verify_range(&r, leaves, first + 1, &proof));
                    }
                }
            }
            assert!(open_range(&b, p, 1).is_none());
            assert!(open_range(&b, 0, 0).is_none());
        }
    }

    #[test]
    fn layer_commitment_is_the_root_of_roots() {
        let (i, a, b) = (bytes(8), bytes(100), bytes(3));
        let mut cat = root(&i).to_vec();
        cat.extend_from_slice(&root(&a));
        cat.extend_from_slice(&root(&b));
        assert_eq!(layer_commitment(&i, &[&a, &b]), root(&cat));
        assert_ne!(layer_commitment(&i, &[&b, &a]), root(&cat));
    }
}
