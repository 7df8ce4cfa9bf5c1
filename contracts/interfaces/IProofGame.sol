// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDisputeManager} from "./IDisputeManager.sol";

/// @title IElementJudge
/// @notice Recomputes one element of one op's output on chain from opened model data and opened
/// inputs (issue 19, item 3: one element function per op of the verifier's spec). The model side
/// is an assumption the game only forwards: `opening` opens the op's graph node and the model data
/// the element needs against `modelId` (the receipt's model id, a chunk-tree root); the judge
/// checks those openings itself. The input side is checked in two halves: the judge checks the
/// opened input data against the roots it returns, the game checks those roots against the
/// orchestrator's own layer commitment.
interface IElementJudge {
    /// @notice A committed tensor an opened input was checked against.
    struct InputRoot {
        uint256 leaf; // its leaf in the receipt's layer commitment: 0 the job input, i + 1 op i's output
        bytes32 root; // the tensor's chunk-tree root the opened data hashes to
    }

    /// @notice Op `layer`'s output element `element` (a byte index into the int8 tensor), recomputed
    /// from `opening`; also the output's length in bytes and the committed tensors it read.
    /// `element` at or past the length (chunk padding) returns value 0. Reverts on a bad opening.
    function recompute(bytes32 modelId, uint256 layer, uint256 element, bytes calldata opening)
        external
        view
        returns (int8 value, uint256 outputLength, InputRoot[] memory inputs);

    /// @notice Op `layer`'s output length in bytes, from its graph node opened by `opening` against
    /// `modelId` (the same opening format as `recompute`'s model part). Reverts for an op the judge
    /// does not recompute, so that no game opens on it.
    function outputLength(bytes32 modelId, uint256 layer, bytes calldata opening)
        external
        view
        returns (uint256);
}

/// @title IProofGame
/// @notice A dispute decided by the chain itself (issue 19, item 2). A challenger holding the job's
/// input names an op whose committed output root differs from the reference; the orchestrator and
/// the challenger bisect that output's chunk tree (two levels per step) down to one 32-byte chunk
/// and one byte; the judge recomputes that byte from the orchestrator's own committed inputs and
/// the model. Each side has `moveWindow` blocks per move and silence loses. The dispute itself lives
/// in the DisputeManager (deposit, liability, freeze, veto window, slash): the game only decides it.
interface IProofGame {
    /// @notice Whose move it is. Reveal and Final: the orchestrator's (in Final either side may
    /// submit the opening, the proofs decide); Pick: the challenger's.
    enum Phase {
        None,
        Reveal, // the orchestrator reveals the nodes two levels below the node in dispute
        Pick, // the challenger picks one of them (and, among chunks, one byte)
        Final, // the judge recomputes the picked byte
        Settled
    }

    /// @notice Why a game ended (events; the outcome is the DisputeManager's status).
    enum Ending {
        None,
        Recomputed, // the final step ran: guilty iff the recomputed byte differs
        OrchestratorSilent, // the orchestrator missed its window: guilty
        ChallengerSilent, // the challenger missed its window: not guilty
        WrongDepth, // the challenger's depth does not fit the op's output: not guilty
        InputRootMismatch, // the committed input root is not the root of the receipt's input: guilty
        OutputRootMismatch // the last op's committed root is not the root of the receipt's output: guilty
    }

    /// @notice What the challenger states when it opens a game.
    struct Opening {
        IDisputeManager.Receipt receipt;
        bytes signature; // the orchestrator's (or its receipt signer's) EIP-712 signature
        uint32 layer; // the op (execution order) whose output differs first from the reference
        uint8 depth; // log2 of the op output's padded chunk count (fixed by the model's shapes)
        bytes32 claimedRoot; // the orchestrator's committed root of that output ...
        bytes32[] proof; // ... proved at leaf `layer + 1` of the receipt's `commitmentRoot`
        bytes32 referenceRoot; // the challenger's root of that output (must differ)
        bytes nodeOpening; // the op's graph node opened against the model id (the judge's format)
    }

    /// @notice The final step's proofs: for each tensor the judge read, its root's leaf path in the
    /// receipt's layer commitment, in the judge's order.
    struct FinalStep {
        bytes opening; // the judge's opening (model data and input data)
        bytes32[][] rootProofs;
    }

    /// @notice One game, keyed by its DisputeManager dispute id.
    struct Game {
        // slot 0
        address orchestrator;
        uint40 deadline; // the last block in which the side to move may move
        uint8 levelsLeft; // levels between the node in dispute and the chunks
        Phase phase;
        uint8 byteIndex; // the picked byte of the picked chunk (Final)
        uint8 depth;
        // slot 1
        address challenger;
        uint32 layer;
        uint32 chunkIndex; // the node in dispute's index in its level
        // slot 2: the node in dispute; in Final the picked chunk itself
        bytes32 node;
        // slot 3: keccak256 of the words the orchestrator revealed last
        bytes32 revealed;
        // slots 4, 5
        bytes32 modelId;
        bytes32 commitmentRoot;
    }

    event GameOpened(
        uint256 indexed disputeId,
        address indexed orchestrator,
        address indexed challenger,
        uint256 layer,
        uint256 depth,
        bytes32 claimedRoot,
        bytes32 referenceRoot
    );
    /// @notice The orchestrator's nodes (or, at the bottom, chunks) below the node in dispute.
    event Revealed(uint256 indexed disputeId, uint256 levelsLeft, bytes32[] words);
    /// @notice The challenger's pick; `byteIndex` counts only once chunks were picked.
    event Picked(uint256 indexed disputeId, uint256 child, uint256 chunkIndex, uint256 byteIndex);
    /// @notice The final step: the orchestrator's byte against the recomputed one.
    event Recomputed(uint256 indexed disputeId, uint256 element, int8 claimed, int8 recomputed);
    event GameSettled(uint256 indexed disputeId, bool guilty, Ending ending);
    event JudgeSet(address judge);
    event MoveWindowSet(uint256 blocks);

