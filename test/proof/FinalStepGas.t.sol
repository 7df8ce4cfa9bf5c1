// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {ChunkMerkle} from "../../contracts/proof/ChunkMerkle.sol";
import {ConvOps} from "../../contracts/proof/ConvOps.sol";
import {MatmulOps} from "../../contracts/proof/MatmulOps.sol";
import {LiteRtJudge} from "../../contracts/proof/LiteRtJudge.sol";
import {GasTargets} from "../gas/GasTargets.sol";
import {LiteRtJudgeFixtures} from "./LiteRtJudgeFixtures.sol";
import {TinyTransformerJudgeFixtures} from "./TinyTransformerJudgeFixtures.sol";

/// @notice The dispute's final step as one transaction, without the game around it: open the data
/// one output element needs against committed roots (depth-20 range proofs, the largest layer the
/// game bisects) and recompute the element. The game contract will add its own bookkeeping.
contract FinalStepBench {
    /// @notice One contiguous chunk range and its siblings; the element's bytes start at `offset`.
    struct Range {
        uint256 first;
        bytes chunks;
        bytes32[] proof;
        uint256 offset;
    }

    uint256 internal constant DEPTH = 20;

    /// @notice A FULLY_CONNECTED element: the input row against the input's layer root, the
    /// weight row against the model's root, then `MatmulOps.fullyConnected`.
    function denseElement(
        bytes32 inputRoot,
        bytes32 modelRoot,
        Range calldata x,
        Range calldata w,
        uint256 k,
        MatmulOps.FcParams calldata p
    ) external pure returns (int8) {
        ChunkMerkle.checkRange(inputRoot, DEPTH, x.first, x.chunks, x.proof);
        ChunkMerkle.checkRange(modelRoot, DEPTH, w.first, w.chunks, w.proof);
        return MatmulOps.fullyConnected(x.chunks[x.offset:x.offset + k], w.chunks[w.offset:w.offset + k], p);
    }

    /// @notice A CONV_2D element: the kernel row against the model's root, one input range per
    /// kernel row (`rows[r]`, its pixels' channels at `rows[r].offset`), then `ConvOps.conv2dRows`
    /// over the ranges back to back.
    function convElement(
        bytes32 inputRoot,
        bytes32 modelRoot,
        Range calldata kernel,
        bytes calldata rowChunks,
        Range[] calldata rows,
        ConvOps.ConvParams memory p
    ) external pure returns (int8) {
        ChunkMerkle.checkRange(modelRoot, DEPTH, kernel.first, kernel.chunks, kernel.proof);
        uint256[] memory rowAt = new uint256[](rows.length);
        uint256 start;
        for (uint256 r; r < rows.length; ++r) {
            uint256 end = start + rows[r].chunks.length;
            // the rows' chunks are passed once, back to back; each range names its length
            ChunkMerkle.checkRange(inputRoot, DEPTH, rows[r].first, rowChunks[start:end], rows[r].proof);
            rowAt[r] = start + rows[r].offset;
            start = end;
        }
        uint256 n = p.kh * p.kw * p.ic;
        return ConvOps.conv2dRows(kernel.chunks[kernel.offset:kernel.offset + n], rowChunks, rowAt, p);
    }

    /// @notice The root a range and its siblings give (to set up the benchmark's roots).
    function rangeRoot(uint256 first, bytes calldata chunks, bytes32[] calldata proof)
        external
        pure
        returns (bytes32)
    {
        return ChunkMerkle.rangeRoot(DEPTH, first, chunks, proof);
    }

    /// @notice `MatmulOps.fullyConnected` alone (no proofs): the dot product and requantization.
    function fullyConnected(bytes calldata x, bytes calldata w, MatmulOps.FcParams calldata p)
        external
        pure
        returns (int8)
    {
        return MatmulOps.fullyConnected(x, w, p);
    }
}

