// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDisputeManager} from "../../contracts/interfaces/IDisputeManager.sol";
import {IProofGame} from "../../contracts/interfaces/IProofGame.sol";
import {GasTargets} from "../gas/GasTargets.sol";
import {ProofGameDenseJudge} from "./ProofGameDenseJudge.sol";
import {ProofGameFixture} from "./ProofGameFixture.sol";
import {ProofGameTrees} from "./ProofGameTrees.sol";

/// Gas of the proof game, as transaction gasUsed, into `snapshots/ProofGame.json`: every move of a
/// whole game over a layer of 2^20 chunks (a dense op with 2^25 int8 outputs, real sparse trees),
/// and the proof path (open, moves, final step, slash) beside the committee path (open, two
/// verdicts, slash). Targets (issue 19): each move at most 60,000 gas, at most 20 moves.
contract ProofGameGasTest is ProofGameFixture {
    using ProofGameTrees for ProofGameTrees.Sparse;

    uint256 internal constant MOVE_TARGET = 60_000;
    uint256 internal constant MAX_MOVES = 20;
    uint256 internal constant DEEP = 20; // the layer's depth: 2^20 chunks
    uint256 internal constant OUTPUTS = 1 << 25; // 2^20 chunks of 32 int8 outputs
    /// The disputed output (a chunk deep inside, a byte in the middle).
    uint256 internal constant TARGET = 0x9_6a5b * 32 + 13;

    ProofGameTrees.Sparse internal layerTree; // the orchestrator's op-1 output
    bytes internal row;
    int256 internal bias = -1_234;

    /// Op 1 becomes 32 -> 2^25: only row TARGET and its bias are listed, every other row root and
    /// bias is zero (a real commitment of rows no opening reads).
    function setUp() public override {
        super.setUp();
        row = _bytes("deep row", 32);
        ProofGameTrees.Sparse memory rowRoots = _one(25, TARGET, ProofGameTrees.rootOf(row));
        ProofGameTrees.Sparse memory biasWords = _one(25, TARGET, bytes32(uint256(bias)));
        nodes[1].n = OUTPUTS;
        nodes[1].weightsRoot = rowRoots.root();
        nodes[1].biasRoot = biasWords.root();
        modelId = _modelTree().root();
        // The orchestrator's output: the honest byte at TARGET, flipped (all else zero here).
        int8 honest = judge.dense(nodes[1], row, bias, outputs[0]);
        bytes32 chunk = bytes32(bytes1(uint8(honest) ^ 0x41)) >> (8 * (TARGET % 32));
        layerTree = _one(DEEP, TARGET / 32, chunk);
        // The receipt over input, op 0's honest output and that tree.
        _commit(type(uint256).max);
        bytes32[] memory layerRoots = new bytes32[](3);
        layerRoots[0] = ProofGameTrees.rootOf(input);
        layerRoots[1] = ProofGameTrees.rootOf(committed[0]);
        layerRoots[2] = layerTree.root();
        receipt.modelId = modelId;
        receipt.commitmentRoot = ProofGameTrees.rootOf(abi.encodePacked(layerRoots));
    }

    /// A whole game over 2^20 chunks, both sides, every move measured; then the slash.
    function test_gas_proofGame_depth20() public {
        uint256 proofPath = _gasOpen();
        (uint256 moves, uint256 movesGas) = _play();
        assertLe(moves, MAX_MOVES, "at most 20 moves");
        vm.snapshotValue("ProofGame", "moves_depth20_count", moves);
        vm.snapshotValue("ProofGame", "moves_depth20_total", movesGas);

        IProofGame.FinalStep memory step = _deepFinalStep();
        vm.prank(challenger);
        proofGame.finish(1, step);
        uint256 finalGas = vm.snapshotGasLastCall("ProofGame", "finish_dense_k32_test_judge");
        assertEq(uint256(_gameStatus(1)), uint256(IDisputeManager.Status.Guilty));

        _passVetoWindow();
        disputes.executeSlash(1, address(0), address(0));
        uint256 slashGas = vm.snapshotGasLastCall("ProofGame", "executeSlash_afterProof");
        proofPath += finalGas + slashGas;
        vm.snapshotValue("ProofGame", "proofPath_open_finish_slash", proofPath);
        vm.snapshotValue("ProofGame", "proofPath_whole_depth20", proofPath + movesGas);
    }

    /// The committee path, measured in the same suite: open, two verdicts, slash.
    function test_gas_committeePath() public {
        IDisputeManager.Receipt memory r = _receipt();
        bytes memory sig = _signReceipt(orchKey, r);
        vm.prank(challenger);
        disputes.openDispute(r, sig);
        uint256 total = vm.lastCallGas().gasTotalUsed;
        _vote(0, 1, HONEST_OUTPUT);
        total += vm.lastCallGas().gasTotalUsed;
        _vote(1, 1, HONEST_OUTPUT);
        total += vm.lastCallGas().gasTotalUsed;
        _passVetoWindow();
        disputes.executeSlash(1, address(0), address(0));
        total += vm.lastCallGas().gasTotalUsed;
        vm.snapshotValue("ProofGame", "committeePath_open_2verdicts_slash", total);
    }

    /// A game won by the orchestrator's silence: open and timeout.
    function test_gas_timeout() public {
        _gasOpen();
        _passWindow();
        proofGame.timeout(1);
        vm.snapshotGasLastCall("ProofGame", "timeout_orchestratorSilent");
    }

    function _gasOpen() internal returns (uint256 gasUsed) {
        IProofGame.Opening memory o = _opening(1, DEEP, keccak256("the reference root"));
        o.claimedRoot = layerTree.root();
        o.proof = _deepLayerRoots().proof(2);
        vm.prank(challenger);
        proofGame.open(o);
        gasUsed = vm.snapshotGasLastCall("ProofGame", "open_depth20");
    }

    /// Both sides' moves down to TARGET; each checked against its target.
    function _play() internal returns (uint256 moves, uint256 total) {
        while (proofGame.getGame(1).phase != IProofGame.Phase.Final) {
            IProofGame.Game memory g = proofGame.getGame(1);
            bytes32[] memory words = layerTree.revealAt(g.levelsLeft, g.chunkIndex);
            vm.prank(orch);
            proofGame.reveal(1, words);
            total += _move(
                moves++ == 0
                    ? "reveal_first"
                    : words.length == 4 && g.levelsLeft > 2 ? "reveal" : "reveal_chunks"
            );
            uint256 levels = g.levelsLeft >= 2 ? 2 : g.levelsLeft;
            uint256 child = (TARGET / 32 >> (g.levelsLeft - levels)) & ((1 << levels) - 1);
            vm.prank(challenger);
            proofGame.pick(1, words, child, TARGET % 32);
            total += _move(g.levelsLeft > 2 ? "pick" : "pick_chunk_and_byte");
            ++moves;
        }
    }

    function _move(string memory name) internal returns (uint256 gasUsed) {
        gasUsed = vm.snapshotGasLastCall("ProofGame", name);
        GasTargets.check(string.concat("ProofGame.", name), gasUsed, MOVE_TARGET);
    }

    function _deepFinalStep() internal view returns (IProofGame.FinalStep memory step) {
        ProofGameDenseJudge.Opening memory o;
        o.node = nodes[1];
        o.nodeProof = _modelTree().proof(1);
        o.row = row;
        o.rowProof = _one(25, TARGET, ProofGameTrees.rootOf(row)).proof(TARGET);
        o.bias = bias;
        o.biasProof = _one(25, TARGET, bytes32(uint256(bias))).proof(TARGET);
        o.input = committed[0];
        step.opening = abi.encode(o);
        step.rootProofs = new bytes32[][](1);
        step.rootProofs[0] = _deepLayerRoots().proof(1);
    }

    function _deepLayerRoots() internal view returns (ProofGameTrees.Sparse memory) {
        bytes32[] memory layerRoots = new bytes32[](3);
        layerRoots[0] = ProofGameTrees.rootOf(input);
        layerRoots[1] = ProofGameTrees.rootOf(committed[0]);
        layerRoots[2] = layerTree.root();
        return ProofGameTrees.fromWords(layerRoots);
    }

    /// A tree of `2^depth` chunks, zero but `chunk` at `index`.
    function _one(uint256 depth, uint256 index, bytes32 chunk)
        internal
        pure
        returns (ProofGameTrees.Sparse memory t)
    {
        t.depth = depth;
        t.index = new uint256[](1);
        t.chunk = new bytes32[](1);
        t.index[0] = index;
        t.chunk[0] = chunk;
    }
}
