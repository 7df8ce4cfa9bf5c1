// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {FixedPoint} from "./FixedPoint.sol";
import {Int8Dot} from "./Int8Dot.sol";

/// @title ReduceOps
/// @notice One output element of MEAN, bit-exact to `verifier::litert::ops::reduce`.
library ReduceOps {
    /// @notice MEAN's multiplier divided by `n` in integers (`QuantizedMeanOrSum`): from the
    /// op's `(q, shift)` for `s_in / s_out`, `k = min(floor(log2 n), 32, 31 + shift)` (at least 0),
    /// `q' = (q * 2^k) / n` (truncating), `shift' = shift - k`.
    function meanMultiplier(int256 q, int256 shift, uint256 n) internal pure returns (int256, int256) {
        if (n == 0) n = 1;
        int256 log2n;
        for (uint256 m = n; m > 1; m >>= 1) {
            log2n += 1;
        }
        int256 k = log2n;
        if (k > 32) k = 32;
        if (k > 31 + shift) k = 31 + shift;
        if (k < 0) k = 0;
        // Rust's `as i32` of the i64 quotient
        return (FixedPoint.wrap32(FixedPoint.wrap64((q << uint256(k)) / int256(n))), shift - k);
    }

    /// @notice MEAN output element from the N int8 inputs it reduces (gathered, packed):
    /// `clamp(MBQM(sum - zp_in * N, q', shift') + zp_out, -128, 127)`, the sum in wrapping int32.
    function mean(bytes calldata xs, int256 zpIn, int256 q, int256 shift, int256 zpOut)
        internal
        pure
        returns (int8)
    {
        (int256 q2, int256 shift2) = meanMultiplier(q, shift, xs.length);
        return meanDivided(xs, zpIn, q2, shift2, zpOut);
    }

    /// @notice `mean` with the multiplier already divided by N (`meanMultiplier`'s `(q', shift')`,
    /// as a converted file's `derived` block states it).
    function meanDivided(bytes calldata xs, int256 zpIn, int256 q2, int256 shift2, int256 zpOut)
        internal
        pure
        returns (int8)
    {
        int256 total = FixedPoint.wrap32(Int8Dot.sum(xs) - FixedPoint.wrap32(zpIn * int256(xs.length)));
        return FixedPoint.clampOut(FixedPoint.mbqm(total, q2, shift2), zpOut, -128, 127);
    }
}
