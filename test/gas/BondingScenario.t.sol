// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {console} from "forge-std/console.sol";
import {IBondingManager} from "../../contracts/interfaces/IBondingManager.sol";
import {CheckpointMeter} from "./CheckpointMeter.sol";
import {GasTargets} from "./GasTargets.sol";

/// Livepeer's reference gas measurements, redone here in the same situation: a pool of 100 active
/// orchestrators with distinct stakes. Each number is the gas of one transaction (the suite isolates
/// top-level calls, so it includes the 21k base), written to `snapshots/BondingScenario.json` and
/// printed next to Livepeer's. Assertions check only that each operation did what it should; the
/// target (at most half of Livepeer) is reported, not asserted. A second table isolates what each
/// bonding operation pays for vote checkpointing (see CheckpointMeter).
contract BondingScenarioGasTest is CheckpointMeter {
    uint256 internal constant POOL = 100;
    uint256 internal constant SPACING = 1_000 ether;

    address[] internal orchs; // by initial rank: orchs[0] largest
    string[] internal rowNames;
    uint256[] internal rowLivepeer;
    uint256[] internal rowOurs;

    address internal low = makeAddr("lowDelegator"); // with an orchestrator low in the pool
    address internal claimer1 = makeAddr("claimer1"); // claims after one round
    address internal claimer50 = makeAddr("claimer50"); // claims after fifty
    address internal feeClaimer = makeAddr("feeClaimer");
    address internal mover = makeAddr("mover");

    function test_gas_livepeerScenario() public {
        _runScenario();
        _printTable();
    }

    /// The same scenario again, isolating each bonding operation's vote checkpointing.
    function test_gas_voteCheckpointing() public {
        metering = true;
        _runScenario();
        _checkMeterLayout(orchs[0], claimer50);
        _printCheckpointTable();
    }

    function _runScenario() internal {
        _buildPool();
        _measureRounds();
        _measureBonds();
        _measureUnbondRebondTransfer();
        _measureClaimsAndWithdrawals();
    }

    function _buildPool() internal {
        // -------- self-bond into an empty pool (registration separate)
        orchs.push(makeAddr("orch0"));
        _fund(orchs[0], _initialStake(0));
        vm.prank(orchs[0]);
        bonding.registerOrchestrator(100_000, 500_000);
        vm.prank(orchs[0]);
        bonding.bond(_initialStake(0), orchs[0], _noHints());
        _row("selfBond_emptyPool", 583_000);
        assertEq(bonding.activeSet().length, 1);

        // -------- the rest of the pool, each one at the tail (exact hints), and the delegators
        for (uint256 i = 1; i < POOL; ++i) {
            orchs.push(makeAddr(string.concat("orch", vm.toString(i))));
            _fund(orchs[i], _initialStake(i));
            vm.startPrank(orchs[i]);
            bonding.registerOrchestrator(100_000, 500_000);
            bonding.bond(
                _initialStake(i),
                orchs[i],
                IBondingManager.Hints(address(0), address(0), orchs[i - 1], address(0))
            );
            vm.stopPrank();
        }
        assertEq(bonding.activeSet().length, POOL);
        _bondHinted(low, 5_500 ether, orchs[94]); // distinct from every other stake
        _bondHinted(claimer1, 10 ether, orchs[10]);
        _bondHinted(claimer50, 10 ether, orchs[11]);
        _bondHinted(feeClaimer, 10 ether, orchs[12]);
        _bondHinted(mover, 3_100 ether, orchs[20]);
        _nextRound();
        _nextRound(); // a steady state: the treasury slot and the first round are paid for
    }

    function _measureRounds() internal {
        // -------- initializeRound
        vm.roll(rounds.currentRoundStartBlock() + ROUND_LENGTH);
        rounds.initializeRound();
        _row("initializeRound", 241_000);

        // -------- reward with correct hints at ranks 1, 50 and ~96 (no move: the usual case)
        _rewardHinted(_at(0), "reward_rank1_hint");
        _stopMeter("reward (first of the round)");
        _rewardHinted(_at(49), "reward_rank50_hint");
        _stopMeter("reward");
        _rewardHinted(_at(95), "reward_rank96_hint");
        _discardMeter();
        // The tail, no hint: its reward moves it up past its two neighbours (2 wei and 1 wei more
        // stake), so the position is searched from the head.
        address tail = _at(POOL - 1);
        address above = _at(POOL - 2);
        vm.prank(tail);
        bonding.reward(tail, address(0), address(0));
        _row("reward_tail_noHint_moves", 1_038_000);
        assertEq(_rankOf(tail), POOL - 3, "moved above its two neighbours");
        // Correct hints, and a move: the next one moves up past the one just moved.
        _rewardHinted(above, "reward_tail_hint_moves");
        _discardMeter();
    }

    function _measureBonds() internal {
        // -------- bond, a new delegator to the orchestrator at rank 90, enough to move it up one
        address target = _at(89);
        address newDelegator = makeAddr("newDelegator");
        uint256 amount = SPACING + SPACING / 2;
        _fund(newDelegator, amount);
        IBondingManager.Hints memory h;
        (h.newPrev, h.newNext) = _positionFor(target, bonding.delegatedStake(target) + amount);
        _startMeter(_accounts(newDelegator, target, address(0)));
        vm.prank(newDelegator);
        bonding.bond(amount, target, h);
        _row("bond_newDelegator_rank90_hint", 585_000);
        _stopMeter("bond");
        assertEq(lens.pendingStake(newDelegator), amount);
        // The same, no hint: the orchestrator now at rank 90 is found from the head.
        target = _at(89);
        address newDelegator2 = makeAddr("newDelegator2");
        _fund(newDelegator2, amount);
        vm.prank(newDelegator2);
        bonding.bond(amount, target, _noHints());
        _row("bond_newDelegator_rank90_noHint", 907_000);
        assertLt(_rankOf(target), 89);
    }

    function _measureUnbondRebondTransfer() internal {
        IBondingManager.Hints memory h;
        // -------- unbond: a delegator of an orchestrator low in the pool, enough to move it down two
        // places, no hint
        address lowOrch = lens.getDelegator(low).delegate;
        uint256 lowRank = _rankOf(lowOrch);
        _startMeter(_accounts(low, lowOrch, address(0)));
        vm.prank(low);
        uint256 lockId = bonding.unbond(2_400 ether, address(0), address(0));
        _row("unbond_low_noHint", 839_000);
        _stopMeter("unbond");
        assertGt(_rankOf(lowOrch), lowRank);

        // -------- rebond the lock, correct hints (back up)
        (h.newPrev, h.newNext) = _positionFor(lowOrch, bonding.delegatedStake(lowOrch) + 2_400 ether);
        _startMeter(_accounts(low, lowOrch, address(0)));
        vm.prank(low);
        bonding.rebond(lockId, lowOrch, h);
        _row("rebond_hint", 619_000);
        _stopMeter("rebond");
        assertEq(_rankOf(lowOrch), lowRank);

        // -------- transferBond: part of a stake to a new account in the same pool (stake leaves a pool
        // only through a lock, so a transfer stays inside it; the pool's stake and rank do not change).
        // Livepeer's reference is its cross-pool transfer, the only one it measured.
        address from = lens.getDelegator(mover).delegate;
        address to = from;
        uint256 moved = 2_500 ether;
        uint256 poolStake = bonding.delegatedStake(from);
        uint256 rank = _rankOf(from);
        if (metering) _meterTransferAfterRewards(from, to, moved);
        _startMeter(_accounts(mover, from, address(0)));
        meterAccounts.push(makeAddr("moverReceiver"));
        vm.prank(mover);
        bonding.transferBond(makeAddr("moverReceiver"), moved, to, h);
        _row("transferBond_hint", 1_040_000);
        _stopMeter("transferBond");
        assertEq(lens.pendingStake(makeAddr("moverReceiver")), moved);
        assertEq(lens.getDelegator(makeAddr("moverReceiver")).delegate, from);
        assertEq(bonding.delegatedStake(from), poolStake);
        assertEq(_rankOf(from), rank);
    }

    /// Metering only: the same transfer once keepers have rewarded the pool this round (as they
    /// reward every active pool each round), so the pool's round records are already written. The
    /// row keeps its name (both pools: one and the same now) so that snapshots compare.
    function _meterTransferAfterRewards(address from, address to, uint256 moved) internal {
        uint256 state = vm.snapshotState();
        _reward(from);
        _startMeter(_accounts(mover, from, address(0)));
        meterAccounts.push(makeAddr("moverReceiver"));
        vm.prank(mover);
        bonding.transferBond(makeAddr("moverReceiver"), moved, to, _noHints());
        _stopMeter("transferBond (both pools rewarded this round)");
        CheckpointRow memory row = checkpointRows[checkpointRows.length - 1];
        vm.revertToState(state); // also undoes the row: add it again
        checkpointRows.push(row);
    }

    function _measureClaimsAndWithdrawals() internal {
        // -------- claimEarnings after one round of rewards (and fees for the fee claimer)
        _nextRound();
        _reward(lens.getDelegator(claimer1).delegate);
        _reward(lens.getDelegator(claimer50).delegate);
        address feeOrch = lens.getDelegator(feeClaimer).delegate;
        _reward(feeOrch);
        _creditFees(feeOrch, 1 ether);
        uint256 round = rounds.currentRound();
        _startMeter(_accounts(claimer1, lens.getDelegator(claimer1).delegate, address(0)));
        vm.prank(claimer1);
        bonding.claimEarnings();
        _row("claimEarnings_after1Round", 265_000);
        _stopMeter("claimEarnings");
        assertGt(lens.pendingStake(claimer1), 10 ether);
        vm.prank(feeClaimer);
        bonding.claimEarnings();
        _row("claimEarnings_feesPending", 324_000);
        assertGt(lens.getDelegator(feeClaimer).fees, 0);
        uint256 fees = lens.getDelegator(feeClaimer).fees;
        vm.prank(feeClaimer);
        bonding.withdrawFees(payable(feeClaimer), fees);
        _row("withdrawFees", 158_000);
        assertEq(feeClaimer.balance, fees);

        // -------- a lock to withdraw, then fifty rounds of rewards
        vm.prank(low);
        uint256 lock2 = bonding.unbond(1_000 ether, address(0), address(0));
        vm.prank(low);
        uint256 lock3 = bonding.unbond(500 ether, address(0), address(0));
        address orch50 = lens.getDelegator(claimer50).delegate;
        for (uint256 i; i < 50; ++i) {
            _nextRound();
            _reward(orch50);
        }
        vm.prank(low);
        bonding.withdrawStake(lock2);
        _row("withdrawStake", 104_000);
        assertEq(token.balanceOf(low), 1_000 ether);
        // The same, into a wallet that already holds LPT: 20k less (the recipient's balance slot is
        // no longer filled from zero). No Livepeer reference for this position.
        vm.prank(low);
        bonding.withdrawStake(lock3);
        _row("withdrawStake_recipientHoldsLPT", 0);
        assertEq(token.balanceOf(low), 1_500 ether);
        round = rounds.currentRound();
        vm.prank(claimer50);
        bonding.claimEarnings();
        _row("claimEarnings_after50Rounds", 265_000);
        assertGt(lens.pendingStake(claimer50), 10 ether);
    }

    // ------------------------------------------------------------------ helpers

    /// Distinct stakes, 1,000 LPT apart; the last three 2 wei, 1 wei and 0 above a round 1,000 LPT
    /// so that the tail's reward moves it.
    function _initialStake(uint256 rank) internal pure returns (uint256) {
        if (rank >= POOL - 3) return SPACING + (POOL - 1 - rank);
        return (POOL + 1 - rank) * SPACING;
    }

    function _bondHinted(address delegator, uint256 amount, address orch) internal {
        _fund(delegator, amount);
        IBondingManager.Hints memory h;
        (h.newPrev, h.newNext) = _positionFor(orch, bonding.delegatedStake(orch) + amount);
        vm.prank(delegator);
        bonding.bond(amount, orch, h);
    }

    /// Calls `orch`'s reward with the neighbours of its position after the reward.
    function _rewardHinted(address orch, string memory name) internal {
        uint256 minted = minter.currentRewardTokens() * bonding.delegatedStake(orch) / lens.totalActiveStake();
        (address prev, address next) = _positionFor(orch, bonding.delegatedStake(orch) + minted);
        uint256 before = bonding.delegatedStake(orch);
        _startMeter(_accounts(orch, address(0), address(0)));
        vm.prank(orch);
        bonding.reward(orch, prev, next);
        _row(name, 514_000);
        assertEq(bonding.delegatedStake(orch), before + minted, "minted its share");
    }

    /// The neighbours `orch` will have with `stake`: after every other member with at least as much.
    function _positionFor(address orch, uint256 stake) internal view returns (address prev, address next) {
        address[] memory set = bonding.activeSet();
        for (uint256 i; i < set.length; ++i) {
            if (set[i] == orch) continue;
            if (bonding.delegatedStake(set[i]) >= stake) {
                prev = set[i];
            } else {
                next = set[i];
                break;
            }
        }
    }

    function _accounts(address a, address b, address c) internal pure returns (address[] memory list) {
        list = new address[](3);
        (list[0], list[1], list[2]) = (a, b, c);
    }

    function _at(uint256 rank) internal view returns (address) {
        return bonding.activeSet()[rank];
    }

    function _rankOf(address orch) internal view returns (uint256) {
        address[] memory set = bonding.activeSet();
        for (uint256 i; i < set.length; ++i) {
            if (set[i] == orch) return i;
        }
        revert("not in the set");
    }

    function _row(string memory name, uint256 livepeer) internal {
        if (metering) return; // isolation is off: no gas to report
        uint256 gasUsed = vm.snapshotGasLastCall("BondingScenario", name);
        rowNames.push(name);
        rowLivepeer.push(livepeer);
        rowOurs.push(gasUsed);
    }

    function _printTable() internal view {
        console.log("operation | Livepeer | ours | ours/Livepeer (%) | <= half");
        for (uint256 i; i < rowNames.length; ++i) {
            uint256 ref = rowLivepeer[i];
            console.log(
                string.concat(
                    rowNames[i],
                    " | ",
                    ref == 0 ? "-" : vm.toString(ref),
                    " | ",
                    vm.toString(rowOurs[i]),
                    " | ",
                    ref == 0 ? "-" : string.concat(vm.toString(rowOurs[i] * 100 / ref), "%"),
                    " | ",
                    ref == 0 ? "-" : (rowOurs[i] * 2 <= ref ? "yes" : "NO")
                )
            );
        }
        for (uint256 i; i < rowNames.length; ++i) {
            if (rowLivepeer[i] != 0) GasTargets.check(rowNames[i], rowOurs[i], rowLivepeer[i] / 2);
        }
    }
}
