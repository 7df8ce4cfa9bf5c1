//! keccak256 and hex helpers. The commitments over tensors are in [`crate::commit`].

use alloy_primitives::keccak256;

/// A 32-byte keccak256 digest.
pub type Hash32 = [u8; 32];

/// keccak256 of arbitrary bytes.
pub fn keccak(bytes: &[u8]) -> Hash32 {
    keccak256(bytes).0
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

    #[test]
    fn keccak_empty_known_answer() {
        assert_eq!(
            to_hex(&keccak(b"")),
            "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
        );
    }

    #[test]
    fn hex_roundtrip() {
        let x = keccak(b"abc");
        assert_eq!(from_hex(&to_hex(&x)).unwrap(), x);
        assert!(from_hex("0x1234").is_err());
        assert!(from_hex("zz").is_err());
    }
}
