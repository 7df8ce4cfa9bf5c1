// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {FixedPoint} from "./FixedPoint.sol";

/// @title Int8Dot
/// @notice Dot products and sums of packed int8 vectors (two's-complement bytes, 32 per calldata
/// word), the gas-critical part of the dispute's final step, in int32 wrapping arithmetic.
///
/// @dev How 8 lanes are multiplied with one MUL. Each signed byte `s` is read as `u = s + 128`
/// (XOR 0x80, so every lane is in [0, 255]). A word is spread into four words `A_g` (g = 0..3)
/// with one byte per 32-bit lane (`(word >> 8(3 - g)) & 0x000000ff...`). Read as polynomials in
/// `2^32`, `A * B` has at `2^(32*7)` the coefficient `sum_j A[j] * B[7 - j]`: if the second
/// operand's 32-bit lanes are first put in reverse order, that coefficient is exactly the 8-lane
/// dot product of the matching bytes. Lower coefficients are at most 7 * 255^2 each, and are
/// summed over at most 4 * 1,024 products before being discarded (< 2^31), so they never carry
/// into the top field; higher coefficients fall off the top (mod 2^256). So `acc >> 224` is the
/// dot product of the unsigned lanes mod 2^32 (int32 wraps mod 2^32 anyway). The lane sums come
/// from adding the spread words and one multiply by `0x00000001...` (the same top-field trick).
/// Then `sum s_a s_b = sum u_a u_b - 128 (sum u_a + sum u_b) + 16384 n` over the padded length;
/// the padding of a last partial word is zero bytes (`s = 0`), which this identity cancels.
library Int8Dot {
    /// @notice The two operands of a dot product differ in length.
    error LengthMismatch(uint256 a, uint256 b);

    /// @dev One byte per 32-bit lane.
    uint256 private constant LANES = 0x000000ff000000ff000000ff000000ff000000ff000000ff000000ff000000ff;
    /// @dev 1 in every 32-bit lane: multiplying by it sums the lanes into the top one.
    uint256 private constant ONES = 0x0000000100000001000000010000000100000001000000010000000100000001;
    /// @dev 0x80 in every byte: int8 -> int8 + 128.
    uint256 private constant FLIP = 0x8080808080808080808080808080808080808080808080808080808080808080;
    uint256 private constant LOW64 = 0x0000000000000000ffffffffffffffff0000000000000000ffffffffffffffff;
    uint256 private constant LOW32 = 0x00000000ffffffff00000000ffffffff00000000ffffffff00000000ffffffff;
    /// @dev Words per block: bounds the lower fields of the product accumulator (see above).
    uint256 private constant BLOCK = 1024;

    /// @notice `sum a[i] * b[i]`, `sum a[i]` and `sum b[i]` over two equal-length int8 vectors,
    /// each wrapped to int32.
    function dot(bytes calldata a, bytes calldata b) internal pure returns (int256 ab, int256 sa, int256 sb) {
        if (a.length != b.length) revert LengthMismatch(a.length, b.length);
        uint256 p;
        uint256 ua;
        uint256 ub;
        uint256 words = (a.length + 31) >> 5;
        assembly ("memory-safe") {
            let pa := a.offset
            let pb := b.offset
            let n := a.length
            for { let start := 0 } lt(start, words) { start := add(start, BLOCK) } {
                let end := add(start, BLOCK)
                if gt(end, words) { end := words }
                let acc := 0
                let lanesA := 0
                let lanesB := 0
                for { let i := start } lt(i, end) { i := add(i, 1) } {
                    let off := shl(5, i)
                    let wa := calldataload(add(pa, off))
                    let wb := calldataload(add(pb, off))
                    // a last partial word: keep its first bytes (the word's high end), zero the rest
                    let left := sub(n, off)
                    if lt(left, 32) {
                        let keep := not(shr(shl(3, left), not(0)))
                        wa := and(wa, keep)
                        wb := and(wb, keep)
                    }
                    wa := xor(wa, FLIP)
                    wb := xor(wb, FLIP)
                    // b's eight 32-bit lanes in reverse order: swap halves, then 64-bit, then 32-bit
                    wb := or(shr(128, wb), shl(128, wb))
                    wb := or(and(shr(64, wb), LOW64), shl(64, and(wb, LOW64)))
                    wb := or(and(shr(32, wb), LOW32), shl(32, and(wb, LOW32)))
                    let a0 := and(shr(24, wa), LANES)
                    let a1 := and(shr(16, wa), LANES)
                    let a2 := and(shr(8, wa), LANES)
                    let a3 := and(wa, LANES)
                    let b0 := and(shr(24, wb), LANES)
                    let b1 := and(shr(16, wb), LANES)
                    let b2 := and(shr(8, wb), LANES)
                    let b3 := and(wb, LANES)
                    acc := add(acc, add(add(mul(a0, b0), mul(a1, b1)), add(mul(a2, b2), mul(a3, b3))))
                    lanesA := add(lanesA, add(add(a0, a1), add(a2, a3)))
                    lanesB := add(lanesB, add(add(b0, b1), add(b2, b3)))
                }
                p := add(p, shr(224, acc))
                ua := add(ua, shr(224, mul(lanesA, ONES)))
                ub := add(ub, shr(224, mul(lanesB, ONES)))
            }
        }
        // every term below is < 2^64 per block, so int256 holds them exactly before the wrap
        int256 padded = int256(words << 5);
        ab = FixedPoint.wrap32(int256(p) - 128 * (int256(ua) + int256(ub)) + 16384 * padded);
        sa = FixedPoint.wrap32(int256(ua) - 128 * padded);
        sb = FixedPoint.wrap32(int256(ub) - 128 * padded);
    }

    /// @notice `sum w[i] * (x[i] - zp)` in int32 wrapping arithmetic (the accumulator of
    /// FULLY_CONNECTED and the convolutions: mod 2^32 it equals `sum w x - zp * sum w`).
    function dotCentred(bytes calldata w, bytes calldata x, int256 zp) internal pure returns (int256) {
        (int256 wx, int256 sw,) = dot(w, x);
        return FixedPoint.wrap32(wx - zp * sw);
    }

    /// @notice `sum a[i]` over an int8 vector, wrapped to int32.
    function sum(bytes calldata a) internal pure returns (int256 s) {
        (,, s) = dot(a, a);
    }
}
