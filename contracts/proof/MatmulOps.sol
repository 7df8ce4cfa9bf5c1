// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {FixedPoint} from "./FixedPoint.sol";
import {FloatRounding} from "./FloatRounding.sol";
import {Int8Dot} from "./Int8Dot.sol";

/// @title MatmulOps
/// @notice One output element of FULLY_CONNECTED and BATCH_MATMUL, bit-exact to
/// `verifier::litert::ops::matmul`.
library MatmulOps {
    /// @notice FULLY_CONNECTED's requantization of one output channel: the f64 multiplier
    /// `f64(s_in) * f64(s_w[c]) / f64(s_out) = significand * 2^exponent`, the zero points and
    /// the fused activation's int8 range.
    struct FcParams {
        int256 bias;
        int256 zpIn;
        uint256 significand;
        int256 exponent;
        int256 zpOut;
        int256 lo;
        int256 hi;
    }

    /// @notice Output `(row, c)` of FULLY_CONNECTED from the input row `x` (D int8), the weight
    /// row `w[c]` (D int8) and channel c's parameters: `acc = bias + sum w (x - zp_in)` (int32,
    /// wrapping), `clamp(round_half_away(f64(acc) * m) + zp_out, lo, hi)` in IEEE double.
    function fullyConnected(bytes calldata x, bytes calldata w, FcParams memory p)
        internal
        pure
        returns (int8)
    {
        int256 acc = FixedPoint.wrap32(Int8Dot.dotCentred(w, x, p.zpIn) + p.bias);
        return
            FixedPoint.clampOut(FloatRounding.fcRequant(acc, p.significand, p.exponent), p.zpOut, p.lo, p.hi);
    }

    /// @notice BATCH_MATMUL's requantization (one multiplier for the op).
    struct MatmulParams {
        int256 zpLhs;
        int256 zpRhs;
        int256 q;
        int256 shift;
        int256 zpOut;
    }

    /// @notice Output `(batch, i, j)` of BATCH_MATMUL from the K values of lhs row i and rhs
    /// column j (each gathered into K packed int8, adj_x/adj_y already applied):
    /// `acc = sum (l - zp_l)(r - zp_r)` in wrapping int32,
    /// `clamp(MBQM(acc, q, shift) + zp_out, -128, 127)`.
    /// @dev Mod 2^32, `acc = sum l r - zp_r sum l - zp_l sum r + K zp_l zp_r`: one dot product.
    function batchMatmul(bytes calldata lhs, bytes calldata rhs, MatmulParams memory p)
        internal
        pure
        returns (int8)
    {
        (int256 lr, int256 sl, int256 sr) = Int8Dot.dot(lhs, rhs);
        int256 acc =
            FixedPoint.wrap32(lr - p.zpRhs * sl - p.zpLhs * sr + int256(lhs.length) * p.zpLhs * p.zpRhs);
        return FixedPoint.clampOut(FixedPoint.mbqm(acc, p.q, p.shift), p.zpOut, -128, 127);
    }
}
