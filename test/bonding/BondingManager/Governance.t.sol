// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IBondingManager} from "../../../contracts/interfaces/IBondingManager.sol";
import {BondingFixture} from "../../fixtures/BondingFixture.sol";

/// Every BondingManager parameter is set by the authority's admin alone, with an event.
contract BondingGovernanceTest is BondingFixture {
    function test_setters_updateAndEmit() public {
        vm.expectEmit(address(bonding));
        emit IBondingManager.UnbondingPeriodSet(3);
        bonding.setUnbondingPeriod(3);
        vm.expectEmit(address(bonding));
        emit IBondingManager.ParamsChangeDelaySet(4);
        bonding.setParamsChangeDelay(4);
        vm.expectEmit(address(bonding));
        emit IBondingManager.RewardBountySet(5);
        bonding.setRewardBounty(5);
        vm.expectEmit(address(bonding));
        emit IBondingManager.NumActiveOrchestratorsSet(6);
        bonding.setNumActiveOrchestrators(6);

        assertEq(bonding.unbondingPeriod(), 3);
        assertEq(bonding.paramsChangeDelay(), 4);
        assertEq(bonding.rewardBountyPpm(), 5);
        assertEq(bonding.numActiveOrchestrators(), 6);
    }

    function test_setters_rejectBadValues() public {
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.InvalidRounds.selector, 0));
        bonding.setUnbondingPeriod(0);
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.InvalidRounds.selector, 0));
        bonding.setParamsChangeDelay(0);
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.InvalidPpm.selector, 1_000_001));
        bonding.setRewardBounty(1_000_001);
    }

    function test_setters_revertForStranger() public {
        vm.startPrank(stranger);
        vm.expectRevert(_unauthorized(stranger));
        bonding.setUnbondingPeriod(1);
        vm.expectRevert(_unauthorized(stranger));
        bonding.setParamsChangeDelay(1);
        vm.expectRevert(_unauthorized(stranger));
        bonding.setRewardBounty(1);
        vm.expectRevert(_unauthorized(stranger));
        bonding.setNumActiveOrchestrators(1);
        vm.stopPrank();
    }

    function test_deployWiring() public view {
        assertEq(address(minter.stakeTotals()), address(bonding));
        assertEq(bonding.unbondingPeriod(), 7);
        assertEq(bonding.numActiveOrchestrators(), 100);
        assertEq(bonding.paramsChangeDelay(), 1);
        assertEq(address(bonding.votesHook()), address(votes), "the votes token hears every bonding change");
    }

    /// The Minter steers inflation by the bonded share of supply the BondingManager reports.
    function test_bondingRateFollowsBondedStake() public {
        _registerOrchestrator(makeAddr("orch"), 0, 0, 6_000_000 ether); // 60% of supply
        assertEq(minter.bondingRate(), 600_000_000);
        uint256 inflation = minter.inflation();
        _nextRound();
        assertEq(minter.inflation(), inflation - config.inflationChange);
    }
}
