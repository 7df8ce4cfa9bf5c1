// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IStakeTotals
/// @notice What the Minter needs from the bonding contract to compute the bonding rate.
interface IStakeTotals {
    /// @notice Total LPT bonded in the protocol right now.
    function totalBonded() external view returns (uint256);

    /// @notice Total LPT bonded right now, after keeping (for past votes) the total the rounds before
    /// the current one left, if not kept yet. The Minter calls it as a round starts, so the round's
    /// first bonding operation does not pay for it. Anyone may call it: it changes no value.
    function checkpointTotalBonded() external returns (uint256);
}
