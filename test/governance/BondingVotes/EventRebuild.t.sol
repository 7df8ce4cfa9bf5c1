// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {Vm} from "forge-std/Vm.sol";
import {BondingVotes} from "../../../contracts/governance/BondingVotes.sol";
import {IBondingManager} from "../../../contracts/interfaces/IBondingManager.sol";
import {EarningsMath} from "../../../contracts/libraries/EarningsMath.sol";
import {BondingFixture} from "../../fixtures/BondingFixture.sol";

/// An indexer's view of voting power: after random bonds, unbonds, rebonds, transfers, rewards,
/// slashes and claims across rounds, every account's votes rebuilt from BondingVotes' logs alone
/// (the rule in docs/governance.md, "Votes from events") equal `getVotes` now and `getPastVotes` at
/// past blocks, and the pools' stakes sum to `getPastTotalSupply`. Logs carry no block number
/// here, so each is tagged with the round it was emitted in; the custom events carry it anyway.
contract BondingVotesRebuildTest is BondingFixture {
    struct PoolEvent {
        uint256 round;
        uint256 stake;
        uint256 rewardFactor;
        uint256 slashFactor;
    }

    struct PositionEvent {
        uint256 round;
        address delegate;
        uint256 stake;
        uint256 slashFactorBase;
    }

    struct Tagged {
        uint256 round;
        address value; // DelegateChanged: the new delegate
        uint256 votes; // DelegateVotesChanged: the new votes
    }

    uint256 internal constant OPS = 48;

    address[] internal accounts; // orchestrators first
    address[] internal orchs;
    mapping(address => PoolEvent[]) internal poolLog;
    mapping(address => PositionEvent[]) internal positionLog;
    mapping(address => Tagged[]) internal delegateLog;
    mapping(address => Tagged[]) internal votesLog;
    uint256[] internal sampleBlocks;
    uint256 internal succeeded;

    function setUp() public override {
        super.setUp();
        for (uint256 i; i < 3; ++i) {
            orchs.push(makeAddr(string.concat("orch", vm.toString(i))));
            accounts.push(orchs[i]);
        }
        for (uint256 i; i < 6; ++i) {
            address a = makeAddr(string.concat("delegator", vm.toString(i)));
            accounts.push(a);
            _fund(a, 10_000 ether);
        }
    }

    /// forge-config: default.fuzz.runs = 24
    function testFuzz_votesRebuiltFromEvents(uint256 seed) public {
        vm.recordLogs();
        for (uint256 i; i < orchs.length; ++i) {
            _registerOrchestrator(orchs[i], 100_000 * (i + 1), 500_000, 1_000 ether * (i + 1));
            _fund(orchs[i], 10_000 ether); // to bond more, or elsewhere
        }
        _collect();
        _nextRound();
        for (uint256 i; i < OPS; ++i) {
            _randomOp(uint256(keccak256(abi.encode(seed, i))));
            _collect();
            sampleBlocks.push(block.number);
            vm.roll(block.number + 7);
        }
        _nextRound();
        assertGt(succeeded, OPS / 3, "most operations went through");

        uint256 round = rounds.currentRound();
        for (uint256 i; i < accounts.length; ++i) {
            address a = accounts[i];
            assertEq(_rebuilt(a, round), votes.getVotes(a), "votes now, from events");
            (, address delegate_) = votes.votesAt(a, round);
            assertEq(_lastAddress(delegateLog[a], round), delegate_, "delegate now, from DelegateChanged");
            // The standard events alone are exact for an orchestrator delegated to itself.
            if (delegate_ == a) {
                assertEq(_lastVotes(votesLog[a], round), votes.getVotes(a), "DelegateVotesChanged");
            }
        }
        for (uint256 s; s < sampleBlocks.length; s += 5) {
            uint256 b = sampleBlocks[s];
            uint256 r = votes.roundAt(b);
            uint256 total;
            for (uint256 i; i < accounts.length; ++i) {
                assertEq(
                    _rebuilt(accounts[i], r), votes.getPastVotes(accounts[i], b), "past votes, from events"
                );
            }
            for (uint256 i; i < orchs.length; ++i) {
                total += _poolAt(orchs[i], r).stake;
            }
            assertEq(total, votes.getPastTotalSupply(b), "the pools' stakes sum to the past total supply");
        }
    }

    /// A bond emits the standard events a governance client indexes (votes from the next round on).
    function test_bond_emitsDelegateChangedAndDelegateVotesChanged() public {
        _registerOrchestrator(orchs[0], 100_000, 500_000, 1_000 ether);
        address d = accounts[3];
        uint256 round = rounds.currentRound();
        vm.expectEmit(address(votes));
        emit BondingVotes.VotingPool(orchs[0], round, 1_200 ether, EarningsMath.ONE, EarningsMath.ONE);
        vm.expectEmit(address(votes));
        emit IVotes.DelegateVotesChanged(orchs[0], 1_000 ether, 1_200 ether);
        vm.expectEmit(address(votes));
        emit BondingVotes.VotingPosition(d, orchs[0], round, 200 ether, EarningsMath.ONE);
        vm.expectEmit(address(votes));
        emit IVotes.DelegateChanged(d, address(0), orchs[0]);
        vm.expectEmit(address(votes));
        emit IVotes.DelegateVotesChanged(d, 0, 200 ether);
        vm.prank(d);
        bonding.bond(200 ether, orchs[0], _noHints());
        assertEq(votes.getVotes(d), 0, "counted from the next round");
        _nextRound();
        assertEq(votes.getVotes(d), 200 ether);
    }

    /// Only the BondingManager reports bonding changes.
    function test_onBondingChange_onlyFromTheBondingManager() public {
        vm.expectRevert(abi.encodeWithSelector(BondingVotes.NotBondingManager.selector, stranger));
        vm.prank(stranger);
        votes.onBondingChange(1, stranger, address(0), 0, address(0), 0);
    }

    // ---------------------------------------------------------------- the random sequence

    function _randomOp(uint256 r) internal {
        address a = accounts[(r >> 8) % accounts.length];
        address o = orchs[(r >> 16) % orchs.length];
        uint256 kind = r % 10;
        bytes memory call;
        if (kind <= 1) {
            call = abi.encodeCall(IBondingManager.bond, (1 ether + (r >> 24) % 500 ether, o, _noHints()));
        } else if (kind == 2) {
            uint256 stake = lens.pendingStake(a);
            if (stake == 0) return;
            call = abi.encodeWithSelector(
                IBondingManager.unbond.selector, stake * ((r >> 24) % 100 + 1) / 100, address(0), address(0)
            );
        } else if (kind == 3) {
            uint256 next = lens.nextLockId(a);
            if (next == 0) return;
            uint256 id = (r >> 24) % next;
            address to = lens.getUnbondingLock(a, id).orchestrator;
            call = abi.encodeCall(IBondingManager.rebond, (id, to, _noHints()));
        } else if (kind == 4) {
            address receiver = accounts[(r >> 24) % accounts.length];
            uint256 stake = lens.pendingStake(a);
            if (stake == 0) return;
            call = abi.encodeCall(
                IBondingManager.transferBond,
                (receiver, stake * ((r >> 32) % 100 + 1) / 100, lens.getDelegator(a).delegate, _noHints())
            );
        } else if (kind == 5) {
            (a, call) = (o, abi.encodeCall(IBondingManager.reward, (o, address(0), address(0))));
        } else if (kind == 6) {
            _nextRound();
            ++succeeded;
            return;
        } else if (kind == 7) {
            (a, call) =
            (
                slasher,
                abi.encodeCall(
                    IBondingManager.slash, (o, 10_000_000 + (r >> 24) % 90_000_000, 1, address(0), address(0))
                )
            );
        } else if (kind == 8) {
            call = abi.encodeCall(IBondingManager.claimEarnings, ());
        } else {
            _creditFees(o, 1 ether);
            call = abi.encodeWithSelector(IBondingManager.withdrawFees.selector, payable(a), 0);
        }
        vm.prank(a);
        (bool ok,) = address(bonding).call(call);
        if (ok) ++succeeded;
    }

    // ---------------------------------------------------------------- the indexer

    /// Reads BondingVotes' logs since the last call into per-account histories.
    function _collect() internal {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256 round = rounds.currentRound();
        for (uint256 i; i < logs.length; ++i) {
            Vm.Log memory l = logs[i];
            if (l.emitter != address(votes)) continue;
            bytes32 topic = l.topics[0];
            address subject = address(uint160(uint256(l.topics[1])));
            if (topic == BondingVotes.VotingPool.selector) {
                (uint256 r, uint256 stake, uint256 rf, uint256 sf) =
                    abi.decode(l.data, (uint256, uint256, uint256, uint256));
                poolLog[subject].push(PoolEvent(r, stake, rf, sf));
            } else if (topic == BondingVotes.VotingPosition.selector) {
                (uint256 r, uint256 stake, uint256 sfb) = abi.decode(l.data, (uint256, uint256, uint256));
                positionLog[subject].push(
                    PositionEvent(r, address(uint160(uint256(l.topics[2]))), stake, sfb)
                );
            } else if (topic == IVotes.DelegateChanged.selector) {
                delegateLog[subject].push(Tagged(round, address(uint160(uint256(l.topics[3]))), 0));
            } else if (topic == IVotes.DelegateVotesChanged.selector) {
                (, uint256 newVotes) = abi.decode(l.data, (uint256, uint256));
                votesLog[subject].push(Tagged(round, address(0), newVotes));
            }
        }
    }

    /// The rebuild rule: `account`'s votes at round `round` (those `getVotes` gives during it).
    function _rebuilt(address account, uint256 round) internal view returns (uint256) {
        PositionEvent[] storage log = positionLog[account];
        uint256 i = log.length;
        while (i != 0 && log[i - 1].round >= round) --i;
        if (i == 0) return 0;
        PositionEvent memory p = log[i - 1];
        // An orchestrator delegated to itself votes with its pool's whole stake.
        if (p.delegate == account) return _poolAt(account, round).stake;
        if (p.stake == 0) return 0;
        uint256 rf0 = _poolAt(p.delegate, p.round + 1).rewardFactor; // its pool's at the end of its round
        PoolEvent memory now_ = _poolAt(p.delegate, round);
        return Math.mulDiv(p.stake, now_.rewardFactor * now_.slashFactor, rf0 * p.slashFactorBase);
    }

    /// A pool as the rounds before `round` left it (never changed: empty, factors at one).
    function _poolAt(address orchestrator, uint256 round) internal view returns (PoolEvent memory) {
        PoolEvent[] storage log = poolLog[orchestrator];
        uint256 i = log.length;
        while (i != 0 && log[i - 1].round >= round) --i;
        if (i == 0) return PoolEvent(0, 0, EarningsMath.ONE, EarningsMath.ONE);
        return log[i - 1];
    }

    function _lastAddress(Tagged[] storage log, uint256 round) internal view returns (address) {
        uint256 i = log.length;
        while (i != 0 && log[i - 1].round >= round) --i;
        return i == 0 ? address(0) : log[i - 1].value;
    }

    function _lastVotes(Tagged[] storage log, uint256 round) internal view returns (uint256) {
        uint256 i = log.length;
        while (i != 0 && log[i - 1].round >= round) --i;
        return i == 0 ? 0 : log[i - 1].votes;
    }
}
