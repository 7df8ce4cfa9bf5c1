//! Amounts as people write them: LPT and ETH with decimals, cuts in percent.

use alloy::primitives::{
    U256,
    utils::{format_units, parse_units},
};
use anyhow::{Context, bail};

/// Parses an amount of a 18-decimal token ("100", "12.5"); zero is refused.
pub fn parse(amount: &str, unit: &str) -> anyhow::Result<U256> {
    let value = parse_units(amount.trim(), 18)
        .ok()
        .filter(|v| !v.is_negative())
        .with_context(|| {
            format!("`{amount}` is not an amount of {unit} (e.g. 100 or 12.5, at most 18 decimals)")
        })?
        .get_absolute();
    if value.is_zero() {
        bail!("the amount must be more than 0 {unit}");
    }
    Ok(value)
}

/// An 18-decimal amount with its unit, trailing zeros trimmed ("12.5 LPT").
pub fn show(value: U256, unit: &str) -> String {
    format!("{} {unit}", decimal(value))
}

/// An 18-decimal amount, trailing zeros trimmed, at most 6 decimals.
pub fn decimal(value: U256) -> String {
    let s = format_units(value, 18).unwrap_or_else(|_| value.to_string());
    let Some((whole, frac)) = s.split_once('.') else {
        return s;
    };
    let frac = frac[..frac.len().min(6)].trim_end_matches('0');
    if frac.is_empty() {
        whole.to_string()
    } else {
        format!("{whole}.{frac}")
    }
}

/// A signed difference of two 18-decimal amounts ("+1.5 LPT", "-2 LPT").
pub fn signed(now: U256, before: U256, unit: &str) -> String {
    if now >= before {
        format!("+{}", show(now - before, unit))
    } else {
        format!("-{}", show(before - now, unit))
    }
}

/// Parts per million as a percentage ("10%", "12.5%").
pub fn ppm(value: impl Into<u64>) -> String {
    let v = value.into();
    let whole = v / 10_000;
    let frac = format!("{:04}", v % 10_000);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{whole}%")
    } else {
        format!("{whole}.{frac}%")
    }
}
