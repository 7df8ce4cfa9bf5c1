// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {FixedPoint} from "./FixedPoint.sol";

/// @title ElementwiseOps
/// @notice One output element of ADD, SUB, MUL, SQUARED_DIFFERENCE (given the two broadcast
/// input bytes) and RSQRT, bit-exact to `verifier::litert::ops::elementwise`.
library ElementwiseOps {
    /// @notice RSQRT of an input below the zero point: the reference fails the inference.
    error RsqrtOfNegative(int256 x, int256 zpIn);

    /// @notice The three (q, shift) pairs of ADD/SUB/SQUARED_DIFFERENCE (inputs 1 and 2, output),
    /// the zero points and the fused activation's range.
    struct BinaryParams {
        int256 zpA;
        int256 zpB;
        int256 qA;
        int256 shiftA;
        int256 qB;
        int256 shiftB;
        int256 qOut;
        int256 shiftOut;
        int256 zpOut;
        int256 lo;
        int256 hi;
    }

    /// @notice ADD (or SUB when `sub`): each input `MBQM((x - zp) << 20, m_i)`, summed (or
    /// subtracted) in wrapping int32, `clamp(MBQM(., m_out) + zp_out, lo, hi)`.
    function addSub(int256 a, int256 b, BinaryParams memory p, bool sub) internal pure returns (int8) {
        // |x - zp| <= 255 for int8 data and zero points: the shift stays inside int32
        int256 ra = FixedPoint.mbqm((a - p.zpA) << 20, p.qA, p.shiftA);
        int256 rb = FixedPoint.mbqm((b - p.zpB) << 20, p.qB, p.shiftB);
        int256 raw = FixedPoint.wrap32(sub ? ra - rb : ra + rb);
        return FixedPoint.clampOut(FixedPoint.mbqm(raw, p.qOut, p.shiftOut), p.zpOut, p.lo, p.hi);
    }

    /// @notice SQUARED_DIFFERENCE: inputs rescaled as ADD's with a left shift of 7, `d = a - b`,
    /// `clamp(MBQM(d * d, m_out) + zp_out, -128, 127)` (`d * d` wrapping in int32).
    function squaredDifference(int256 a, int256 b, BinaryParams memory p) internal pure returns (int8) {
        int256 d = FixedPoint.wrap32(
            FixedPoint.mbqm((a - p.zpA) << 7, p.qA, p.shiftA)
                - FixedPoint.mbqm((b - p.zpB) << 7, p.qB, p.shiftB)
        );
        return FixedPoint.clampOut(
            FixedPoint.mbqm(FixedPoint.wrap32(d * d), p.qOut, p.shiftOut), p.zpOut, -128, 127
        );
    }

    /// @notice MUL: `clamp(MBQM((a - zp_a)(b - zp_b), q, shift) + zp_out, lo, hi)`.
    function mul(
        int256 a,
        int256 b,
        int256 zpA,
        int256 zpB,
        int256 q,
        int256 shift,
        int256 zpOut,
        int256 lo,
        int256 hi
    ) internal pure returns (int8) {
        return FixedPoint.clampOut(FixedPoint.mbqm((a - zpA) * (b - zpB), q, shift), zpOut, lo, hi);
    }

    /// @notice RSQRT: `d = x - zp_in`; 0 gives 127, a negative `d` reverts (the reference fails);
    /// else `data = MBQM(1, invSqrt(d) with shift + 20)`,
    /// `clamp(MBQM(data, q, shift - 20) + zp_out, -128, 127)`.
    function rsqrt(int256 x, int256 zpIn, int256 q, int256 shift, int256 zpOut) internal pure returns (int8) {
        int256 d = x - zpIn;
        if (d < 0) revert RsqrtOfNegative(x, zpIn);
        if (d == 0) return 127;
        (int256 iq, int256 ishift) = invSqrt(d);
        int256 data = FixedPoint.mbqm(1, iq, ishift + 20);
        return FixedPoint.clampOut(FixedPoint.mbqm(data, q, shift - 20), zpOut, -128, 127);
    }

    /// @notice `GetInvSqrtQuantizedMultiplierExp(x, -1)`: `1 / sqrt(x)` as (q, shift): `x`
    /// normalised into Q3.28 two bits at a time, five Newton-Raphson steps
    /// `v = 1.5 v - (x / 2) v^3` in gemmlowp fixed point, then `* sqrt(2) / 2`.
    function invSqrt(int256 x) internal pure returns (int256, int256) {
        if (x <= 1) return (FixedPoint.INT32_MAX, 0);
        int256 shift = 11;
        while (x >= 1 << 29) {
            x /= 4;
            shift += 1;
        }
        // x in [2, 2^29): leading zeros of the int32 are 31 - (bit length - 1)
        int256 lz = 32 - int256(bitLen(uint256(x)));
        int256 pairs = (lz - 1) / 2 - 1;
        shift -= pairs;
        x <<= uint256(2 * pairs);
        int256 halfInput = FixedPoint.mulPot(x >> 1, -1);
        int256 halfThree = (1 << 28) + (1 << 27);
        int256 v = 1 << 28;
        for (uint256 i; i < 5; ++i) {
            int256 v3 = FixedPoint.mulPot(FixedPoint.srdhm(FixedPoint.srdhm(v, v), v), 6);
            v = FixedPoint.mulPot(
                FixedPoint.wrap32(FixedPoint.srdhm(halfThree, v) - FixedPoint.srdhm(halfInput, v3)), 3
            );
        }
        v = FixedPoint.srdhm(v, 1518500250);
        if (shift < 0) {
            // Rust's `<<=` on i32 drops the high bits
            v = FixedPoint.wrap32(v << uint256(-shift));
            shift = 0;
        }
        return (v, -shift);
    }

    function bitLen(uint256 x) private pure returns (uint256 n) {
        while (x != 0) (x, n) = (x >> 1, n + 1);
    }
}
