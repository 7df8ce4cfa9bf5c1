//! The few Solidity ABI encodings the proof game's calldata needs (`abi.encode` of the judge's
//! `Opening`), written out so that the verifier stays free of an ABI library: a word, `bytes`,
//! `bytes32[]`, an array of dynamic tuples and a tuple of static and dynamic parts.

use crate::hash::Hash32;

/// One part of a tuple: a static word, or a dynamic value's encoding (placed in the tail).
pub enum Part {
    /// A static 32-byte word, in the head.
    Word([u8; 32]),
    /// A dynamic value's encoding, pointed to from the head.
    Dynamic(Vec<u8>),
}

/// A `uint256` word.
pub fn uint(x: u64) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[24..].copy_from_slice(&x.to_be_bytes());
    w
}

/// `bytes`: its length, then the bytes zero-padded to a whole word.
pub fn bytes(b: &[u8]) -> Vec<u8> {
    let mut out = uint(b.len() as u64).to_vec();
    out.extend_from_slice(b);
    out.resize(32 + b.len().div_ceil(32) * 32, 0);
    out
}

/// `bytes32[]`: its length, then the words.
pub fn words(ws: &[Hash32]) -> Vec<u8> {
    let mut out = uint(ws.len() as u64).to_vec();
    ws.iter().for_each(|w| out.extend_from_slice(w));
    out
}

/// A tuple: the head (static words and offsets from the tuple's start), then the tails.
pub fn tuple(parts: &[Part]) -> Vec<u8> {
    let mut head = Vec::with_capacity(parts.len() * 32);
    let mut tail = Vec::new();
    for p in parts {
        match p {
            Part::Word(w) => head.extend_from_slice(w),
            Part::Dynamic(d) => {
                head.extend_from_slice(&uint((parts.len() * 32 + tail.len()) as u64));
                tail.extend_from_slice(d);
            }
        }
    }
    head.extend(tail);
    head
}

/// An array of dynamic elements (each already encoded): the length, then the elements as a tuple.
pub fn dynamic_array(elements: Vec<Vec<u8>>) -> Vec<u8> {
    let mut out = uint(elements.len() as u64).to_vec();
    let parts: Vec<Part> = elements.into_iter().map(Part::Dynamic).collect();
    out.extend(tuple(&parts));
    out
}

/// `abi.encode(x)` of one dynamic value `x` (already encoded): the offset word 0x20, then `x`.
pub fn encode_dynamic(x: Vec<u8>) -> Vec<u8> {
    let mut out = uint(32).to_vec();
    out.extend(x);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_as_solidity_does() {
        // abi.encode(bytes("abc")) = 0x20, 3, "abc" padded.
        let e = encode_dynamic(bytes(b"abc"));
        assert_eq!(e.len(), 96);
        assert_eq!(e[31], 0x20);
        assert_eq!(e[63], 3);
        assert_eq!(&e[64..67], b"abc");
        assert!(e[67..].iter().all(|&b| b == 0));
        // A tuple (uint, bytes): the word, the offset 0x40, then the bytes.
        let t = tuple(&[Part::Word(uint(7)), Part::Dynamic(bytes(&[]))]);
        assert_eq!(t.len(), 96);
        assert_eq!((t[31], t[63], t[95]), (7, 0x40, 0));
        // An array of two dynamic elements: the length, two offsets from after the length.
        let a = dynamic_array(vec![bytes(&[1]), bytes(&[2])]);
        assert_eq!((a[31], a[63], a[95]), (2, 0x40, 0x80));
    }
}
