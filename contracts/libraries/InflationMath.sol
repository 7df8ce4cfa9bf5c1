// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ppb, Units} from "./Units.sol";

/// @title InflationMath
/// @notice The Minter's pure arithmetic: how inflation moves toward the target bonding rate and how a
/// round's mint splits between staking rewards and the treasury. All rates are parts per billion.
library InflationMath {
    using Units for uint256;

    /// @notice The inflation for the next round: one `change` step up while the bonding rate is
    /// below target, one step down (floored at zero) while above, unchanged at target. Capped at
    /// one whole (100% per round) so the mint stays bounded by the supply.
    function nextInflation(uint256 inflation, uint256 change, uint256 bondingRate, uint256 target)
        internal
        pure
        returns (uint256)
    {
        if (bondingRate < target) {
            uint256 raised = inflation + change;
            return raised > Units.PPB ? Units.PPB : raised;
        }
        if (bondingRate > target) {
            return change >= inflation ? 0 : inflation - change;
        }
        return inflation;
    }

    /// @notice Splits a round's mint: `supply * inflation` in total, of which `treasuryCut` goes to
    /// the treasury and the rest to staking rewards. Both parts round down, the treasury's first.
    function roundMint(uint256 supply, uint256 inflation, uint256 treasuryCut)
        internal
        pure
        returns (uint256 rewards, uint256 treasuryShare)
    {
        uint256 total = supply.mulDown(Ppb.wrap(inflation));
        treasuryShare = total.mulDown(Ppb.wrap(treasuryCut));
        rewards = total - treasuryShare;
    }
}
