// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IElementJudge} from "../../contracts/interfaces/IProofGame.sol";
import {ChunkMerkle} from "../../contracts/proof/ChunkMerkle.sol";
import {FixedPoint} from "../../contracts/proof/FixedPoint.sol";
import {ProofGameTrees} from "./ProofGameTrees.sol";

/// @notice A real element judge for one op, a dense int8 layer (batch 1, symmetric weights,
/// MultiplyByQuantizedMultiplier from the op library), for the proof game's tests: the deployed
/// judge dispatches to contracts/proof's element functions once the model format is settled. Its model layout is the tests' own assumption, not the format's:
/// - the model id is the chunk root over the ops' node roots, op `l` at leaf `l`;
/// - a node root is the chunk root of `abi.encode(Dense)`;
/// - `weightsRoot` is the chunk root over the rows' roots (row `j` at leaf `j`), a row root the
///   chunk root of the row's `k` bytes; `biasRoot` the chunk root over the biases as int256 words.
/// The input is the whole input tensor (a dense element reads all of it), hashed to its root here.
contract ProofGameDenseJudge is IElementJudge {
    struct Dense {
        uint256 inputLeaf; // the input tensor's leaf in the layer commitment
        uint256 k; // inputs
        uint256 n; // outputs
        int256 inputZeroPoint;
        int256 outputZeroPoint;
        int256 multiplier; // Q31
        int256 shift; // left if positive
        bytes32 weightsRoot;
        bytes32 biasRoot;
    }

    struct Opening {
        Dense node;
        bytes32[] nodeProof; // the node root's path in the model id
        bytes row; // the output's weight row
        bytes32[] rowProof;
        int256 bias;
        bytes32[] biasProof;
        bytes input; // the whole input tensor
    }

    error BadNode(uint256 layer);
    error BadRow(uint256 row);
    error BadBias(uint256 row);
    error BadInputLength(uint256 length, uint256 k);

    /// @inheritdoc IElementJudge
    function recompute(bytes32 modelId, uint256 layer, uint256 element, bytes calldata opening)
        external
        pure
        returns (int8 value, uint256 outputLength, InputRoot[] memory inputs)
    {
        Opening memory o = abi.decode(opening, (Opening));
        Dense memory d = _node(modelId, layer, o.node, o.nodeProof);
        outputLength = d.n;
        if (element >= d.n) return (0, outputLength, inputs);
        if (
            o.row.length != d.k
                || !ProofGameTrees.verify(
                    d.weightsRoot, element, ChunkMerkle.leaf(ProofGameTrees.rootOf(o.row)), o.rowProof
                )
        ) revert BadRow(element);
        if (!ProofGameTrees.verify(
                d.biasRoot, element, ChunkMerkle.leaf(bytes32(uint256(o.bias))), o.biasProof
            )) {
            revert BadBias(element);
        }
        if (o.input.length != d.k) revert BadInputLength(o.input.length, d.k);
        inputs = new InputRoot[](1);
        inputs[0] = InputRoot(d.inputLeaf, ProofGameTrees.rootOf(o.input));
        value = dense(d, o.row, o.bias, o.input);
    }

    /// @inheritdoc IElementJudge
    function outputLength(bytes32 modelId, uint256 layer, bytes calldata opening)
        external
        pure
        returns (uint256)
    {
        Opening memory o = abi.decode(opening, (Opening));
        return _node(modelId, layer, o.node, o.nodeProof).n;
    }

    /// @notice One output of the dense op: the int32 (wrapping) accumulator of bias and products,
    /// requantized (MultiplyByQuantizedMultiplier, the op library's), offset and clamped to int8.
    function dense(Dense memory d, bytes memory row, int256 bias, bytes memory input)
        public
        pure
        returns (int8)
    {
        int256 acc = bias;
        for (uint256 i; i < input.length; ++i) {
            acc += (int256(int8(uint8(input[i]))) - d.inputZeroPoint) * int256(int8(uint8(row[i])));
        }
        return FixedPoint.clampOut(requantize(acc, d.multiplier, d.shift), d.outputZeroPoint, -128, 127);
    }

    /// @notice The accumulator wrapped to int32 and requantized.
    function requantize(int256 acc, int256 multiplier, int256 shift) public pure returns (int256) {
        return FixedPoint.mbqm(FixedPoint.wrap32(acc), multiplier, shift);
    }

    function _node(bytes32 modelId, uint256 layer, Dense memory d, bytes32[] memory proof)
        private
        pure
        returns (Dense memory)
    {
        bytes32 nodeRoot = ProofGameTrees.rootOf(abi.encode(d));
        if (!ProofGameTrees.verify(modelId, layer, ChunkMerkle.leaf(nodeRoot), proof)) {
            revert BadNode(layer);
        }
        return d;
    }
}
