// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ChunkMerkle
/// @notice Commitments that open 32-byte chunk by chunk (issue 19, shared spec with the verifier):
/// a byte string is cut into 32-byte chunks (at least one, the last zero-padded),
/// `leaf(c) = keccak256(0x00 ‖ c)`, `node(l, r) = keccak256(0x01 ‖ l ‖ r)`, over a complete tree
/// whose leaves are padded to a power of two with `leaf(0)`. A receipt's layer commitment is the
/// same root over the concatenated 32-byte layer roots (input first, then each op's output).
///
/// A range proof opens chunks `[first, first + count)` of a tree of `depth` levels: the chunks
/// themselves, then the siblings the range does not cover, bottom-up, at each level first the
/// left neighbour (when the range starts at a right child) then the right one (when it ends at a
/// left child). A single-chunk proof is the range proof of one chunk: `depth` siblings.
library ChunkMerkle {
    /// @notice The opened range is empty, not whole chunks, or outside the tree.
    error BadRange(uint256 first, uint256 bytesLength, uint256 depth);
    /// @notice The proof has the wrong number of siblings for its range.
    error BadProofLength(uint256 given, uint256 used);
    /// @notice The opened range does not hash to the committed root.
    error RootMismatch(bytes32 computed, bytes32 root);

    /// @notice The hash of one 32-byte chunk.
    function leaf(bytes32 chunk) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            mstore8(0x00, 0)
            mstore(0x01, chunk)
            h := keccak256(0x00, 0x21)
        }
    }

    /// @notice The hash of two children.
    function node(bytes32 l, bytes32 r) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            // 65 bytes from the free memory pointer: scratch space holds only 64
            let p := mload(0x40)
            mstore8(p, 1)
            mstore(add(p, 1), l)
            mstore(add(p, 0x21), r)
            h := keccak256(p, 0x41)
        }
    }

    /// @notice The root of a byte string (the whole tree; for short strings such as the layer
    /// commitment over layer roots).
    function root(bytes memory data) internal pure returns (bytes32) {
        uint256 count = data.length == 0 ? 1 : (data.length + 31) / 32;
        uint256 width = 1;
        while (width < count) width <<= 1;
        bytes32[] memory level = new bytes32[](width);
        bytes32 empty = leaf(bytes32(0));
        for (uint256 i; i < width; ++i) {
            if (i >= count) {
                level[i] = empty;
                continue;
            }
            bytes32 chunk;
            assembly ("memory-safe") {
                chunk := mload(add(add(data, 0x20), shl(5, i)))
            }
            uint256 left = data.length - i * 32;
            // zero the bytes past the end of the string (memory after it may hold anything)
            if (left < 32) chunk &= bytes32(~(type(uint256).max >> (8 * left)));
            level[i] = leaf(chunk);
        }
        for (; width > 1; width >>= 1) {
            for (uint256 j; j < width / 2; ++j) {
                level[j] = node(level[2 * j], level[2 * j + 1]);
            }
        }
        return level[0];
    }

    /// @notice The layer commitment: the root over `roots` concatenated.
    function layerCommitment(bytes32[] memory roots) internal pure returns (bytes32) {
        return root(abi.encodePacked(roots));
    }

    /// @notice The root that chunks `[first, first + chunks.length / 32)` and `proof` give in a
    /// tree of `depth` levels (see the library's notes for the proof's order).
    function rangeRoot(uint256 depth, uint256 first, bytes calldata chunks, bytes32[] calldata proof)
        internal
        pure
        returns (bytes32)
    {
        uint256 n = chunks.length / 32;
        if (
            n == 0 || chunks.length % 32 != 0 || depth > 64 || first >= (uint256(1) << depth)
                || n > (uint256(1) << depth) - first
        ) {
            revert BadRange(first, chunks.length, depth);
        }
        uint256 used;
        bool short;
        bytes32 computed;
        assembly ("memory-safe") {
            // scratch past the free memory pointer (nothing is allocated): the level's hashes,
            // then 65 bytes to hash from
            let level := mload(0x40)
            let s := add(level, shl(5, n))
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                mstore(add(s, 1), calldataload(add(chunks.offset, shl(5, i))))
                mstore8(s, 0)
                mstore(add(level, shl(5, i)), keccak256(s, 0x21))
            }
            let lo := first
            for { let d := 0 } lt(d, depth) { d := add(d, 1) } {
                let hi := sub(add(lo, n), 1)
                let leftSib := 0
                let rightSib := 0
                if and(lo, 1) {
                    if iszero(lt(used, proof.length)) { short := 1 }
                    leftSib := calldataload(add(proof.offset, shl(5, used)))
                    used := add(used, 1)
                }
                if iszero(and(hi, 1)) {
                    if iszero(lt(used, proof.length)) { short := 1 }
                    rightSib := calldataload(add(proof.offset, shl(5, used)))
                    used := add(used, 1)
                }
                let base := and(lo, not(1))
                let m := add(shr(1, sub(hi, base)), 1)
                // parent j reads positions base + 2j and base + 2j + 1, i.e. level slots >= j - 1
                // that no earlier parent overwrote: the halving runs in place
                for { let j := 0 } lt(j, m) { j := add(j, 1) } {
                    let l := add(base, shl(1, j))
                    let a := leftSib
                    if iszero(lt(l, lo)) { a := mload(add(level, shl(5, sub(l, lo)))) }
                    let b := rightSib
                    if iszero(gt(add(l, 1), hi)) {
                        b := mload(add(level, shl(5, sub(add(l, 1), lo))))
                    }
                    mstore8(s, 1)
                    mstore(add(s, 1), a)
                    mstore(add(s, 0x21), b)
                    mstore(add(level, shl(5, j)), keccak256(s, 0x41))
                }
                lo := shr(1, lo)
                n := m
            }
            computed := mload(level)
        }
        // a proof too short read zero words past its end; refuse it rather than hash them
        if (short) revert BadProofLength(proof.length, used);
        if (used != proof.length) revert BadProofLength(proof.length, used);
        return computed;
    }

    /// @notice Reverts unless the chunks and proof open `root` at `first` (tree of `depth` levels).
    function checkRange(
        bytes32 committed,
        uint256 depth,
        uint256 first,
        bytes calldata chunks,
        bytes32[] calldata proof
    ) internal pure {
        bytes32 computed = rangeRoot(depth, first, chunks, proof);
        if (computed != committed) revert RootMismatch(computed, committed);
    }
}
