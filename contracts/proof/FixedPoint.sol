// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title FixedPoint
/// @notice LiteRT's int32 requantization primitives (gemmlowp, double-rounding build), bit-exact to
/// `verifier::litert::fixed`. Values travel as int256 holding int32s; every place where the Rust
/// reference wraps (`wrapping_*`) or saturates is done explicitly here, so an int32 overflow in the
/// reference is the same overflow on chain.
library FixedPoint {
    int256 internal constant INT32_MIN = -2 ** 31;
    int256 internal constant INT32_MAX = 2 ** 31 - 1;

    /// @notice A clamp range outside int8 or empty (a model with such an activation cannot run).
    error BadClampRange(int256 lo, int256 hi);

    /// @notice `x` reduced to int32 two's complement (Rust's `as i32` of a wider value).
    function wrap32(int256 x) internal pure returns (int256 r) {
        assembly ("memory-safe") {
            r := signextend(3, x)
        }
    }

    /// @notice `x` reduced to int64 two's complement (Rust's `as i64`).
    function wrap64(int256 x) internal pure returns (int256 r) {
        assembly ("memory-safe") {
            r := signextend(7, x)
        }
    }

    /// @notice gemmlowp `SaturatingRoundingDoublingHighMul`: `(a*b + nudge) / 2^31`, truncating,
    /// nudge `2^30` or `1 - 2^30` by the product's sign; `MIN * MIN` saturates to `MAX`.
    /// @dev a, b are int32, so the product fits int64 and the quotient fits int32 (but for MIN*MIN).
    function srdhm(int256 a, int256 b) internal pure returns (int256) {
        if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
        int256 ab = a * b;
        // Solidity's signed `/` truncates toward zero, as Rust's i64 `/` does.
        return (ab + (ab >= 0 ? int256(1 << 30) : 1 - int256(1 << 30))) / int256(1 << 31);
    }

    /// @notice gemmlowp `RoundingDivideByPOT`: `x / 2^e` rounded half away from zero, `e` clamped
    /// to [0, 31] as the reference does for hostile exponents.
    function rdbpot(int256 x, int256 e) internal pure returns (int256) {
        if (e < 0) e = 0;
        if (e > 31) e = 31;
        int256 mask = int256((uint256(1) << uint256(e)) - 1);
        // `&` on two's complement gives the same low bits as Rust's i32 `x & mask`
        int256 rem = x & mask;
        int256 threshold = (mask >> 1) + (x < 0 ? int256(1) : int256(0));
        // `>>` on a signed int is arithmetic (floor), as Rust's i32 `>>`
        return (x >> uint256(e)) + (rem > threshold ? int256(1) : int256(0));
    }

    /// @notice `MultiplyByQuantizedMultiplier` (double rounding):
    /// `rdbpot(srdhm(x * 2^max(shift,0), q), max(-shift,0))`; the left shift is Rust's
    /// `x.wrapping_mul(1i32.wrapping_shl(left))` (shift amount mod 32, product wrapped to int32).
    function mbqm(int256 x, int256 q, int256 shift) internal pure returns (int256) {
        uint256 left = shift > 0 ? uint256(shift) : 0;
        int256 scaled = wrap32(x * wrap32(int256(1 << (left & 31))));
        return rdbpot(srdhm(scaled, q), shift < 0 ? -shift : int256(0));
    }

    /// @notice gemmlowp `SaturatingRoundingMultiplyByPOT<e>`: saturating `x * 2^e`, or a rounding
    /// right shift for negative `e`.
    function mulPot(int256 x, int256 e) internal pure returns (int256) {
        if (e < 0) return rdbpot(x, -e);
        if (e == 0) return x;
        int256 threshold = int256((uint256(1) << uint256(31 - e)) - 1);
        if (x > threshold) return INT32_MAX;
        if (x < -threshold) return INT32_MIN;
        return x << uint256(e);
    }

    /// @notice The last step of every requantizing op: `v + zpOut` clamped to `[lo, hi]` (the
    /// fused activation's int8 range). Rust saturates the add in int32 first; any saturated value
    /// is outside int8 and clamps the same, so the plain int256 add gives the same byte.
    function clampOut(int256 v, int256 zpOut, int256 lo, int256 hi) internal pure returns (int8) {
        if (lo > hi || lo < -128 || hi > 127) revert BadClampRange(lo, hi);
        v += zpOut;
        if (v < lo) v = lo;
        if (v > hi) v = hi;
        return int8(v);
    }
}
