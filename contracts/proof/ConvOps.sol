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
/// point): their patch bytes are ignored, whatever they hold. (A kernel row wholly outside the
/// input need not be opened at all with `conv2dRows`.)
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
        return requantize(accumulate(kernel, patch, packedRows(patch, p), p, false), p);
    }

    /// @notice CONV_2D output element with the patch given as kernel rows inside opened input:
    /// tap row `ky` (`KW * I` bytes, one NHWC run of adjacent pixels when the dilation is 1) is
    /// `rows[rowAt[ky]:]`. This is how the dispute's final step reads it: each kernel row is one
    /// contiguous chunk range of the input's commitment, and `rows` is those ranges back to back.
    function conv2dRows(
        bytes calldata kernel,
        bytes calldata rows,
        uint256[] memory rowAt,
        ConvParams memory p
    ) internal pure returns (int8) {
        return requantize(accumulate(kernel, rows, rowAt, p, false), p);
    }

    /// @notice DEPTHWISE_CONV_2D output element: CONV_2D's rule with `I = 1` over the gathered
    /// taps of channel c (`p.ic` must be 1).
    function depthwiseConv2d(bytes calldata kernel, bytes calldata patch, ConvParams memory p)
        internal
        pure
        returns (int8)
    {
        return requantize(accumulate(kernel, patch, packedRows(patch, p), p, false), p);
    }

    /// @notice TRANSPOSE_CONV output element: the input pixel `(iy, ix)` reaches `(oy, ox)`
    /// through tap `(ky, kx)` when `iy * sh + ky - ph == oy` (and likewise in x), so each tap
    /// meets at most one pixel; `acc = sum w (x - zp_in) + bias`, requantized as CONV_2D.
    function transposeConv(bytes calldata kernel, bytes calldata patch, ConvParams memory p)
        internal
        pure
        returns (int8)
    {
        return requantize(accumulate(kernel, patch, packedRows(patch, p), p, true), p);
    }

    function requantize(int256 acc, ConvParams memory p) private pure returns (int8) {
        return FixedPoint.clampOut(
            FixedPoint.mbqm(FixedPoint.wrap32(acc + p.bias), p.q, p.shift), p.zpOut, p.lo, p.hi
        );
    }

    /// @dev Row `ky` of a patch packed in tap order starts at `ky * KW * I`.
    function packedRows(bytes calldata patch, ConvParams memory p)
        private
        pure
        returns (uint256[] memory starts)
    {
        uint256 n = p.kh * p.kw * p.ic;
        if (patch.length != n) revert BadOpening(patch.length, n);
        starts = new uint256[](p.kh);
        for (uint256 ky; ky < p.kh; ++ky) {
            starts[ky] = ky * p.kw * p.ic;
        }
    }

    /// @dev Per kernel row inside the input, the dot product over the whole row minus its taps
    /// outside the input (int32 wraps mod 2^32, so subtracting is exact): an interior element
    /// costs one dot product per kernel row.
    function accumulate(
        bytes calldata kernel,
        bytes calldata rows,
        uint256[] memory rowAt,
        ConvParams memory p,
        bool transposed
    ) private pure returns (int256 acc) {
        uint256 width = p.kw * p.ic;
        if (kernel.length != p.kh * width) revert BadOpening(kernel.length, p.kh * width);
        if (rowAt.length != p.kh) revert BadOpening(rowAt.length, p.kh);
        for (uint256 ky; ky < p.kh; ++ky) {
            bool rowInside = transposed
                ? meets(p.oy, ky, p.strideH, p.padH, p.inH)
                : inside(p.oy, ky, p.strideH, p.dilH, p.padH, p.inH);
            if (!rowInside) continue;
            uint256 pos = rowAt[ky];
            if (pos + width > rows.length) revert BadOpening(rows.length, pos + width);
            acc += rowSum(kernel[ky * width:(ky + 1) * width], rows[pos:pos + width], p, transposed);
        }
        acc = FixedPoint.wrap32(acc);
    }

    /// @dev One kernel row's taps inside the input: the row's dot product minus its taps outside.
    function rowSum(bytes calldata wrow, bytes calldata row, ConvParams memory p, bool transposed)
        private
        pure
        returns (int256 acc)
    {
        acc = Int8Dot.dotCentred(wrow, row, p.zpIn);
        for (uint256 kx; kx < p.kw; ++kx) {
            bool tapInside = transposed
                ? meets(p.ox, kx, p.strideW, p.padW, p.inW)
                : inside(p.ox, kx, p.strideW, p.dilW, p.padW, p.inW);
            if (tapInside) continue;
            uint256 t = kx * p.ic;
            acc -= Int8Dot.dotCentred(wrow[t:t + p.ic], row[t:t + p.ic], p.zpIn);
        }
    }

    /// @dev Whether `o * stride + k * dil - pad` is in `[0, size)`.
    function inside(uint256 o, uint256 k, uint256 stride, uint256 dil, uint256 pad, uint256 size)
        private
        pure
        returns (bool)
    {
        uint256 tap = o * stride + k * dil;
        return tap >= pad && tap - pad < size;
    }

    /// @dev Whether some `i` in `[0, size)` has `i * stride + k - pad == o`.
    function meets(uint256 o, uint256 k, uint256 stride, uint256 pad, uint256 size)
        private
        pure
        returns (bool)
    {
        uint256 tap = o + pad;
        if (tap < k || stride == 0) return false;
        tap -= k;
        return tap % stride == 0 && tap / stride < size;
    }
}
