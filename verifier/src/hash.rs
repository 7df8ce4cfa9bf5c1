//! keccak256 hashing of tensors and the binary Merkle commitment over layer hashes.
//!
//! * Layer hash: `keccak256(bytes)` where `bytes` are the layer's output tensor as `i8` values
//!   reinterpreted as `u8` (two's complement), in row-major order of the tensor's shape
//!   (`[C, H, W]` for feature maps: channel-major, then rows, then columns).
//! * Commitment: binary Merkle tree whose leaves are the layer hashes in layer order.
//!   A parent is `keccak256(left || right)`. On a level with an odd number of nodes the last
//!   node is promoted unchanged to the next level (it is neither duplicated nor rehashed).
//!   The root of a single leaf is that leaf; the root of zero leaves is `keccak256("")`.

use alloy_primitives::keccak256;

/// A 32-byte keccak256 digest.
pub type Hash32 = [u8; 32];

/// keccak256 of arbitrary bytes.
pub fn keccak(bytes: &[u8]) -> Hash32 {
    keccak256(bytes).0
}

/// keccak256 of an `i8` tensor's bytes (two's complement, in storage order).
pub fn hash_i8(values: &[i8]) -> Hash32 {
    let bytes: Vec<u8> = values.iter().map(|&v| v as u8).collect();
    keccak(&bytes)
}

/// Merkle root over `leaves` as specified in the module docs.
pub fn merkle_root(leaves: &[Hash32]) -> Hash32 {
    if leaves.is_empty() {
        return keccak(&[]);
    }
    let mut level: Vec<Hash32> = leaves.to_vec();
    while level.len() > 1 {
        let mut next = Vec::with_capacity(level.len().div_ceil(2));
        for pair in level.chunks(2) {
            match pair {
                [l, r] => {
                    let mut buf = [0u8; 64];
                    buf[..32].copy_from_slice(l);
                    buf[32..].copy_from_slice(r);
                    next.push(keccak(&buf));
                }
                [single] => next.push(*single),
                _ => unreachable!("chunks(2) yields one or two items"),
            }
        }
        level = next;
    }
    level[0]
}

/// `0x`-prefixed lowercase hex of a digest.
pub fn to_hex(h: &Hash32) -> String {
    format!("0x{}", alloy_primitives::hex::encode(h))
}

/// Parses a 32-byte digest from hex (with or without `0x`).
pub fn from_hex(s: &str) -> crate::Result<Hash32> {
    let raw = s.strip_prefix("0x").unwrap_or(s);
    let bytes = alloy_primitives::hex::decode(raw)
        .map_err(|e| crate::Error::Claim(format!("bad hex `{s}`: {e}")))?;
    bytes
        .try_into()
        .map_err(|_| crate::Error::Claim(format!("`{s}` is not 32 bytes")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(b: u8) -> Hash32 {
        [b; 32]
    }

    fn pair(l: &Hash32, r: &Hash32) -> Hash32 {
        let mut v = l.to_vec();
        v.extend_from_slice(r);
        keccak(&v)
    }

    #[test]
    fn keccak_empty_known_answer() {
        assert_eq!(
            to_hex(&keccak(b"")),
            "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
        );
    }

    #[test]
    fn merkle_shapes() {
        assert_eq!(merkle_root(&[h(1)]), h(1));
        assert_eq!(merkle_root(&[h(1), h(2)]), pair(&h(1), &h(2)));
        // Odd node promoted: root(a,b,c) = H(H(a,b), c).
        assert_eq!(
            merkle_root(&[h(1), h(2), h(3)]),
            pair(&pair(&h(1), &h(2)), &h(3))
        );
        let five = merkle_root(&[h(1), h(2), h(3), h(4), h(5)]);
        let expect = pair(&pair(&pair(&h(1), &h(2)), &pair(&h(3), &h(4))), &h(5));
        assert_eq!(five, expect);
        // Order matters.
        assert_ne!(merkle_root(&[h(2), h(1)]), merkle_root(&[h(1), h(2)]));
    }

    #[test]
    fn hex_roundtrip() {
        let x = keccak(b"abc");
        assert_eq!(from_hex(&to_hex(&x)).unwrap(), x);
        assert!(from_hex("0x1234").is_err());
        assert!(from_hex("zz").is_err());
    }
}
