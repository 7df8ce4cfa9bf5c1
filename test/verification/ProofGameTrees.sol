// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ChunkMerkle} from "../../contracts/proof/ChunkMerkle.sol";

/// @notice Chunk trees built in memory, per the shared commitment spec, for the proof game's tests:
/// whole trees of small byte strings, and sparse trees (every chunk zero but a listed few) whose
/// nodes are computed on demand, so a 2^20-chunk layer is a real tree without 2^20 hashes.
library ProofGameTrees {
    /// A tree of `2^depth` chunks, zero but at `index[i]`, which holds `chunk[i]`.
    struct Sparse {
        uint256 depth;
        uint256[] index;
        bytes32[] chunk;
    }

    /// The depth of the chunk tree of `length` bytes.
    function depthOf(uint256 length) internal pure returns (uint256 depth) {
        uint256 chunks = length <= 32 ? 1 : (length + 31) / 32;
        while ((uint256(1) << depth) < chunks) {
            ++depth;
        }
    }

    /// `data`'s tree: every chunk listed (the last one zero-padded).
    function fromBytes(bytes memory data) internal pure returns (Sparse memory t) {
        uint256 chunks = data.length <= 32 ? 1 : (data.length + 31) / 32;
        t.depth = depthOf(data.length);
        t.index = new uint256[](chunks);
        t.chunk = new bytes32[](chunks);
        for (uint256 i; i < chunks; ++i) {
            t.index[i] = i;
            t.chunk[i] = chunkOf(data, i);
        }
    }

    /// A tree over 32-byte words (the layer commitment, the model's node list).
    function fromWords(bytes32[] memory words) internal pure returns (Sparse memory) {
        return fromBytes(abi.encodePacked(words));
    }

    /// Chunk `i` of `data`, zero-padded.
    function chunkOf(bytes memory data, uint256 i) internal pure returns (bytes32 c) {
        for (uint256 j; j < 32 && i * 32 + j < data.length; ++j) {
            c |= bytes32(data[i * 32 + j]) >> (8 * j);
        }
    }

    function rootOf(bytes memory data) internal pure returns (bytes32) {
        return ChunkMerkle.root(data);
    }

    function root(Sparse memory t) internal pure returns (bytes32) {
        return nodeAt(t, t.depth, 0);
    }

    /// The node `height` levels above the chunks, `i`-th in its level.
    function nodeAt(Sparse memory t, uint256 height, uint256 i) internal pure returns (bytes32) {
        uint256 lo = i << height;
        uint256 hi = (i + 1) << height;
        bool any;
        for (uint256 k; k < t.index.length; ++k) {
            if (t.index[k] >= lo && t.index[k] < hi) {
                if (height == 0) return ChunkMerkle.leaf(t.chunk[k]);
                any = true;
                break;
            }
        }
        if (!any) return zeroHash(height);
        return ChunkMerkle.node(nodeAt(t, height - 1, 2 * i), nodeAt(t, height - 1, 2 * i + 1));
    }

    /// The root of `2^height` zero chunks.
    function zeroHash(uint256 height) internal pure returns (bytes32 h) {
        h = ChunkMerkle.leaf(bytes32(0));
        for (uint256 k; k < height; ++k) {
            h = ChunkMerkle.node(h, h);
        }
    }

    /// Chunk `index`'s siblings, bottom up.
    function proof(Sparse memory t, uint256 index) internal pure returns (bytes32[] memory p) {
        p = new bytes32[](t.depth);
        for (uint256 h; h < t.depth; ++h) {
            p[h] = nodeAt(t, h, (index >> h) ^ 1);
        }
    }

    /// Whether `leafHash` is at `index` of `root_` (memory proofs; the judge's openings).
    function verify(bytes32 root_, uint256 index, bytes32 leafHash, bytes32[] memory p)
        internal
        pure
        returns (bool)
    {
        if (index >> p.length != 0) return false;
        bytes32 h = leafHash;
        for (uint256 i; i < p.length; ++i) {
            h = (index >> i) & 1 == 0 ? ChunkMerkle.node(h, p[i]) : ChunkMerkle.node(p[i], h);
        }
        return h == root_;
    }

    /// What an honest orchestrator reveals for the node `levelsLeft` levels above the chunks at
    /// `chunkIndex` of its level: the 4 nodes two levels down (2 on an odd last level), chunks
    /// themselves at the bottom.
    function revealAt(Sparse memory t, uint256 levelsLeft, uint256 nodeIndex)
        internal
        pure
        returns (bytes32[] memory words)
    {
        uint256 levels = levelsLeft >= 2 ? 2 : levelsLeft;
        uint256 width = 1 << levels;
        words = new bytes32[](width);
        for (uint256 k; k < width; ++k) {
            uint256 i = nodeIndex * width + k;
            words[k] = levelsLeft - levels == 0 ? chunkAt(t, i) : nodeAt(t, levelsLeft - levels, i);
        }
    }

    function chunkAt(Sparse memory t, uint256 i) internal pure returns (bytes32) {
        for (uint256 k; k < t.index.length; ++k) {
            if (t.index[k] == i) return t.chunk[k];
        }
        return bytes32(0);
    }
}