    /// @notice No judge is set: a game that could not reach its final step is not opened.
    error NoJudge();
    error ZeroMoveWindow();
    /// @notice The challenger's root equals the orchestrator's: nothing to dispute.
    error NoDisagreement();
    /// @notice Deeper than `MAX_DEPTH` (the game's length is bounded).
    error DepthTooLarge(uint256 depth, uint256 maxDepth);
    /// @notice The claimed layer root is not at leaf `layer + 1` of the receipt's commitment.
    error InvalidLayerRoot(uint256 layer);
    error UnknownGame(uint256 disputeId);
    /// @notice The game ended; no more moves.
    error GameOver(uint256 disputeId);
    /// @notice Neither the orchestrator nor the challenger of the game.
    error NotAParty(uint256 disputeId, address caller);
    /// @notice A party moved out of turn (this includes replaying a move already made).
    error NotYourTurn(uint256 disputeId, Phase phase);
    /// @notice The mover's window ended at block `deadline`.
    error MoveTooLate(uint256 disputeId, uint256 deadline);
    /// @notice A timeout is claimed before the window ended at block `deadline`.
    error WindowOpen(uint256 disputeId, uint256 deadline);
    /// @notice A reveal of the wrong number of words (4, 2 on the last odd level, 1 for a chunk).
    error WrongWidth(uint256 expected, uint256 got);
    /// @notice The revealed words do not hash to the node in dispute.
    error NotTheChildren(uint256 disputeId);
    /// @notice The words a pick repeats are not the ones the orchestrator revealed.
    error NotRevealed(uint256 disputeId);
    error ChildOutOfRange(uint256 child, uint256 width);
    error ByteOutOfRange(uint256 byteIndex);
    /// @notice The judge read a tensor that is not an earlier one (leaf `leaf`, op at `layerLeaf`).
    error InputNotEarlier(uint256 leaf, uint256 layerLeaf);
    /// @notice A tensor root (one the judge read, or a whole tensor's) is not the orchestrator's
    /// committed one at `leaf`.
    error InvalidInputRoot(uint256 leaf);
    error ProofCountMismatch(uint256 inputs, uint256 proofs);
    /// @notice The bytes given are not the receipt's input (or output): their keccak256 differs.
    error NotTheReceiptsTensor(bytes32 hash, bytes32 receiptHash);
    /// @notice Leaf `leaf + 1` of the commitment is not padding: `leaf` is not the last op's output.
    error NotTheLastLayer(uint256 leaf);
    /// @notice `disproveDepth` found the challenger's depth right.
    error DepthIsRight(uint256 disputeId, uint256 depth);
    /// @notice The stated depth is not the one the op's output length (from the model) gives.
    error WrongDepth(uint256 stated, uint256 actual);

    /// @notice Opens a proof dispute on a signed receipt: the same receipt checks and deposit as
    /// `DisputeManager.openDispute` (the deposit is pulled by the DisputeManager: approve it), the
    /// caller as challenger. The orchestrator moves next.
    function open(Opening calldata opening) external returns (uint256 disputeId);

    /// @notice The orchestrator reveals the words below the node in dispute: the 4 nodes two levels
    /// down (2 when one level is left), or, when those are chunks, the chunks themselves
    /// (checked: node(node(a, b), node(c, d)) == the node in dispute, leaves hashed as leaves).
    function reveal(uint256 disputeId, bytes32[] calldata words) external;

    /// @notice The challenger repeats the revealed words and picks the one it disputes; among
    /// chunks it also picks the byte (0..31), which ends the bisection.
    function pick(uint256 disputeId, bytes32[] calldata words, uint256 child, uint256 byteIndex) external;

    /// @notice The final step, by either party in the orchestrator's window: the judge recomputes
    /// the picked byte; a mismatch with the orchestrator's chunk is guilty, a match is not.
    function finish(uint256 disputeId, FinalStep calldata step) external;

    /// @notice Proves at once, with the whole job input (whose keccak256 is the receipt's
    /// `inputHash`), that the committed input root (leaf 0, `proof`) is not that input's root: a
    /// dispute opened and decided guilty in one call (deposit pulled as for `open`).
    function proveInputRoot(
        IDisputeManager.Receipt calldata receipt,
        bytes calldata signature,
        bytes calldata input,
        bytes32 committedRoot,
        bytes32[] calldata proof
    ) external returns (uint256 disputeId);

    /// @notice The same for the output: `output` hashes to the receipt's `outputHash`, but the
    /// committed root at `leaf` (the last op's: `nextProof` shows leaf `leaf + 1` is padding, or
    /// empty when `leaf` is the tree's last) is not its root. Guilty in one call.
    function proveOutputRoot(
        IDisputeManager.Receipt calldata receipt,
        bytes calldata signature,
        bytes calldata output,
        uint256 leaf,
        bytes32 committedRoot,
        bytes32[] calldata proof,
        bytes32[] calldata nextProof
    ) external returns (uint256 disputeId);

    /// @notice The orchestrator shows, on its turn, that the challenger's depth does not fit the
    /// op's output length (it could not answer the bisection otherwise): the challenger loses.
    function disproveDepth(uint256 disputeId, bytes calldata modelOpening) external;

    /// @notice Anyone settles a game whose mover missed its window: the side that moved last wins.
    function timeout(uint256 disputeId) external;

    function getGame(uint256 disputeId) external view returns (Game memory);
}
