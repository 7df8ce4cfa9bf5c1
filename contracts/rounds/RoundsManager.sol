// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IMinter} from "../interfaces/IMinter.sol";
import {IRoundsManager} from "../interfaces/IRoundsManager.sol";

/// @title RoundsManager
/// @notice Protocol time. A round is `roundLength` blocks; round numbers count from an anchor (the
/// round and start block of the last length change), so a new length never renumbers past rounds.
/// Every length change is kept (one slot each), so `roundAt` maps any past block to the round it
/// was in exactly: the governance clock is the block number, and votes at a block are the bonding
/// state at the start of its round. The round in progress at deployment counts as initialized: it
/// has no mint.
contract RoundsManager is IRoundsManager, AccessManaged {
    using SafeCast for uint256;

    IMinter public immutable minter;

    // One slot: initializeRound reads and writes it once.
    struct Clock {
        uint64 roundLength;
        uint64 anchorRound;
        uint64 anchorStartBlock;
        uint64 lastInitializedRound;
    }

    // A length in force: from the end of block `sinceBlock` on, round = startRound +
    // (block - startBlock) / length. One slot.
    struct LengthChange {
        uint64 sinceBlock;
        uint64 startBlock;
        uint64 startRound;
        uint64 length;
    }

    Clock internal _clock;
    mapping(uint256 round => bytes32) internal _blockHashForRound;
    /// @dev Every length in force, oldest first (the constructor's first).
    LengthChange[] internal _lengths;

    /// @param authority The protocol's AccessManager.
    /// @param minter_ The Minter whose round this contract starts.
    /// @param roundLength_ Blocks per round.
    constructor(address authority, IMinter minter_, uint256 roundLength_) AccessManaged(authority) {
        if (roundLength_ == 0) revert InvalidRoundLength();
        minter = minter_;
        uint256 round = block.number / roundLength_;
        _clock = Clock({
            roundLength: roundLength_.toUint64(),
            anchorRound: round.toUint64(),
            anchorStartBlock: (round * roundLength_).toUint64(),
            lastInitializedRound: round.toUint64()
        });
        _lengths.push(
            LengthChange(
                block.number.toUint64(),
                (round * roundLength_).toUint64(),
                round.toUint64(),
                roundLength_.toUint64()
            )
        );
        emit RoundLengthSet(round, round * roundLength_, roundLength_);
    }

    /// @inheritdoc IRoundsManager
    function initializeRound() external {
        Clock memory clock = _clock;
        uint256 round = _currentRound(clock);
        if (round == clock.lastInitializedRound) revert RoundAlreadyInitialized(round);

        clock.lastInitializedRound = round.toUint64();
        _clock = clock;
        // The previous block's hash: the newest one the EVM exposes, fixed before this call.
        bytes32 blockHash = blockhash(block.number - 1);
        _blockHashForRound[round] = blockHash;

        minter.startRound(round);
        emit NewRound(round, blockHash);
    }

    /// @inheritdoc IRoundsManager
    /// @dev Restricted to the authority's admin (governance). Requiring the current round to be
    /// initialized keeps every round's mint and block hash tied to exactly one round number.
    function setRoundLength(uint256 roundLength_) external restricted {
        if (roundLength_ == 0) revert InvalidRoundLength();
        Clock memory clock = _clock;
        uint256 round = _currentRound(clock);
        if (round != clock.lastInitializedRound) revert CurrentRoundNotInitialized(round);

        uint256 startBlock = _roundStartBlock(clock, round);
        clock.roundLength = roundLength_.toUint64();
        clock.anchorRound = round.toUint64();
        clock.anchorStartBlock = startBlock.toUint64();
        _clock = clock;
        _lengths.push(
            LengthChange(
                block.number.toUint64(), clock.anchorStartBlock, clock.anchorRound, clock.roundLength
            )
        );
        emit RoundLengthSet(round, startBlock, roundLength_);
    }

    /// @inheritdoc IRoundsManager
    function roundLength() external view returns (uint256) {
        return _clock.roundLength;
    }

    /// @inheritdoc IRoundsManager
    function currentRound() external view returns (uint256) {
        return _currentRound(_clock);
    }

    /// @inheritdoc IRoundsManager
    function currentRoundStartBlock() external view returns (uint256) {
        Clock memory clock = _clock;
        return _roundStartBlock(clock, _currentRound(clock));
    }

    /// @inheritdoc IRoundsManager
    function currentRoundInitialized() external view returns (bool) {
        Clock memory clock = _clock;
        return _currentRound(clock) == clock.lastInitializedRound;
    }

    /// @inheritdoc IRoundsManager
    function lastInitializedRound() external view returns (uint256) {
        return _clock.lastInitializedRound;
    }

    /// @inheritdoc IRoundsManager
    function blockHashForRound(uint256 round) external view returns (bytes32) {
        return _blockHashForRound[round];
    }

    /// @inheritdoc IRoundsManager
    /// @dev Walks back over the length changes made after `blockNumber` (governance makes few).
    /// A change counts from the end of the block it was made in, as `currentRound()` saw it.
    function roundAt(uint256 blockNumber) external view returns (uint256) {
        uint256 i = _lengths.length - 1;
        LengthChange memory c = _lengths[i];
        while (c.sinceBlock > blockNumber && i != 0) {
            c = _lengths[--i];
        }
        // Before deployment (or the first anchor's start): rounds counted from block 0, as the
        // constructor numbers them.
        if (blockNumber < c.startBlock) return blockNumber / c.length;
        return c.startRound + (blockNumber - c.startBlock) / c.length;
    }

    /// @inheritdoc IRoundsManager
    function currentRoundAndBlockHash(uint256 round) external view returns (uint256, bytes32) {
        return (_currentRound(_clock), _blockHashForRound[round]);
    }

    function _currentRound(Clock memory clock) internal view returns (uint256) {
        return clock.anchorRound + (block.number - clock.anchorStartBlock) / clock.roundLength;
    }

    function _roundStartBlock(Clock memory clock, uint256 round) internal pure returns (uint256) {
        return clock.anchorStartBlock + (round - clock.anchorRound) * clock.roundLength;
    }
}
