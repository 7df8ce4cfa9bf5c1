// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Vm} from "forge-std/Vm.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {BondingManager} from "../../../contracts/bonding/BondingManager.sol";
import {GovernorCountingOverride} from "../../../contracts/governance/GovernorCountingOverride.sol";
import {GovernanceFixture} from "../../fixtures/GovernanceFixture.sol";

/// An indexer's view of the tally: per proposal and choice, the VoteCast weights less the
/// VoteReduced weights (an orchestrator's counted vote shrinking when a delegator overrides after
/// it) equal `proposalVotes`, whatever the order of votes, across proposals and rounds.
contract GovernorEventTallyTest is GovernanceFixture {
    bytes32 internal constant VOTE_CAST = keccak256("VoteCast(address,uint256,uint8,uint256,string)");

    uint256[] internal ids;

    function test_countingMode_isOpenZeppelinsOverrideForm() public view {
        assertEq(
            governor.COUNTING_MODE(), "support=bravo,override&quorum=for,abstain,against&overridable=true"
        );
    }

    function test_voteReduced_whenADelegatorOverridesAfterItsOrchestrator() public {
        uint256 id = _propose(orchA, _proposal("reduce"));
        _toVoting(id);
        _vote(orchA, id, FOR);
        vm.expectEmit(address(governor));
        emit GovernorCountingOverride.VoteReduced(orchA, id, FOR, 300 ether);
        _vote(d1, id, AGAINST);
    }

    function test_tallyFromEventsEqualsProposalVotes() public {
        vm.recordLogs();
        // Proposal 1: orchestrators first, then delegators override (VoteReduced each).
        ids.push(_propose(orchA, _proposal("one")));
        _toVoting(ids[0]);
        _vote(orchA, ids[0], FOR);
        _vote(orchB, ids[0], AGAINST);
        _vote(d1, ids[0], AGAINST);
        _vote(d3, ids[0], ABSTAIN);
        // Proposal 2, made while 1 is open, after stake moved: delegators first, then orchestrators.
        _bond(d2, 40 ether, orchA);
        _reward(orchA);
        ids.push(_propose(orchB, _proposal("two")));
        _vote(d2, ids[0], FOR); // orchestrator A voted for: VoteReduced on the same choice
        _toVoting(ids[1]);
        _vote(d2, ids[1], AGAINST);
        _vote(d1, ids[1], ABSTAIN);
        _vote(orchA, ids[1], FOR);
        _vote(orchB, ids[1], FOR);
        _vote(d3, ids[1], AGAINST);

        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256 reduced;
        for (uint256 p; p < ids.length; ++p) {
            uint256[3] memory sum;
            for (uint256 i; i < logs.length; ++i) {
                Vm.Log memory l = logs[i];
                if (l.emitter != address(governor)) continue;
                if (l.topics[0] == VOTE_CAST) {
                    (uint256 proposalId, uint8 support, uint256 weight,) =
                        abi.decode(l.data, (uint256, uint8, uint256, string));
                    if (proposalId == ids[p]) sum[support] += weight;
                } else if (l.topics[0] == GovernorCountingOverride.VoteReduced.selector) {
                    (uint256 proposalId, uint8 support, uint256 weight) =
                        abi.decode(l.data, (uint256, uint8, uint256));
                    if (proposalId == ids[p]) {
                        sum[support] -= weight;
                        ++reduced;
                    }
                }
            }
            (uint256 against, uint256 for_, uint256 abstain) = _tally(ids[p]);
            assertEq(sum[0], against, "against from events");
            assertEq(sum[1], for_, "for from events");
            assertEq(sum[2], abstain, "abstain from events");
        }
        assertEq(reduced, 4, "every override after an orchestrator's vote said so");
        assertEq(uint8(governor.state(ids[0])), uint8(IGovernor.ProposalState.Active));
    }

    function _proposal(string memory description) internal view returns (Proposal memory) {
        return _single(address(bonding), 0, abi.encodeCall(BondingManager.setRewardBounty, (1)), description);
    }
}
