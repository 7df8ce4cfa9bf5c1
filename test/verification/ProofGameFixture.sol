// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDisputeManager} from "../../contracts/interfaces/IDisputeManager.sol";
import {IElementJudge, IProofGame} from "../../contracts/interfaces/IProofGame.sol";
import {DisputeFixture} from "../fixtures/DisputeFixture.sol";
import {ProofGameDenseJudge} from "./ProofGameDenseJudge.sol";
import {ProofGameTrees} from "./ProofGameTrees.sol";

/// @notice A two-op dense model, its job, and both parties' data, as real chunk trees built here:
/// op 0 reads the job input (leaf 0), op 1 reads op 0's output (leaf 1). The orchestrator commits
/// `outputs[1]` as it ran it (honest or cheated); the challenger holds the reference. Helpers play
/// each side's moves from those trees.
abstract contract ProofGameFixture is DisputeFixture {
    using ProofGameTrees for ProofGameTrees.Sparse;

    ProofGameDenseJudge internal judge;

    bytes internal input;
    ProofGameDenseJudge.Dense[2] internal nodes;
    /// Each op's rows and biases (only what the openings read is kept: the whole model is small).
    bytes[][2] internal rows;
    int256[][2] internal biases;
    /// The reference outputs.
    bytes[2] internal outputs;
    bytes32 internal modelId;

    /// What the orchestrator committed: its op outputs and the receipt built on them.
    bytes[2] internal committed;
    IDisputeManager.Receipt internal receipt;

    function setUp() public virtual override {
        super.setUp();
        judge = new ProofGameDenseJudge();
        proofGame.setJudge(judge);
        vm.prank(challenger);
        token.approve(address(disputes), type(uint256).max);
        _model();
    }

    // ---------------------------------------------------------------- the model and the job

    /// Op 0: 64 inputs -> 32 outputs (one chunk: depth 0). Op 1: 32 -> 200 (7 chunks: depth 3).
    function _model() internal {
        input = _bytes("input", 64);
        _dense(0, 0, 64, 32, 1 << 30, -6);
        _dense(1, 1, 32, 200, 1_518_500_250, -5);
        bytes32[] memory nodeRoots = new bytes32[](2);
        for (uint256 l; l < 2; ++l) {
            nodeRoots[l] = ProofGameTrees.rootOf(abi.encode(nodes[l]));
        }
        modelId = ProofGameTrees.rootOf(abi.encodePacked(nodeRoots));
        outputs[0] = _run(0, input);
        outputs[1] = _run(1, outputs[0]);
    }

    function _dense(uint256 l, uint256 inputLeaf, uint256 k, uint256 n, int256 multiplier, int256 shift)
        internal
    {
        bytes32[] memory rowRoots = new bytes32[](n);
        bytes32[] memory biasWords = new bytes32[](n);
        for (uint256 j; j < n; ++j) {
            rows[l].push(_bytes(string.concat("w", vm.toString(l), "/", vm.toString(j)), k));
            int256 bias = int256(uint256(keccak256(abi.encode("b", l, j))) % 4001) - 2000;
            biases[l].push(bias);
            rowRoots[j] = ProofGameTrees.rootOf(rows[l][j]);
            biasWords[j] = bytes32(uint256(bias));
        }
        nodes[l] = ProofGameDenseJudge.Dense({
            inputLeaf: inputLeaf,
            k: k,
            n: n,
            inputZeroPoint: -3,
            outputZeroPoint: 5,
            multiplier: multiplier,
            shift: shift,
            weightsRoot: ProofGameTrees.rootOf(abi.encodePacked(rowRoots)),
            biasRoot: ProofGameTrees.rootOf(abi.encodePacked(biasWords))
        });
    }

    function _run(uint256 l, bytes memory x) internal view returns (bytes memory y) {
        y = new bytes(nodes[l].n);
        for (uint256 j; j < y.length; ++j) {
            y[j] = bytes1(uint8(judge.dense(nodes[l], rows[l][j], biases[l][j], x)));
        }
    }

    function _bytes(string memory seed, uint256 length) internal pure returns (bytes memory b) {
        b = new bytes(length);
        for (uint256 i; i < length; ++i) {
            b[i] = keccak256(abi.encode(seed, i))[0];
        }
    }

    /// The orchestrator commits op 1's output with byte `cheatAt` changed (none if out of range).
    function _commit(uint256 cheatAt) internal {
        committed[0] = outputs[0];
        committed[1] = bytes.concat(outputs[1]);
        if (cheatAt < committed[1].length) {
            committed[1][cheatAt] = bytes1(uint8(committed[1][cheatAt]) ^ 0x41);
        }
        bytes32[] memory layerRoots = new bytes32[](3);
        layerRoots[0] = ProofGameTrees.rootOf(input);
        layerRoots[1] = ProofGameTrees.rootOf(committed[0]);
        layerRoots[2] = ProofGameTrees.rootOf(committed[1]);
        receipt = IDisputeManager.Receipt({
            orchestrator: orch,
            jobId: keccak256("proof job"),
            modelId: modelId,
            inputHash: keccak256(input),
            paramsHash: keccak256("params"),
            outputHash: keccak256(committed[1]),
            commitmentRoot: ProofGameTrees.rootOf(abi.encodePacked(layerRoots)),
            round: rounds.currentRound()
        });
    }

    function _layerRoots() internal view returns (ProofGameTrees.Sparse memory) {
        bytes32[] memory layerRoots = new bytes32[](3);
        layerRoots[0] = ProofGameTrees.rootOf(input);
        layerRoots[1] = ProofGameTrees.rootOf(committed[0]);
        layerRoots[2] = ProofGameTrees.rootOf(committed[1]);
        return ProofGameTrees.fromWords(layerRoots);
    }

    // ---------------------------------------------------------------- the moves

    /// The challenger's opening on op `layer` with `depth`, its reference root being `referenceRoot`.
    function _opening(uint256 layer, uint256 depth, bytes32 referenceRoot)
        internal
        view
        returns (IProofGame.Opening memory o)
    {
        ProofGameTrees.Sparse memory c = _layerRoots();
        o.receipt = receipt;
        o.signature = _signReceipt(orchKey, receipt);
        o.layer = uint32(layer);
        o.depth = uint8(depth);
        o.claimedRoot = ProofGameTrees.rootOf(committed[layer]);
        o.proof = c.proof(layer + 1);
        o.referenceRoot = referenceRoot;
        ProofGameDenseJudge.Opening memory node;
        node.node = nodes[layer];
        node.nodeProof = _modelTree().proof(layer);
        o.nodeOpening = abi.encode(node);
    }

    function _openGame(uint256 layer) internal returns (uint256) {
        IProofGame.Opening memory o = _opening(
            layer, ProofGameTrees.depthOf(committed[layer].length), ProofGameTrees.rootOf(outputs[layer])
        );
        if (o.referenceRoot == o.claimedRoot) o.referenceRoot = keccak256("a lying challenger's root");
        vm.prank(challenger);
        return proofGame.open(o);
    }

    /// The orchestrator's honest reveal from its own tree of `tensor`.
    function _revealWords(uint256 id, bytes memory tensor) internal view returns (bytes32[] memory) {
        IProofGame.Game memory g = proofGame.getGame(id);
        return ProofGameTrees.fromBytes(tensor).revealAt(g.levelsLeft, g.chunkIndex);
    }

    function _reveal(uint256 id) internal returns (bytes32[] memory words) {
        words = _revealWords(id, committed[proofGame.getGame(id).layer]);
        vm.prank(orch);
        proofGame.reveal(id, words);
    }

    /// The challenger descends toward chunk `target` of the layer (the one it disputes).
    function _pickToward(uint256 id, bytes32[] memory words, uint256 target, uint256 byteIndex) internal {
        IProofGame.Game memory g = proofGame.getGame(id);
        uint256 levels = g.levelsLeft >= 2 ? 2 : g.levelsLeft;
        uint256 child = (target >> (g.levelsLeft - levels)) & ((1 << levels) - 1);
        vm.prank(challenger);
        proofGame.pick(id, words, child, byteIndex);
    }

    /// Plays the bisection to chunk `target`, byte `byteIndex`: the game is then in Final.
    function _bisect(uint256 id, uint256 target, uint256 byteIndex) internal {
        while (proofGame.getGame(id).phase != IProofGame.Phase.Final) {
            _pickToward(id, _reveal(id), target, byteIndex);
        }
    }

    /// The final step's data for the game's picked element, from the committed tensors.
    function _finalStep(uint256 id) internal view returns (IProofGame.FinalStep memory step) {
        IProofGame.Game memory g = proofGame.getGame(id);
        uint256 l = g.layer;
        uint256 j = uint256(g.chunkIndex) * 32 + g.byteIndex;
        ProofGameDenseJudge.Opening memory o;
        o.node = nodes[l];
        o.nodeProof = _modelTree().proof(l);
        if (j < nodes[l].n) {
            o.row = rows[l][j];
            o.rowProof = _rowTree(l).proof(j);
            o.bias = biases[l][j];
            o.biasProof = _biasTree(l).proof(j);
            o.input = nodes[l].inputLeaf == 0 ? input : committed[nodes[l].inputLeaf - 1];
            step.rootProofs = new bytes32[][](1);
            step.rootProofs[0] = _layerRoots().proof(nodes[l].inputLeaf);
        }
        step.opening = abi.encode(o);
    }

    function _modelTree() internal view returns (ProofGameTrees.Sparse memory) {
        bytes32[] memory nodeRoots = new bytes32[](2);
        for (uint256 l; l < 2; ++l) {
            nodeRoots[l] = ProofGameTrees.rootOf(abi.encode(nodes[l]));
        }
        return ProofGameTrees.fromWords(nodeRoots);
    }

    function _rowTree(uint256 l) internal view returns (ProofGameTrees.Sparse memory) {
        bytes32[] memory rowRoots = new bytes32[](rows[l].length);
        for (uint256 j; j < rowRoots.length; ++j) {
            rowRoots[j] = ProofGameTrees.rootOf(rows[l][j]);
        }
        return ProofGameTrees.fromWords(rowRoots);
    }

    function _biasTree(uint256 l) internal view returns (ProofGameTrees.Sparse memory) {
        bytes32[] memory words = new bytes32[](biases[l].length);
        for (uint256 j; j < words.length; ++j) {
            words[j] = bytes32(uint256(biases[l][j]));
        }
        return ProofGameTrees.fromWords(words);
    }

    function _gameStatus(uint256 id) internal view returns (IDisputeManager.Status) {
        return disputes.getDispute(id).status;
    }

    function _passWindow() internal {
        vm.roll(block.number + proofGame.moveWindow() + 1);
    }
}
