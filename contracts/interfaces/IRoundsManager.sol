// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IRoundsManager
/// @notice Protocol time: rounds of `roundLength` blocks, each initialized once by anyone.
interface IRoundsManager {
    /// @notice `round` was initialized; `blockHash` is the hash tickets of that round commit to.
    event NewRound(uint256 indexed round, bytes32 blockHash);
    /// @notice Round length changed, counting from `round`, which started at `startBlock`.
    event RoundLengthSet(uint256 indexed round, uint256 startBlock, uint256 roundLength);

    /// @notice The current round was already initialized.
    error RoundAlreadyInitialized(uint256 round);
    /// @notice The current round must be initialized before the round length can change.
    error CurrentRoundNotInitialized(uint256 round);
    /// @notice Rounds must be at least one block long.
    error InvalidRoundLength();

    /// @notice Initializes the current round: stores its block hash and starts the Minter's round.
    /// Anyone may call it, once per round.
    function initializeRound() external;

    /// @notice Sets the round length; it applies from the current round's start block.
    function setRoundLength(uint256 roundLength) external;

    function roundLength() external view returns (uint256);
    function currentRound() external view returns (uint256);
    function currentRoundStartBlock() external view returns (uint256);
    function currentRoundInitialized() external view returns (bool);
    function lastInitializedRound() external view returns (uint256);
    function blockHashForRound(uint256 round) external view returns (bytes32);

    /// @notice The round block `blockNumber` belonged to, as `currentRound()` reported it at the end
    /// of that block, exact across round-length changes (each change is kept). Blocks after the
    /// current one are counted with the current length.
    function roundAt(uint256 blockNumber) external view returns (uint256);

    /// @notice The current round and the block hash stored for `round` (zero if none): what a ticket
    /// redemption needs, in one call.
    function currentRoundAndBlockHash(uint256 round)
        external
        view
        returns (uint256 current, bytes32 blockHash);
}
