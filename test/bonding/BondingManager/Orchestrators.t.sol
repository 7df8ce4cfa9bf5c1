// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IBondingManager} from "../../../contracts/interfaces/IBondingManager.sol";
import {BondingFixture} from "../../fixtures/BondingFixture.sol";

contract OrchestratorsTest is BondingFixture {
    address internal orch = makeAddr("orch");
    address internal alice = makeAddr("alice");

    function test_register_setsCutsInForceAtOnce() public {
        vm.expectEmit(address(bonding));
        emit IBondingManager.OrchestratorRegistered(orch, 50_000, 250_000);
        vm.prank(orch);
        bonding.registerOrchestrator(50_000, 250_000);
        (uint256 rewardCut, uint256 feeShare) = lens.paramsInForce(orch);
        assertEq(rewardCut, 50_000);
        assertEq(feeShare, 250_000);
        assertFalse(bonding.isActiveOrchestrator(orch), "no stake, not active");
    }

    function test_register_revertsTwice() public {
        vm.startPrank(orch);
        bonding.registerOrchestrator(0, 0);
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.AlreadyRegistered.selector, orch));
        bonding.registerOrchestrator(0, 0);
        vm.stopPrank();
    }

    function test_register_revertsOnCutsAboveOneWhole() public {
        vm.startPrank(orch);
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.InvalidPpm.selector, 1_000_001));
        bonding.registerOrchestrator(1_000_001, 0);
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.InvalidPpm.selector, 2_000_000));
        bonding.registerOrchestrator(0, 2_000_000);
        vm.stopPrank();
    }

    function test_setParams_takeEffectAfterTheDelay() public {
        _registerOrchestrator(orch, 100_000, 500_000, 1 ether);
        bonding.setParamsChangeDelay(2);

        vm.expectEmit(address(bonding));
        emit IBondingManager.OrchestratorParamsScheduled(orch, 900_000, 0, 12);
        vm.prank(orch);
        bonding.setOrchestratorParams(900_000, 0);

        (uint256 rewardCut, uint256 feeShare) = lens.paramsInForce(orch);
        assertEq(rewardCut, 100_000, "old cut in force this round");
        assertEq(feeShare, 500_000);
        _nextRound();
        (rewardCut,) = lens.paramsInForce(orch);
        assertEq(rewardCut, 100_000, "and the next");
        _nextRound();
        (rewardCut, feeShare) = lens.paramsInForce(orch);
        assertEq(rewardCut, 900_000, "new cut in force after the delay");
        assertEq(feeShare, 0);
    }

    /// A cut raised just before payout does not hit that payout.
    function test_setParams_raiseBeforeRewardDoesNotHitThisRound() public {
        _registerOrchestrator(orch, 0, 0, 1_000 ether);
        _bond(alice, 1_000 ether, orch);
        _nextRound();
        vm.prank(orch);
        bonding.setOrchestratorParams(1_000_000, 0); // would keep everything
        uint256 mintable = minter.currentRewardTokens();
        _reward(orch);
        assertApproxEqAbs(lens.pendingStake(alice), 1_000 ether + mintable / 2, 1);
    }

    function test_setParams_secondChangeKeepsTheFirstIfAlreadyInForce() public {
        _registerOrchestrator(orch, 1, 2, 1 ether);
        vm.prank(orch);
        bonding.setOrchestratorParams(3, 4);
        _nextRound();
        vm.prank(orch);
        bonding.setOrchestratorParams(5, 6);
        (uint256 rewardCut, uint256 feeShare) = lens.paramsInForce(orch);
        assertEq(rewardCut, 3, "the first change stays in force until the second takes over");
        assertEq(feeShare, 4);
    }

    function test_setParams_revertsForNonOrchestrator() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.NotAnOrchestrator.selector, alice));
        bonding.setOrchestratorParams(0, 0);
    }

    function test_setParams_revertsAboveOneWhole() public {
        _registerOrchestrator(orch, 0, 0, 1 ether);
        vm.prank(orch);
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.InvalidPpm.selector, 1_000_001));
        bonding.setOrchestratorParams(1_000_001, 0);
    }
}
