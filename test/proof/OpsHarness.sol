// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ChunkMerkle} from "../../contracts/proof/ChunkMerkle.sol";
import {ConvOps} from "../../contracts/proof/ConvOps.sol";
import {ElementwiseOps} from "../../contracts/proof/ElementwiseOps.sol";
import {FixedPoint} from "../../contracts/proof/FixedPoint.sol";
import {FloatRounding} from "../../contracts/proof/FloatRounding.sol";
import {Int8Dot} from "../../contracts/proof/Int8Dot.sol";
import {MatmulOps} from "../../contracts/proof/MatmulOps.sol";
import {MoverOps} from "../../contracts/proof/MoverOps.sol";
import {ReduceOps} from "../../contracts/proof/ReduceOps.sol";
import {SoftmaxOps} from "../../contracts/proof/SoftmaxOps.sol";

/// @notice Exposes the on-chain op library (internal functions) as external calls: the Rust
/// differential test (`proof/tests/it`) deploys it in revm and compares every element with the
/// verifier's CPU reference; the forge gas tests call it too.
contract OpsHarness {
    /// @notice `FixedPoint.srdhm`.
    function srdhm(int256 a, int256 b) external pure returns (int256) {
        return FixedPoint.srdhm(a, b);
    }

    /// @notice `FixedPoint.rdbpot`.
    function rdbpot(int256 x, int256 e) external pure returns (int256) {
        return FixedPoint.rdbpot(x, e);
    }

    /// @notice `FixedPoint.mbqm`.
    function mbqm(int256 x, int256 q, int256 shift) external pure returns (int256) {
        return FixedPoint.mbqm(x, q, shift);
    }

    /// @notice `FixedPoint.mulPot`.
    function mulPot(int256 x, int256 e) external pure returns (int256) {
        return FixedPoint.mulPot(x, e);
    }

    /// @notice `Int8Dot.dot`.
    function dot(bytes calldata a, bytes calldata b) external pure returns (int256, int256, int256) {
        return Int8Dot.dot(a, b);
    }

    /// @notice `FloatRounding.fcRequant`.
    function fcRequant(int256 acc, uint256 significand, int256 exponent) external pure returns (int256) {
        return FloatRounding.fcRequant(acc, significand, exponent);
    }

    /// @notice `FloatRounding.activationRange`.
    function activationRange(uint8 act, uint32 scaleBits, int256 zp) external pure returns (int256, int256) {
        return FloatRounding.activationRange(act, scaleBits, zp);
    }

    /// @notice `FloatRounding.nearestIndex`.
    function nearestIndex(uint256 y, uint256 input, uint256 output, bool align, bool halfPixel)
        external
        pure
        returns (uint256)
    {
        return FloatRounding.nearestIndex(y, input, output, align, halfPixel);
    }

    /// @notice `MatmulOps.fullyConnected`.
    function fullyConnected(bytes calldata x, bytes calldata w, MatmulOps.FcParams memory p)
        external
        pure
        returns (int8)
    {
        return MatmulOps.fullyConnected(x, w, p);
    }

    /// @notice `MatmulOps.batchMatmul`.
    function batchMatmul(bytes calldata lhs, bytes calldata rhs, MatmulOps.MatmulParams memory p)
        external
        pure
        returns (int8)
    {
        return MatmulOps.batchMatmul(lhs, rhs, p);
    }

    /// @notice `ConvOps.conv2d` (kind 0), `depthwiseConv2d` (1), `transposeConv` (2).
    function conv(uint8 kind, bytes calldata kernel, bytes calldata patch, ConvOps.ConvParams memory p)
        external
        pure
        returns (int8)
    {
        if (kind == 0) return ConvOps.conv2d(kernel, patch, p);
        if (kind == 1) return ConvOps.depthwiseConv2d(kernel, patch, p);
        return ConvOps.transposeConv(kernel, patch, p);
    }

    /// @notice `ConvOps.conv2dRows`.
    function convRows(
        bytes calldata kernel,
        bytes calldata rows,
        uint256[] memory rowAt,
        ConvOps.ConvParams memory p
    ) external pure returns (int8) {
        return ConvOps.conv2dRows(kernel, rows, rowAt, p);
    }

    /// @notice `ElementwiseOps.addSub`.
    function addSub(int256 a, int256 b, ElementwiseOps.BinaryParams memory p, bool sub)
        external
        pure
        returns (int8)
    {
        return ElementwiseOps.addSub(a, b, p, sub);
    }

    /// @notice `ElementwiseOps.squaredDifference`.
    function squaredDifference(int256 a, int256 b, ElementwiseOps.BinaryParams memory p)
        external
        pure
        returns (int8)
    {
        return ElementwiseOps.squaredDifference(a, b, p);
    }

    /// @notice `ElementwiseOps.mul` (`zq`: zpA, zpB, q, shift, zpOut, lo, hi).
    function mul(int256 a, int256 b, int256[7] memory zq) external pure returns (int8) {
        return ElementwiseOps.mul(a, b, zq[0], zq[1], zq[2], zq[3], zq[4], zq[5], zq[6]);
    }

    /// @notice `ElementwiseOps.rsqrt`.
    function rsqrt(int256 x, int256 zpIn, int256 q, int256 shift, int256 zpOut) external pure returns (int8) {
        return ElementwiseOps.rsqrt(x, zpIn, q, shift, zpOut);
    }

    /// @notice `ReduceOps.mean`.
    function mean(bytes calldata xs, int256 zpIn, int256 q, int256 shift, int256 zpOut)
        external
        pure
        returns (int8)
    {
        return ReduceOps.mean(xs, zpIn, q, shift, zpOut);
    }

    /// @notice `SoftmaxOps.softmax`.
    function softmax(bytes calldata row, uint256 index, int256 mult, int256 leftShift, int256 diffMin)
        external
        pure
        returns (int8)
    {
        return SoftmaxOps.softmax(row, index, mult, leftShift, diffMin);
    }

    /// @notice `MoverOps.lut`.
    function lut(bytes calldata table, int256 x) external pure returns (int8) {
        return MoverOps.lut(table, x);
    }

    /// @notice `MoverOps.gatherSource`.
    function gatherSource(uint256 i, int256 id, uint256 rows, uint256 width) external pure returns (uint256) {
        return MoverOps.gatherSource(i, id, rows, width);
    }

    /// @notice `MoverOps.transposeSource`.
    function transposeSource(uint256 i, uint256[] memory shape, uint256[] memory perm)
        external
        pure
        returns (uint256)
    {
        return MoverOps.transposeSource(i, shape, perm);
    }

    /// @notice `MoverOps.concatSource`.
    function concatSource(uint256 i, uint256[] memory chunks) external pure returns (uint256, uint256) {
        return MoverOps.concatSource(i, chunks);
    }

    /// @notice `MoverOps.nearestSource`.
    function nearestSource(uint256 oy, uint256 ox, uint256[4] memory sizes, bool align, bool halfPixel)
        external
        pure
        returns (uint256, uint256)
    {
        return MoverOps.nearestSource(oy, ox, sizes, align, halfPixel);
    }

    /// @notice `MoverOps.bilinearSource`.
    function bilinearSource(uint256 oy, uint256 ox, uint256[4] memory sizes, bool align, bool halfPixel)
        external
        pure
        returns (uint256[4] memory, int256, int256)
    {
        return MoverOps.bilinearSource(oy, ox, sizes, align, halfPixel);
    }

    /// @notice `MoverOps.bilinear`.
    function bilinear(int256[4] memory taps, int256 fy, int256 fx) external pure returns (int8) {
        return MoverOps.bilinear(taps, fy, fx);
    }

    /// @notice `ChunkMerkle.root`.
    function chunkRoot(bytes memory data) external pure returns (bytes32) {
        return ChunkMerkle.root(data);
    }

    /// @notice `ChunkMerkle.layerCommitment`.
    function layerCommitment(bytes32[] memory roots) external pure returns (bytes32) {
        return ChunkMerkle.layerCommitment(roots);
    }

    /// @notice `ChunkMerkle.rangeRoot`.
    function rangeRoot(uint256 depth, uint256 first, bytes calldata chunks, bytes32[] calldata proof)
        external
        pure
        returns (bytes32)
    {
        return ChunkMerkle.rangeRoot(depth, first, chunks, proof);
    }
}
