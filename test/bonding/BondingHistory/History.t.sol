// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BondingHistory} from "../../../contracts/bonding/BondingHistory.sol";
import {BondingFixture} from "../../fixtures/BondingFixture.sol";

/// Past values for votes are exact: whatever happens later, what BondingHistory reports for a past
/// round equals what the live views said at the start of that round.
contract BondingHistoryTest is BondingFixture {
    BondingHistory internal history;
    address[] internal orchs;
    address[] internal accounts; // orchestrators first, then delegators

    struct Seen {
        uint256 round;
        uint256 totalBonded;
        uint256[] stake;
        uint256[] delegated;
        address[] delegate;
    }

    Seen[] internal seen;
    uint256 internal rng;

    function setUp() public override {
        super.setUp();
        history = new BondingHistory(bonding);
        for (uint256 i; i < 2; ++i) {
            address o = makeAddr(string.concat("orch", vm.toString(i)));
            orchs.push(o);
            accounts.push(o);
            _registerOrchestrator(o, 100_000 * (i + 1), 500_000, (i + 1) * 1_000 ether);
        }
        for (uint256 i; i < 3; ++i) {
            address d = makeAddr(string.concat("delegator", vm.toString(i)));
            accounts.push(d);
            _bond(d, (i + 1) * 700 ether, orchs[i % 2]);
        }
    }

    function _record() internal {
        Seen storage s = seen.push();
        s.round = rounds.currentRound();
        s.totalBonded = bonding.totalBonded();
        for (uint256 i; i < accounts.length; ++i) {
            address a = accounts[i];
            uint256 stake = lens.pendingStake(a);
            // An orchestrator's pending stake counts its unclaimed commission while it delegates to itself.
            if (lens.getDelegator(a).delegate == a) stake -= lens.getPool(a).rewardCommission;
            s.stake.push(stake);
            s.delegated.push(bonding.delegatedStake(a));
            s.delegate.push(lens.getDelegator(a).delegate);
        }
    }

    function _rand(uint256 n) internal returns (uint256) {
        rng = uint256(keccak256(abi.encode(rng)));
        return rng % n;
    }

    function _randomAction() internal {
        address a = accounts[_rand(accounts.length)];
        uint256 kind = _rand(6);
        if (kind == 0) {
            _bond(a, 1 ether + _rand(500 ether), orchs[_rand(2)]);
        } else if (kind == 1 && lens.pendingStake(a) > 1 ether) {
            uint256 amount = lens.pendingStake(a) / 3;
            vm.prank(a);
            bonding.unbond(amount, address(0), address(0));
        } else if (kind == 2 && lens.getDelegator(a).delegate != address(0)) {
            _claim(a);
        } else if (kind == 3) {
            _creditFees(orchs[_rand(2)], 1 ether);
        } else if (kind == 4 && _rand(4) == 0) {
            address o = orchs[_rand(2)];
            uint256 fraction = 1 + _rand(300_000_000);
            uint256 round = rounds.currentRound();
            vm.prank(slasher);
            bonding.slash(o, fraction, round, address(0), address(0));
        } else if (kind == 5 && lens.getDelegator(a).delegate != address(0) && lens.pendingStake(a) != 0) {
            address current = lens.getDelegator(a).delegate;
            address to = orchs[0] == current ? orchs[1] : orchs[0];
            // A move bonds new LPT to `to`; the old stake leaves through a lock of the old pool.
            _bond(a, 1 ether + _rand(100 ether), to);
        }
    }

    function testFuzz_pastValuesAreExact(uint256 seed, uint8 roundsToRun) public {
        rng = seed;
        uint256 n = bound(roundsToRun, 2, 12);
        for (uint256 r; r < n; ++r) {
            _nextRound();
            _record();
            for (uint256 k = _rand(5); k > 0; --k) {
                _randomAction();
            }
            for (uint256 i; i < orchs.length; ++i) {
                if (
                    bonding.isActiveOrchestrator(orchs[i])
                        && lens.getPool(orchs[i]).lastRewardRound < rounds.currentRound()
                ) {
                    if (_rand(3) != 0) _reward(orchs[i]);
                }
            }
            for (uint256 k = _rand(4); k > 0; --k) {
                _randomAction();
            }
        }
        _nextRound();
        _record();

        for (uint256 j; j < seen.length; ++j) {
            Seen storage s = seen[j];
            assertEq(history.totalBondedAt(s.round), s.totalBonded, "total bonded");
            for (uint256 i; i < accounts.length; ++i) {
                address a = accounts[i];
                assertEq(history.delegateAt(a, s.round), s.delegate[i], "delegate");
                assertEq(
                    history.stakeAt(a, s.round),
                    s.stake[i],
                    string.concat("own stake, account ", vm.toString(i), " round ", vm.toString(s.round))
                );
                assertEq(history.delegatedStakeAt(a, s.round), s.delegated[i], "delegated stake");
            }
        }
    }

    function test_beforeAnythingIsZero() public view {
        uint256 round = rounds.currentRound();
        assertEq(history.totalBondedAt(round), 0);
        assertEq(history.stakeAt(accounts[2], round), 0);
        assertEq(history.delegatedStakeAt(orchs[0], round), 0);
        assertEq(history.delegateAt(accounts[2], round), address(0));
        assertEq(history.totalBondedAt(0), 0);
    }
}
