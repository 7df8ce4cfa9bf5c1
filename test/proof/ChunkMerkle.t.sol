// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {ChunkMerkle} from "../../contracts/proof/ChunkMerkle.sol";

contract RangeCaller {
    function rangeRoot(uint256 depth, uint256 first, bytes calldata chunks, bytes32[] calldata proof)
        external
        pure
        returns (bytes32)
    {
        return ChunkMerkle.rangeRoot(depth, first, chunks, proof);
    }
}

/// @notice The range proof agrees with the whole-tree root (the Rust differential test checks both
/// against a reference written from the spec; this one runs with forge's fuzzer).
contract ChunkMerkleTest is Test {
    RangeCaller internal caller = new RangeCaller();

    /// @dev Every chunk of a whole tree opened at once needs no sibling.
    function testFuzz_wholeRangeIsTheRoot(bytes memory data) public view {
        uint256 count = data.length == 0 ? 1 : (data.length + 31) / 32;
        uint256 width = 1;
        uint256 depth;
        while (width < count) (width, depth) = (width << 1, depth + 1);
        bytes memory padded = new bytes(width * 32);
        for (uint256 i; i < data.length; ++i) {
            padded[i] = data[i];
        }
        assertEq(caller.rangeRoot(depth, 0, padded, new bytes32[](0)), ChunkMerkle.root(data));
    }

    /// @dev One chunk of four with its two siblings.
    function testFuzz_singleChunkOpens(bytes32[4] memory chunks, uint8 at) public view {
        uint256 i = at % 4;
        bytes32[4] memory leaves;
        for (uint256 j; j < 4; ++j) {
            leaves[j] = ChunkMerkle.leaf(chunks[j]);
        }
        bytes32[] memory proof = new bytes32[](2);
        proof[0] = leaves[i ^ 1];
        proof[1] = i < 2 ? ChunkMerkle.node(leaves[2], leaves[3]) : ChunkMerkle.node(leaves[0], leaves[1]);
        bytes32 root = ChunkMerkle.root(abi.encodePacked(chunks));
        assertEq(caller.rangeRoot(2, i, abi.encodePacked(chunks[i]), proof), root);
    }
}
