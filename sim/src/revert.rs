//! Revert data in words: [`bindings::Revert`] (the suite's custom errors decoded with the
//! generated bindings, then `Error(string)` and `Panic(uint256)`, else the raw bytes).

/// The revert reason of `data` in words.
pub fn decode_revert(data: &[u8]) -> String {
    bindings::Revert::decode(data).to_string()
}
