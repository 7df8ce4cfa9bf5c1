// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Ppm, Units} from "./Units.sol";

/// @title EarningsMath
/// @notice The lazy earnings arithmetic of an orchestrator's pool (LIP-36 style, with slashing).
///
/// Each pool keeps a cumulative reward factor `rf` (grows with each round's delegator rewards), a
/// slash factor `sf` (shrinks with each slash) and a cumulative fee factor `ff`, all 1e18-based.
/// A delegator stores its stake `s` as of its last claim, the pool's reward and fee factors at the
/// end of that round (`rf0`, `ff0`) and the slash factor at the claim (`sf0`). Then, at any later
/// time, with no loop over rounds:
///   stake = s * (rf * sf) / (rf0 * sf0)
///   fees  = s * (ff - ff0) * 1e18 / (rf0 * sf0)
/// Shared fees `F` of a pool whose stake at the round's start is `S` raise `ff` by
/// `F * rfStart * sf / (S * 1e18)`; a shared reward `D` raises `rf` by `rf * D / S`: every unit of
/// stake that earns this round gets the same, whoever else acted.
/// Every result rounds down, so what delegators can claim never exceeds what the pool holds.
library EarningsMath {
    /// @notice The base of every factor.
    uint256 internal constant ONE = 1e18;

    /// @notice Parts per million: the unit of reward cuts, fee shares and bounties.

    /// @notice A delegator's stake now, from its stake `s` at its last claim.
    function stakeNow(uint256 s, uint256 rf0, uint256 sf0, uint256 rf, uint256 sf)
        internal
        pure
        returns (uint256)
    {
        return Math.mulDiv(s, rf * sf, rf0 * sf0);
    }

    /// @notice The fees a stake `s` (at its last claim) earned since then.
    function feesSince(uint256 s, uint256 rf0, uint256 sf0, uint256 ff0, uint256 ff)
        internal
        pure
        returns (uint256)
    {
        return Math.mulDiv(s, (ff - ff0) * ONE, rf0 * sf0);
    }

    /// @notice The reward factor after a round's starting stake `startStake` shares `reward`.
    function rewardFactorAfter(uint256 rf, uint256 reward, uint256 startStake)
        internal
        pure
        returns (uint256)
    {
        return rf + Math.mulDiv(rf, reward, startStake);
    }

    /// @notice The fee factor increment when a round's starting stake `startStake` shares `fees`.
    function feeFactorIncrement(uint256 fees, uint256 rfStart, uint256 sf, uint256 startStake)
        internal
        pure
        returns (uint256)
    {
        return Math.mulDiv(fees, rfStart * sf, startStake * ONE);
    }

    /// @notice `amount * ppm / 1e6`, rounded down.
    function ppmOf(uint256 amount, uint256 ppm) internal pure returns (uint256) {
        return Units.mulDown(amount, Ppm.wrap(ppm));
    }
}
