// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {BondingFixture} from "../utils/BondingFixture.sol";

/// @notice The suite as deployed for production (handed over to governance: the timelock is the
/// only admin and the treasury), two orchestrators with delegators, and helpers to propose, move
/// rounds and run a proposal through the timelock.
///
/// Stakes (LPT): orchA 1000 self + delegators d1 300, d2 200; orchB 500 self + d3 100. Total 2100.
abstract contract GovernanceFixture is BondingFixture {
    address internal orchA = makeAddr("orchA");
    address internal orchB = makeAddr("orchB");
    address internal d1 = makeAddr("d1");
    address internal d2 = makeAddr("d2");
    address internal d3 = makeAddr("d3");

    uint8 internal constant AGAINST = 0;
    uint8 internal constant FOR = 1;
    uint8 internal constant ABSTAIN = 2;

    function setUp() public virtual override {
        handOver = true;
        super.setUp();
        _registerOrchestrator(orchA, 100_000, 500_000, 1000 ether);
        _registerOrchestrator(orchB, 100_000, 500_000, 500 ether);
        _bond(d1, 300 ether, orchA);
        _bond(d2, 200 ether, orchA);
        _bond(d3, 100 ether, orchB);
        // Stake bonded this round counts from the next one's start; proposing reads the round before.
        _nextRound();
        _nextRound();
    }

    struct Proposal {
        address[] targets;
        uint256[] values;
        bytes[] calldatas;
        string description;
    }

    function _single(address target, uint256 value, bytes memory data, string memory description)
        internal
        pure
        returns (Proposal memory p)
    {
        p.targets = new address[](1);
        p.targets[0] = target;
        p.values = new uint256[](1);
        p.values[0] = value;
        p.calldatas = new bytes[](1);
        p.calldatas[0] = data;
        p.description = description;
    }

    function _propose(address proposer, Proposal memory p) internal returns (uint256 id) {
        vm.prank(proposer);
        id = governor.propose(p.targets, p.values, p.calldatas, p.description);
    }

    /// Moves to the first round in which the proposal takes votes.
    function _toVoting(uint256 id) internal {
        while (rounds.currentRound() <= governor.proposalSnapshot(id)) {
            _nextRound();
        }
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Active));
    }

    /// Moves past the proposal's deadline.
    function _toEnd(uint256 id) internal {
        while (rounds.currentRound() <= governor.proposalDeadline(id)) {
            _nextRound();
        }
    }

    function _vote(address voter, uint256 id, uint8 support) internal returns (uint256 weight) {
        vm.prank(voter);
        weight = governor.castVote(id, support);
    }

    function _queue(Proposal memory p) internal returns (uint256) {
        return governor.queue(p.targets, p.values, p.calldatas, keccak256(bytes(p.description)));
    }

    function _execute(Proposal memory p) internal returns (uint256) {
        return governor.execute(p.targets, p.values, p.calldatas, keccak256(bytes(p.description)));
    }

    /// Votes it through (orchA and orchB for), queues, waits out the timelock and executes.
    function _pass(Proposal memory p) internal {
        uint256 id = _propose(orchA, p);
        _toVoting(id);
        _vote(orchA, id, FOR);
        _vote(orchB, id, FOR);
        _toEnd(id);
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Succeeded));
        _queue(p);
        vm.warp(block.timestamp + timelock.getMinDelay());
        _execute(p);
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Executed));
    }

    function _tally(uint256 id) internal view returns (uint256 against, uint256 for_, uint256 abstain) {
        return governor.proposalVotes(id);
    }
}
