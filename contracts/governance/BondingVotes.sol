// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {BondingHistory} from "../bonding/BondingHistory.sol";
import {IBondingClock} from "../bonding/BondingLens.sol";
import {BondingSlots} from "../bonding/BondingSlots.sol";
import {IExtsload} from "../interfaces/IExtsload.sol";
import {IRoundsManager} from "../interfaces/IRoundsManager.sol";

/// @title BondingVotes
/// @notice Bonded LPT as ERC-5805 votes, for the Governor. The clock (ERC-6372) is the round
/// number. Votes at timepoint R are read from the bonding state at the start of round R, which
/// BondingHistory reports exactly and which no later action can change:
/// - an orchestrator (an account delegated to itself at the start of R) votes with its whole
///   delegated stake, its own and its unclaimed commission included;
/// - any other bonded account (a delegator) votes with its own bonded stake, earnings included;
/// - the total supply of votes at R is the total bonded stake at the start of R.
/// So an orchestrator's votes count its delegators' stake a second time; the Governor's counting
/// module (GovernorCountingOverride) takes a delegator's stake out of its orchestrator's vote when
/// the delegator votes itself, so no stake is ever counted twice in a tally.
///
/// Voting power follows bonding, not a separate delegation: `delegate` and `delegateBySig` revert,
/// and `delegates` reports the orchestrator an account is bonded to. The contract keeps no state of
/// its own and emits no vote events (indexers follow the BondingManager's Bond and Unbond events);
/// bonding pays nothing extra for votes beyond BondingManager's per-round checkpoints.
contract BondingVotes is BondingHistory, IERC5805 {
    /// @notice Votes cannot be delegated apart from stake: bond to an orchestrator instead.
    error VotingPowerFollowsBonding();

    /// @notice A timepoint at or after the current round: its values are not final yet.
    error ERC5805FutureLookup(uint256 timepoint, uint48 clock);

    /// @notice Protocol time, the clock.
    IRoundsManager public immutable rounds;

    /// @param bonding_ The BondingManager whose checkpoints are the votes.
    constructor(IExtsload bonding_) BondingHistory(bonding_) {
        rounds = IBondingClock(address(bonding_)).rounds();
    }

    // ---------------------------------------------------------------- ERC-6372

    /// @notice The current round.
    function clock() public view returns (uint48) {
        return SafeCast.toUint48(rounds.currentRound());
    }

    /// @notice The clock counts rounds (ERC-6372 allows a mode of one's own).
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() external pure returns (string memory) {
        return "mode=round";
    }

    // ---------------------------------------------------------------- ERC-5805 votes

    /// @notice The votes `account` has for a proposal whose snapshot is the current round: its votes
    /// at the start of the current round (final already; bonding during the round counts from the
    /// next one).
    function getVotes(address account) external view returns (uint256) {
        (uint256 votes,) = votesAt(account, clock());
        return votes;
    }

    /// @notice The votes `account` had at the start of round `timepoint`, which must be a past round.
    function getPastVotes(address account, uint256 timepoint) external view returns (uint256) {
        _requirePast(timepoint);
        (uint256 votes,) = votesAt(account, timepoint);
        return votes;
    }

    /// @notice The LPT bonded at the start of round `timepoint`, which must be a past round.
    function getPastTotalSupply(uint256 timepoint) external view returns (uint256) {
        _requirePast(timepoint);
        return totalBondedAt(timepoint);
    }

    /// @notice The orchestrator `account` is bonded to now (itself for an orchestrator).
    function delegates(address account) external view returns (address) {
        return BondingSlots.delegator(bonding, account).delegate;
    }

    /// @notice Always reverts: voting power moves with bonded stake (`bond` to another orchestrator).
    function delegate(address) external pure {
        revert VotingPowerFollowsBonding();
    }

    /// @notice Always reverts: voting power moves with bonded stake.
    function delegateBySig(address, uint256, uint256, uint8, bytes32, bytes32) external pure {
        revert VotingPowerFollowsBonding();
    }

    /// @notice The votes of `account` at the start of `round` and the orchestrator it was delegated
    /// to then (itself for an orchestrator, zero when unbonded). No check that `round` is past: at
    /// the current round it gives the values the round started with.
    function votesAt(address account, uint256 round) public view returns (uint256 votes, address delegate_) {
        if (round == 0) return (0, address(0));
        delegate_ = delegateAt(account, round);
        if (delegate_ == address(0)) return (0, address(0));
        votes = delegate_ == account ? delegatedStakeAt(account, round) : _stakeAt(account, round, delegate_);
    }

    function _requirePast(uint256 timepoint) internal view {
        uint48 current = clock();
        if (timepoint >= current) revert ERC5805FutureLookup(timepoint, current);
    }
}
