// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IBondingManager} from "../../../contracts/interfaces/IBondingManager.sol";
import {IDisputeManager} from "../../../contracts/interfaces/IDisputeManager.sol";
import {DisputeFixture} from "../../fixtures/DisputeFixture.sol";

/// @notice The properties of issue 14, one named test each (see docs/slashing.md).
contract SlashingPropertiesTest is DisputeFixture {
    address internal other = makeAddr("other orchestrator");

    function setUp() public override {
        super.setUp();
        _registerOrchestrator(other, 0, 0, 10 ether);
    }

    /// Property 1: the orchestrator moves its own stake away and its whole pool empties before the
    /// dispute is opened: the dispute still opens, the moved stake (a lock of the old pool) is cut,
    /// and cannot leave before the slash.
    function test_property1_noEscape_moveStaysLiable() public {
        uint256 offense = rounds.currentRound();
        IDisputeManager.Receipt memory r = _receipt();
        _fund(orch, 1 ether);
        vm.prank(orch);
        bonding.bond(1 ether, other, _noHints()); // moves its 1,000 LPT: a lock of its own pool
        vm.prank(alice);
        bonding.unbond(3_000 ether, address(0), address(0));
        assertEq(bonding.delegatedStake(orch), 0, "the pool is empty");
        assertEq(bonding.unbondingStake(orch), 4_000 ether, "but its locks are liable");

        uint256 id = _open(r);
        _vote(0, id, HONEST_OUTPUT);
        _vote(1, id, HONEST_OUTPUT);
        for (uint256 i; i < 8; ++i) {
            _nextRound(); // past the unbonding period: the guilty verdict still holds the locks
        }
        vm.prank(orch);
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.LockHeld.selector, orch, 0, offense));
        bonding.withdrawStake(0);
        disputes.executeSlash(id, address(0), address(0));
        vm.prank(orch);
        bonding.withdrawStake(0);
        vm.prank(alice);
        bonding.withdrawStake(0);
        assertEq(token.balanceOf(orch), 900 ether, "the orchestrator's moved stake bore its share");
        assertEq(token.balanceOf(alice), 2_700 ether);
    }

    /// Property 3: every receipt for one job id is one offense.
    function test_property3_oneOffenseOneSlash() public {
        _open();
        IDisputeManager.Receipt memory r2 =
            _receipt(keccak256("job1"), keccak256("other output"), rounds.currentRound());
        bytes memory sig = _signReceipt(orchKey, r2);
        vm.prank(challenger);
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeManager.OffenseAlreadyDisputed.selector, orch, keccak256("job1"))
        );
        disputes.openDispute(r2, sig);
    }

    /// Property 5: the challenger is paid at most half of the orchestrator's own cut.
    function test_property5_accompliceNeverProfits() public {
        uint256 before = token.balanceOf(challenger) + lens.pendingStake(orch);
        uint256 id = _openGuilty();
        _passVetoWindow();
        disputes.executeSlash(id, address(0), address(0));
        assertLt(token.balanceOf(challenger) + lens.pendingStake(orch), before);
    }

    /// Property 5, the last edge: an orchestrator with zero own stake and zero commission, and an
    /// accomplice challenger. Its own cut is zero, so the reward is zero; the guilty deposit burn
    /// alone keeps the pair strictly behind, by exactly the fee.
    function test_property5_zeroOwnStakeAccompliceStrictlyBehind() public {
        (address bare, uint256 bareKey) = makeAddrAndKey("bare orchestrator");
        _registerOrchestrator(bare, 0, 0, 0); // no own stake; no reward cut, no fee share
        _bond(makeAddr("carol"), 5_000 ether, bare);
        _nextRound();
        assertEq(lens.pendingStake(bare), 0, "no own stake");
        IDisputeManager.Receipt memory r = _receipt();
        r.orchestrator = bare;
        bytes memory sig = _sign(bareKey, disputes.receiptDigest(r));

        uint256 pairBefore = token.balanceOf(challenger) + token.balanceOf(bare) + lens.pendingStake(bare);
        vm.prank(challenger);
        uint256 id = disputes.openDispute(r, sig);
        _vote(0, id, HONEST_OUTPUT);
        _vote(1, id, HONEST_OUTPUT);
        _passVetoWindow();
        disputes.executeSlash(id, address(0), address(0));
        assertEq(bonding.delegatedStake(bare), 4_500 ether, "the delegators' pool was slashed");
        uint256 pairAfter = token.balanceOf(challenger) + token.balanceOf(bare) + lens.pendingStake(bare);
        uint256 fee = DEPOSIT * disputes.guiltyDepositBurnPpb() / 1e9;
        assertGt(fee, 0);
        assertEq(pairBefore - pairAfter, fee, "the pair loses exactly the fee: no reward on zero own cut");
    }

    /// Property 8: a third party cannot give stake to another orchestrator (stranding its commission).
    function test_property8_noPositionOverwrite() public {
        address bare = makeAddr("orchestrator without own stake");
        _registerOrchestrator(bare, 0, 0, 0);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.NotReceiversPool.selector, bare, orch));
        bonding.transferBond(bare, 1, orch, _noHints());
    }

    /// Property 9: a pool slashed in a round mints that round's reward on what it kept: the same
    /// reward as unslashed, scaled by the share the slash left.
    function test_property9_slashedPoolEarnsOnWhatItKept() public {
        uint256 id = _openGuilty();
        _passVetoWindow();
        uint256 state = vm.snapshotState();
        uint256 supply = token.totalSupply();
        vm.prank(orch);
        bonding.reward(orch, address(0), address(0));
        uint256 unslashed = token.totalSupply() - supply;
        vm.revertToState(state);

        uint256 start = bonding.delegatedStake(orch);
        disputes.executeSlash(id, address(0), address(0));
        uint256 kept = bonding.delegatedStake(orch);
        assertLt(kept, start);
        supply = token.totalSupply();
        vm.prank(orch);
        bonding.reward(orch, address(0), address(0));
        uint256 minted = token.totalSupply() - supply;
        assertApproxEqAbs(minted, unslashed * kept / start, 2, "reward on the post-slash stake");
    }

    /// Property 9: a pool that left the active set before its slash in a round earns nothing that
    /// round (the slash marks the round rewarded).
    function test_property9_outOfTheActiveSetEarnsNothing() public {
        uint256 id = _openGuilty();
        _passVetoWindow();
        uint256 round = rounds.currentRound();
        vm.prank(orch);
        bonding.unbond(1_000 ether, address(0), address(0));
        vm.prank(alice);
        bonding.unbond(3_000 ether, address(0), address(0));
        assertEq(bonding.delegatedStake(orch), 0, "out of the set from the next round");
        disputes.executeSlash(id, address(0), address(0));
        vm.prank(orch);
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.AlreadyRewarded.selector, orch, round));
        bonding.reward(orch, address(0), address(0));
    }

    struct Composition {
        uint256 orchExtra;
        uint256 aliceExtra;
        uint256 bobStake;
        uint256 orchUnbonds; // after the offense: a lock of its own pool, cut too
        bool orchLeaves; // before the offense: no own stake in the pool at all
        uint256 maxCut;
        uint256 rewardCut;
        uint256 depositAmount;
        uint256 rateLimit;
        uint256 depositBurn;
    }

    /// Property 5, fuzzed over pool compositions (zero own stake included: the orchestrator left
    /// its pool before the offense, and never earned commission) and every parameter within
    /// governance's bounds: an orchestrator plus an accomplice challenger always end strictly
    /// behind; they lose exactly `ownLoss - reward + fee >= ownLoss / 2 + fee > 0`, and the
    /// challenger's reward never exceeds the orchestrator's own loss
    /// (`reward <= challengerRewardCut * ownLoss`): delegators' slashed stake never funds it.
    function testFuzz_property5_accompliceNeverProfits(Composition memory c) public {
        c.maxCut = bound(c.maxCut, 1, 1e9 - 1);
        c.rewardCut = bound(c.rewardCut, 0, disputes.MAX_CHALLENGER_REWARD_CUT());
        c.depositAmount = bound(c.depositAmount, 1, 5_000 ether);
        c.rateLimit = bound(c.rateLimit, 0, 1e8 ether);
        c.depositBurn = bound(c.depositBurn, 1, 1e9);
        disputes.setMaxSlashCut(c.maxCut);
        disputes.setChallengerRewardCut(c.rewardCut);
        disputes.setDeposit(c.depositAmount);
        disputes.setSlashRateLimit(10, c.rateLimit);
        disputes.setGuiltyDepositBurn(c.depositBurn);
        address bob = makeAddr("bob");
        if (c.orchLeaves) {
            vm.prank(orch);
            bonding.unbond(1_000 ether, address(0), address(0)); // lock 0, before the offense
        } else {
            c.orchExtra = bound(c.orchExtra, 0, 1e6 ether);
            if (c.orchExtra != 0) _bond(orch, c.orchExtra, orch);
        }
        c.aliceExtra = bound(c.aliceExtra, 0, 1e6 ether);
        if (c.aliceExtra != 0) _bond(alice, c.aliceExtra, orch);
        c.bobStake = bound(c.bobStake, 0, 1e6 ether);
        if (c.bobStake != 0) _bond(bob, c.bobStake, orch);
        _nextRound();

        uint256 pairBefore = token.balanceOf(challenger) + lens.pendingStake(orch) + _orchLocks();
        uint256 id = _openGuilty();
        uint256 ownStake = lens.pendingStake(orch);
        if (!c.orchLeaves && ownStake > 1) {
            c.orchUnbonds = bound(c.orchUnbonds, 0, ownStake - 1);
            if (c.orchUnbonds != 0) {
                vm.prank(orch);
                bonding.unbond(c.orchUnbonds, address(0), address(0));
            }
        }
        _passVetoWindow();
        uint256 ownBefore = lens.pendingStake(orch) + _orchLocksRaw();
        uint256 challengerBefore = token.balanceOf(challenger);
        disputes.executeSlash(id, address(0), address(0));
        uint256 fee = Math.mulDiv(c.depositAmount, c.depositBurn, 1e9, Math.Rounding.Ceil);
        assertGt(fee, 0, "the fee is at least a wei");
        uint256 reward = token.balanceOf(challenger) + fee - challengerBefore - c.depositAmount;

        // Every lock of the orchestrator's, out at its value after the slash.
        for (uint256 i; i < bonding.unbondingPeriod(); ++i) {
            _nextRound();
        }
        uint256 ownAfter = lens.pendingStake(orch) + _withdrawOrchLocks();
        uint256 ownLoss = ownBefore - ownAfter;
        uint256 pairAfter = token.balanceOf(challenger) + ownAfter;
        assertLe(reward, ownLoss * c.rewardCut / 1e9 + 1, "reward within the orchestrator's own loss");
        assertLe(reward * 2, ownLoss + 1, "at most half of it");
        assertLt(pairAfter, pairBefore, "strictly behind, whatever the composition");
        assertEq(pairBefore - pairAfter, ownLoss - reward + fee, "the pair loses ownLoss - reward + fee");
        assertGe(pairBefore - pairAfter, ownLoss / 2 + fee, "the bound: at least ownLoss / 2 + fee");
    }

    function _orchLocksRaw() internal view returns (uint256 total) {
        for (uint256 id; id < lens.nextLockId(orch); ++id) {
            total += lens.getUnbondingLock(orch, id).amount;
        }
    }

    function _orchLocks() internal view returns (uint256) {
        return _orchLocksRaw();
    }

    function _withdrawOrchLocks() internal returns (uint256 out) {
        uint256 balance = token.balanceOf(orch);
        for (uint256 id; id < lens.nextLockId(orch); ++id) {
            if (lens.getUnbondingLock(orch, id).amount == 0) continue;
            vm.prank(orch);
            bonding.withdrawStake(id);
        }
        out = token.balanceOf(orch) - balance;
    }

    /// Property 4: the window's limit bounds bonded and unbonding cuts together; a spent window cuts
    /// nothing (the execution waits, `SlashRateLimited`, moving nothing); the stake stays liable
    /// (its locks held) and is cut in the next window.
    function test_property4_capCountsLocksAndWaitingIsNoEscape() public {
        uint256 limit = 300 ether;
        disputes.setSlashRateLimit(20, limit);
        uint256 id1 = _openGuilty();
        // Alice leaves after the offense: 3,000 LPT in a lock, liable.
        vm.prank(alice);
        uint256 lock = bonding.unbond(3_000 ether, address(0), address(0));
        uint256 state = vm.snapshotState();

        // One slash: 10% of 4,000 = 400 LPT > 300, cut down to the window, bonded and lock together.
        _passVetoWindow();
        uint256 bonded = bonding.delegatedStake(orch);
        disputes.executeSlash(id1, address(0), address(0));
        uint256 bondedCut = bonded - bonding.delegatedStake(orch);
        for (uint256 i; i < bonding.unbondingPeriod(); ++i) {
            _nextRound();
        }
        vm.prank(alice);
        bonding.withdrawStake(lock);
        uint256 lockCut = 3_000 ether - token.balanceOf(alice);
        assertGt(lockCut, 0, "the lock was cut");
        assertLe(bondedCut + lockCut, limit + 1, "bonded and unbonding cuts within the window");
        vm.revertToState(state);

        // Again, with a second offense disputed beside it: the window is spent by the first.
        uint256 id2 = _open(_receipt(keccak256("job2"), CHEATED_OUTPUT, rounds.currentRound()));
        _vote(0, id2, HONEST_OUTPUT);
        _vote(1, id2, HONEST_OUTPUT);
        _passVetoWindow();
        disputes.executeSlash(id1, address(0), address(0));
        uint256 window = rounds.currentRound() / 20;
        uint256 stake = bonding.delegatedStake(orch);
        uint256 supply = token.totalSupply();
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.SlashRateLimited.selector, (window + 1) * 20));
        disputes.executeSlash(id2, address(0), address(0));
        assertEq(bonding.delegatedStake(orch), stake, "nothing cut in a spent window");
        assertEq(token.totalSupply(), supply, "nothing burned");
        assertEq(uint8(_status(id2)), uint8(IDisputeManager.Status.Guilty));

        // Matured, the lock is still held by the waiting dispute: waiting is no escape.
        for (uint256 i; i < bonding.unbondingPeriod(); ++i) {
            _nextRound();
        }
        uint256 offense = disputes.getDispute(id2).offenseRound;
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.LockHeld.selector, orch, lock, offense));
        bonding.withdrawStake(lock);
        while (rounds.currentRound() / 20 == window) {
            _nextRound();
        }
        disputes.executeSlash(id2, address(0), address(0));
        assertLt(bonding.delegatedStake(orch), stake, "cut in the next window");
        vm.prank(alice);
        bonding.withdrawStake(lock);
        assertLt(token.balanceOf(alice), 3_000 ether - lockCut, "the lock bore the second slash too");
    }
}
