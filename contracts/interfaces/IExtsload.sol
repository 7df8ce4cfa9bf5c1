// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IExtsload
/// @notice Raw reads of a contract's storage, so that views no transaction needs can live in a lens
/// (as Uniswap v4's PoolManager and Morpho Blue do) instead of in a contract's size-limited code.
interface IExtsload {
    /// @notice The word stored at `slot`.
    function extsload(bytes32 slot) external view returns (bytes32 value);

    /// @notice `nSlots` consecutive words from `startSlot`.
    function extsload(bytes32 startSlot, uint256 nSlots) external view returns (bytes32[] memory values);
}
