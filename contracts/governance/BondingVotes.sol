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
/// @notice Bonded LPT as ERC-5805 votes, for the Governor. The clock (ERC-6372) is the block
/// number (`mode=blocknumber&from=default`), which Tally-style clients and OpenZeppelin tooling
/// read; votes at block b are the bonding state at the start of the round containing b (the
/// RoundsManager maps past blocks to rounds exactly, across round-length changes). Votes at round R
/// are read from the bonding state at the start of round R, which BondingHistory reports exactly
/// and which no later action can change, so every block of a round has the same votes:
/// - an orchestrator (an account delegated to itself at the start of R) votes with its whole
///   delegated stake, its own and its unclaimed commission included;
/// - any other bonded account (a delegator) votes with its own bonded stake, earnings included;
/// - the total supply of votes at R is the total bonded stake at the start of R.
/// So an orchestrator's votes count its delegators' stake a second time; the Governor's counting
/// module (GovernorCountingOverride) takes a delegator's stake out of its orchestrator's vote when
/// the delegator votes itself, so no stake is ever counted twice in a tally.
///
/// Voting power follows bonding, not a separate delegation: `delegate` and `delegateBySig` revert
/// (so `nonces` stays 0), and `delegates` reports the orchestrator an account is bonded to.
contract BondingVotes is BondingHistory, IERC5805 {
    /// @notice Votes cannot be delegated apart from stake: bond to an orchestrator instead.
    error VotingPowerFollowsBonding();

    /// @notice A timepoint at or after the current block: its values are not final yet.
    error ERC5805FutureLookup(uint256 timepoint, uint48 clock);

    /// @notice Protocol time, the clock.
    IRoundsManager public immutable rounds;

    // ---------------------------------------------------------------- ERC-20 style metadata

    /// @notice The votes' name, for wallets and governance clients.
    function name() external pure returns (string memory) {
        return "Livepeer Bonded Votes";
    }

    /// @notice The votes' symbol.
    function symbol() external pure returns (string memory) {
        return "vLPT";
    }

    /// @notice Votes are LPT wei: 18 decimals, as LPT.
    function decimals() external pure returns (uint8) {
        return 18;
    }

    /// @notice ERC-5805's delegation nonce: always 0, since no signature ever delegates
    /// (`delegateBySig` reverts: voting power follows bonding).
    function nonces(address) external pure returns (uint256) {
        return 0;
    }

    /// @param bonding_ The BondingManager whose checkpoints are the votes.
    constructor(IExtsload bonding_) BondingHistory(bonding_) {
        rounds = IBondingClock(address(bonding_)).rounds();
    }

    // ---------------------------------------------------------------- ERC-6372

    /// @notice The current block number.
    function clock() public view returns (uint48) {
        return SafeCast.toUint48(block.number);
    }

    /// @notice The clock is the block number, ERC-6372's default.
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() external pure returns (string memory) {
        return "mode=blocknumber&from=default";
    }

    /// @notice The round block `timepoint` is (or was) in: votes at `timepoint` are those at the
    /// start of this round.
    function roundAt(uint256 timepoint) public view returns (uint256) {
        return rounds.roundAt(timepoint);
    }

    // ---------------------------------------------------------------- ERC-5805 votes

    /// @notice The votes `account` has now: its votes at the start of the current round (final
    /// already; bonding during the round counts from the next one).
    function getVotes(address account) external view returns (uint256) {
        (uint256 votes,) = votesAt(account, rounds.currentRound());
        return votes;
    }

    /// @notice The votes `account` had at block `timepoint`, which must be past: its votes at the
    /// start of the round containing that block.
    function getPastVotes(address account, uint256 timepoint) external view returns (uint256) {
        _requirePast(timepoint);
        (uint256 votes,) = votesAt(account, roundAt(timepoint));
        return votes;
    }

    /// @notice The LPT bonded at block `timepoint`, which must be past: the total bonded at the
    /// start of the round containing that block.
    function getPastTotalSupply(uint256 timepoint) external view returns (uint256) {
        _requirePast(timepoint);
        return totalBondedAt(roundAt(timepoint));
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
