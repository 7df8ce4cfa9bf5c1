// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IBondingManager} from "../../../contracts/interfaces/IBondingManager.sol";
import {BondingFixture} from "../../fixtures/BondingFixture.sol";

contract SlashingTest is BondingFixture {
    address internal orch = makeAddr("orch");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    uint256 internal offenseRound;

    function setUp() public override {
        super.setUp();
        _registerOrchestrator(orch, 0, 0, 1_000 ether);
        _bond(alice, 3_000 ether, orch);
        offenseRound = _nextRound();
    }

    function _slash(uint256 fractionPpb, uint256 round) internal returns (uint256) {
        vm.prank(slasher);
        (uint256 amount,,) = bonding.slash(orch, fractionPpb, round, address(0), address(0));
        return amount;
    }

    function test_slash_cutsEveryoneProRata() public {
        uint256 supply = token.totalSupply();
        vm.expectEmit(address(bonding));
        emit IBondingManager.Slashed(orch, 100_000_000, offenseRound, 400 ether);
        uint256 amount = _slash(100_000_000, offenseRound); // 10%

        assertEq(amount, 400 ether);
        assertEq(lens.pendingStake(alice), 2_700 ether);
        assertEq(lens.pendingStake(orch), 900 ether);
        assertEq(bonding.delegatedStake(orch), 3_600 ether);
        assertEq(bonding.totalBonded(), 3_600 ether);
        assertEq(token.balanceOf(slasher), 400 ether, "the slasher receives the cut to reward and burn");
        assertEq(token.totalSupply(), supply);
    }

    function test_slash_includesStakeBondedThisRound() public {
        _bond(bob, 1_000 ether, orch);
        _slash(500_000_000, offenseRound);
        assertEq(lens.pendingStake(bob), 500 ether);
    }

    function test_slash_laterBondsAreUntouched() public {
        _slash(500_000_000, offenseRound);
        _bond(bob, 1_000 ether, orch);
        assertEq(lens.pendingStake(bob), 1_000 ether);
        _nextRound();
        _reward(orch);
        assertGt(lens.pendingStake(bob), 1_000 ether);
    }

    function test_slash_cutsLocksCreatedAfterTheOffense() public {
        _nextRound();
        vm.prank(alice);
        bonding.unbond(1_000 ether, address(0), address(0)); // delegated at the offense round
        uint256 supply = token.totalSupply();
        _slash(200_000_000, offenseRound);

        for (uint256 i; i < 7; ++i) {
            _nextRound();
        }
        vm.expectEmit(address(bonding));
        emit IBondingManager.StakeWithdrawn(alice, 0, 800 ether, 200 ether);
        vm.prank(alice);
        bonding.withdrawStake(0);
        assertEq(token.balanceOf(alice), 800 ether);
        assertEq(token.totalSupply(), supply - 200 ether, "the lock's cut is burned");
    }

    function test_slash_sparesLocksCreatedBeforeTheOffense() public {
        vm.prank(alice);
        bonding.unbond(1_000 ether, address(0), address(0));
        uint256 later = _nextRound();
        _slash(200_000_000, later); // offense after the lock was created
        for (uint256 i; i < 7; ++i) {
            _nextRound();
        }
        vm.prank(alice);
        bonding.withdrawStake(0);
        assertEq(token.balanceOf(alice), 1_000 ether);
    }

    function test_slash_cutsLocksOnRebond() public {
        _nextRound();
        vm.prank(alice);
        bonding.unbond(1_000 ether, address(0), address(0));
        _slash(500_000_000, offenseRound);
        vm.prank(alice);
        bonding.rebond(0, orch, _noHints());
        assertEq(lens.pendingStake(alice), 1_000 ether + 500 ether);
    }

    function test_slash_unclaimedCommissionIsCut() public {
        bonding.setRewardBounty(0);
        vm.prank(orch);
        bonding.setOrchestratorParams(1_000_000, 0);
        _nextRound();
        _reward(orch);
        uint256 commission = lens.getPool(orch).rewardCommission;
        assertGt(commission, 0);
        _slash(500_000_000, offenseRound);
        assertEq(lens.getPool(orch).rewardCommission, commission / 2);
    }

    function test_slash_reverts() public {
        vm.prank(alice);
        vm.expectRevert(_unauthorized(alice));
        bonding.slash(orch, 1, offenseRound, address(0), address(0));

        vm.startPrank(slasher);
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.InvalidSlashFraction.selector, 0));
        bonding.slash(orch, 0, offenseRound, address(0), address(0));
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.InvalidSlashFraction.selector, 1e9));
        bonding.slash(orch, 1e9, offenseRound, address(0), address(0));
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.NotAnOrchestrator.selector, alice));
        bonding.slash(alice, 1, offenseRound, address(0), address(0));
        vm.stopPrank();
        assertEq(bonding.delegatedStake(orch), 4_000 ether);
    }
}
