// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ProofGameTree
/// @notice The chunk commitment's hashes (issue 19 item 1, the shared spec): `leaf(chunk) =
/// keccak256(0x00 ‖ chunk)`, `node(l, r) = keccak256(0x01 ‖ l ‖ r)`, complete trees padded with
/// `leaf(0)`. Only what the game itself checks (the bisection and the layer commitment's leaf
/// paths); the op-side openings (range proofs) belong to the judge. The domain separation is what
/// fixes a path's depth: no leaf hash is an inner node, so a path one level too short or too long
/// does not verify.
library ProofGameTree {
    /// @notice The hash of a 32-byte chunk as a leaf.
    function leaf(bytes32 chunk) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            mstore(0x00, 0)
            mstore(0x01, chunk)
            h := keccak256(0x00, 0x21)
        }
    }

    /// @notice The hash of an inner node.
    function node(bytes32 l, bytes32 r) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            // 65 bytes do not fit the scratch space: past the free memory pointer, not allocated.
            let p := mload(0x40)
            mstore(p, shl(248, 1))
            mstore(add(p, 0x01), l)
            mstore(add(p, 0x21), r)
            h := keccak256(p, 0x41)
        }
    }

    /// @notice Whether `leafHash` sits at `index` of the tree of `root`, `proof` being its siblings
    /// from the bottom up (the path's length is the tree's depth: `index` must fit in it).
    function verify(bytes32 root, uint256 index, bytes32 leafHash, bytes32[] calldata proof)
        internal
        pure
        returns (bool)
    {
        if (proof.length < 256 && index >> proof.length != 0) return false;
        bytes32 h = leafHash;
        for (uint256 i; i < proof.length; ++i) {
            h = (index >> i) & 1 == 0 ? node(h, proof[i]) : node(proof[i], h);
        }
        return h == root;
    }
}
