// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {FloatRounding} from "./FloatRounding.sol";

/// @title MoverOps
/// @notice Ops whose output element is one input byte, or a fixed blend of a few: the lookup
/// tables (LOGISTIC, TANH, GELU), GATHER, RESHAPE, TRANSPOSE, CONCATENATION and the two resizes,
/// bit-exact to `verifier::litert::ops::{lut, movers, resize}`. Index maps say which input byte
/// an output element is; the caller opens that byte against the input's commitment.
library MoverOps {
    /// @notice A lookup table without 256 entries.
    error BadTable(uint256 length);
    /// @notice A GATHER id outside `[0, rows)`: the reference fails the inference.
    error GatherIndexOutOfRange(int256 id, uint256 rows);
    /// @notice An index outside its tensor, or a shape and permutation that do not match.
    error BadIndex(uint256 index);

    /// @notice LOGISTIC / TANH / GELU output element: `table[x as u8]` (the 256-entry table is
    /// part of the committed model).
    function lut(bytes calldata table, int256 x) internal pure returns (int8) {
        if (table.length != 256) revert BadTable(table.length);
        return int8(uint8(table[uint256(x) & 0xff]));
    }

    /// @notice GATHER (axis 0): output element `i` is table byte `ids[i / width] * width + i % width`
    /// (`id` is `ids[i / width]`, `rows` the table's rows).
    function gatherSource(uint256 i, int256 id, uint256 rows, uint256 width) internal pure returns (uint256) {
        if (id < 0 || uint256(id) >= rows) revert GatherIndexOutOfRange(id, rows);
        return uint256(id) * width + i % width;
    }

    /// @notice TRANSPOSE: the input's flat index of output flat index `i`, for the input `shape`
    /// and output axis `a` = input axis `perm[a]`. (RESHAPE is the identity map.)
    function transposeSource(uint256 i, uint256[] memory shape, uint256[] memory perm)
        internal
        pure
        returns (uint256 src)
    {
        uint256 rank = shape.length;
        if (perm.length != rank) revert BadIndex(perm.length);
        // input strides, row-major
        uint256[] memory stride = new uint256[](rank);
        uint256 s = 1;
        for (uint256 a = rank; a > 0; --a) {
            stride[a - 1] = s;
            s *= shape[a - 1];
        }
        if (i >= s) revert BadIndex(i);
        // peel the output index from its last axis (size shape[perm[a]])
        for (uint256 a = rank; a > 0; --a) {
            uint256 p = perm[a - 1];
            if (p >= rank) revert BadIndex(p);
            src += (i % shape[p]) * stride[p];
            i /= shape[p];
        }
    }

    /// @notice CONCATENATION: which input, and which flat index in it, output flat index `i` is.
    /// `chunks[t]` is input t's size from the axis on (`prod shape_t[axis..]`): output row `o` of
    /// the axes before `axis` is input 0's row `o`, then input 1's, and so on.
    function concatSource(uint256 i, uint256[] memory chunks)
        internal
        pure
        returns (uint256 input, uint256 index)
    {
        uint256 row;
        for (uint256 t; t < chunks.length; ++t) {
            row += chunks[t];
        }
        if (row == 0) revert BadIndex(i);
        (uint256 o, uint256 r) = (i / row, i % row);
        for (uint256 t; t < chunks.length; ++t) {
            if (r < chunks[t]) return (t, o * chunks[t] + r);
            r -= chunks[t];
        }
    }

    /// @notice RESIZE_NEAREST_NEIGHBOR: the source `(y, x)` of output `(oy, ox)` (a byte copy of
    /// every channel), by `FloatRounding.nearestIndex` on each axis.
    function nearestSource(
        uint256 oy,
        uint256 ox,
        uint256[4] memory sizes, // in H, in W, out H, out W
        bool align,
        bool halfPixel
    )
        internal
        pure
        returns (uint256 y, uint256 x)
    {
        y = FloatRounding.nearestIndex(oy, sizes[0], sizes[2], align, halfPixel);
        x = FloatRounding.nearestIndex(ox, sizes[1], sizes[3], align, halfPixel);
    }

    /// @notice RESIZE_BILINEAR's source rows/columns and 10-bit fractions of output `(oy, ox)`:
    /// `[y0, y1, x0, x1]` and `(fy, fx)` (fractions may be negative under half-pixel centres, as
    /// in the reference).
    function bilinearSource(
        uint256 oy,
        uint256 ox,
        uint256[4] memory sizes, // in H, in W, out H, out W
        bool align,
        bool halfPixel
    )
        internal
        pure
        returns (uint256[4] memory src, int256 fy, int256 fx)
    {
        int256 vy;
        int256 vx;
        (vy, src[0], src[1]) = coords(oy, step(sizes[0], sizes[2], align), sizes[0], halfPixel);
        (vx, src[2], src[3]) = coords(ox, step(sizes[1], sizes[3], align), sizes[1], halfPixel);
        fy = vy - 1024 * int256(src[0]);
        fx = vx - 1024 * int256(src[2]);
    }

    /// @notice RESIZE_BILINEAR output element from its four taps `[(y0,x0), (y1,x0), (y0,x1),
    /// (y1,x1)]` (raw int8, same channel): the taps weighted by `(1024 - fy)(1024 - fx)`, `fy (1024
    /// - fx)`, `(1024 - fy) fx`, `fy fx`, summed, `(sum ± 2^19) / 2^20` truncating, clamped.
    function bilinear(int256[4] memory taps, int256 fy, int256 fx) internal pure returns (int8) {
        int256 acc = taps[0] * (1024 - fy) * (1024 - fx) + taps[1] * fy * (1024 - fx) + taps[2] * (1024 - fy)
            * fx + taps[3] * fy * fx;
        int256 r = (acc + (acc > 0 ? int256(1 << 19) : -int256(1 << 19))) / int256(1 << 20);
        if (r < -128) r = -128;
        if (r > 127) r = 127;
        return int8(r);
    }

    /// @dev The source step in 1/1024 units.
    function step(uint256 input, uint256 output, bool align) private pure returns (int256) {
        if (output == 0) revert BadIndex(output);
        (int256 i, int256 o) = (int256(input), int256(output));
        if (align && o > 1) return (1024 * (i - 1) + (o - 1) / 2) / (o - 1);
        return (1024 * i + o / 2) / o;
    }

    /// @dev A source coordinate in 1/1024 units and its two neighbours (C's truncating division).
    function coords(uint256 v, int256 scale, uint256 size, bool halfPixel)
        private
        pure
        returns (int256 val, uint256 lo, uint256 hi)
    {
        val = halfPixel ? int256(v) * scale + scale / 2 - 512 : int256(v) * scale;
        int256 l = val / 1024;
        lo = l > 0 ? uint256(l) : 0;
        int256 h = (val + 1023) / 1024;
        if (h > int256(size) - 1) h = int256(size) - 1;
        hi = h > 0 ? uint256(h) : 0;
    }
}
