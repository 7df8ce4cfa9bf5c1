// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {BondingHistory} from "../bonding/BondingHistory.sol";
import {IBondingClock} from "../bonding/BondingLens.sol";
import {BondingSlots} from "../bonding/BondingSlots.sol";
import {Delegator} from "../bonding/BondingTypes.sol";
import {IExtsload} from "../interfaces/IExtsload.sol";
import {IRoundsManager} from "../interfaces/IRoundsManager.sol";
import {IVotesHook} from "../interfaces/IVotesHook.sol";

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
///
/// Events (docs/governance.md, "Votes from events"): the BondingManager calls `onBondingChange`
/// after every operation that moves voting power, and this emits, in round R:
/// - `DelegateChanged` when an account's orchestrator changes (bond, rebond, first bond, receiving a
///   transferred bond);
/// - `DelegateVotesChanged` for the account that acted and for an orchestrator (delegated to
///   itself) whose pool's stake changed, `newVotes` being its votes from round R+1 on (`getVotes`
///   reads the start of the current round: a change counts from the next one);
/// - `VotingPosition` for the account that acted (its stored position, rebased on a claim) and
///   `VotingPool` for a pool whose stake or reward or slash factor changed (bond, unbond, reward,
///   slash).
/// A reward or a slash moves every delegator's votes in the pool through the pool's factors: no
/// per-delegator event is emitted then (that would be unbounded); the last two events rebuild every
/// account's votes exactly (docs/governance.md, "The rebuild rule"; EventRebuild.t.sol applies it).
contract BondingVotes is BondingHistory, IERC5805, IVotesHook {
    /// @notice Votes cannot be delegated apart from stake: bond to an orchestrator instead.
    error VotingPowerFollowsBonding();

    /// @notice Only the BondingManager reports bonding changes.
    error NotBondingManager(address caller);

    /// @notice `account`'s position after it acted in `round`: `stake` bonded to `delegate`, with
    /// the pool's slash factor then (`slashFactorBase`); its reward base is the pool's reward factor
    /// at the end of `round`.
    event VotingPosition(
        address indexed account,
        address indexed delegate,
        uint256 round,
        uint256 stake,
        uint256 slashFactorBase
    );

    /// @notice `orchestrator`'s pool after a change in `round`: all stake delegated to it and its
    /// reward and slash factors (1e18-based, EarningsMath).
    event VotingPool(
        address indexed orchestrator,
        uint256 round,
        uint256 delegatedStake,
        uint256 rewardFactor,
        uint256 slashFactor
    );

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

    // ---------------------------------------------------------------- events

    /// @inheritdoc IVotesHook
    /// @dev Reads the new values back from the BondingManager (its storage is warm: it just wrote
    /// them) and emits the votes events described above.
    function onBondingChange(
        uint256 round,
        address account,
        address fromDelegate,
        uint256 votesBefore,
        address orchestrator,
        uint256 poolStakeBefore
    ) external {
        if (msg.sender != address(bonding)) revert NotBondingManager(msg.sender);
        uint256 poolStake;
        if (orchestrator != address(0)) {
            poolStake = _poolChanged(round, orchestrator, account, poolStakeBefore);
        }
        if (account == address(0)) return;
        Delegator memory d = BondingSlots.delegator(bonding, account);
        emit VotingPosition(account, d.delegate, round, d.stake, d.slashFactorBase);
        if (fromDelegate != d.delegate) emit DelegateChanged(account, fromDelegate, d.delegate);
        uint256 votes = d.stake;
        if (d.delegate == account) {
            if (account == orchestrator) votes = poolStake;
            else (votes,,) = BondingSlots.poolVotes(bonding, account);
        }
        if (votes != votesBefore) emit DelegateVotesChanged(account, votesBefore, votes);
    }

    /// @dev Emits a pool's new state and, unless it is `account` (reported by the caller), its
    /// orchestrator's new votes if it is delegated to itself; returns the pool's stake.
    function _poolChanged(uint256 round, address orchestrator, address account, uint256 stakeBefore)
        internal
        returns (uint256 stake)
    {
        uint256 rf;
        uint256 sf;
        (stake, rf, sf) = BondingSlots.poolVotes(bonding, orchestrator);
        emit VotingPool(orchestrator, round, stake, rf, sf);
        if (
            orchestrator != account && stake != stakeBefore
                && BondingSlots.delegateOf(bonding, orchestrator) == orchestrator
        ) emit DelegateVotesChanged(orchestrator, stakeBefore, stake);
    }

    function _requirePast(uint256 timepoint) internal view {
        uint48 current = clock();
        if (timepoint >= current) revert ERC5805FutureLookup(timepoint, current);
    }
}
