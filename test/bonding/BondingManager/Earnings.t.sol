// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BondingFixture} from "../../fixtures/BondingFixture.sol";

contract EarningsTest is BondingFixture {
    address internal orch = makeAddr("orch");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");

    function setUp() public override {
        super.setUp();
        _registerOrchestrator(orch, 100_000, 500_000, 1_000 ether); // keeps 10% of rewards, shares 50% of fees
        _bond(alice, 3_000 ether, orch);
        _nextRound(); // orch active from here, with 4,000 LPT
    }

    function test_rewardIsSharedByCutAndStake() public {
        assertTrue(bonding.isActiveOrchestrator(orch));
        assertEq(lens.totalActiveStake(), 4_000 ether);
        uint256 mintable = minter.currentRewardTokens();
        _reward(orch);
        // The only active orchestrator gets the whole round.
        uint256 commission = mintable / 10;
        uint256 shared = mintable - commission;
        assertApproxEqAbs(lens.pendingStake(alice), 3_000 ether + shared * 3 / 4, 2);
        assertApproxEqAbs(lens.pendingStake(orch), 1_000 ether + shared / 4 + commission, 2);
        assertEq(bonding.delegatedStake(orch), 4_000 ether + mintable);
        assertLe(lens.pendingStake(alice) + lens.pendingStake(orch), bonding.delegatedStake(orch));
    }

    function test_newStakeEarnsFromNextRound() public {
        _bond(bob, 4_000 ether, orch); // joins during the round, before the reward
        uint256 mintable = minter.currentRewardTokens();
        _reward(orch);
        assertEq(lens.pendingStake(bob), 4_000 ether, "bob earns nothing this round");
        uint256 shared = mintable - mintable / 10;
        assertApproxEqAbs(
            lens.pendingStake(alice), 3_000 ether + shared * 3 / 4, 2, "alice loses nothing to bob"
        );

        _nextRound();
        uint256 aliceBefore = lens.pendingStake(alice);
        uint256 bobBefore = lens.pendingStake(bob);
        _reward(orch);
        // Next round bob earns pro rata.
        uint256 aliceGain = lens.pendingStake(alice) - aliceBefore;
        uint256 bobGain = lens.pendingStake(bob) - bobBefore;
        assertApproxEqRel(bobGain * aliceBefore, aliceGain * bobBefore, 1e9);
    }

    function test_feesAreSharedByFeeShare() public {
        _creditFees(orch, 10 ether);
        assertApproxEqAbs(lens.pendingFees(alice), 10 ether / 2 * 3 / 4, 1);
        assertApproxEqAbs(lens.pendingFees(orch), 5 ether + 10 ether / 2 / 4, 1);

        uint256 before = alice.balance;
        uint256 fees = lens.pendingFees(alice);
        vm.prank(alice);
        bonding.withdrawFees(payable(alice), fees);
        assertEq(alice.balance, before + fees);
        assertEq(lens.pendingFees(alice), 0);
    }

    function test_claimIsConstantGas() public {
        _bond(bob, 1_000 ether, orch);
        _nextRound();
        _reward(orch);
        _creditFees(orch, 1 ether);
        uint256 afterOne = _measuredClaim(alice);

        for (uint256 i; i < 100; ++i) {
            _nextRound();
            _reward(orch);
            _creditFees(orch, 1 ether);
        }
        uint256 afterHundred = _measuredClaim(bob);
        assertEq(afterOne, afterHundred, "claimEarnings is O(1) in rounds");
    }

    function _measuredClaim(address delegator) internal returns (uint256 gasUsed) {
        uint256 round = rounds.currentRound();
        vm.prank(delegator);
        uint256 g0 = gasleft();
        bonding.claimEarnings();
        gasUsed = g0 - gasleft();
    }
}
