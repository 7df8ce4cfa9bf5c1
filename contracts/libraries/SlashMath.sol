// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Ppb, Units} from "./Units.sol";

/// @title SlashMath
/// @notice How much of a guilty orchestrator's pool a dispute slashes, and how the cut is split.
/// Fractions are parts per billion (the BondingManager's slash unit).
library SlashMath {
    /// @notice The fraction of the pool to cut, rounded down (never more than allowed).
    /// The fraction is `maxCutPpb` unless a cap binds; the bonded cut `current * fraction` is kept
    /// within `maxCutPpb` of the snapshot (stake bonded after the opening does not raise the
    /// penalty) and within what the rate limit has `left`. With nothing bonded now (`current` 0)
    /// the full fraction still applies, to the unbonding locks cut lazily by the BondingManager.
    /// @param snapshot The orchestrator's delegated stake when the dispute opened.
    /// @param current Its delegated stake now.
    /// @param maxCutPpb The largest fraction a slash may take (below one whole).
    /// @param left The LPT the rate limit still allows in this window.
    function fractionDown(uint256 snapshot, uint256 current, uint256 maxCutPpb, uint256 left)
        internal
        pure
        returns (uint256 fractionPpb)
    {
        if (current == 0) return maxCutPpb; // nothing liable: nothing to cut
        uint256 cap = Math.min(Math.mulDiv(snapshot, maxCutPpb, Units.PPB), left);
        // current * maxCut / Units.PPB <= cap  <=>  maxCut <= cap * Units.PPB / current (rounded down).
        fractionPpb = Math.min(maxCutPpb, Math.mulDiv(cap, Units.PPB, current));
    }

    /// @notice The LPT a full slash would cut: `maxCutPpb` of what is liable, within `maxCutPpb` of
    /// the snapshot.
    function cutAt(uint256 snapshot, uint256 liable, uint256 maxCutPpb) internal pure returns (uint256) {
        return Math.mulDiv(Math.min(snapshot, liable), maxCutPpb, Units.PPB);
    }

    /// @notice Splits a slashed amount: the challenger's reward (rounded down) and the burn. The
    /// reward is `rewardCutPpb` (at most half) of the orchestrator's own cut `own`, never of its
    /// delegators': an orchestrator and an accomplice challenger lose at least `own - reward`,
    /// i.e. at least half of the orchestrator's own loss (and all of its locks' cut), plus the
    /// deposit fee (`depositFee`), which keeps them strictly behind when `own` is zero.
    function split(uint256 slashed, uint256 own, uint256 rewardCutPpb)
        internal
        pure
        returns (uint256 reward, uint256 burn)
    {
        reward = Math.mulDiv(Math.min(own, slashed), rewardCutPpb, Units.PPB);
        burn = slashed - reward;
    }

    /// @notice The share of a guilty dispute's deposit burned at execution, rounded up: above zero
    /// whenever the deposit and the share are (both are, within governance's bounds), at most the
    /// deposit (the share is at most one whole).
    function depositFee(uint256 deposit, Ppb burnPpb) internal pure returns (uint256) {
        return Units.mulUp(deposit, burnPpb);
    }
}
