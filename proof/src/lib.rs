//! # The off-chain side of the on-chain op library
//!
//! `contracts/proof/` recomputes one output element of any op of the verifier's LiteRT int8 spec
//! on chain (the last step of a proof dispute). Its element functions take the op's integer
//! parameters, not the f32 scales the CPU reference derives them from: this crate states how each
//! is written for the contract, so whoever opens a model's data (the dispute game, the keeper)
//! derives them one way. Everything else the contract takes is either a verifier parameter
//! unchanged (a `(q, shift)` from `verifier::litert::ops`) or opened tensor bytes.
//!
//! `tests/it` is the differential test: random tensors through the verifier's kernels and
//! through the Solidity library in revm, byte for byte.

use verifier::litert::graph::{Activation, Padding};

/// FULLY_CONNECTED's f64 multiplier as the contract takes it: `m = significand * 2^exponent`
/// with `significand < 2^53` (exact for every finite non-negative double); `None` for a negative,
/// infinite or NaN `m`, which no model with positive finite scales produces.
pub fn f64_parts(m: f64) -> Option<(u64, i32)> {
    if !m.is_finite() || m.is_sign_negative() {
        return None;
    }
    let bits = m.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    Some(if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), exp - 1075)
    })
}

/// The contract's code for a fused activation (`FloatRounding.activationRange`).
pub fn activation_code(act: Activation) -> u8 {
    match act {
        Activation::None => 0,
        Activation::Relu => 1,
        Activation::Relu6 => 2,
    }
}

/// A convolution's output size and leading padding along one axis (what the contract's
/// `ConvParams.pad*` holds): SAME gives `ceil(in / stride)` outputs and
/// `pad = max(((out - 1) * stride + (k - 1) * dilation + 1 - in) / 2, 0)`; VALID none.
pub fn conv_geometry(
    padding: Padding,
    input: usize,
    kernel: usize,
    stride: usize,
    dilation: usize,
) -> (usize, usize) {
    let eff = (kernel - 1) * dilation + 1;
    let out = match padding {
        Padding::Same => input.div_ceil(stride),
        Padding::Valid => (input + stride).saturating_sub(eff) / stride,
    };
    let pad = ((out.max(1) - 1) * stride + eff).saturating_sub(input) / 2;
    (out, pad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f64_parts_are_exact() {
        for m in [0.0, 1.0, 0.75, 3.0517578125e-5, 123456.789, 1e300] {
            let (s, e) = f64_parts(m).unwrap();
            assert!(s < 1 << 53);
            assert_eq!(s as f64 * 2f64.powi(e), m, "{m}");
        }
        assert_eq!(f64_parts(5e-324), Some((1, -1074)));
        assert_eq!(f64_parts(-1.0), None);
        assert_eq!(f64_parts(f64::INFINITY), None);
    }
}
