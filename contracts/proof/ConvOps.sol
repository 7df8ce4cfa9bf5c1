// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {FixedPoint} from "./FixedPoint.sol";
import {Int8Dot} from "./Int8Dot.sol";

/// @title ConvOps
/// @notice One output element of CONV_2D, DEPTHWISE_CONV_2D and TRANSPOSE_CONV (NHWC), bit-exact
/// to `verifier::litert::ops::conv`.
///
/// The opened data of output `(b, oy, ox, c)` is two equal-length packed int8 vectors in tap
/// order `(ky, kx, i)`: the kernel (CONV_2D and TRANSPOSE_CONV: filter row `w[c]`, `[KH, KW, I]`,
/// contiguous; depthwise: the `KH * KW` taps `w[0][ky][kx][c]`, `I = 1`) and the patch (per tap,
/// the input pixel's channels it meets; depthwise: the one channel `c / multiplier`). Taps that
/// fall outside the input contribute nothing in the reference (as if the input were the zero
/// point): their patch bytes are ignored, whatever they hold.
library ConvOps {
    /// @notice The opened kernel or patch does not have `KH * KW * I` bytes.
    error BadOpening(uint256 length, uint256 expected);

    /// @notice Geometry of one output element and its requantization (channel c's q, shift, bias).
    struct ConvParams {
        uint256 oy;
        uint256 ox;
        uint256 inH;
        uint256 inW;
        uint256 kh;
        uint256 kw;
        uint256 ic;
        uint256 strideH;
        uint256 strideW;
        uint256 dilH;
        uint256 dilW;
        uint256 padH;
        uint256 padW;
        int256 zpIn;
        int256 bias;
        int256 q;
        int256 shift;
        int256 zpOut;
        int256 lo;
        int256 hi;
    }

    /// @notice CONV_2D output element: `acc = bias + sum_taps w (x - zp_in)` over the taps
    /// `(oy*sh + ky*dh - ph, ox*sw + kx*dw - pw)` inside the input,
    /// `clamp(MBQM(acc, q, shift) + zp_out, lo, hi)`.
    function conv2d(bytes calldata kernel, bytes calldata patch, ConvParams memory p)
        internal
        pure
        returns (int8)
    {
        return requantize(accumulate(kernel, patch, p, false), p);
    }

    /// @notice DEPTHWISE_CONV_2D output element: CONV_2D's rule with `I = 1` over the gathered
    /// taps of channel c (`p.ic` must be 1).
    function depthwiseConv2d(bytes calldata kernel, bytes calldata patch, ConvParams memory p)
        internal
        pure
        returns (int8)
    {
        return requantize(accumulate(kernel, patch, p, false), p);
    }

    /// @notice TRANSPOSE_CONV output element: the input pixel `(iy, ix)` reaches `(oy, ox)`
    /// through tap `(ky, kx)` when `iy * sh + ky - ph == oy` (and likewise in x), so each tap
    /// meets at most one pixel; `acc = sum w (x - zp_in) + bias`, requantized as CONV_2D.
    function transposeConv(bytes calldata kernel, bytes calldata patch, ConvParams memory p)
        internal
        pure
        returns (int8)
    {
        return requantize(accumulate(kernel, patch, p, true), p);
    }

    function requantize(int256 acc, ConvParams memory p) private pure returns (int8) {
        return FixedPoint.clampOut(
            FixedPoint.mbqm(FixedPoint.wrap32(acc + p.bias), p.q, p.shift), p.zpOut, p.lo, p.hi
        );
    }

    /// @dev The dot product over every tap, minus the taps outside the input (int32 wraps mod
    /// 2^32, so subtracting is exact): an interior element costs one dot product.
    function accumulate(bytes calldata kernel, bytes calldata patch, ConvParams memory p, bool transposed)
        private
        pure
        returns (int256 acc)
    {
        uint256 n = p.kh * p.kw * p.ic;
        if (kernel.length != n) revert BadOpening(kernel.length, n);
        if (patch.length != n) revert BadOpening(patch.length, n);
        acc = Int8Dot.dotCentred(kernel, patch, p.zpIn);
        for (uint256 ky; ky < p.kh; ++ky) {
            bool rowInside = transposed
                ? meets(p.oy, ky, p.strideH, p.padH, p.inH)
                : inside(p.oy, ky, p.strideH, p.dilH, p.padH, p.inH);
            for (uint256 kx; kx < p.kw; ++kx) {
                if (
                    rowInside
                        && (transposed
                                ? meets(p.ox, kx, p.strideW, p.padW, p.inW)
                                : inside(p.ox, kx, p.strideW, p.dilW, p.padW, p.inW))
                ) continue;
                uint256 at = (ky * p.kw + kx) * p.ic;
                acc -= Int8Dot.dotCentred(kernel[at:at + p.ic], patch[at:at + p.ic], p.zpIn);
            }
        }
        acc = FixedPoint.wrap32(acc);
    }

    /// @dev Whether `o * stride + k * dil - pad` is in `[0, size)`.
    function inside(uint256 o, uint256 k, uint256 stride, uint256 dil, uint256 pad, uint256 size)
        private
        pure
        returns (bool)
    {
        uint256 at = o * stride + k * dil;
        return at >= pad && at - pad < size;
    }

    /// @dev Whether some `i` in `[0, size)` has `i * stride + k - pad == o`.
    function meets(uint256 o, uint256 k, uint256 stride, uint256 pad, uint256 size)
        private
        pure
        returns (bool)
    {
        uint256 at = o + pad;
        if (at < k || stride == 0) return false;
        at -= k;
        return at % stride == 0 && at / stride < size;
    }
}
