// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IElementJudge} from "../interfaces/IProofGame.sol";
import {ChunkMerkle} from "./ChunkMerkle.sol";
import {ConvOps} from "./ConvOps.sol";
import {LiteRtOps} from "./LiteRtOps.sol";
import {ElementwiseOps} from "./ElementwiseOps.sol";
import {MatmulOps} from "./MatmulOps.sol";
import {MoverOps} from "./MoverOps.sol";
import {ReduceOps} from "./ReduceOps.sol";
import {SoftmaxOps} from "./SoftmaxOps.sol";

/// @title LiteRtJudge
/// @notice The proof game's element judge for models committed as `verifier::opening` commits
/// them (docs/proof-game.md, *The model commitment*): the model id is the chunk root over one node
/// root per op (op `layer` at leaf `layer`), a node root the chunk root of `abi.encode(Node)`.
/// The judge opens op `layer`'s node against the model id, the constant data and channel words
/// the element needs against the node's roots, the input bytes against the tensor roots it
/// returns (the game checks those in the orchestrator's layer commitment), and recomputes the
/// element with the op library (contracts/proof). Every op of the verifier's spec is covered; an
/// op whose element reads more than the bounds below (`MAX_SPAN`, `MAX_PICKS`, `MAX_ROW`), a CONCATENATION of
/// more than two inputs, or a record whose rank-4 shapes cannot state the op reverts
/// `OpNotJudgeable`: such a dispute falls back to the committee (docs/proof-game.md).
contract LiteRtJudge is IElementJudge {
    /// @notice Where an activation operand lives (`leaf` NONE: a constant, or none).
    struct Operand {
        uint256 leaf; // in the layer commitment: 0 the job input, k + 1 op k's output
        uint256 offset; // byte offset of the operand in that tensor
        uint256 length; // bytes of that whole tensor (fixes its tree depth)
        uint256[4] shape; // right-aligned to rank 4
    }

    /// @notice One op's node record (`verifier::opening::NodeRecord`, word for word).
    struct Node {
        uint256 opCode; // LiteRT builtin code
        uint256 outLength; // output bytes
        uint256[4] outShape;
        Operand in0;
        Operand in1;
        int256[3] zp; // in0, in1, output
        int256[2] clamp; // the fused activation's range
        int256[6] mult; // per-tensor (q, shift) pairs
        uint256[10] geo; // per op (verifier::opening::NodeRecord::geo); geo[UNFOLDED] != 0: refused
        bytes32 dataRoot; // the constant operand (weights, filter, table)
        uint256 dataLength;
        bytes32 channelRoot; // per output channel: bias ‖ multiplier ‖ shift ‖ 0 (int64 each)
        uint256 channels;
    }

    /// @notice Chunks `first..` of a committed string and the siblings that prove them.
    struct Range {
        uint256 first;
        bytes chunks;
        bytes32[] proof;
    }

    /// @notice What `recompute` takes, `abi.encode`d: the node and its proof in the model id, the
    /// ranges in the order the op reads them (`verifier::opening::needs`), the patch (the conv
    /// ops' taps, or a strided read's bytes: a BATCH_MATMUL column or `adj_x` row, a MEAN window
    /// that is not one run; empty for other ops).
    struct Opening {
        bytes node;
        bytes32[] nodeProof;
        Range[] ranges;
        bytes patch;
    }

    uint256 private constant NONE = type(uint256).max;
    uint256 private constant NODE_BYTES = 45 * 32;
    /// @dev The geometry word that marks a record whose rank-4 shapes do not state the op.
    uint256 private constant UNFOLDED = 9;

    /// @notice The most bytes one opened range of an element may span (a row, a window, a strided
    /// column): beyond it the opening outgrows a transaction, and the op is refused.
    uint256 public constant MAX_SPAN = 32_768;
    /// @notice The most bytes a strided read picks, each checked against its span (a MEAN window
    /// byte costs about 1,900 gas, a BATCH_MATMUL column byte about 200).
    uint256 public constant MAX_PICKS = 4_096;
    /// @notice The longest SOFTMAX row the judge recomputes: an exponential per row element, about
    /// 10,000 gas each, so a row of 1,024 costs about 10.6M gas.
    uint256 public constant MAX_ROW = 1_024;

    /// @notice The opening is not an `abi.encode(Opening)`, or its node record has the wrong size.
    error BadOpening();
    /// @notice The node record is not op `layer`'s in the model id.
    error BadNode(uint256 layer);
    /// @notice The op (LiteRT builtin code) has no element function here: the committee decides.
    error OpNotJudgeable(uint256 opCode);
    /// @notice Range `index` is not the chunks the op reads, or there are too few ranges.
    error RangeMismatch(uint256 index);
    /// @notice A read past the committed string's length.
    error OutOfBounds(uint256 start, uint256 length);
    /// @notice Two ranges of one input tensor opened different roots.
    error InputRootsDiffer(uint256 leaf);
    /// @notice The patch's bytes at a tap inside the input are not the opened input's.
    error PatchMismatch(uint256 tap);
    /// @notice `recomputeOpened` is the judge's own entry (calldata-decoded opening).
    error OnlySelf();

    /// @inheritdoc IElementJudge
    function recompute(bytes32 modelId, uint256 layer, uint256 element, bytes calldata opening)
        external
        view
        returns (int8 value, uint256 outputLength, InputRoot[] memory inputs)
    {
        // Re-enter with the opening as typed calldata, so the op library reads slices of it
        // without copying: `abi.encode(Opening)` is its offset word (0x20) then the struct.
        if (opening.length < 32 || uint256(bytes32(opening[:32])) != 0x20) revert BadOpening();
        (bool ok, bytes memory ret) = address(this)
            .staticcall(
                bytes.concat(
                    this.recomputeOpened.selector,
                    abi.encode(modelId, layer, element, uint256(0x80)),
                    opening[32:]
                )
            );
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
        return abi.decode(ret, (int8, uint256, InputRoot[]));
    }

    /// @inheritdoc IElementJudge
    function outputLength(bytes32 modelId, uint256 layer, bytes calldata opening)
        external
        pure
        returns (uint256)
    {
        Opening memory o = abi.decode(opening, (Opening));
        if (o.node.length != NODE_BYTES) revert BadOpening();
        _checkNode(modelId, layer, ChunkMerkle.root(o.node), o.nodeProof);
        Node memory n = abi.decode(o.node, (Node));
        if (!_judgeable(n)) revert OpNotJudgeable(n.opCode);
        return n.outLength;
    }

    /// @dev How the judge recomputes op code `c` (LiteRT's builtin codes): 0 it does not.
    uint256 private constant K_NONE = 0;
    uint256 private constant K_FC = 1;
    uint256 private constant K_CONV = 2;
    uint256 private constant K_BINARY = 3;
    uint256 private constant K_LUT = 4;
    uint256 private constant K_RESHAPE = 5;
    uint256 private constant K_NEAREST = 6;
    uint256 private constant K_BILINEAR = 7;
    uint256 private constant K_GATHER = 8;
    uint256 private constant K_BMM = 9;
    uint256 private constant K_SOFTMAX = 10;
    uint256 private constant K_MEAN = 11;
    uint256 private constant K_RSQRT = 12;
    uint256 private constant K_TRANSPOSE = 13;
    uint256 private constant K_CONCAT = 14;

    function _kind(uint256 c) private pure returns (uint256) {
        if (c == LiteRtOps.FULLY_CONNECTED) return K_FC;
        if (c == LiteRtOps.CONV_2D || c == LiteRtOps.DEPTHWISE_CONV_2D || c == LiteRtOps.TRANSPOSE_CONV) {
            return K_CONV;
        }
        if (
            c == LiteRtOps.ADD || c == LiteRtOps.SUB || c == LiteRtOps.MUL
                || c == LiteRtOps.SQUARED_DIFFERENCE
        ) return K_BINARY;
        if (c == LiteRtOps.LOGISTIC || c == LiteRtOps.TANH || c == LiteRtOps.GELU) return K_LUT;
        if (c == LiteRtOps.RESHAPE) return K_RESHAPE;
        if (c == LiteRtOps.RESIZE_NEAREST_NEIGHBOR) return K_NEAREST;
        if (c == LiteRtOps.RESIZE_BILINEAR) return K_BILINEAR;
        if (c == LiteRtOps.GATHER) return K_GATHER;
        if (c == LiteRtOps.BATCH_MATMUL) return K_BMM;
        if (c == LiteRtOps.SOFTMAX) return K_SOFTMAX;
        if (c == LiteRtOps.MEAN) return K_MEAN;
        if (c == LiteRtOps.RSQRT) return K_RSQRT;
        if (c == LiteRtOps.TRANSPOSE) return K_TRANSPOSE;
        if (c == LiteRtOps.CONCATENATION) return K_CONCAT;
        return K_NONE;
    }

    /// @dev Whether `recomputeOpened` recomputes `n`'s elements (the ProofGame opens no game on
    /// any other op): a kind it knows, shapes the record states, an activation input where the
    /// data holds weights or a table, and reads inside the bounds.
    function _judgeable(Node memory n) private pure returns (bool) {
        uint256 k = _kind(n.opCode);
        if (k == K_NONE || n.geo[UNFOLDED] != 0) return false;
        if ((k == K_FC || k == K_CONV || k == K_LUT) && n.in0.leaf == NONE) return false;
        if (k == K_FC) return n.geo[0] <= MAX_SPAN;
        if (k == K_CONV) {
            // the filter row, and the kernel rows' input runs together
            uint256 runs = n.geo[0] * ((n.geo[1] - 1) * n.geo[5] + 1) * n.in0.shape[3];
            return n.geo[0] * n.geo[1] * (n.opCode == LiteRtOps.DEPTHWISE_CONV_2D ? 1 : n.in0.shape[3])
                    <= MAX_SPAN && runs <= MAX_SPAN;
        }
        if (k == K_SOFTMAX) return n.outShape[3] <= MAX_ROW;
        if (k == K_CONCAT) return n.geo[2] <= 2;
        if (k == K_MEAN) {
            Window memory w = _window(n, 0);
            return w.span <= MAX_SPAN && (w.count == w.span || w.count <= MAX_PICKS);
        }
        if (k == K_BMM) {
            (, uint256 lst) = _matmulRead(n, 0, true);
            (, uint256 rst) = _matmulRead(n, 0, false);
            uint256 stride = lst > rst ? lst : rst;
            return
                n.geo[2] != 0 && (n.geo[2] - 1) * stride < MAX_SPAN && (stride == 1 || n.geo[2] <= MAX_PICKS);
        }
        return true;
    }

    /// @dev One element's recomputation: the node, the element, the next range to read (ranges
    /// are read in order) and the input roots noted so far.
    struct Ctx {
        Node n;
        uint256 e;
        uint256 next;
        InputRoot[] ins;
        uint256 chOff; // conv ops: the channel a tap reads inside a pixel (depthwise: c / multiplier)
        uint256 patchAt; // strided reads: the patch bytes used so far
    }

    /// @notice `recompute` with the opening decoded (the judge's own re-entry; reverts for others).
    function recomputeOpened(bytes32 modelId, uint256 layer, uint256 element, Opening calldata o)
        external
        view
        returns (int8 value, uint256 outLength, InputRoot[] memory inputs)
    {
        if (msg.sender != address(this)) revert OnlySelf();
        if (o.node.length != NODE_BYTES) revert BadOpening();
        _checkNode(modelId, layer, ChunkMerkle.root(o.node), o.nodeProof);
        Ctx memory x = Ctx(abi.decode(o.node, (Node)), element, 0, new InputRoot[](2), 0, 0);
        outLength = x.n.outLength;
        if (element >= outLength) return (0, outLength, new InputRoot[](0));
        if (!_judgeable(x.n)) revert OpNotJudgeable(x.n.opCode);
        uint256 k = _kind(x.n.opCode);
        if (k == K_FC) value = _fullyConnected(x, o);
        else if (k == K_CONV) value = _conv(x, o);
        else if (k == K_BINARY) value = _binary(x, o);
        else if (k == K_LUT) value = _lut(x, o);
        else if (k == K_RESHAPE) value = _byte(_read(x, o, 0, element, 1));
        else if (k == K_NEAREST) value = _nearest(x, o);
        else if (k == K_BILINEAR) value = _bilinear(x, o);
        else if (k == K_GATHER) value = _gather(x, o);
        else value = _recomputeMore(x, o, k);
        if (x.next != o.ranges.length) revert RangeMismatch(x.next);
        if (k != K_CONV && x.patchAt != o.patch.length) revert PatchMismatch(x.patchAt);
        // the operands read, in order (a constant first operand reads none)
        inputs = x.ins;
        uint256 used;
        for (uint256 i; i < 2; ++i) {
            if (inputs[i].root != bytes32(0)) inputs[used++] = inputs[i];
        }
        assembly ("memory-safe") {
            mstore(inputs, used)
        }
    }

    /// @dev The ops added for the transformer blocks (issue 19 item 5).
    function _recomputeMore(Ctx memory x, Opening calldata o, uint256 k) private pure returns (int8) {
        Node memory n = x.n;
        if (k == K_BMM) return _batchMatmul(x, o);
        if (k == K_SOFTMAX) {
            uint256 d = n.outShape[3];
            bytes calldata row = _read(x, o, 0, (x.e / d) * d, d);
            return SoftmaxOps.softmax(row, x.e % d, n.mult[0], n.mult[1], n.mult[2]);
        }
        if (k == K_MEAN) return _mean(x, o);
        if (k == K_RSQRT) {
            return ElementwiseOps.rsqrt(_byte(_read(x, o, 0, x.e, 1)), n.zp[0], n.mult[0], n.mult[1], n.zp[2]);
        }
        if (k == K_TRANSPOSE) {
            uint256[] memory shape = new uint256[](4);
            uint256[] memory perm = new uint256[](4);
            for (uint256 a; a < 4; ++a) {
                (shape[a], perm[a]) = (n.in0.shape[a], n.geo[a]);
            }
            return _byte(_read(x, o, 0, MoverOps.transposeSource(x.e, shape, perm), 1));
        }
        // CONCATENATION of one or two inputs: geo[0], geo[1] their sizes from the axis on
        uint256[] memory chunks = new uint256[](n.geo[2]);
        for (uint256 t; t < chunks.length; ++t) {
            chunks[t] = n.geo[t];
        }
        (uint256 input, uint256 index) = MoverOps.concatSource(x.e, chunks);
        return _byte(_read(x, o, input, index, 1));
    }

    /// @dev BATCH_MATMUL (126): the lhs row, then the rhs column (K values each, adjoints
    /// applied; a strided one is a span whose bytes at the stride are the patch's, in order).
    function _batchMatmul(Ctx memory x, Opening calldata o) private pure returns (int8) {
        bytes calldata lhs = _operandRow(x, o, true);
        bytes calldata rhs = _operandRow(x, o, false);
        Node memory n = x.n;
        return MatmulOps.batchMatmul(
            lhs, rhs, MatmulOps.MatmulParams(n.zp[0], n.zp[1], n.mult[0], n.mult[1], n.zp[2])
        );
    }

    /// @dev The element's lhs row or rhs column, K values.
    function _operandRow(Ctx memory x, Opening calldata o, bool lhs) private pure returns (bytes calldata) {
        (uint256 start, uint256 stride) = _matmulRead(x.n, x.e, lhs);
        return _strided(x, o, lhs ? 0 : 1, start, stride, x.n.geo[2]);
    }

    /// @dev Where output `e`'s lhs row (`lhs`) or rhs column starts in its operand, and its stride.
    /// Shapes: out `[b0, b1, M, N]`, lhs `[., ., M, K]` (adj_x `geo[0]`: `[K, M]`), rhs
    /// `[., ., K, N]` (adj_y `geo[1]`: `[N, K]`), `K = geo[2]`; batch axes broadcast.
    function _matmulRead(Node memory n, uint256 e, bool lhs)
        private
        pure
        returns (uint256 start, uint256 stride)
    {
        (uint256 b0, uint256 b1, uint256 i, uint256 j) = _nhwc(n.outShape, e);
        (uint256 m, uint256 cols, uint256 k) = (n.outShape[2], n.outShape[3], n.geo[2]);
        uint256[4] memory s = lhs ? n.in0.shape : n.in1.shape;
        uint256 base = ((s[0] == 1 ? 0 : b0) * s[1] + (s[1] == 1 ? 0 : b1)) * k * (lhs ? m : cols);
        if (lhs) return n.geo[0] != 0 ? (base + i, m) : (base + i * k, 1);
        return n.geo[1] != 0 ? (base + j * k, 1) : (base + j, cols);
    }

    /// @dev `count` bytes of operand `k` at `start`, `stride` apart: a contiguous read, or the
    /// span holding them, whose bytes at the stride must be the patch's next `count`.
    function _strided(
        Ctx memory x,
        Opening calldata o,
        uint256 k,
        uint256 start,
        uint256 stride,
        uint256 count
    ) private pure returns (bytes calldata got) {
        if (stride == 1 || count == 1) return _read(x, o, k, start, count);
        bytes calldata span = _read(x, o, k, start, (count - 1) * stride + 1);
        got = _patch(x, o, count);
        for (uint256 t; t < count; ++t) {
            if (span[t * stride] != got[t]) revert PatchMismatch(x.patchAt - count + t);
        }
    }

    /// @dev The patch's next `count` bytes.
    function _patch(Ctx memory x, Opening calldata o, uint256 count) private pure returns (bytes calldata) {
        uint256 from = x.patchAt;
        x.patchAt = from + count;
        if (x.patchAt > o.patch.length) revert PatchMismatch(o.patch.length);
        return o.patch[from:from + count];
    }

    /// @dev A MEAN element's window: the first byte, the span from it to the last, the count,
    /// and per axis the input stride (`geo[0]` bit `a`: axis `a` reduced).
    struct Window {
        uint256 base;
        uint256 span;
        uint256 count;
        uint256[4] stride;
    }

    function _window(Node memory n, uint256 e) private pure returns (Window memory w) {
        uint256[4] memory s = n.in0.shape;
        (w.span, w.count) = (1, 1);
        uint256 st = 1;
        for (uint256 a = 4; a > 0; --a) {
            w.stride[a - 1] = st;
            if ((n.geo[0] >> (a - 1)) & 1 == 1) {
                w.span += (s[a - 1] - 1) * st;
                w.count *= s[a - 1];
            } else {
                w.base += (e % s[a - 1]) * st;
                e /= s[a - 1];
            }
            st *= s[a - 1];
        }
    }

    /// @dev MEAN (40): the window's span; when the reduced axes are not one run, the patch holds
    /// the window's bytes (row-major over the reduced axes), each checked against the span.
    function _mean(Ctx memory x, Opening calldata o) private pure returns (int8) {
        Node memory n = x.n;
        Window memory w = _window(n, x.e);
        bytes calldata xs = _read(x, o, 0, w.base, w.span);
        if (w.count != w.span) {
            bytes calldata span = xs;
            xs = _patch(x, o, w.count);
            for (uint256 t; t < w.count; ++t) {
                uint256 off;
                uint256 r = t;
                for (uint256 a = 4; a > 0; --a) {
                    if ((n.geo[0] >> (a - 1)) & 1 == 0) continue;
                    off += (r % n.in0.shape[a - 1]) * w.stride[a - 1];
                    r /= n.in0.shape[a - 1];
                }
                if (span[off] != xs[t]) revert PatchMismatch(x.patchAt - w.count + t);
            }
        }
        return ReduceOps.meanDivided(xs, n.zp[0], n.mult[0], n.mult[1], n.zp[2]);
    }

    // --- ops (each reads its ranges in `verifier::opening::needs` order) ---

    /// @dev FULLY_CONNECTED (9): channel word, input row, weight row.
    function _fullyConnected(Ctx memory x, Opening calldata o) private pure returns (int8) {
        MatmulOps.FcParams memory p = _fcParams(x, o);
        uint256 d = x.n.geo[0];
        bytes calldata row = _input(x, o, 0, (x.e / x.n.outShape[3]) * d, d);
        bytes calldata w = _data(x, o, (x.e % x.n.outShape[3]) * d, d);
        return MatmulOps.fullyConnected(row, w, p);
    }

    function _fcParams(Ctx memory x, Opening calldata o) private pure returns (MatmulOps.FcParams memory) {
        Node memory n = x.n;
        (int256 bias, int256 m, int256 s) = _channel(x, o, x.e % n.outShape[3]);
        return MatmulOps.FcParams({
            bias: bias,
            zpIn: n.zp[0],
            significand: uint256(m),
            exponent: s,
            zpOut: n.zp[2],
            lo: n.clamp[0],
            hi: n.clamp[1]
        });
    }

    /// @dev CONV_2D (3), DEPTHWISE_CONV_2D (4), TRANSPOSE_CONV (67): the channel word, the
    /// filter row, then per kernel row that meets the input one run of input pixels, whose bytes
    /// at every tap inside the input must be the patch's.
    function _conv(Ctx memory x, Opening calldata o) private pure returns (int8) {
        ConvOps.ConvParams memory p = _convParams(x.n, x.e);
        uint256 ch = x.e % x.n.outShape[3];
        (p.bias, p.q, p.shift) = _channel(x, o, ch);
        uint256 rowLen = p.kh * p.kw * p.ic;
        bytes calldata kernel = _data(x, o, ch * rowLen, rowLen);
        if (o.patch.length != rowLen) revert PatchMismatch(o.patch.length);
        _checkPatch(x, o, p, ch);
        if (x.n.opCode == LiteRtOps.DEPTHWISE_CONV_2D) return ConvOps.depthwiseConv2d(kernel, o.patch, p);
        if (x.n.opCode == LiteRtOps.TRANSPOSE_CONV) return ConvOps.transposeConv(kernel, o.patch, p);
        return ConvOps.conv2d(kernel, o.patch, p);
    }

    function _convParams(Node memory n, uint256 e) private pure returns (ConvOps.ConvParams memory p) {
        uint256[4] memory s = n.outShape;
        p.oy = (e / (s[3] * s[2])) % s[1];
        p.ox = (e / s[3]) % s[2];
        p.inH = n.in0.shape[1];
        p.inW = n.in0.shape[2];
        p.kh = n.geo[0];
        p.kw = n.geo[1];
        p.ic = n.opCode == LiteRtOps.DEPTHWISE_CONV_2D ? 1 : n.in0.shape[3];
        p.strideH = n.geo[2];
        p.strideW = n.geo[3];
        p.dilH = n.geo[4];
        p.dilW = n.geo[5];
        p.padH = n.geo[6];
        p.padW = n.geo[7];
        p.zpIn = n.zp[0];
        p.zpOut = n.zp[2];
        p.lo = n.clamp[0];
        p.hi = n.clamp[1];
    }

    /// @dev Opens, per kernel row meeting the input, the run of pixels its taps read and checks
    /// each inside tap's patch bytes (`p.ic` of them; depthwise: channel `ch / multiplier`).
    function _checkPatch(Ctx memory x, Opening calldata o, ConvOps.ConvParams memory p, uint256 ch)
        private
        pure
    {
        x.chOff = x.n.opCode == LiteRtOps.DEPTHWISE_CONV_2D ? ch / (x.n.geo[8] == 0 ? 1 : x.n.geo[8]) : 0;
        for (uint256 ky; ky < p.kh; ++ky) {
            (bool inY, uint256 iy) =
                _tap(x.n.opCode == LiteRtOps.TRANSPOSE_CONV, p.oy, ky, p.strideH, p.dilH, p.padH, p.inH);
            if (inY) _checkRow(x, o, p, ky, iy);
        }
    }

    /// @dev One kernel row: the run from its first to its last inside tap's pixel.
    function _checkRow(Ctx memory x, Opening calldata o, ConvOps.ConvParams memory p, uint256 ky, uint256 iy)
        private
        pure
    {
        (uint256 lo, uint256 hi, bool any) = _xSpan(x.n.opCode == LiteRtOps.TRANSPOSE_CONV, p);
        if (!any) return;
        uint256 len = (hi - lo + 1) * x.n.in0.shape[3];
        uint256 start = _pixel(x.n, x.e / (x.n.outShape[3] * x.n.outShape[2] * x.n.outShape[1]), iy, lo);
        _checkTaps(x, o, p, _input(x, o, 0, start, len), lo, ky);
    }

    function _checkTaps(
        Ctx memory x,
        Opening calldata o,
        ConvOps.ConvParams memory p,
        bytes calldata run,
        uint256 lo,
        uint256 ky
    ) private pure {
        for (uint256 kx; kx < p.kw; ++kx) {
            (bool inX, uint256 ix) = _tap(
                x.n.opCode == LiteRtOps.TRANSPOSE_CONV, p.ox, kx, p.strideW, p.dilW, p.padW, p.inW
            );
            if (!inX) continue;
            uint256 pos = (ix - lo) * x.n.in0.shape[3] + x.chOff;
            uint256 tap = (ky * p.kw + kx) * p.ic;
            if (keccak256(run[pos:pos + p.ic]) != keccak256(o.patch[tap:tap + p.ic])) {
                revert PatchMismatch(tap);
            }
        }
    }

    /// @dev The lowest and highest input column any tap of a kernel row reads.
    function _xSpan(bool transposed, ConvOps.ConvParams memory p)
        private
        pure
        returns (uint256 lo, uint256 hi, bool any)
    {
        for (uint256 kx; kx < p.kw; ++kx) {
            (bool inX, uint256 ix) = _tap(transposed, p.ox, kx, p.strideW, p.dilW, p.padW, p.inW);
            if (!inX) continue;
            if (!any || ix < lo) lo = ix;
            if (!any || ix > hi) hi = ix;
            any = true;
        }
    }

    /// @dev The input coordinate tap `k` of output coordinate `o` reads, if inside the input
    /// (convolution: `o * s + k * d - p`; transposed: the `i` with `i * s + k - p == o`).
    function _tap(bool transposed, uint256 o, uint256 k, uint256 s, uint256 d, uint256 pad, uint256 size)
        private
        pure
        returns (bool, uint256)
    {
        if (transposed) {
            if (o + pad < k || s == 0) return (false, 0);
            uint256 t = o + pad - k;
            return (t % s == 0 && t / s < size, t / s);
        }
        uint256 u = o * s + k * d;
        if (u < pad) return (false, 0);
        return (u - pad < size, u - pad);
    }

    /// @dev ADD (0), SUB (41), MUL (18), SQUARED_DIFFERENCE (99): the two broadcast input bytes
    /// (a constant operand's from the node's data).
    function _binary(Ctx memory x, Opening calldata o) private pure returns (int8) {
        Node memory n = x.n;
        int256 a = _byte(_read(x, o, 0, _broadcast(n.outShape, n.in0.shape, x.e), 1));
        int256 b = _byte(_read(x, o, 1, _broadcast(n.outShape, n.in1.shape, x.e), 1));
        int256[6] memory m = n.mult;
        if (n.opCode == LiteRtOps.MUL) {
            return ElementwiseOps.mul(a, b, n.zp[0], n.zp[1], m[0], m[1], n.zp[2], n.clamp[0], n.clamp[1]);
        }
        ElementwiseOps.BinaryParams memory p = ElementwiseOps.BinaryParams({
            zpA: n.zp[0],
            zpB: n.zp[1],
            qA: m[0],
            shiftA: m[1],
            qB: m[2],
            shiftB: m[3],
            qOut: m[4],
            shiftOut: m[5],
            zpOut: n.zp[2],
            lo: n.clamp[0],
            hi: n.clamp[1]
        });
        if (n.opCode == LiteRtOps.SQUARED_DIFFERENCE) return ElementwiseOps.squaredDifference(a, b, p);
        return ElementwiseOps.addSub(a, b, p, n.opCode == LiteRtOps.SUB);
    }

    /// @dev LOGISTIC (14), TANH (28), GELU (150): the input byte, then the table.
    function _lut(Ctx memory x, Opening calldata o) private pure returns (int8) {
        int256 v = _byte(_input(x, o, 0, x.e, 1));
        return MoverOps.lut(_data(x, o, 0, 256), v);
    }

    /// @dev RESIZE_NEAREST_NEIGHBOR (97): the source byte.
    function _nearest(Ctx memory x, Opening calldata o) private pure returns (int8) {
        (, uint256 oy, uint256 ox,) = _nhwc(x.n.outShape, x.e);
        (uint256 y, uint256 xx) =
            MoverOps.nearestSource(oy, ox, _sizes(x.n), x.n.geo[0] != 0, x.n.geo[1] != 0);
        return _byte(_read(x, o, 0, _source(x, y, xx), 1));
    }

    /// @dev RESIZE_BILINEAR (23): the four taps `(y0,x0), (y1,x0), (y0,x1), (y1,x1)`.
    function _bilinear(Ctx memory x, Opening calldata o) private pure returns (int8) {
        (, uint256 oy, uint256 ox,) = _nhwc(x.n.outShape, x.e);
        (uint256[4] memory src, int256 fy, int256 fx) =
            MoverOps.bilinearSource(oy, ox, _sizes(x.n), x.n.geo[0] != 0, x.n.geo[1] != 0);
        int256[4] memory taps;
        for (uint256 t; t < 4; ++t) {
            taps[t] = _byte(_read(x, o, 0, _source(x, src[t % 2], src[2 + t / 2]), 1));
        }
        return MoverOps.bilinear(taps, fy, fx);
    }

    /// @dev A resize's sizes: in H, in W, out H, out W.
    function _sizes(Node memory n) private pure returns (uint256[4] memory) {
        return [n.in0.shape[1], n.in0.shape[2], n.outShape[1], n.outShape[2]];
    }

    /// @dev The input byte at pixel `(y, xx)` of the element's batch and channel.
    function _source(Ctx memory x, uint256 y, uint256 xx) private pure returns (uint256) {
        (uint256 b,,, uint256 c) = _nhwc(x.n.outShape, x.e);
        return _pixel(x.n, b, y, xx) + c;
    }

    /// @dev GATHER (36): the int32 id (little-endian, from the ids operand), then the table byte
    /// (operand 1: the node's data when the table is a constant).
    function _gather(Ctx memory x, Opening calldata o) private pure returns (int8) {
        uint256 width = x.n.geo[1] == 0 ? 1 : x.n.geo[1];
        bytes calldata id = _read(x, o, 0, (x.e / width) * 4, 4);
        int256 v = int32(
            uint32(uint8(id[0])) | uint32(uint8(id[1])) << 8 | uint32(uint8(id[2])) << 16
                | uint32(uint8(id[3])) << 24
        );
        uint256 src = MoverOps.gatherSource(x.e, v, x.n.geo[0], width);
        return _byte(_read(x, o, 1, src, 1));
    }

    // --- openings ---

    /// @dev Reverts unless `root` is leaf `layer` of the model id (the proof's length is the
    /// tree's depth: domain separation keeps a leaf from passing for an inner node).
    function _checkNode(bytes32 modelId, uint256 layer, bytes32 root, bytes32[] memory proof) private pure {
        if (proof.length < 256 && layer >> proof.length != 0) revert BadNode(layer);
        bytes32 h = ChunkMerkle.leaf(root);
        for (uint256 d; d < proof.length; ++d) {
            h = (layer >> d) & 1 == 1 ? ChunkMerkle.node(proof[d], h) : ChunkMerkle.node(h, proof[d]);
        }
        if (h != modelId) revert BadNode(layer);
    }

    /// @dev Channel `ch`'s word (the next range): bias, multiplier, shift.
    function _channel(Ctx memory x, Opening calldata o, uint256 ch)
        private
        pure
        returns (int256 bias, int256 m, int256 s)
    {
        uint256 w = uint256(bytes32(_model(x, o, true, ch * 32, 32)));
        bias = int64(uint64(w >> 192));
        m = int64(uint64(w >> 128));
        s = int64(uint64(w >> 64));
    }

    /// @dev `len` bytes at `start` of the node's constant data.
    function _data(Ctx memory x, Opening calldata o, uint256 start, uint256 len)
        private
        pure
        returns (bytes calldata)
    {
        return _model(x, o, false, start, len);
    }

    /// @dev `len` bytes at `start` of the node's channel words or constant data (the next range).
    function _model(Ctx memory x, Opening calldata o, bool channels, uint256 start, uint256 len)
        private
        pure
        returns (bytes calldata data)
    {
        (bytes32 root, uint256 length) =
            channels ? (x.n.channelRoot, x.n.channels * 32) : (x.n.dataRoot, x.n.dataLength);
        bytes32 got;
        (data, got) = _open(o.ranges[_take(x, o)], length, start, len);
        if (got != root) revert ChunkMerkle.RootMismatch(got, root);
    }

    /// @dev `len` bytes at `start` of operand `k`: a constant's from the node's data (at the
    /// operand's offset there), an activation's from its tensor (`_input`).
    function _read(Ctx memory x, Opening calldata o, uint256 k, uint256 start, uint256 len)
        private
        pure
        returns (bytes calldata)
    {
        Operand memory op = k == 0 ? x.n.in0 : x.n.in1;
        if (op.leaf == NONE) return _data(x, o, op.offset + start, len);
        return _input(x, o, k, start, len);
    }

    /// @dev `len` bytes at `start` of activation operand `k`; its tensor's root is noted for the
    /// game to check at the operand's leaf.
    function _input(Ctx memory x, Opening calldata o, uint256 k, uint256 start, uint256 len)
        private
        pure
        returns (bytes calldata data)
    {
        Operand memory op = k == 0 ? x.n.in0 : x.n.in1;
        if (op.leaf == NONE) revert OpNotJudgeable(x.n.opCode);
        bytes32 root;
        (data, root) = _open(o.ranges[_take(x, o)], op.length, op.offset + start, len);
        if (x.ins[k].root == bytes32(0)) {
            x.ins[k] = InputRoot(op.leaf, root);
        } else if (x.ins[k].root != root) {
            revert InputRootsDiffer(op.leaf);
        }
    }

    /// @dev The next range's index.
    function _take(Ctx memory x, Opening calldata o) private pure returns (uint256 i) {
        i = x.next++;
        if (i >= o.ranges.length) revert RangeMismatch(i);
    }

    /// @dev The range must be exactly the chunks covering `[start, start + len)` of a string of
    /// `length` bytes; returns those bytes and the root the range proves.
    function _open(Range calldata r, uint256 length, uint256 start, uint256 len)
        private
        pure
        returns (bytes calldata data, bytes32 root)
    {
        if (len == 0 || start + len > length) revert OutOfBounds(start + len, length);
        uint256 first = start / 32;
        if (r.first != first || r.chunks.length != ((start + len - 1) / 32 - first + 1) * 32) {
            revert RangeMismatch(first);
        }
        root = ChunkMerkle.rangeRoot(_depth(length), first, r.chunks, r.proof);
        data = r.chunks[start % 32:start % 32 + len];
    }

    function _byte(bytes calldata b) private pure returns (int8) {
        return int8(uint8(b[0]));
    }

    /// @dev The depth of a `length`-byte string's chunk tree.
    function _depth(uint256 length) private pure returns (uint256 d) {
        uint256 chunks = length == 0 ? 1 : (length + 31) / 32;
        while ((uint256(1) << d) < chunks) ++d;
    }

    function _nhwc(uint256[4] memory s, uint256 e)
        private
        pure
        returns (uint256 b, uint256 y, uint256 x, uint256 c)
    {
        c = e % s[3];
        x = (e / s[3]) % s[2];
        y = (e / (s[3] * s[2])) % s[1];
        b = e / (s[3] * s[2] * s[1]);
    }

    function _pixel(Node memory n, uint256 b, uint256 y, uint256 x) private pure returns (uint256) {
        return ((b * n.in0.shape[1] + y) * n.in0.shape[2] + x) * n.in0.shape[3];
    }

    /// @dev Broadcasting: the flat index in `shape` (size-1 axes repeat) of output flat index `e`.
    function _broadcast(uint256[4] memory out, uint256[4] memory shape, uint256 e)
        private
        pure
        returns (uint256 idx)
    {
        uint256[4] memory o;
        for (uint256 a = 4; a > 0; --a) {
            o[a - 1] = e % out[a - 1];
            e /= out[a - 1];
        }
        for (uint256 a; a < 4; ++a) {
            idx = idx * shape[a] + (shape[a] == 1 ? 0 : o[a]);
        }
    }
}
