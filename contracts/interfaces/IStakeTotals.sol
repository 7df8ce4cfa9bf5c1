// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IStakeTotals
/// @notice What the Minter needs from the bonding contract to compute the bonding rate.
interface IStakeTotals {
    /// @notice Total LPT bonded in the protocol right now.
    function totalBonded() external view returns (uint256);
}
