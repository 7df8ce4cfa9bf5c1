// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {BondingManager} from "../../../contracts/bonding/BondingManager.sol";
import {BondingFixture} from "../../fixtures/BondingFixture.sol";

/// Fuzzes the lazy earnings of one orchestrator's pool against a plain per-round reference written
/// here: the reference loops over rounds and positions and shares every reward and fee (less the
/// orchestrator's cut) pro rata over the pool's stake at the round's start; positions still mature
/// (bonded at the round's start, untouched since) get their share, the rest goes to commission. It keeps 18 extra decimals, so it is the exact share to within
/// 1e-18 wei; the contract must never give more than it (everything it computes rounds down) and
/// must stay within a small, stated tolerance of it.
contract BondingEarningsFuzzTest is BondingFixture {
    /// Extra precision of the reference.
    uint256 internal constant S = 1e18;
    uint256 internal constant PPM = 1e6;
    uint256 internal constant PPB = 1e9;

    address internal orch = makeAddr("orch");

    // The reference, position 0 being the orchestrator's own.
    address[] internal who;
    uint256[] internal refStake; // scaled by S
    uint256[] internal refFees; // scaled by S
    uint256[] internal refStart; // value at the round's start, scaled by S
    bool[] internal mature;
    /// How far below the reference the contract may be, per position (wei): see `_errorBound`.
    uint256[] internal errStake;
    uint256[] internal errFees;
    uint256 internal refRewardCommission; // wei
    uint256 internal refStartCommission; // scaled: the commission's stake at the round's start
    uint256 internal refFeeCommission; // wei

    uint256 internal rng;
    uint256 internal rewardCut;
    uint256 internal feeShare;

    // ------------------------------------------------------------------ earnings vs the reference

    /// K delegators and the orchestrator, N rounds; each round: a few positions act (claim or bond
    /// more), fees may be credited, the reward is called, more fees, more actions, in random order
    /// around the reward. (Rounds where every position restarted are covered by the tests below.)
    function testFuzz_earningsMatchPerRoundReference(
        uint256 seed,
        uint256 k,
        uint256 n,
        uint256 cut,
        uint256 share
    ) public {
        rng = seed;
        k = bound(k, 2, 5);
        n = bound(n, 1, 20);
        rewardCut = bound(cut, 0, PPM);
        feeShare = bound(share, 0, PPM);

        uint256 self = _rand(1 ether, 1_000 ether);
        _registerOrchestrator(orch, rewardCut, feeShare, self);
        _addPosition(orch, self);
        for (uint256 i = 1; i <= k; ++i) {
            address d = makeAddr(string.concat("delegator", vm.toString(i)));
            uint256 amount = _rand(1 ether, 10_000 ether);
            _bond(d, amount, orch);
            _addPosition(d, amount);
        }

        for (uint256 r; r < n; ++r) {
            _nextRound();
            _refStartRound();
            uint256 p = who.length;
            // Before the reward: a random subset that leaves at least one position mature.
            uint256 keep = _rand(0, p - 1);
            for (uint256 i; i < p; ++i) {
                if (i != keep && _rand(0, 2) == 0) _act(i);
            }
            if (_rand(0, 1) == 0) _fees();
            _rewardAndCheck();
            if (_rand(0, 1) == 0) _fees();
            // After the reward and fees: anyone.
            for (uint256 i; i < p; ++i) {
                if (_rand(0, 2) == 0) _act(i);
            }
            _compareAll();
        }
        // A last check in a fresh round, before anything touched the pool (the lazy `_pending` path).
        _nextRound();
        _compareAll();
    }

    /// The sum of every position is covered by the pool's delegated stake (the reference's total is
    /// exactly the LPT that entered the pool).
    function testFuzz_pendingStakeNeverExceedsPool(uint256 seed, uint256 n) public {
        testFuzz_earningsMatchPerRoundReference(seed, 5, n, uint256(keccak256(abi.encode(seed))), seed >> 128);
        uint256 sum;
        uint256 refSum;
        for (uint256 i; i < who.length; ++i) {
            sum += lens.pendingStake(who[i]);
            refSum += refStake[i];
        }
        refSum = refSum / S + refRewardCommission;
        assertLe(sum, bonding.delegatedStake(orch), "positions within the pool");
        // The reference floors each reward's positions' part once (1 wei per round, 21 rounds at most).
        assertApproxEqAbs(refSum, bonding.delegatedStake(orch), who.length + 21, "reference conserves LPT");
    }

    // ------------------------------------------------------------------ slashing

    /// A slash of fraction f takes f of every position, whatever it did before (claimed this round,
    /// bonded more, never acted, the orchestrator with unclaimed commission), to within rounding.
    /// Locks created after the offense round are cut at withdrawal; older ones are not.
    function testFuzz_slashIsProRata(uint256 seed, uint256 fractionPpb, uint256 rounds_, uint256 offsetSeed)
        public
    {
        rng = seed;
        fractionPpb = bound(fractionPpb, 1, PPB - 1);
        uint256 firstRound = _slashHistory(bound(rounds_, 1, 6));
        (uint256 lockId, uint256 lockAmount) = _slashRoundActions();
        // Any offense round of the pool's life: before this one (the lock is cut) or this one (not).
        uint256 offenseRound = bound(offsetSeed, firstRound, rounds.currentRound());

        uint256[] memory before = new uint256[](who.length);
        for (uint256 i; i < who.length; ++i) {
            before[i] = lens.pendingStake(who[i]);
        }
        uint256 fees4 = lens.pendingFees(who[4]);
        uint256 delegated = bonding.delegatedStake(orch);
        uint256 totalBonded = bonding.totalBonded();

        vm.prank(slasher);
        (uint256 amount,,) = bonding.slash(orch, fractionPpb, offenseRound, address(0), address(0));

        assertEq(amount, Math.mulDiv(delegated, fractionPpb, PPB), "slashed amount");
        assertEq(bonding.delegatedStake(orch), delegated - amount);
        assertEq(bonding.totalBonded(), totalBonded - amount);
        assertEq(token.balanceOf(slasher), amount, "the slasher gets the bonded cut");
        _checkProRata(before, fractionPpb);
        assertEq(lens.pendingFees(who[4]), fees4, "fees are not slashed");
        _checkLock(lockId, lockAmount, offenseRound < rounds.currentRound() ? fractionPpb : 0);
    }

    /// The round of the slash: A claims, B bonds more, C unbonds part into a lock, D does nothing.
    function _slashRoundActions() internal returns (uint256 lockId, uint256 lockAmount) {
        _nextRound();
        _reward(orch);
        _claim(who[1]);
        _bond(who[2], _rand(1, 100 ether), orch);
        uint256 unbonded = _rand(1, lens.pendingStake(who[3]) / 2);
        vm.prank(who[3]);
        lockId = bonding.unbond(unbonded, address(0), address(0));
        lockAmount = lens.getUnbondingLock(who[3], lockId).amount;
    }

    /// The orchestrator (position 0) and four delegators, `n` rounds of rewards, fees, claims and
    /// extra bonds. Returns the round the pool was created in.
    function _slashHistory(uint256 n) internal returns (uint256 firstRound) {
        firstRound = rounds.currentRound();
        uint256 self = _rand(1 ether, 1_000 ether);
        _registerOrchestrator(orch, _rand(0, PPM), _rand(0, PPM), self);
        _addPosition(orch, self);
        for (uint256 i = 1; i <= 4; ++i) {
            address d = makeAddr(string.concat("slashed", vm.toString(i)));
            uint256 amount = _rand(1 ether, 10_000 ether);
            _bond(d, amount, orch);
            _addPosition(d, amount);
        }
        for (uint256 r; r < n; ++r) {
            _nextRound();
            _reward(orch);
            _creditFees(orch, _rand(0, 1 ether));
            address d = who[_rand(0, 4)];
            if (_rand(0, 1) == 0) _claim(d);
            else _bond(d, _rand(1, 100 ether), orch);
        }
    }

    function _checkProRata(uint256[] memory before, uint256 fractionPpb) internal view {
        uint256 sum;
        for (uint256 i; i < who.length; ++i) {
            uint256 expected = Math.mulDiv(before[i], PPB - fractionPpb, PPB);
            uint256 got = lens.pendingStake(who[i]);
            // The slash factor has 18 decimals: one unit of it is worth stake/1e18 wei; plus the
            // floors of the two products.
            assertApproxEqAbs(got, expected, before[i] / 1e18 + 2, "pro-rata loss");
            sum += got;
        }
        assertLe(sum, bonding.delegatedStake(orch), "positions within the pool after the slash");
    }

    /// Withdraws the lock once mature and checks it lost `fractionPpb` (zero: nothing) of itself.
    function _checkLock(uint256 lockId, uint256 lockAmount, uint256 fractionPpb) internal {
        for (uint256 i; i < bonding.unbondingPeriod(); ++i) {
            _nextRound();
        }
        address d = who[3];
        uint256 balance = token.balanceOf(d);
        uint256 supply = token.totalSupply();
        vm.prank(d);
        bonding.withdrawStake(lockId);
        uint256 expected = Math.mulDiv(lockAmount, (PPB - fractionPpb) * 1e9, 1e18);
        assertEq(token.balanceOf(d) - balance, expected, "lock cut iff created after the offense");
        assertEq(supply - token.totalSupply(), lockAmount - expected, "the lock's cut is burned");
    }

    // ------------------------------------------------------------------ every position restarted

    /// When every position of the pool restarts during a round before the reward (they all
    /// claimed), the delegators' share of the reward goes to the orchestrator's commission, apart
    /// from the few wei of rounding dust the pool holds (which earn their share like any stake).
    function test_rewardWhenEveryoneClaimedGoesToCommission() public {
        _setUpDustyPool();
        _claim(makeAddr("bugA"));
        _claim(makeAddr("bugB"));
        _claim(orch);
        uint256 before = lens.pendingStake(orch);
        uint256 delegated = bonding.delegatedStake(orch);
        _reward(orch);
        uint256 minted = bonding.delegatedStake(orch) - delegated;
        assertLe(lens.pendingStake(orch), before + minted);
        assertApproxEqAbs(
            lens.pendingStake(orch), before + minted, 1e6, "the whole reward but dust is commission"
        );
        assertEq(lens.pendingStake(makeAddr("bugA")), lens.getDelegator(makeAddr("bugA")).stake);
    }

    /// The same for fees: all of a fee credited after everyone claimed is the orchestrator's.
    function test_feesWhenEveryoneClaimedGoToCommission() public {
        _setUpDustyPool();
        _claim(makeAddr("bugA"));
        _claim(makeAddr("bugB"));
        _claim(orch);
        uint256 before = lens.pendingFees(orch);
        _creditFees(orch, 1 ether);
        assertLe(lens.pendingFees(orch), before + 1 ether);
        assertApproxEqAbs(
            lens.pendingFees(orch), before + 1 ether, 1e6, "the whole fee but dust is commission"
        );
    }

    /// A tiny position that stays while the rest restarts gets its pro-rata share, not the rest's:
    /// the reward neither reverts nor concentrates (this once overflowed the reward factor).
    function test_tinyStayerGetsOnlyItsShare() public {
        _registerOrchestrator(orch, 100_000, 500_000, 1_000 ether);
        _bond(makeAddr("tiny"), 1, orch);
        _nextRound();
        _claim(orch);
        uint256 before = lens.pendingStake(orch);
        uint256 delegated = bonding.delegatedStake(orch);
        _reward(orch);
        uint256 minted = bonding.delegatedStake(orch) - delegated;
        assertLe(lens.pendingStake(makeAddr("tiny")), 1 + minted / 1_000 ether + 1);
        assertApproxEqAbs(lens.pendingStake(orch), before + minted, 2);
    }

    /// A pool whose delegated stake exceeds the sum of its positions by a few wei of rounding dust.
    function _setUpDustyPool() internal {
        _registerOrchestrator(orch, 100_000, 500_000, 333 ether + 1);
        _bond(makeAddr("bugA"), 777 ether + 7, orch);
        _bond(makeAddr("bugB"), 1_001 ether + 3, orch);
        for (uint256 i; i < 3; ++i) {
            _nextRound();
            _reward(orch);
        }
        _nextRound();
    }

    // ------------------------------------------------------------------ reference and actions

    function _addPosition(address a, uint256 amount) internal {
        who.push(a);
        refStake.push(amount * S);
        refFees.push(0);
        refStart.push(0);
        mature.push(false); // bonded this round: earns from the next
        errStake.push(0);
        errFees.push(0);
    }

    function _refStartRound() internal {
        for (uint256 i; i < who.length; ++i) {
            mature[i] = true;
            refStart[i] = refStake[i];
        }
        refStartCommission = refRewardCommission * S;
    }

    /// The pool's stake at the round's start (scaled): every position's and the unclaimed commission.
    function _startTotal() internal view returns (uint256 st) {
        for (uint256 i; i < who.length; ++i) {
            st += refStart[i];
        }
        st += refStartCommission;
    }

    function _rewardAndCheck() internal {
        uint256 delegated = bonding.delegatedStake(orch);
        // The only active orchestrator: its stake at the round's start is the whole active stake.
        uint256 expectedMint = minter.currentRewardTokens();
        _reward(orch);
        uint256 amount = bonding.delegatedStake(orch) - delegated;
        assertEq(amount, expectedMint, "the sole orchestrator mints the round's reward tokens");

        uint256 st = _startTotal();
        uint256 shared = amount - amount * rewardCut / PPM;
        uint256 dust = _dustBound();
        uint256 toPositions;
        for (uint256 i; i < who.length; ++i) {
            if (!mature[i]) continue;
            uint256 gain = Math.mulDiv(shared * S, refStart[i], st);
            refStake[i] += gain;
            toPositions += gain;
            errStake[i] += _errorBound(errStake[i], shared, gain, dust, st, refStart[i]);
        }
        refRewardCommission += amount - toPositions / S;
    }

    function _fees() internal {
        uint256 amount = _rand(0, 10 ether);
        _creditFees(orch, amount);
        uint256 st = _startTotal();
        uint256 shared = amount * feeShare / PPM;
        uint256 dust = _dustBound();
        uint256 toPositions;
        for (uint256 i; i < who.length; ++i) {
            if (!mature[i]) continue;
            uint256 gain = Math.mulDiv(shared * S, refStart[i], st);
            refFees[i] += gain;
            toPositions += gain;
            errFees[i] += _errorBound(errStake[i], shared, gain, dust, st, refStart[i]);
        }
        refFeeCommission += amount - toPositions / S;
    }

    /// Position `i` claims or bonds more: either way it restarts (earns again from the next round);
    /// the orchestrator's commission joins its own position.
    function _act(uint256 i) internal {
        mature[i] = false;
        if (i == 0) {
            refStake[0] += refRewardCommission * S;
            refFees[0] += refFeeCommission * S;
            (refRewardCommission, refFeeCommission) = (0, 0);
        }
        if (_rand(0, 1) == 0) {
            _claim(who[i]);
        } else {
            uint256 amount = _rand(1, 1_000 ether);
            _fund(who[i], amount);
            vm.prank(who[i]);
            bonding.bond(amount, orch, _noHints());
            refStake[i] += amount * S;
        }
    }

    function _compareAll() internal view {
        for (uint256 i; i < who.length; ++i) {
            // The orchestrator's commission gets what positions do not: up to every other
            // position's shortfall, so its bound includes them.
            uint256 expStake = _ceil(refStake[i]) + (i == 0 ? refRewardCommission + _dustBound() : 0);
            uint256 expFees = _ceil(refFees[i]) + (i == 0 ? refFeeCommission + _feeDustBound() : 0);
            uint256 stake = lens.pendingStake(who[i]);
            uint256 fees = lens.pendingFees(who[i]);
            uint256 slackStake = i == 0 ? _dustBound() : 0;
            uint256 slackFees = i == 0 ? _feeDustBound() : 0;
            assertLe(stake, expStake, "stake never above the reference");
            assertLe(expStake - stake, errStake[i] + 2 * slackStake, "stake within the error bound");
            assertLe(fees, expFees, "fees never above the reference");
            assertLe(expFees - fees, errFees[i] + 2 * slackFees, "fees within the error bound");
        }
    }

    /// What a mature position may lose to rounding when the pool shares `shared` wei (a reward or a
    /// fee) among mature stake `m` (reference, scaled), its own part being `gain` (scaled):
    ///  - its stake was already up to `err` wei low: it gets `err * shared / m` less of this share
    ///    (for a reward its `err` also compounds by that much, as the contract's factor multiplies);
    ///  - the contract divides by its own mature stake, which holds the pool's dust on top of the
    ///    reference's (the LPT no position owns: the sum of every position's shortfall, `dust`):
    ///    that costs `gain * dust / m`;
    ///  - one unit of the 1e18-based factor is worth stake/1e18 wei (+1 to round up), and the floor
    ///    of the position's own product 1 wei.
    /// Rounded up throughout. The reference conserves LPT exactly, so the pool's dust is exactly the
    /// sum of the positions' shortfalls, which `_dustBound` bounds by the sum of their bounds.
    function _errorBound(uint256 err, uint256 shared, uint256 gain, uint256 dust, uint256 m, uint256 start)
        internal
        pure
        returns (uint256)
    {
        return Math.mulDiv(err, shared * S, m, Math.Rounding.Ceil)
            + Math.mulDiv(gain, dust, m, Math.Rounding.Ceil) + start / S / 1e18 + 3;
    }

    function _dustBound() internal view returns (uint256 dust) {
        for (uint256 i; i < who.length; ++i) {
            dust += errStake[i];
        }
    }

    function _feeDustBound() internal view returns (uint256 dust) {
        for (uint256 i; i < who.length; ++i) {
            dust += errFees[i];
        }
    }

    function _ceil(uint256 scaled) internal pure returns (uint256) {
        return (scaled + S - 1) / S;
    }

    function _rand(uint256 lo, uint256 hi) internal returns (uint256) {
        rng = uint256(keccak256(abi.encode(rng)));
        return lo + rng % (hi - lo + 1);
    }
}
