// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Delegator, Pool, UnbondingLock} from "../../../contracts/bonding/BondingTypes.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IBondingManager} from "../../../contracts/interfaces/IBondingManager.sol";
import {BondingManager} from "../../../contracts/bonding/BondingManager.sol";
import {BondingFixture} from "../../fixtures/BondingFixture.sol";

contract DelegationTest is BondingFixture {
    address internal orch = makeAddr("orch");
    address internal other = makeAddr("other");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");

    function setUp() public override {
        super.setUp();
        _registerOrchestrator(orch, 100_000, 500_000, 1_000 ether);
        _registerOrchestrator(other, 0, 1_000_000, 500 ether);
        _nextRound();
    }

    // ------------------------------------------------------------ bond

    function test_bond_pullsTokensAndDelegates() public {
        _fund(alice, 10 ether);
        vm.expectEmit(address(bonding));
        emit IBondingManager.Bond(alice, orch, address(0), 10 ether, 10 ether);
        vm.prank(alice);
        bonding.bond(10 ether, orch, _noHints());

        assertEq(token.balanceOf(alice), 0);
        assertEq(lens.pendingStake(alice), 10 ether);
        assertEq(bonding.delegatedStake(orch), 1_010 ether);
        assertEq(bonding.totalBonded(), 1_510 ether);
        Delegator memory d = lens.getDelegator(alice);
        assertEq(d.delegate, orch);
        assertEq(d.lastClaimRound, rounds.currentRound());
    }

    function test_bond_addsToStake() public {
        _bond(alice, 10 ether, orch);
        _bond(alice, 5 ether, orch);
        assertEq(lens.pendingStake(alice), 15 ether);
        assertEq(bonding.delegatedStake(orch), 1_015 ether);
    }

    function test_bond_movesWholeDelegation() public {
        _bond(alice, 10 ether, orch);
        _nextRound();
        _reward(orch);
        uint256 stake = lens.pendingStake(alice);
        _bond(alice, 1 ether, other);
        assertEq(lens.getDelegator(alice).delegate, other);
        // The old stake leaves through a lock of the old pool (liable to its slashes).
        assertEq(lens.pendingStake(alice), 1 ether);
        assertEq(lens.getUnbondingLock(alice, 0).amount, stake);
        assertEq(bonding.unbondingStake(orch), stake);
        assertEq(bonding.delegatedStake(other), 500 ether + 1 ether);
    }

    function test_bond_zeroAmountMoveReverts() public {
        _bond(alice, 10 ether, orch);
        vm.prank(alice);
        vm.expectRevert(IBondingManager.ZeroAmount.selector);
        bonding.bond(0, other, _noHints());
        assertEq(bonding.delegatedStake(orch), 1_010 ether);
    }

    function test_bond_revertsOnZero() public {
        vm.prank(alice);
        vm.expectRevert(IBondingManager.ZeroAmount.selector);
        bonding.bond(0, orch, _noHints());

        _bond(alice, 1 ether, orch);
        vm.prank(alice);
        vm.expectRevert(IBondingManager.ZeroAmount.selector);
        bonding.bond(0, orch, _noHints());
    }

    function test_bond_revertsToNonOrchestrator() public {
        _fund(alice, 1 ether);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.NotAnOrchestrator.selector, bob));
        bonding.bond(1 ether, bob, _noHints());
    }

    function test_bond_revertsWithoutTokens() public {
        vm.prank(alice);
        // The token's own error: alice neither holds nor approved any LPT.
        vm.expectRevert(
            abi.encodeWithSelector(
                IERC20Errors.ERC20InsufficientAllowance.selector, address(bonding), 0, 1 ether
            )
        );
        bonding.bond(1 ether, orch, _noHints());
        assertEq(bonding.delegatedStake(orch), 1_000 ether);
    }

    // ------------------------------------------------------------ unbond, rebond, withdraw

    function test_unbond_createsLock() public {
        _bond(alice, 10 ether, orch);
        uint256 round = rounds.currentRound();
        vm.expectEmit(address(bonding));
        emit IBondingManager.Unbond(alice, orch, 0, 4 ether, round + 7);
        vm.prank(alice);
        uint256 lockId = bonding.unbond(4 ether, address(0), address(0));

        assertEq(lockId, 0);
        assertEq(lens.pendingStake(alice), 6 ether);
        assertEq(bonding.delegatedStake(orch), 1_006 ether);
        assertEq(bonding.totalBonded(), 1_506 ether);
        UnbondingLock memory lock = lens.getUnbondingLock(alice, 0);
        assertEq(lock.amount, 4 ether);
        assertEq(lock.withdrawRound, round + 7);
        assertEq(lock.orchestrator, orch);
    }

    function test_unbond_reverts() public {
        vm.startPrank(alice);
        vm.expectRevert(IBondingManager.ZeroAmount.selector);
        bonding.unbond(0, address(0), address(0));
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.NotBonded.selector, alice));
        bonding.unbond(1, address(0), address(0));
        vm.stopPrank();

        _bond(alice, 10 ether, orch);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IBondingManager.UnbondExceedsStake.selector, 11 ether, 10 ether)
        );
        bonding.unbond(11 ether, address(0), address(0));
        assertEq(lens.pendingStake(alice), 10 ether);
    }

    function test_withdrawStake_afterUnbondingPeriod() public {
        _bond(alice, 10 ether, orch);
        vm.prank(alice);
        bonding.unbond(10 ether, address(0), address(0));

        for (uint256 i; i < 6; ++i) {
            _nextRound();
        }
        uint256 withdrawRound = lens.getUnbondingLock(alice, 0).withdrawRound;
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IBondingManager.LockNotWithdrawable.selector, 0, withdrawRound)
        );
        bonding.withdrawStake(0);

        _nextRound();
        vm.expectEmit(address(bonding));
        emit IBondingManager.StakeWithdrawn(alice, 0, 10 ether, 0);
        vm.prank(alice);
        bonding.withdrawStake(0);
        assertEq(token.balanceOf(alice), 10 ether);

        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.UnknownLock.selector, alice, 0));
        bonding.withdrawStake(0);
    }

    function test_rebond_toCurrentOrchestrator() public {
        _bond(alice, 10 ether, orch);
        vm.startPrank(alice);
        bonding.unbond(4 ether, address(0), address(0));
        vm.expectEmit(address(bonding));
        emit IBondingManager.Rebond(alice, orch, 0, 4 ether);
        bonding.rebond(0, orch, _noHints());
        vm.stopPrank();
        assertEq(lens.pendingStake(alice), 10 ether);
        assertEq(lens.getUnbondingLock(alice, 0).amount, 0);
        assertEq(bonding.totalBonded(), 1_510 ether);
    }

    function test_rebond_toAnotherOrchestratorMovesEverything() public {
        _bond(alice, 10 ether, orch);
        vm.startPrank(alice);
        bonding.unbond(4 ether, address(0), address(0));
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.LockNotWithdrawable.selector, 0, 18));
        bonding.rebond(0, other, _noHints()); // elsewhere only once matured
        vm.stopPrank();
        for (uint256 i; i < 7; ++i) {
            _nextRound();
        }
        vm.prank(alice);
        bonding.rebond(0, other, _noHints());
        assertEq(lens.getDelegator(alice).delegate, other);
        assertEq(bonding.delegatedStake(other), 504 ether);
        assertEq(bonding.delegatedStake(orch), 1_000 ether, "the rest left through a lock");
        assertEq(lens.getUnbondingLock(alice, 1).amount, 6 ether);
    }

    function test_rebond_afterFullyUnbonding() public {
        _bond(alice, 10 ether, orch);
        vm.startPrank(alice);
        bonding.unbond(10 ether, address(0), address(0));
        vm.stopPrank();
        for (uint256 i; i < 7; ++i) {
            _nextRound();
        }
        vm.prank(alice);
        bonding.rebond(0, other, _noHints());
        assertEq(lens.pendingStake(alice), 10 ether);
        assertEq(bonding.delegatedStake(other), 510 ether);
    }

    function test_rebond_revertsOnUnknownLock() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.UnknownLock.selector, alice, 3));
        bonding.rebond(3, orch, _noHints());
    }

    // ------------------------------------------------------------ fees

    function test_withdrawFees_reverts() public {
        _bond(alice, 10 ether, orch);
        vm.startPrank(alice);
        vm.expectRevert(IBondingManager.ZeroAddress.selector);
        bonding.withdrawFees(payable(address(0)), 0);
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.InsufficientFees.selector, 1, 0));
        bonding.withdrawFees(payable(alice), 1);
        vm.stopPrank();
    }

    function test_withdrawFees_revertsWhenRecipientRejects() public {
        _creditFees(orch, 1 ether); // all to commission: nothing mature yet besides orch itself
        uint256 fees = lens.pendingFees(orch);
        vm.prank(orch);
        vm.expectRevert(
            abi.encodeWithSelector(IBondingManager.FeeTransferFailed.selector, address(token), fees)
        );
        bonding.withdrawFees(payable(address(token)), fees);
        assertEq(lens.pendingFees(orch), fees, "nothing lost");
    }

    // ------------------------------------------------------------ transferBond

    function test_transferBond_splitsStakeWithinThePool() public {
        _bond(alice, 10 ether, orch);
        vm.expectEmit(address(bonding));
        emit IBondingManager.BondTransferred(alice, bob, orch, orch, 3 ether);
        vm.prank(alice);
        bonding.transferBond(bob, 3 ether, orch, _noHints());

        assertEq(lens.pendingStake(alice), 7 ether);
        assertEq(lens.pendingStake(bob), 3 ether);
        assertEq(lens.getDelegator(bob).delegate, orch);
        assertEq(bonding.delegatedStake(orch), 1_010 ether);
        assertEq(bonding.totalBonded(), 1_510 ether);
    }

    function test_transferBond_reverts() public {
        _bond(alice, 10 ether, orch);
        _bond(bob, 1 ether, orch);
        vm.startPrank(alice);
        vm.expectRevert(IBondingManager.ZeroAmount.selector);
        bonding.transferBond(bob, 0, orch, _noHints());
        vm.expectRevert(IBondingManager.ZeroAddress.selector);
        bonding.transferBond(address(0), 1, orch, _noHints());
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.CrossPoolTransfer.selector, orch, bob));
        bonding.transferBond(makeAddr("carol"), 1, bob, _noHints());
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.CrossPoolTransfer.selector, orch, other));
        bonding.transferBond(makeAddr("carol"), 1, other, _noHints());
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.ReceiverHasStake.selector, bob));
        bonding.transferBond(bob, 1 ether, orch, _noHints());
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.ReceiverHasStake.selector, alice));
        bonding.transferBond(alice, 1 ether, orch, _noHints());
        vm.expectRevert(
            abi.encodeWithSelector(IBondingManager.UnbondExceedsStake.selector, 11 ether, 10 ether)
        );
        bonding.transferBond(makeAddr("carol"), 11 ether, orch, _noHints());
        vm.stopPrank();

        vm.prank(makeAddr("nobody"));
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.NotBonded.selector, makeAddr("nobody")));
        bonding.transferBond(bob, 1, orch, _noHints());
    }

    // ------------------------------------------------------------ claimEarnings

    function test_claimEarnings_revertsWhenNotBonded() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.NotBonded.selector, alice));
        bonding.claimEarnings();
    }

    function test_claimEarnings_movesPendingIntoStored() public {
        _bond(alice, 100 ether, orch);
        _nextRound();
        _reward(orch);
        _creditFees(orch, 1 ether);
        uint256 stake = lens.pendingStake(alice);
        uint256 fees = lens.pendingFees(alice);
        assertGt(stake, 100 ether);
        assertGt(fees, 0);

        vm.expectEmit(address(bonding));
        emit IBondingManager.EarningsClaimed(alice, orch, rounds.currentRound(), stake, fees);
        _claim(alice);
        Delegator memory d = lens.getDelegator(alice);
        assertEq(d.stake, stake);
        assertEq(d.fees, fees);
        assertEq(lens.pendingStake(alice), stake);
    }

    /// The orchestrator's commission joins its own position when it claims.
    function test_claimEarnings_orchestratorCollectsCommission() public {
        _bond(alice, 1_000 ether, orch);
        _nextRound();
        _reward(orch);
        _creditFees(orch, 2 ether);
        Pool memory pool = lens.getPool(orch);
        assertGt(pool.rewardCommission, 0);
        assertEq(pool.feeCommission, 1 ether);
        uint256 stake = lens.pendingStake(orch);
        uint256 fees = lens.pendingFees(orch);
        _claim(orch);
        pool = lens.getPool(orch);
        assertEq(pool.rewardCommission, 0);
        assertEq(pool.feeCommission, 0);
        assertEq(lens.getDelegator(orch).stake, stake);
        assertEq(lens.getDelegator(orch).fees, fees);
    }

    function test_errorsLeaveBalancesUntouched() public {
        _bond(alice, 10 ether, orch);
        uint256 bonded = bonding.totalBonded();
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, alice, 0, 1 ether)
        );
        bonding.bond(1 ether, orch, _noHints());
        assertEq(bonding.totalBonded(), bonded);
        assertEq(lens.pendingStake(alice), 10 ether);
    }
}