/// @notice Gas of the final step (issue 19's table): a dense element at K = 768 and 4,096 and the
/// demo model's largest conv element, each with depth-20 range proofs, into
/// `snapshots/ProofFinalStep.json`. Each row twice: `snapshotGasLastCall`'s execution gas, and
/// (`_tx`) the whole transaction's gasUsed, which adds 21,000 and the calldata (Prague: EIP-2028
/// and EIP-7623's floor, whichever is larger): the opened bytes travel as calldata, so for a large
/// K the calldata is most of the cost. The transaction figure is asserted against 500,000 gas.
contract FinalStepGasTest is Test {
    uint256 internal constant TARGET = 500_000;
    FinalStepBench internal bench;

    function setUp() public {
        bench = new FinalStepBench();
    }

    /// @dev `n` deterministic pseudo-random bytes.
    function _bytes(uint256 n, bytes32 seed) internal pure returns (bytes memory b) {
        b = new bytes(n);
        for (uint256 i; i < n; i += 32) {
            bytes32 word = keccak256(abi.encode(seed, i));
            for (uint256 j; j < 32 && i + j < n; ++j) {
                b[i + j] = word[j];
            }
        }
    }

    /// @dev A range of whole chunks holding `n` bytes from `offset`, with made-up siblings, and
    /// the root they give.
    function _range(uint256 first, uint256 offset, uint256 n, bytes32 seed)
        internal
        view
        returns (FinalStepBench.Range memory r, bytes32 root)
    {
        uint256 count = (offset + n + 31) / 32;
        r.first = first;
        r.offset = offset;
        r.chunks = _bytes(count * 32, seed);
        uint256 siblings;
        (uint256 lo, uint256 hi) = (first, first + count - 1);
        for (uint256 d; d < 20; ++d) {
            if (lo & 1 == 1) siblings++;
            if (hi & 1 == 0) siblings++;
            (lo, hi) = (lo >> 1, hi >> 1);
        }
        r.proof = new bytes32[](siblings);
        for (uint256 i; i < siblings; ++i) {
            r.proof[i] = keccak256(abi.encode(seed, "sibling", i));
        }
        root = bench.rangeRoot(r.first, r.chunks, r.proof);
    }

    /// @dev The transaction gasUsed of a call with `data` whose execution used `exec` (Prague:
    /// `21000 + max(4 * tokens + exec, 10 * tokens)`, tokens = zero bytes + 4 * non-zero bytes).
    function _txGas(bytes memory data, uint256 exec) internal pure returns (uint256) {
        uint256 tokens;
        for (uint256 i; i < data.length; ++i) {
            tokens += data[i] == 0 ? 1 : 4;
        }
        uint256 standard = 4 * tokens + exec;
        uint256 floor = 10 * tokens;
        return 21_000 + (standard > floor ? standard : floor);
    }

    /// @dev Snapshots the execution and transaction gas of the last call, checks the target.
    function _record(string memory row, bytes memory data) internal {
        uint256 exec = vm.snapshotGasLastCall("ProofFinalStep", row);
        uint256 txGas = _txGas(data, exec);
        string memory txRow = string.concat(row, "_tx");
        vm.snapshotValue("ProofFinalStep", txRow, txGas);
        GasTargets.check(txRow, txGas, TARGET);
    }

    function _fcParams() internal pure returns (MatmulOps.FcParams memory) {
        // m = 0.00071 as an f64 (significand * 2^exponent), a realistic s_in * s_w / s_out
        return MatmulOps.FcParams({
            bias: 1234, zpIn: -7, significand: 6548707240046393, exponent: -63, zpOut: 3, lo: -128, hi: 127
        });
    }

    function _dense(uint256 k, string memory row) internal {
        // the input row starts a chunk (rows of K are chunk-aligned); the weight row does not
        (FinalStepBench.Range memory x, bytes32 inputRoot) = _range(517_000, 0, k, "x");
        (FinalStepBench.Range memory w, bytes32 modelRoot) = _range(700_001, 7, k, "w");
        bench.denseElement(inputRoot, modelRoot, x, w, k, _fcParams());
        _record(row, abi.encodeCall(bench.denseElement, (inputRoot, modelRoot, x, w, k, _fcParams())));
    }

    function test_gas_denseElement_K768() public {
        _dense(768, "denseElement_K768");
    }

    function test_gas_denseElement_K4096() public {
        _dense(4096, "denseElement_K4096");
    }

    /// @notice The dot product and requantization alone, for comparison with the proofs' share.
    function test_gas_fullyConnected_K4096_noProofs() public {
        bytes memory x = _bytes(4096, "x");
        bytes memory w = _bytes(4096, "w");
        bench.fullyConnected(x, w, _fcParams());
        uint256 exec = vm.snapshotGasLastCall("ProofFinalStep", "fullyConnected_K4096_noProofs");
        bytes memory data = abi.encodeCall(bench.fullyConnected, (x, w, _fcParams()));
        vm.snapshotValue("ProofFinalStep", "fullyConnected_K4096_noProofs_tx", _txGas(data, exec));
    }

    /// @dev Opens chunks `[first, first + count)` of `data` (at most 512 chunks) placed at the start of
    /// a depth-20 tree whose upper siblings are made up: real siblings inside the data's subtree.
    function _open(bytes memory data, uint256 first, uint256 count)
        internal
        pure
        returns (bytes32[] memory proof, bytes32 root)
    {
        bytes32[] memory level = new bytes32[](512);
        for (uint256 i; i < 512; ++i) {
            bytes32 chunk;
            if (i * 32 < data.length) {
                assembly ("memory-safe") {
                    chunk := mload(add(add(data, 0x20), shl(5, i)))
                }
            }
            level[i] = ChunkMerkle.leaf(chunk);
        }
        bytes32[] memory sib = new bytes32[](40);
        uint256 used;
        (uint256 lo, uint256 hi) = (first, first + count - 1);
        for (uint256 width = 512; width > 1; width >>= 1) {
            if (lo & 1 == 1) sib[used++] = level[lo - 1];
            if (hi & 1 == 0) sib[used++] = level[hi + 1];
            for (uint256 j; j < width / 2; ++j) {
                level[j] = ChunkMerkle.node(level[2 * j], level[2 * j + 1]);
            }
            (lo, hi) = (lo >> 1, hi >> 1);
        }
        root = level[0];
        for (uint256 d = 9; d < 20; ++d) {
            bytes32 s = keccak256(abi.encode("upper", d));
            sib[used++] = s;
            root = ChunkMerkle.node(root, s);
        }
        proof = new bytes32[](used);
        for (uint256 i; i < used; ++i) {
            proof[i] = sib[i];
        }
    }

    /// @notice The demo model's (text2img) largest conv element: CONV_2D 3x3 over 48 channels
    /// (op 7: input 16x16x48, filter [32, 3, 3, 48], SAME, RELU), an interior output: a kernel row
    /// of 432 bytes from the model and three input runs of 3 pixels x 48 channels, each one range
    /// proof in the input's depth-20 tree.
    function test_gas_convElement_text2img() public {
        (FinalStepBench.Range memory kernel, bytes32 modelRoot) = _range(900_013, 11, 432, "kernel");
        bytes memory input = _bytes(16 * 16 * 48, "input");
        FinalStepBench.Range[] memory rows = new FinalStepBench.Range[](3);
        bytes32 inputRoot;
        bytes memory rowChunks;
        for (uint256 r; r < 3; ++r) {
            // pixels (oy - 1 + r, ox - 1 .. ox + 1) at oy = ox = 5: 144 bytes from ((4 + r) * 16 + 4) * 48
            uint256 start = ((4 + r) * 16 + 4) * 48;
            uint256 first = start / 32;
            uint256 count = (start % 32 + 144 + 31) / 32;
            rows[r].first = first;
            rows[r].offset = start % 32;
            rows[r].chunks = new bytes(count * 32);
            for (uint256 i; i < count * 32; ++i) {
                rows[r].chunks[i] = input[first * 32 + i];
            }
            (rows[r].proof, inputRoot) = _open(input, first, count);
            rowChunks = bytes.concat(rowChunks, rows[r].chunks);
        }
        ConvOps.ConvParams memory p = ConvOps.ConvParams({
            oy: 5,
            ox: 5,
            inH: 16,
            inW: 16,
            kh: 3,
            kw: 3,
            ic: 48,
            strideH: 1,
            strideW: 1,
            dilH: 1,
            dilW: 1,
            padH: 1,
            padW: 1,
            zpIn: -128,
            bias: 5000,
            q: 1_500_000_000,
            shift: -9,
            zpOut: -128,
            lo: -128,
            hi: 127
        });
        bench.convElement(inputRoot, modelRoot, kernel, rowChunks, rows, p);
        _record(
            "convElement_text2img",
            abi.encodeCall(bench.convElement, (inputRoot, modelRoot, kernel, rowChunks, rows, p))
        );
    }

    /// @notice The deployed judge on one element of every op of the demo model (text2img): the
    /// openings `verifier::opening` built on the demo prompt (proof/tests/it/judge.rs writes them),
    /// each equal to the CPU reference's byte. Rows `judge_text2img_opNN_<OP>`.
    function test_gas_judge_text2img() public {
        LiteRtJudge judge = new LiteRtJudge();
        for (uint256 i; i < LiteRtJudgeFixtures.COUNT; ++i) {
            (string memory name, uint256 layer, uint256 element, int8 value, bytes memory opening) =
                LiteRtJudgeFixtures.get(i);
            (int8 got,,) = judge.recompute(LiteRtJudgeFixtures.MODEL_ID, layer, element, opening);
            bytes memory data =
                abi.encodeCall(judge.recompute, (LiteRtJudgeFixtures.MODEL_ID, layer, element, opening));
            _record(string.concat("judge_text2img_", name), data);
            assertEq(got, value, name);
        }
    }

    /// @notice The judge on one element of each op kind of the tiny transformer
    /// (tools/models/out/tiny_transformer.tflite: BATCH_MATMUL, SOFTMAX, MEAN, RSQRT,
    /// SQUARED_DIFFERENCE, TRANSPOSE and the rest), written by proof/tests/it/judge_ops.rs.
    /// Rows `judge_tiny_transformer_opNN_<OP>`.
    function test_gas_judge_tiny_transformer() public {
        LiteRtJudge judge = new LiteRtJudge();
        bytes32 id = TinyTransformerJudgeFixtures.MODEL_ID;
        for (uint256 i; i < TinyTransformerJudgeFixtures.COUNT; ++i) {
            (string memory name, uint256 layer, uint256 element, int8 value, bytes memory opening) =
                TinyTransformerJudgeFixtures.get(i);
            (int8 got,,) = judge.recompute(id, layer, element, opening);
            bytes memory data = abi.encodeCall(judge.recompute, (id, layer, element, opening));
            _record(string.concat("judge_tiny_transformer_", name), data);
            assertEq(got, value, name);
        }
    }
}
