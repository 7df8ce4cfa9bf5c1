//! Storage slots in words: a slot of a known contract named by its variable, mapping entries
//! resolved against candidate keys (the addresses and ids the proposal touched).

use alloy::primitives::{Address, B256, U256, keccak256};

use bindings::layouts::{LayoutError, Variable};

use crate::known::Kind;

fn words(bytes: u64) -> U256 {
    U256::from(bytes.div_ceil(32).max(1))
}

fn mapping_slot(key: &B256, base: U256) -> U256 {
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(key.as_slice());
    buf[32..].copy_from_slice(&base.to_be_bytes::<32>());
    U256::from_be_bytes(keccak256(buf).0)
}

/// A mapping key in words: an address, a small number, or hex.
pub fn format_key(key: &B256) -> String {
    let v = U256::from_be_bytes(key.0);
    if v < U256::from(1u64 << 32) {
        v.to_string()
    } else if key[..12].iter().all(|b| *b == 0) {
        Address::from_word(*key).to_string()
    } else {
        key.to_string()
    }
}

fn offset(k: U256) -> String {
    if k.is_zero() {
        String::new()
    } else {
        format!(" (+{k})")
    }
}

/// Names `slot` of a `kind` contract, trying `keys` for mapping entries; `None` when unknown, an
/// error when the contract has no generated layout.
pub fn name_slot(kind: &Kind, slot: U256, keys: &[B256]) -> Result<Option<String>, LayoutError> {
    Ok(name_in(kind.layout()?, slot, keys))
}

fn name_in(layout: &[Variable], slot: U256, keys: &[B256]) -> Option<String> {
    // Plain variables (several may share a packed slot).
    let direct: Vec<String> = layout
        .iter()
        .filter(|v| v.mapping_value_bytes.is_none() && !v.ty.ends_with("[]"))
        .filter(|v| {
            let start = U256::from(v.slot);
            slot >= start && slot < start + words(v.bytes)
        })
        .map(|v| format!("{}{}", v.label, offset(slot - U256::from(v.slot))))
        .collect();
    if !direct.is_empty() {
        return Some(direct.join(", "));
    }
    for v in layout {
        let Some(value_bytes) = v.mapping_value_bytes else {
            continue;
        };
        let base = U256::from(v.slot);
        for k1 in keys {
            let h1 = mapping_slot(k1, base);
            if let Some(inner) = v.nested_value_bytes {
                for k2 in keys {
                    let h2 = mapping_slot(k2, h1);
                    if slot >= h2 && slot - h2 < words(inner) {
                        return Some(format!(
                            "{}[{}][{}]{}",
                            v.label,
                            format_key(k1),
                            format_key(k2),
                            offset(slot - h2)
                        ));
                    }
                }
            } else if slot >= h1 && slot - h1 < words(value_bytes) {
                return Some(format!(
                    "{}[{}]{}",
                    v.label,
                    format_key(k1),
                    offset(slot - h1)
                ));
            }
            // A struct value holding a mapping: the inner mapping's base is h1 + its word.
            if value_bytes > 32 {
                for w in 0..value_bytes.div_ceil(32) {
                    let inner_base = h1 + U256::from(w);
                    for k2 in keys {
                        let h2 = mapping_slot(k2, inner_base);
                        if slot >= h2 && slot - h2 < U256::from(2) {
                            return Some(format!(
                                "{}[{}] (+{w})[{}]{}",
                                v.label,
                                format_key(k1),
                                format_key(k2),
                                offset(slot - h2)
                            ));
                        }
                    }
                }
            }
        }
    }
    None
}
