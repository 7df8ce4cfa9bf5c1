// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @notice A fraction in parts per billion (1e9 is one whole): the protocol's rates, cuts and weights.
type Ppb is uint256;

/// @notice A fraction in parts per million (1e6 is one whole): orchestrators' reward cut and fee share,
/// governance's quorum and quota (as Livepeer expresses them).
type Ppm is uint256;

/// @title Units
/// @notice The one place the protocol's fraction units are defined. Values cross the ABI as plain
/// integers and are wrapped, once checked, into `Ppb` or `Ppm`; the math takes the types, so a ppm
/// passed where a ppb is expected does not compile. The helpers round down (a share paid or minted
/// never exceeds the exact one) except `mulUp`, for charges (a fee is never below the exact one).
library Units {
    /// @notice One whole in parts per billion.
    uint256 internal constant PPB = 1e9;
    /// @notice One whole in parts per million.
    uint256 internal constant PPM = 1e6;

    /// @notice A value that must be a fraction exceeds one whole.
    error ExceedsOneWhole(uint256 value);

    /// @notice `value` as parts per billion; reverts above one whole.
    function toPpb(uint256 value) internal pure returns (Ppb) {
        if (value > PPB) revert ExceedsOneWhole(value);
        return Ppb.wrap(value);
    }

    /// @notice `value` as parts per million; reverts above one whole.
    function toPpm(uint256 value) internal pure returns (Ppm) {
        if (value > PPM) revert ExceedsOneWhole(value);
        return Ppm.wrap(value);
    }

    /// @notice `amount * fraction`, rounded down, without intermediate overflow.
    function mulDown(uint256 amount, Ppb fraction) internal pure returns (uint256) {
        return Math.mulDiv(amount, Ppb.unwrap(fraction), PPB);
    }

    /// @notice `amount * fraction`, rounded up, without intermediate overflow: a charge, at least
    /// one wei whenever both are above zero.
    function mulUp(uint256 amount, Ppb fraction) internal pure returns (uint256) {
        return Math.mulDiv(amount, Ppb.unwrap(fraction), PPB, Math.Rounding.Ceil);
    }

    /// @notice `amount * fraction`, rounded down, without intermediate overflow.
    function mulDown(uint256 amount, Ppm fraction) internal pure returns (uint256) {
        return Math.mulDiv(amount, Ppm.unwrap(fraction), PPM);
    }

    /// @notice `numerator / denominator` in parts per billion, rounded down; zero when the denominator
    /// is zero (an empty supply has a bonding rate of zero, not a division fault).
    function ratioDown(uint256 numerator, uint256 denominator) internal pure returns (Ppb) {
        if (denominator == 0) return Ppb.wrap(0);
        return Ppb.wrap(Math.mulDiv(numerator, PPB, denominator));
    }
}
