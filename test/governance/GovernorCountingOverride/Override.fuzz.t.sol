// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BondingManager} from "../../../contracts/bonding/BondingManager.sol";
import {GovernanceFixture} from "../../fixtures/GovernanceFixture.sol";

/// The override arithmetic against a reference: random pools (stakes with reward earnings, so
/// amounts are not round), random voters, random choices, a random order. The reference counts each
/// voting orchestrator's delegated stake less its voting delegators' stakes, and each delegator's
/// own stake, all read from the bonding history at the snapshot; the tally must equal it exactly,
/// whatever the order.
contract GovernanceOverrideFuzzTest is GovernanceFixture {
    address[] internal voters;
    uint256 internal rng;

    function _rand(uint256 n) internal returns (uint256) {
        rng = uint256(keccak256(abi.encode(rng)));
        return rng % n;
    }

    function _build() internal {
        address[3] memory orchs = [makeAddr("fo0"), makeAddr("fo1"), orchA];
        _registerOrchestrator(orchs[0], _rand(1_000_000), 500_000, 100 ether + _rand(10_000 ether));
        _registerOrchestrator(orchs[1], _rand(1_000_000), 500_000, 100 ether + _rand(10_000 ether));
        voters.push(orchs[0]);
        voters.push(orchs[1]);
        address[5] memory fixture = [orchA, orchB, d1, d2, d3];
        for (uint256 i; i < 5; ++i) {
            voters.push(fixture[i]);
        }
        for (uint256 i; i < 6; ++i) {
            address d = makeAddr(string.concat("fd", vm.toString(i)));
            _bond(d, 1 + _rand(5_000 ether), orchs[_rand(3)]);
            voters.push(d);
        }
        // A delegator that moved: its orchestrator at the snapshot is the second one (a move bonds new
        // LPT there; the old stake leaves through a lock of the first pool and no longer votes).
        _bond(makeAddr("mover"), 777 ether, orchs[0]);
        _nextRound();
        _bond(makeAddr("mover"), 333 ether, orchs[1]);
        voters.push(makeAddr("mover"));
        _reward(orchs[0]);
        _reward(orchs[1]);
        _reward(orchA);
        _nextRound();
        _reward(orchs[0]);
        _reward(orchA);
        _nextRound();
    }

    function testFuzz_overrideMatchesReference(uint256 seed) public {
        rng = seed;
        _build();
        uint256 id = _propose(
            orchA, _single(address(bonding), 0, abi.encodeCall(BondingManager.setRewardBounty, (1)), "f")
        );
        _toVoting(id);
        // The snapshot block's round: votes are the bonding state at its start.
        uint256 snapshot = votes.roundAt(governor.proposalSnapshot(id));

        // Who votes, how, and in what order.
        uint256 n = voters.length;
        for (uint256 i = n - 1; i > 0; --i) {
            uint256 j = _rand(i + 1);
            (voters[i], voters[j]) = (voters[j], voters[i]);
        }
        bool[] memory votes_ = new bool[](n);
        uint8[] memory support = new uint8[](n);
        for (uint256 i; i < n; ++i) {
            votes_[i] = _rand(4) != 0;
            support[i] = uint8(_rand(3));
            if (votes_[i]) _vote(voters[i], id, support[i]);
        }

        // The reference.
        uint256[3] memory expected;
        for (uint256 i; i < n; ++i) {
            if (!votes_[i]) continue;
            address a = voters[i];
            uint256 weight;
            if (votes.delegateAt(a, snapshot) == a) {
                weight = votes.delegatedStakeAt(a, snapshot);
                for (uint256 k; k < n; ++k) {
                    if (k != i && votes_[k] && votes.delegateAt(voters[k], snapshot) == a) {
                        weight -= votes.stakeAt(voters[k], snapshot);
                    }
                }
            } else {
                weight = votes.stakeAt(a, snapshot);
            }
            expected[support[i]] += weight;
            (,,, uint256 counted,) = governor.voteOf(id, a);
            assertEq(counted, weight, "voter's counted stake");
        }
        (uint256 against, uint256 for_, uint256 abstain) = _tally(id);
        assertEq(against, expected[0], "against");
        assertEq(for_, expected[1], "for");
        assertEq(abstain, expected[2], "abstain");
        assertLe(against + for_ + abstain, votes.totalBondedAt(snapshot));
    }
}
