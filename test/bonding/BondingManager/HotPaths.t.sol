// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IBondingManager} from "../../../contracts/interfaces/IBondingManager.sol";
import {IMinter} from "../../../contracts/interfaces/IMinter.sol";
import {Roles} from "../../../contracts/access/Roles.sol";
import {BondingFixture} from "../../fixtures/BondingFixture.sol";

/// The shortcuts of the hot paths keep their meaning: the trusted fee creditor and round initializer
/// (set by governance) skip the authority and nobody else does; a fee credit answers whether the
/// orchestrator is active; the bonded total is kept at round start; a matured lock is paid without
/// asking the clock; a pool's per-round factors are kept only for rounds a position is based on.
contract HotPathsTest is BondingFixture {
    address internal orch = makeAddr("orch");
    address internal idle = makeAddr("idle orchestrator");
    address internal alice = makeAddr("alice");

    function setUp() public override {
        super.setUp();
        _registerOrchestrator(orch, 0, 500_000, 1_000 ether);
        vm.prank(idle);
        bonding.registerOrchestrator(0, 0); // registered, never active: no stake
        _bond(alice, 1_000 ether, orch);
        _nextRound();
    }

    // ------------------------------------------------------------------ trusted fee creditor

    function test_trustedFeeCreditor_isTheBrokerAfterDeploy() public view {
        assertEq(bonding.trustedFeeCreditor(), address(broker));
    }

    function test_setTrustedFeeCreditor_restrictedAndEmits() public {
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(stranger));
        bonding.setTrustedFeeCreditor(stranger);

        vm.expectEmit(address(bonding));
        emit IBondingManager.TrustedFeeCreditorSet(alice);
        bonding.setTrustedFeeCreditor(alice);
        assertEq(bonding.trustedFeeCreditor(), alice);
    }

    function test_creditFees_trustedCreditorNeedsNoRole() public {
        address creditor = makeAddr("creditor");
        bonding.setTrustedFeeCreditor(creditor);
        vm.deal(creditor, 1 ether);
        vm.prank(creditor);
        assertTrue(bonding.creditFees{value: 1 ether}(orch));
        assertApproxEqAbs(lens.pendingFees(orch) + lens.pendingFees(alice), 1 ether, 2, "credited");
    }

    function test_creditFees_untrustedCallerGoesThroughTheAuthority() public {
        bonding.setTrustedFeeCreditor(address(0));
        _creditFees(orch, 1 ether); // feeCreditor holds FEE_CREDITOR
        manager.revokeRole(Roles.FEE_CREDITOR, feeCreditor);
        vm.prank(feeCreditor);
        vm.expectRevert(_unauthorized(feeCreditor));
        bonding.creditFees{value: 1 ether}(orch);
    }

    function test_creditFees_answersWhetherActive() public {
        vm.startPrank(feeCreditor);
        assertTrue(bonding.creditFees{value: 1 ether}(orch));
        assertFalse(bonding.creditFees{value: 1 ether}(idle), "registered but not active: credited, false");
        vm.stopPrank();
        assertEq(lens.getPool(idle).feeCommission, 1 ether);
    }

    // ------------------------------------------------------------------ round start

    function test_roundInitializer_isTheRoundsManagerAfterDeploy() public view {
        assertEq(minter.roundInitializer(), address(rounds));
    }

    function test_setRoundInitializer_restrictedAndEmits() public {
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(stranger));
        minter.setRoundInitializer(stranger);

        vm.expectEmit(address(minter));
        emit IMinter.RoundInitializerSet(address(0));
        minter.setRoundInitializer(address(0));
        _nextRound(); // the RoundsManager still holds ROUND_INITIALIZER
        manager.revokeRole(Roles.ROUND_INITIALIZER, address(rounds));
        vm.roll(rounds.currentRoundStartBlock() + rounds.roundLength());
        vm.expectRevert(_unauthorized(address(rounds)));
        rounds.initializeRound();
    }

    function test_initializeRound_keepsTheBondedTotalTheLastRoundLeft() public {
        uint256 last = rounds.currentRound();
        _bond(makeAddr("bob"), 500 ether, orch); // changes the total in `last`
        uint256 total = bonding.totalBonded();
        uint256 round = _nextRound();
        // The round's first bonding operation will find the total already rolled over.
        assertEq(lens.bondedTotal().round, round);
        (uint128 value, uint32 keptRound,) = lens.bondedTotalHistory(last);
        assertEq(value, total);
        assertEq(keptRound, last);
    }

    function test_checkpointTotalBonded_byAnyoneChangesNoValue() public {
        uint256 total = bonding.totalBonded();
        vm.roll(rounds.currentRoundStartBlock() + rounds.roundLength()); // not initialized
        vm.prank(stranger);
        assertEq(bonding.checkpointTotalBonded(), total);
        assertEq(lens.bondedTotal().round, rounds.currentRound());
        vm.prank(stranger);
        assertEq(bonding.checkpointTotalBonded(), total, "twice in a round: nothing more");
        assertEq(bonding.totalBonded(), total);
    }

    // ------------------------------------------------------------------ locks

    function test_withdrawStake_maturedWithoutAnyRecentChange() public {
        vm.prank(alice);
        uint256 lockId = bonding.unbond(400 ether, address(0), address(0));
        uint256 withdrawRound = lens.getUnbondingLock(alice, lockId).withdrawRound;
        // Rounds pass uninitialized: the total's round lags behind the clock.
        vm.roll(block.number + (withdrawRound - rounds.currentRound()) * rounds.roundLength() - 1);
        assertEq(rounds.currentRound(), withdrawRound - 1);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IBondingManager.LockNotWithdrawable.selector, lockId, withdrawRound)
        );
        bonding.withdrawStake(lockId);
        vm.roll(block.number + 1);
        assertLt(lens.bondedTotal().round, withdrawRound);
        vm.prank(alice);
        bonding.withdrawStake(lockId);
        assertEq(token.balanceOf(alice), 400 ether);
    }

    function test_withdrawStake_anotherPoolsSlashDoesNotCutTheLock() public {
        address other = makeAddr("other");
        _registerOrchestrator(other, 0, 0, 1_000 ether);
        uint256 offense = _nextRound();
        _nextRound();
        vm.prank(alice);
        uint256 lockId = bonding.unbond(400 ether, address(0), address(0));
        vm.startPrank(slasher);
        bonding.slash(other, 500_000_000, offense, address(0), address(0)); // not alice's pool
        bonding.slash(orch, 250_000_000, offense, address(0), address(0)); // alice's, before the lock
        vm.stopPrank();
        for (uint256 i; i < 7; ++i) {
            _nextRound();
        }
        vm.prank(alice);
        bonding.withdrawStake(lockId);
        assertEq(token.balanceOf(alice), 300 ether, "cut by its own pool's slash only");
        assertEq(lens.poolSlashFactors(orch, 1), 0.75e18);
        assertEq(lens.getPool(orch).slashCount, 1);
    }

    // ------------------------------------------------------------------ per-round records

    function test_touch_keepsFactorsOnlyForRoundsAPositionIsBasedOn() public {
        uint256 quiet = rounds.currentRound(); // nobody acts in orch's pool this round but fees
        _creditFees(orch, 1 ether);
        uint256 acted = _nextRound();
        _claim(alice);
        _nextRound();
        _creditFees(orch, 1 ether); // rolls `acted` over
        (uint96 rf, uint160 ff) = lens.roundFactors(orch, quiet);
        assertEq(rf, 0, "quiet round: no factors kept");
        assertEq(ff, 0);
        (rf, ff) = lens.roundFactors(orch, acted);
        assertGt(rf, 0, "alice's base round: factors kept");
        assertGt(ff, 0);
        (uint96 historyRf, uint96 stakeStart,,) = lens.roundHistory(orch, quiet);
        assertGt(historyRf, 0, "every used round has its vote record");
        assertEq(stakeStart, 2_000 ether);
    }
}
