// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {InflationMath} from "../../../contracts/libraries/InflationMath.sol";
import {Ppb, Units} from "../../../contracts/libraries/Units.sol";

/// Fuzzes the Minter's arithmetic against straightforward references written in the test.
contract InflationMathFuzzTest is Test {
    uint256 internal constant ONE = 1e9;

    function testFuzz_nextInflation_matchesReference(
        uint256 inflation,
        uint256 change,
        uint256 rate,
        uint256 target
    ) public pure {
        inflation = bound(inflation, 0, ONE);
        change = bound(change, 0, ONE);
        rate = bound(rate, 0, ONE);
        target = bound(target, 0, ONE);

        int256 expected = int256(inflation);
        if (rate < target) expected += int256(change);
        if (rate > target) expected -= int256(change);
        if (expected < 0) expected = 0;
        if (expected > int256(ONE)) expected = int256(ONE);

        assertEq(InflationMath.nextInflation(inflation, change, rate, target), uint256(expected));
    }

    function testFuzz_nextInflation_movesTowardTargetByAtMostOneStep(
        uint256 inflation,
        uint256 change,
        uint256 rate,
        uint256 target
    ) public pure {
        inflation = bound(inflation, 0, ONE);
        change = bound(change, 0, ONE);
        uint256 next = InflationMath.nextInflation(inflation, change, rate, target);
        assertLe(next, ONE);
        if (rate < target) assertGe(next, inflation);
        if (rate > target) assertLe(next, inflation);
        if (rate == target) assertEq(next, inflation);
        uint256 moved = next > inflation ? next - inflation : inflation - next;
        assertLe(moved, change);
    }

    function testFuzz_roundMint_splitsExactly(uint256 supply, uint256 inflation, uint256 cut) public pure {
        supply = bound(supply, 0, 1e36);
        inflation = bound(inflation, 0, ONE);
        cut = bound(cut, 0, ONE);
        (uint256 rewards, uint256 treasuryShare) = InflationMath.roundMint(supply, inflation, cut);

        uint256 total = supply * inflation / ONE;
        assertEq(rewards + treasuryShare, total, "parts sum to the round's mint");
        assertEq(treasuryShare, total * cut / ONE, "treasury share rounds down");
        assertLe(total, supply, "a round never mints more than the supply");
    }

    function testFuzz_roundMint_noOverflowAtExtremes(uint256 supply) public pure {
        (uint256 rewards, uint256 treasuryShare) = InflationMath.roundMint(supply, ONE, ONE);
        assertEq(rewards, 0);
        assertEq(treasuryShare, supply);
    }

    function testFuzz_ratioDown_isAFloor(uint256 numerator, uint256 denominator) public pure {
        denominator = bound(denominator, 1, type(uint128).max);
        numerator = bound(numerator, 0, denominator);
        uint256 ratio = Ppb.unwrap(Units.ratioDown(numerator, denominator));
        assertLe(ratio, ONE);
        // ratio/1e9 <= n/d < (ratio+1)/1e9
        assertLe(ratio * denominator, numerator * ONE);
        assertGt((ratio + 1) * denominator, numerator * ONE);
    }

    function test_ratioDown_zeroDenominatorIsZero() public pure {
        assertEq(Ppb.unwrap(Units.ratioDown(5, 0)), 0);
    }
}
