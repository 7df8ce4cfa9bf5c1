// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title PartsPerBillion
/// @notice Fixed-point fractions with a denominator of 1e9, as the Minter's rates are expressed.
/// Every helper rounds down: minting less than the exact share can never over-issue supply.
library PartsPerBillion {
    /// @notice One whole, i.e. 100%.
    uint256 internal constant ONE = 1e9;

    /// @notice Thrown when a value that must be a fraction exceeds one whole.
    error ExceedsOneWhole(uint256 value);

    /// @notice Reverts unless `value` is at most one whole.
    function requireFraction(uint256 value) internal pure {
        if (value > ONE) revert ExceedsOneWhole(value);
    }

    /// @notice `amount * ppb / 1e9`, rounded down, without intermediate overflow.
    function mulDown(uint256 amount, uint256 ppb) internal pure returns (uint256) {
        return Math.mulDiv(amount, ppb, ONE);
    }

    /// @notice `numerator / denominator` as parts per billion, rounded down; zero when the
    /// denominator is zero (an empty supply has a bonding rate of zero, not a division fault).
    function ratioDown(uint256 numerator, uint256 denominator) internal pure returns (uint256) {
        if (denominator == 0) return 0;
        return Math.mulDiv(numerator, ONE, denominator);
    }
}
