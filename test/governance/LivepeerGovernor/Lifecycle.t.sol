// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {BondingManager} from "../../../contracts/bonding/BondingManager.sol";
import {RoundsManager} from "../../../contracts/rounds/RoundsManager.sol";
import {GovernanceFixture} from "../../fixtures/GovernanceFixture.sol";

/// The whole life of a proposal: propose, vote (an orchestrator and a delegator overriding it, in
/// both orders), queue, wait out the timelock, execute; a parameter change and treasury transfers.
contract GovernanceLifecycleTest is GovernanceFixture {
    function test_lifecycle_orchestratorThenDelegatorOverrides_changesParameter() public {
        Proposal memory p = _single(
            address(bonding), 0, abi.encodeCall(BondingManager.setUnbondingPeriod, (3)), "unbonding 3"
        );
        uint256 id = _propose(orchA, p);
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Pending));
        assertEq(
            governor.proposalSnapshot(id), block.number + ROUND_LENGTH, "snapshot: one round of blocks ahead"
        );
        assertEq(votes.roundAt(governor.proposalSnapshot(id)), rounds.currentRound() + 1, "in the next round");
        _toVoting(id);

        // orchA votes for with its whole pool, then d1 overrides: 300 leave orchA's choice.
        assertEq(_vote(orchA, id, FOR), 1500 ether);
        (uint256 against, uint256 for_, uint256 abstain) = _tally(id);
        assertEq(for_, 1500 ether);
        assertEq(_vote(d1, id, AGAINST), 300 ether);
        (against, for_, abstain) = _tally(id);
        assertEq(for_, 1200 ether, "orchA's vote less d1's stake");
        assertEq(against, 300 ether);
        assertEq(abstain, 0);
        (,,, uint256 counted, uint256 overridden) = governor.voteOf(id, orchA);
        assertEq(counted, 1200 ether);
        assertEq(overridden, 300 ether);

        _toEnd(id);
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Succeeded));
        _queue(p);
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Queued));
        vm.warp(block.timestamp + 2 days);
        _execute(p);
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Executed));
        assertEq(bonding.unbondingPeriod(), 3);
    }

    function test_lifecycle_delegatorFirstThenOrchestrator_sameTally() public {
        Proposal memory p =
            _single(address(rounds), 0, abi.encodeCall(RoundsManager.setRoundLength, (50)), "round 50");
        uint256 id = _propose(orchB, p);
        _toVoting(id);

        // d1 votes first; orchA's later vote counts its pool less d1's stake.
        assertEq(_vote(d1, id, AGAINST), 300 ether);
        assertEq(_vote(orchA, id, FOR), 1200 ether);
        (uint256 against, uint256 for_,) = _tally(id);
        assertEq(for_, 1200 ether);
        assertEq(against, 300 ether);

        _toEnd(id);
        _queue(p);
        vm.warp(block.timestamp + 2 days);
        _execute(p);
        assertEq(rounds.roundLength(), 50);
    }

    function test_allVotersEveryOrder_eachLptCountedOnce() public {
        Proposal memory p =
            _single(address(bonding), 0, abi.encodeCall(BondingManager.setRewardBounty, (10)), "bounty");
        uint256 id = _propose(orchA, p);
        _toVoting(id);
        _vote(d2, id, ABSTAIN);
        _vote(orchA, id, FOR);
        _vote(orchB, id, AGAINST);
        _vote(d1, id, AGAINST);
        _vote(d3, id, FOR);
        (uint256 against, uint256 for_, uint256 abstain) = _tally(id);
        assertEq(for_, (1000 + 100) * 1 ether, "orchA's own + d3");
        assertEq(against, (300 + 500) * 1 ether, "d1 + orchB's own");
        assertEq(abstain, 200 ether, "d2");
        assertEq(for_ + against + abstain, votes.getPastTotalSupply(governor.proposalSnapshot(id)));
    }

    /// Stake that moves during the vote changes nothing: votes are the snapshot round's.
    function test_bondingDuringTheVote_doesNotChangeVotes() public {
        Proposal memory p =
            _single(address(bonding), 0, abi.encodeCall(BondingManager.setRewardBounty, (1)), "x");
        uint256 id = _propose(orchA, p);
        _toVoting(id);
        _bond(d1, 5000 ether, orchA); // more stake now: counted from a later round only
        vm.prank(d2);
        bonding.unbond(200 ether, address(0), address(0));
        assertEq(_vote(orchA, id, FOR), 1500 ether);
        assertEq(_vote(d1, id, AGAINST), 300 ether);
        assertEq(_vote(d2, id, AGAINST), 200 ether);
        (uint256 against, uint256 for_,) = _tally(id);
        assertEq(for_, 1000 ether);
        assertEq(against, 500 ether);
    }

    function test_treasury_receivesMinterShare_andTransfersLptAndEth() public {
        // The Minter's treasury share is the timelock's.
        assertEq(minter.treasury(), address(timelock));
        minter.mintTreasury();
        uint256 held = token.balanceOf(address(timelock));
        assertGt(held, 0, "treasury share minted to the timelock");
        vm.deal(address(timelock), 3 ether);

        address grantee = makeAddr("grantee");
        Proposal memory p;
        p.targets = new address[](2);
        p.values = new uint256[](2);
        p.calldatas = new bytes[](2);
        (p.targets[0], p.calldatas[0]) = (address(token), abi.encodeCall(token.transfer, (grantee, held / 2)));
        (p.targets[1], p.values[1]) = (grantee, 1 ether);
        p.description = "grant";
        _pass(p);

        assertEq(token.balanceOf(grantee), held / 2);
        assertEq(grantee.balance, 1 ether);
        assertEq(address(timelock).balance, 2 ether);
    }

    function test_abstainOnlyQuorum_isDefeated() public {
        Proposal memory p =
            _single(address(bonding), 0, abi.encodeCall(BondingManager.setRewardBounty, (1)), "abstain");
        uint256 id = _propose(orchA, p);
        _toVoting(id);
        _vote(orchA, id, ABSTAIN); // 1500 of 2100: well over quorum
        _toEnd(id);
        assertEq(governor.quorum(governor.proposalSnapshot(id)), 2100 ether * 333_300 / 1e6);
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Defeated));
    }

    function test_belowQuorum_isDefeated_andQuotaDecides() public {
        Proposal memory p =
            _single(address(bonding), 0, abi.encodeCall(BondingManager.setRewardBounty, (1)), "small");
        uint256 id = _propose(orchA, p);
        _toVoting(id);
        _vote(d1, id, FOR); // 300 of 2100 < 33.33%
        _toEnd(id);
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Defeated), "no quorum");

        // Quorum made, but for / (for + against) under the 50% quota.
        Proposal memory q =
            _single(address(bonding), 0, abi.encodeCall(BondingManager.setRewardBounty, (2)), "quota");
        id = _propose(orchA, q);
        _toVoting(id);
        _vote(orchA, id, AGAINST); // 1500
        _vote(orchB, id, FOR); // 600
        _toEnd(id);
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Defeated), "600 / 2100 < 50%");
    }

    function test_governorSettings_areGovernedOnly() public {
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorOnlyExecutor.selector, address(this)));
        governor.setVotingPeriod(5);
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorOnlyExecutor.selector, address(this)));
        governor.setQuota(1);

        _pass(_single(address(governor), 0, abi.encodeCall(governor.setQuota, (600_000)), "quota 60%"));
        assertEq(governor.quota(), 600_000);
        _pass(_single(address(governor), 0, abi.encodeCall(governor.setVotingPeriod, (500)), "period 500"));
        assertEq(governor.votingPeriod(), 500);
        _pass(_single(address(timelock), 0, abi.encodeCall(timelock.updateDelay, (1 days)), "delay 1d"));
        assertEq(timelock.getMinDelay(), 1 days);
    }
}
