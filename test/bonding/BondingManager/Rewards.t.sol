// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IBondingManager} from "../../../contracts/interfaces/IBondingManager.sol";
import {BondingFixture} from "../../fixtures/BondingFixture.sol";

contract RewardsTest is BondingFixture {
    address internal big = makeAddr("big");
    address internal small = makeAddr("small");
    address internal keeper = makeAddr("keeper");
    address internal alice = makeAddr("alice");

    function setUp() public override {
        super.setUp();
        _registerOrchestrator(big, 0, 0, 3_000 ether);
        _registerOrchestrator(small, 0, 0, 1_000 ether);
        _nextRound();
    }

    function test_reward_mintsShareOfRoundByActiveStake() public {
        uint256 mintable = minter.currentRewardTokens();
        vm.expectEmit(address(bonding));
        emit IBondingManager.Reward(big, rounds.currentRound(), mintable * 3 / 4, 0, big, 0);
        _reward(big);
        _reward(small);
        // Each orchestrator's own stake is mature (bonded last round) and its cut is zero.
        assertEq(bonding.delegatedStake(big), 3_000 ether + mintable * 3 / 4);
        assertEq(bonding.delegatedStake(small), 1_000 ether + mintable / 4);
        assertEq(minter.currentMintedRewards(), mintable * 3 / 4 + mintable / 4);
        assertEq(token.balanceOf(address(bonding)), 4_000 ether + minter.currentMintedRewards());
    }

    function test_reward_byKeeperPaysBounty() public {
        bonding.setRewardBounty(10_000); // 1%
        uint256 mintable = minter.currentRewardTokens();
        uint256 minted = mintable * 3 / 4;
        vm.prank(keeper);
        bonding.reward(big, address(0), address(0));
        assertEq(token.balanceOf(keeper), minted / 100);
        assertEq(bonding.delegatedStake(big), 3_000 ether + minted - minted / 100);
    }

    function test_reward_byOrchestratorPaysNoBounty() public {
        bonding.setRewardBounty(10_000);
        _reward(big);
        assertEq(token.balanceOf(big), 0);
    }

    function test_reward_revertsTwiceInARound() public {
        _reward(big);
        uint256 round = rounds.currentRound();
        vm.prank(keeper);
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.AlreadyRewarded.selector, big, round));
        bonding.reward(big, address(0), address(0));
    }

    function test_reward_revertsForInactive() public {
        uint256 round = rounds.currentRound();
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.NotActive.selector, alice, round));
        bonding.reward(alice, address(0), address(0));

        address late = makeAddr("late");
        _registerOrchestrator(late, 0, 0, 10 ether); // active from next round
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.NotActive.selector, late, round));
        bonding.reward(late, address(0), address(0));
    }

    function test_reward_revertsBeforeRoundIsInitialized() public {
        vm.roll(rounds.currentRoundStartBlock() + ROUND_LENGTH);
        uint256 round = rounds.currentRound();
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.RoundNotInitialized.selector, round));
        bonding.reward(big, address(0), address(0));
    }

    function test_reward_cutGoesToCommission() public {
        address orch = makeAddr("orch");
        _registerOrchestrator(orch, 250_000, 0, 1_000 ether);
        _bond(alice, 1_000 ether, orch);
        _nextRound();
        uint256 before = lens.pendingStake(alice);
        _reward(orch);
        uint256 amount = bonding.delegatedStake(orch) - 2_000 ether;
        uint256 commission = amount / 4;
        assertEq(lens.getPool(orch).rewardCommission, commission);
        assertApproxEqAbs(lens.pendingStake(alice) - before, (amount - commission) / 2, 1);
        assertApproxEqAbs(lens.pendingStake(orch), 1_000 ether + (amount - commission) / 2 + commission, 1);
    }

    function test_reward_withNoMatureStakeAllGoesToCommission() public {
        _claim(big); // its position restarts: nothing of big's pool earns this round
        _reward(big);
        assertEq(lens.getPool(big).rewardCommission, bonding.delegatedStake(big) - 3_000 ether);
    }

    function test_creditFees_restrictedToFeeCreditor() public {
        vm.deal(alice, 1 ether);
        vm.prank(alice);
        vm.expectRevert(_unauthorized(alice));
        bonding.creditFees{value: 1 ether}(big);
    }

    function test_creditFees_revertsForNonOrchestrator() public {
        vm.prank(feeCreditor);
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.NotAnOrchestrator.selector, alice));
        bonding.creditFees{value: 1 ether}(alice);
    }

    function test_creditFees_sharedWithMatureDelegators() public {
        address orch = makeAddr("orch");
        _registerOrchestrator(orch, 0, 600_000, 1_000 ether);
        _bond(alice, 3_000 ether, orch);
        _nextRound();
        vm.expectEmit(address(bonding));
        emit IBondingManager.FeesCredited(orch, rounds.currentRound(), 10 ether, 4 ether);
        _creditFees(orch, 10 ether);
        assertApproxEqAbs(lens.pendingFees(alice), 4.5 ether, 1);
        assertApproxEqAbs(lens.pendingFees(orch), 4 ether + 1.5 ether, 1);
        assertEq(address(bonding).balance, 10 ether);
    }
}
