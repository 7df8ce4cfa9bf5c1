// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IDisputeManager} from "../../../contracts/interfaces/IDisputeManager.sol";
import {SlashMath} from "../../../contracts/libraries/SlashMath.sol";
import {DisputeFixture} from "../../fixtures/DisputeFixture.sol";

/// The slash arithmetic, to the wei: whatever a delegator does between the offense and the
/// execution (nothing, claim, bond more, unbond some or all, unbond and rebond), it loses exactly
/// its share, `x - floor(x * keep / 1e9)` of each piece `x` of its stake that was delegated at the
/// offense round (its bonded stake at execution and each lock created from the offense round on),
/// and nothing of a lock created before the offense round. No rewards run between the offense and
/// the execution, so every stake is an exact integer and the expectation is exact.
/// The fraction is taken of everything liable (bonded plus the pool's locks, issue 14) and the
/// challenger's reward of the orchestrator's own cut only.
contract DisputeSlashFuzzTest is DisputeFixture {
    uint256 internal constant PPB = 1e9;
    address internal bob = makeAddr("bob");

    struct Case {
        uint256 orchStake;
        uint256 aliceStake;
        uint256 bobStake;
        uint256 action;
        uint256 amount;
        uint256 maxCut;
        uint256 rateLimit;
        bool bobUnbonds;
        bool earlyLock;
    }

    uint256[] internal aliceLocks;
    uint256 internal aliceSpared; // locks created before the offense round

    function setUp() public override {
        super.setUp();
        // Replace the fixture's pool with a fuzzed one: alice and orch leave, fresh stake comes in.
        vm.prank(alice);
        bonding.unbond(3_000 ether, address(0), address(0));
        vm.prank(orch);
        bonding.unbond(1_000 ether, address(0), address(0));
    }

    function _share(uint256 x, uint256 fractionPpb) internal pure returns (uint256) {
        return x - x * (PPB - fractionPpb) / PPB;
    }

    function testFuzz_lossIsExactShare(Case memory c) public {
        c.orchStake = bound(c.orchStake, 1, 2e6 ether);
        c.aliceStake = bound(c.aliceStake, 2, 2e6 ether);
        c.bobStake = bound(c.bobStake, 1, 2e6 ether);
        c.maxCut = bound(c.maxCut, 1, PPB - 1);
        c.rateLimit = bound(c.rateLimit, 1, 1e6 ether);
        disputes.setMaxSlashCut(c.maxCut);
        disputes.setSlashRateLimit(1_000, c.rateLimit);

        _bond(orch, c.orchStake, orch);
        _bond(alice, c.aliceStake, orch);
        _bond(bob, c.bobStake, orch);
        if (c.earlyLock) {
            _nextRound();
            vm.prank(alice);
            aliceSpared = bonding.unbond(c.aliceStake / 2, address(0), address(0));
            aliceSpared = c.aliceStake / 2;
        }
        _nextRound();

        // The offense, its dispute and a guilty verdict.
        uint256 id = _openGuilty();
        uint256 snapshot = disputes.getDispute(id).snapshotStake;

        // Alice acts after the offense.
        _aliceActs(c);
        if (c.bobUnbonds) {
            vm.prank(bob);
            bonding.unbond(c.bobStake / 2 + 1, address(0), address(0));
        }
        _passVetoWindow();

        uint256 aliceBonded = lens.pendingStake(alice);
        uint256 orchBonded = lens.pendingStake(orch);
        uint256 bobBonded = lens.pendingStake(bob);
        uint256 current = bonding.delegatedStake(orch);
        uint256 unbonding = bonding.unbondingStake(orch);
        uint256 fraction = SlashMath.fractionDown(snapshot, current + unbonding, c.maxCut, c.rateLimit);
        uint256 supply = token.totalSupply();
        uint256 challengerBefore = token.balanceOf(challenger);

        disputes.executeSlash(id, address(0), address(0));

        // The bonded cut respects both caps.
        uint256 slashed = current - bonding.delegatedStake(orch);
        assertLe(slashed, snapshot * c.maxCut / PPB, "within maxSlashCut of the snapshot");
        assertLe(slashed, c.rateLimit, "within the rate limit");
        // The window counts the locks' cut too (an upper bound of it).
        assertLe(slashed + (unbonding * fraction + PPB - 1) / PPB, c.rateLimit + 1, "locks within the limit");
        assertEq(slashed, current * fraction / PPB);
        uint256 own = orchBonded * fraction / PPB;
        uint256 reward = (own < slashed ? own : slashed) * disputes.challengerRewardCutPpb() / PPB;
        uint256 fee = Math.mulDiv(DEPOSIT, disputes.guiltyDepositBurnPpb(), PPB, Math.Rounding.Ceil);
        assertEq(token.balanceOf(challenger) - challengerBefore, DEPOSIT - fee + reward);
        assertEq(supply - token.totalSupply(), slashed - reward + fee, "supply drops by the burn and the fee");

        // Each position loses its share exactly.
        assertEq(aliceBonded - lens.pendingStake(alice), _share(aliceBonded, fraction), "alice bonded");
        assertEq(orchBonded - lens.pendingStake(orch), _share(orchBonded, fraction), "orch bonded");
        assertEq(bobBonded - lens.pendingStake(bob), _share(bobBonded, fraction), "bob bonded");

        _checkLocks(c, fraction);
    }

    /// Each lock made from the offense round on loses its share when withdrawn; earlier ones none.
    function _checkLocks(Case memory c, uint256 fraction) internal {
        for (uint256 i; i < bonding.unbondingPeriod(); ++i) {
            _nextRound();
        }
        uint256 lockCount = aliceLocks.length;
        uint256 expected;
        uint256 raw;
        for (uint256 i; i < lockCount; ++i) {
            uint256 amount = lens.getUnbondingLock(alice, aliceLocks[i]).amount;
            raw += amount;
            expected += amount - _share(amount, fraction);
        }
        if (c.earlyLock) expected += aliceSpared;
        uint256 before = token.balanceOf(alice);
        vm.startPrank(alice);
        // Lock 0 and 1 of the fixture's setUp (not alice's fuzzed stake) are withdrawn first.
        bonding.withdrawStake(0);
        if (c.earlyLock) bonding.withdrawStake(1);
        for (uint256 i; i < lockCount; ++i) {
            bonding.withdrawStake(aliceLocks[i]);
        }
        vm.stopPrank();
        assertEq(token.balanceOf(alice) - before, 3_000 ether + expected, "locks: exact share");
    }

    function _aliceActs(Case memory c) internal {
        uint256 action = c.action % 6;
        uint256 stake = lens.pendingStake(alice);
        vm.startPrank(alice);
        if (action == 1) {
            bonding.claimEarnings();
        } else if (action == 2) {
            vm.stopPrank();
            _bond(alice, bound(c.amount, 1, 2e6 ether), orch);
            vm.startPrank(alice);
        } else if (action == 3 && stake > 1) {
            // A partial unbond (a slash can leave too little stake for one: then the next case).
            aliceLocks.push(bonding.unbond(bound(c.amount, 1, stake - 1), address(0), address(0)));
        } else if (action == 3 || action == 4) {
            aliceLocks.push(bonding.unbond(stake, address(0), address(0)));
        } else if (action == 5) {
            uint256 lockId = bonding.unbond(bound(c.amount, 1, stake), address(0), address(0));
            bonding.rebond(lockId, orch, _noHints());
        }
        vm.stopPrank();
    }
}
