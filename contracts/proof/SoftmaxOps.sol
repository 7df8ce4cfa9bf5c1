// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {FixedPoint} from "./FixedPoint.sol";

/// @title SoftmaxOps
/// @notice One output element of SOFTMAX over the last axis (int8 in, int8 out at scale 1/256
/// and zero point -128), gemmlowp fixed point, bit-exact to `verifier::litert::ops::softmax`.
/// The element needs its whole row: the row's maximum and the sum of its exponentials.
library SoftmaxOps {
    /// @notice The element index is outside the row.
    error BadIndex(uint256 index, uint256 length);

    /// @notice Output `row[index]` from the row (packed int8) and the op's Prepare-time
    /// `(mult, leftShift, diffMin)` (`softmax_params`): each `d = x - max >= diffMin` has
    /// `e = expNegative(srdhm(d << leftShift, mult))`, the row sum adds `rdbpot(e, 12)`; the sum's
    /// reciprocal `r` with `h` its leading zeros; output `clamp(rdbpot(srdhm(r, e), 35 - h) - 128)`;
    /// an element below `diffMin` is -128.
    function softmax(bytes calldata row, uint256 index, int256 mult, int256 leftShift, int256 diffMin)
        internal
        pure
        returns (int8)
    {
        if (index >= row.length) revert BadIndex(index, row.length);
        int256 mx = -128;
        for (uint256 i; i < row.length; ++i) {
            int256 x = int8(uint8(row[i]));
            if (x > mx) mx = x;
        }
        uint256 left = leftShift > 0 ? uint256(leftShift) : 0;
        int256 pow = FixedPoint.wrap32(int256(1 << (left & 31)));
        int256 total;
        int256 mine;
        bool mineIn;
        for (uint256 i; i < row.length; ++i) {
            int256 d = int256(int8(uint8(row[i]))) - mx;
            if (d < diffMin) continue;
            int256 e = expNegative(FixedPoint.srdhm(FixedPoint.wrap32(d * pow), mult));
            total = FixedPoint.wrap32(total + FixedPoint.rdbpot(e, 12));
            if (i == index) (mine, mineIn) = (e, true);
        }
        if (!mineIn) return -128;
        uint256 sum = uint256(total) & 0xffffffff;
        uint256 h = 32 - bitLength32(sum);
        // (sum << h) - 2^31 in u32, read as i32 (h = 32 for a zero sum gives 0)
        int256 shifted =
            h == 32 ? int256(-2 ** 31) : FixedPoint.wrap32(int256((sum << h) & 0xffffffff) - 2 ** 31);
        int256 recip = reciprocalOnePlus(shifted);
        int256 v = FixedPoint.rdbpot(FixedPoint.srdhm(recip, mine), 12 - int256(h) + 23) - 128;
        if (v < -128) v = -128;
        if (v > 127) v = 127;
        return int8(v);
    }

    /// @notice exp(a) for a in [-1/4, 0), Q0.31 (a Taylor polynomial around -1/8).
    function expQuarter(int256 a) internal pure returns (int256) {
        int256 eighth = 1895147668;
        int256 oneThird = 715827883;
        int256 x = FixedPoint.wrap32(a + (1 << 28));
        int256 x2 = FixedPoint.srdhm(x, x);
        int256 x3 = FixedPoint.srdhm(x2, x);
        int256 x4 = FixedPoint.srdhm(x2, x2);
        int256 x4q = FixedPoint.mulPot(x4, -2);
        int256 poly = FixedPoint.mulPot(
            FixedPoint.wrap32(FixedPoint.srdhm(FixedPoint.wrap32(x4q + x3), oneThird) + x2), -1
        );
        return FixedPoint.wrap32(eighth + FixedPoint.srdhm(eighth, FixedPoint.wrap32(x + poly)));
    }

    /// @notice exp(a) for a <= 0 in Q5.26, result Q0.31: the remainder modulo 1/4 through
    /// `expQuarter`, then one multiply by exp(-2^e) per set bit of the rest (e = -2..4).
    function expNegative(int256 a) internal pure returns (int256 result) {
        if (a == 0) return FixedPoint.INT32_MAX;
        int256 quarter = 1 << 24;
        int256 aMod = FixedPoint.wrap32((a & (quarter - 1)) - quarter);
        result = expQuarter(FixedPoint.mulPot(aMod, 5));
        int256 rem = FixedPoint.wrap32(aMod - a);
        int32[7] memory barrel = [int32(1672461947), 1302514674, 790015084, 290630308, 39332535, 720401, 242];
        for (uint256 i; i < 7; ++i) {
            // bit 26 + e of the remainder, e = i - 2
            if ((rem >> (24 + i)) & 1 == 1) result = FixedPoint.srdhm(result, barrel[i]);
        }
    }

    /// @notice 1 / (1 + a) for a in [0, 1), Q0.31: three Newton-Raphson steps in Q2.29.
    function reciprocalOnePlus(int256 a) internal pure returns (int256) {
        int256 s = a + FixedPoint.INT32_MAX;
        int256 halfDen = FixedPoint.wrap32((s + (s >= 0 ? int256(1) : -1)) / 2);
        int256 x = FixedPoint.wrap32(1515870810 + FixedPoint.srdhm(halfDen, -1010580540));
        for (uint256 i; i < 3; ++i) {
            int256 oneMinus = FixedPoint.wrap32((1 << 29) - FixedPoint.srdhm(halfDen, x));
            x = FixedPoint.wrap32(x + FixedPoint.mulPot(FixedPoint.srdhm(x, oneMinus), 2));
        }
        return FixedPoint.mulPot(x, 1);
    }

    function bitLength32(uint256 x) private pure returns (uint256 n) {
        while (x != 0) (x, n) = (x >> 1, n + 1);
    }
}
