// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {BondingManager} from "../../../contracts/bonding/BondingManager.sol";
import {BondingVotes} from "../../../contracts/governance/BondingVotes.sol";
import {GovernorCountingOverride} from "../../../contracts/governance/GovernorCountingOverride.sol";
import {LivepeerGovernor} from "../../../contracts/governance/LivepeerGovernor.sol";
import {GovernanceFixture} from "../../fixtures/GovernanceFixture.sol";

/// Every misuse reverts with a named error.
contract GovernanceBadInputTest is GovernanceFixture {
    Proposal internal p;
    uint256 internal id;

    function setUp() public override {
        super.setUp();
        p = _single(address(bonding), 0, abi.encodeCall(BondingManager.setUnbondingPeriod, (3)), "u3");
        id = _propose(orchA, p);
    }

    function test_voteTwice_reverts() public {
        _toVoting(id);
        _vote(orchA, id, FOR);
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorAlreadyCastVote.selector, orchA));
        _vote(orchA, id, AGAINST);
        _vote(d1, id, FOR);
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorAlreadyCastVote.selector, d1));
        _vote(d1, id, FOR);
    }

    function test_voteWithoutStake_reverts() public {
        _toVoting(id);
        vm.expectRevert(abi.encodeWithSelector(GovernorCountingOverride.NoVotingPower.selector, stranger));
        _vote(stranger, id, FOR);
        // Bonded after the snapshot: no votes on this proposal either.
        _bond(stranger, 10 ether, orchB);
        vm.expectRevert(abi.encodeWithSelector(GovernorCountingOverride.NoVotingPower.selector, stranger));
        _vote(stranger, id, FOR);
    }

    function test_invalidSupport_reverts() public {
        _toVoting(id);
        vm.expectRevert(IGovernor.GovernorInvalidVoteType.selector);
        _vote(orchA, id, 3);
    }

    function test_voteBeforeVotingOpens_reverts() public {
        vm.expectPartialRevert(IGovernor.GovernorUnexpectedProposalState.selector);
        _vote(orchA, id, FOR);
    }

    function test_executeBeforeTimelock_reverts() public {
        _toVoting(id);
        _vote(orchA, id, FOR);
        _toEnd(id);
        // Not queued yet: the governor refuses.
        vm.expectPartialRevert(IGovernor.GovernorUnexpectedProposalState.selector);
        _execute(p);
        _queue(p);
        // Queued, delay not over: the timelock refuses.
        vm.expectPartialRevert(TimelockController.TimelockUnexpectedOperationState.selector);
        _execute(p);
        vm.warp(block.timestamp + 2 days - 1);
        vm.expectPartialRevert(TimelockController.TimelockUnexpectedOperationState.selector);
        _execute(p);
        vm.warp(block.timestamp + 1);
        _execute(p);
        assertEq(bonding.unbondingPeriod(), 3);
    }

    function test_timelockDirectly_rejectsAnyoneButTheGovernor() public {
        bytes32 proposer = timelock.PROPOSER_ROLE();
        vm.expectRevert(
            abi.encodeWithSignature("AccessControlUnauthorizedAccount(address,bytes32)", orchA, proposer)
        );
        vm.prank(orchA);
        timelock.schedule(address(bonding), 0, p.calldatas[0], 0, 0, 2 days);
    }

    function test_proposalBelowThreshold_reverts() public {
        address small = makeAddr("small");
        _bond(small, 99 ether, orchB); // under the 100 LPT threshold
        _nextRound();
        _nextRound();
        Proposal memory q = _single(address(bonding), 0, p.calldatas[0], "small");
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorInsufficientProposerVotes.selector, small, 99 ether, 100 ether
            )
        );
        _propose(small, q);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorInsufficientProposerVotes.selector, stranger, 0, 100 ether
            )
        );
        _propose(stranger, q);
    }

    function test_votes_delegationReverts_andFutureLookupReverts() public {
        vm.expectRevert(BondingVotes.VotingPowerFollowsBonding.selector);
        votes.delegate(orchA);
        vm.expectRevert(BondingVotes.VotingPowerFollowsBonding.selector);
        votes.delegateBySig(orchA, 0, 0, 0, 0, 0);
        uint48 current = votes.clock();
        vm.expectRevert(abi.encodeWithSelector(BondingVotes.ERC5805FutureLookup.selector, current, current));
        votes.getPastVotes(orchA, current);
        vm.expectRevert(
            abi.encodeWithSelector(BondingVotes.ERC5805FutureLookup.selector, current + 1, current)
        );
        votes.getPastTotalSupply(current + 1);
    }

    /// Bad settings: the governor's setters run only inside a governor execution (OpenZeppelin
    /// checks the call was queued by it), so they are checked here at construction.
    function test_invalidSettings_revert() public {
        LivepeerGovernor.Settings memory s = LivepeerGovernor.Settings(1, 10, 100 ether, 333_300, 500_000);
        s.quota = 1_000_001;
        vm.expectRevert(abi.encodeWithSelector(GovernorCountingOverride.InvalidQuota.selector, 1_000_001));
        new LivepeerGovernor(votes, timelock, s);
        s.quota = 500_000;
        s.quorum = 1_000_001;
        vm.expectRevert(
            abi.encodeWithSignature("GovernorInvalidQuorumFraction(uint256,uint256)", 1_000_001, 1e6)
        );
        new LivepeerGovernor(votes, timelock, s);
        s.quorum = 333_300;
        s.votingPeriod = 0;
        vm.expectRevert(abi.encodeWithSignature("GovernorInvalidVotingPeriod(uint256)", 0));
        new LivepeerGovernor(votes, timelock, s);
    }
}
