// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Units} from "../libraries/Units.sol";

/// @title GovernorCountingOverride
/// @notice Governor counting for delegated stake in which a delegator can override its
/// orchestrator. Support is bravo's: 0 against, 1 for, 2 abstain.
///
/// The votes token gives an orchestrator its whole delegated stake and a delegator its own stake
/// (BondingVotes). A proposal's tally counts each LPT once:
/// - an orchestrator's vote counts its delegated stake less the stake of every delegator of it that
///   voted before it;
/// - a delegator's vote counts its own stake, and when its orchestrator has already voted, the same
///   amount leaves the orchestrator's choice.
/// Either order gives the same tally: orchestrator O with stake P and voting delegators d_i with
/// stakes s_i count P - sum(s_i) for O's choice and s_i for each d_i's choice (subtractions
/// saturate at zero, which exact bonding history never reaches: a delegator's stake is part of its
/// orchestrator's).
///
/// Quorum counts for, against and abstain. A proposal succeeds when some stake is for it and
/// `for / (for + against)` reaches the pass quota: abstain counts toward quorum only, so a quorum
/// made of abstain votes alone does not pass (the trap of Livepeer protocol issue #654).
abstract contract GovernorCountingOverride is Governor {
    using SafeCast for uint256;

    enum VoteType {
        Against,
        For,
        Abstain
    }

    /// @notice The pass quota's denominator: quotas are in parts per million.
    uint256 public constant QUOTA_DENOMINATOR = Units.PPM;

    /// @notice An account with no votes at the proposal's snapshot tried to vote.
    error NoVotingPower(address account);
    /// @notice A pass quota above 100%.
    error InvalidQuota(uint256 quota);

    event QuotaUpdated(uint256 oldQuota, uint256 newQuota);
    /// @notice A delegator voted after its orchestrator: `weight` left the orchestrator's choice
    /// `support` on `proposalId` (OpenZeppelin's override module's event). Summing VoteCast weights
    /// less VoteReduced weights per proposal and choice gives `proposalVotes` exactly.
    event VoteReduced(address indexed delegate, uint256 proposalId, uint8 support, uint256 weight);

    /// @notice A proposal's tally (one slot for for and against, which every override touches).
    struct Tally {
        uint128 forVotes;
        uint128 againstVotes;
        uint256 abstainVotes;
    }

    /// @notice One account's part in one proposal. One slot.
    struct Voter {
        uint8 support; // the vote cast plus one; 0: has not voted
        bool orchestrator; // voted as an orchestrator (delegated to itself at the snapshot)
        uint120 counted; // the stake its vote counts now in the tally
        uint120 overridden; // the stake of its delegators that voted themselves
    }

    uint256 private _quota;
    mapping(uint256 proposalId => Tally) private _tallies;
    mapping(uint256 proposalId => mapping(address account => Voter)) private _voters;

    /// @param quota_ The share of for votes in for + against a proposal needs to pass (ppm).
    constructor(uint256 quota_) {
        _setQuota(quota_);
    }

    /// @dev The orchestrator `account` was delegated to at `timepoint` (itself for an orchestrator).
    function _delegateAt(address account, uint256 timepoint) internal view virtual returns (address);

    /// @notice Bravo support with overrides (a delegator's vote overrides its orchestrator's for
    /// its stake), quorum counting for, abstain and against, in the form of OpenZeppelin's
    /// GovernorCountingOverridable (whose quorum counts for and abstain only).
    // solhint-disable-next-line func-name-mixedcase
    function COUNTING_MODE() public pure virtual override returns (string memory) {
        return "support=bravo,override&quorum=for,abstain,against&overridable=true";
    }

    /// @notice Whether `account` has voted on `proposalId`.
    function hasVoted(uint256 proposalId, address account) public view virtual override returns (bool) {
        return _voters[proposalId][account].support != 0;
    }

    /// @notice The tally of a proposal.
    function proposalVotes(uint256 proposalId)
        public
        view
        virtual
        returns (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes)
    {
        Tally storage t = _tallies[proposalId];
        return (t.againstVotes, t.forVotes, t.abstainVotes);
    }

    /// @notice An account's vote on a proposal: its support (meaningful when `voted`), whether it
    /// voted as an orchestrator, the stake its vote counts now, and the stake of its delegators
    /// that voted themselves.
    function voteOf(uint256 proposalId, address account)
        external
        view
        returns (bool voted, uint8 support, bool orchestrator, uint256 counted, uint256 overridden)
    {
        Voter memory v = _voters[proposalId][account];
        voted = v.support != 0;
        support = voted ? v.support - 1 : 0;
        return (voted, support, v.orchestrator, v.counted, v.overridden);
    }

    /// @notice The pass quota: the share of for votes in for + against a proposal needs (ppm).
    function quota() public view virtual returns (uint256) {
        return _quota;
    }

    /// @notice Sets the pass quota (ppm). Governance only.
    function setQuota(uint256 newQuota) external onlyGovernance {
        _setQuota(newQuota);
    }

    /// @inheritdoc Governor
    function _quorumReached(uint256 proposalId) internal view virtual override returns (bool) {
        Tally storage t = _tallies[proposalId];
        return quorum(proposalSnapshot(proposalId)) <= uint256(t.forVotes) + t.againstVotes + t.abstainVotes;
    }

    /// @inheritdoc Governor
    /// @dev At least one for vote, and for * 1e6 >= quota * (for + against).
    function _voteSucceeded(uint256 proposalId) internal view virtual override returns (bool) {
        Tally storage t = _tallies[proposalId];
        uint256 forVotes = t.forVotes;
        return forVotes != 0 && forVotes * QUOTA_DENOMINATOR >= _quota * (forVotes + t.againstVotes);
    }

    /// @inheritdoc Governor
    /// @dev `totalWeight` is the account's votes at the snapshot: its delegated stake for an
    /// orchestrator, its own stake for a delegator. Returns the stake the vote counts.
    function _countVote(uint256 proposalId, address account, uint8 support, uint256 totalWeight, bytes memory)
        internal
        virtual
        override
        returns (uint256 counted)
    {
        if (support > uint8(VoteType.Abstain)) revert GovernorInvalidVoteType();
        if (totalWeight == 0) revert NoVotingPower(account);
        mapping(address => Voter) storage voters = _voters[proposalId];
        Voter memory voter = voters[account];
        if (voter.support != 0) revert GovernorAlreadyCastVote(account);
        Tally storage tally = _tallies[proposalId];

        address orchestrator = _delegateAt(account, proposalSnapshot(proposalId));
        if (orchestrator == account) {
            // Its delegators that voted already have taken their stake out of its vote.
            uint256 overridden = voter.overridden;
            counted = totalWeight > overridden ? totalWeight - overridden : 0;
            voter.orchestrator = true;
        } else {
            counted = totalWeight;
            Voter storage o = voters[orchestrator];
            uint256 overridden = o.overridden + counted;
            o.overridden = overridden.toUint120();
            // Its orchestrator voted already: take this stake out of the orchestrator's choice.
            if (o.support != 0 && o.orchestrator) {
                uint256 oCounted = o.counted;
                uint256 moved = counted < oCounted ? counted : oCounted;
                // Cannot truncate: at most oCounted, a uint120.
                // forge-lint: disable-next-line(unsafe-typecast)
                o.counted = uint120(oCounted - moved);
                _subtract(tally, o.support - 1, moved);
                if (moved != 0) emit VoteReduced(orchestrator, proposalId, o.support - 1, moved);
            }
        }
        voter.support = support + 1;
        voter.counted = counted.toUint120();
        voters[account] = voter;
        _add(tally, support, counted);
    }

    function _add(Tally storage tally, uint256 support, uint256 amount) private {
        if (support == uint8(VoteType.For)) tally.forVotes += amount.toUint128();
        else if (support == uint8(VoteType.Against)) tally.againstVotes += amount.toUint128();
        else tally.abstainVotes += amount;
    }

    // Neither truncates nor underflows: `amount` is at most the stake the orchestrator's vote still
    // counts for that choice, which the tally holds.
    function _subtract(Tally storage tally, uint256 support, uint256 amount) private {
        if (support == uint8(VoteType.For)) {
            // forge-lint: disable-next-line(unsafe-typecast)
            tally.forVotes -= uint128(amount);
        } else if (support == uint8(VoteType.Against)) {
            // forge-lint: disable-next-line(unsafe-typecast)
            tally.againstVotes -= uint128(amount);
        } else {
            tally.abstainVotes -= amount;
        }
    }

    function _setQuota(uint256 newQuota) internal {
        if (newQuota > QUOTA_DENOMINATOR) revert InvalidQuota(newQuota);
        emit QuotaUpdated(_quota, newQuota);
        _quota = newQuota;
    }
}
