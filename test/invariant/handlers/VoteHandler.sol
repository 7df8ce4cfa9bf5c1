// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BondingLens} from "../../../contracts/bonding/BondingLens.sol";
import {IExtsload} from "../../../contracts/interfaces/IExtsload.sol";
import {Test} from "forge-std/Test.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {IBondingManager} from "../../../contracts/interfaces/IBondingManager.sol";
import {BondingManager} from "../../../contracts/bonding/BondingManager.sol";
import {BondingVotes} from "../../../contracts/governance/BondingVotes.sol";
import {LivepeerGovernor} from "../../../contracts/governance/LivepeerGovernor.sol";
import {LivepeerToken} from "../../../contracts/token/LivepeerToken.sol";
import {RoundsManager} from "../../../contracts/rounds/RoundsManager.sol";

/// Drives one proposal's vote at random: orchestrators and delegators vote (each once, any choice,
/// any order) while others bond, unbond and move stake and rounds pass, as long as the vote is open.
/// Every call is valid (the suite fails on reverts); ghosts record who voted how.
contract VoteHandler is Test {
    LivepeerGovernor internal immutable governor;
    BondingVotes internal immutable votes;
    BondingManager internal immutable bonding;
    BondingLens internal immutable lens;
    LivepeerToken internal immutable token;
    RoundsManager internal immutable rounds;
    uint256 public immutable proposalId;

    address[] internal _accounts;
    address[] internal _orchestrators;
    mapping(address => bool) public voted;
    mapping(address => uint8) public supportOf;
    uint256 public votesCast;

    constructor(
        LivepeerGovernor governor_,
        BondingVotes votes_,
        LivepeerToken token_,
        uint256 proposalId_,
        address[] memory accounts_,
        address[] memory orchestrators_
    ) {
        (governor, votes, token, proposalId) = (governor_, votes_, token_, proposalId_);
        bonding = BondingManager(address(votes_.bonding()));
        lens = new BondingLens(votes_.bonding());
        rounds = RoundsManager(address(votes_.rounds()));
        _accounts = accounts_;
        _orchestrators = orchestrators_;
    }

    function accounts() external view returns (address[] memory) {
        return _accounts;
    }

    function vote(uint256 who, uint8 support) external {
        address a = _accounts[who % _accounts.length];
        if (voted[a] || governor.state(proposalId) != IGovernor.ProposalState.Active) return;
        (uint256 weight,) = votes.votesAt(a, votes.roundAt(governor.proposalSnapshot(proposalId)));
        if (weight == 0) return;
        support = support % 3;
        vm.prank(a);
        governor.castVote(proposalId, support);
        (voted[a], supportOf[a]) = (true, support);
        ++votesCast;
    }

    function bond(uint256 who, uint256 amount, uint256 to) external {
        address a = _accounts[who % _accounts.length];
        address orchestrator = _orchestrators[to % _orchestrators.length];
        address current = lens.getDelegator(a).delegate;
        // An orchestrator stays with itself; a delegator may move.
        if (current == a) orchestrator = a;
        amount = bound(amount, 1, 1_000 ether);
        assertTrue(token.transfer(a, amount));
        vm.startPrank(a);
        token.approve(address(bonding), amount);
        bonding.bond(
            amount, orchestrator, IBondingManager.Hints(address(0), address(0), address(0), address(0))
        );
        vm.stopPrank();
    }

    function unbond(uint256 who, uint256 fraction) external {
        address a = _accounts[who % _accounts.length];
        if (lens.getDelegator(a).delegate == address(0)) return;
        uint256 stake = lens.pendingStake(a);
        if (lens.getDelegator(a).delegate == a) stake -= lens.getPool(a).rewardCommission;
        uint256 amount = stake * bound(fraction, 1, 100) / 200;
        if (amount == 0) return;
        vm.prank(a);
        bonding.unbond(amount, address(0), address(0));
    }

    function nextRound() external {
        uint256 next = rounds.currentRoundStartBlock() + rounds.roundLength();
        if (next > governor.proposalDeadline(proposalId)) return; // voting stays open
        vm.roll(next);
        rounds.initializeRound();
    }
}
