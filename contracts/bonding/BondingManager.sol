// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IBondingManager} from "../interfaces/IBondingManager.sol";
import {IFeeCreditor} from "../interfaces/IFeeCreditor.sol";
import {ILivepeerToken} from "../interfaces/ILivepeerToken.sol";
import {IMinter} from "../interfaces/IMinter.sol";
import {IRoundsManager} from "../interfaces/IRoundsManager.sol";
import {IStakeTotals} from "../interfaces/IStakeTotals.sol";
import {IVotesHook} from "../interfaces/IVotesHook.sol";
import {EarningsMath} from "../libraries/EarningsMath.sol";
import {Units} from "../libraries/Units.sol";
import {Extsload} from "../utils/Extsload.sol";
import {ActiveSet} from "./ActiveSet.sol";
import {
    Pool,
    RoundFactors,
    RoundHistory,
    BondedTotal,
    Totals,
    PositionCheckpoint,
    DelegateCheckpoint,
    Delegator,
    UnbondingLock,
    SlashRecord
} from "./BondingTypes.sol";

/// @title BondingManager
/// @notice Delegators bond LPT to orchestrators; orchestrators share inflationary rewards and ETH
/// fees with them by their reward cut and fee share. Earnings are lazy (see EarningsMath): every
/// operation is O(1) in the number of delegators and in the rounds since a delegator last acted.
///
/// Who earns what in a round: a round's reward and fees, less the orchestrator's cut, are shared
/// pro rata over the pool's stake at the start of the round. A position earns its share if it was
/// in the pool at the start of the round and untouched since; stake bonded during a round starts
/// earning the next, and a delegator that acts (bond, unbond, claim...) during a round restarts its
/// position. The shares of positions that restarted, like the orchestrator's cut, go to the
/// orchestrator's commission, which waits in the pool until the orchestrator claims it (as a
/// delegator of its own pool). So nobody's share depends on what others do within the round.
contract BondingManager is IBondingManager, ActiveSet, AccessManaged, Extsload {
    using SafeCast for uint256;
    using SafeERC20 for IERC20;

    IERC20 public immutable token;
    IMinter public immutable minter;
    IRoundsManager public immutable rounds;
    /// @notice Told after every operation that moves voting power (BondingVotes, which emits the
    /// votes events; zero: nobody).
    IVotesHook public immutable votesHook;

    uint32 public unbondingPeriod;
    uint32 public paramsChangeDelay;
    uint32 public rewardBountyPpm;
    /// @notice The ticket broker: its `creditFees` calls skip the authority (see `creditFees`).
    address public trustedFeeCreditor;
    Totals internal _totalBonded;

    // The layout below is read from outside through `extsload` (BondingSlots, whose slot numbers a
    // test checks against the compiler's layout): append, never reorder.
    mapping(address orchestrator => Pool) internal _pools;
    mapping(address orchestrator => mapping(uint256 round => RoundFactors)) internal _roundFactors;
    mapping(address delegator => Delegator) internal _delegators;
    mapping(address delegator => mapping(uint256 lockId => UnbondingLock)) internal _locks;
    mapping(address orchestrator => mapping(uint256 index => SlashRecord)) internal _slashes;
    mapping(address orchestrator => mapping(uint256 round => RoundHistory)) internal _roundHistory;
    mapping(address delegator => mapping(uint256 round => PositionCheckpoint)) internal _positionCheckpoints;
    mapping(address delegator => mapping(uint256 round => DelegateCheckpoint)) internal _delegateCheckpoints;
    mapping(uint256 round => BondedTotal) internal _bondedTotalHistory;
    mapping(address delegator => uint256) internal _nextLockId;

    /// @param authority The protocol's AccessManager.
    /// @param token_ LPT.
    /// @param minter_ Mints the rounds' rewards.
    /// @param rounds_ Protocol time.
    /// @param unbondingPeriod_ Rounds before unbonded stake can be withdrawn.
    /// @param numActive Size of the active set.
    /// @param paramsChangeDelay_ Rounds before an orchestrator's new cuts are in force (at least 1).
    /// @param votesHook_ The votes token (its address is planned before it exists; zero: none).
    constructor(
        address authority,
        ILivepeerToken token_,
        IMinter minter_,
        IRoundsManager rounds_,
        uint256 unbondingPeriod_,
        uint256 numActive,
        uint256 paramsChangeDelay_,
        IVotesHook votesHook_
    ) AccessManaged(authority) {
        token = IERC20(address(token_));
        minter = minter_;
        rounds = rounds_;
        votesHook = votesHook_;
        _setUnbondingPeriod(unbondingPeriod_);
        _setNumActive(numActive);
        _setParamsChangeDelay(paramsChangeDelay_);
    }

    // ---------------------------------------------------------------- orchestrators

    /// @inheritdoc IBondingManager
    function registerOrchestrator(uint256 rewardCut, uint256 feeShare) external {
        Pool storage pool = _pools[msg.sender];
        if (pool.registered) revert AlreadyRegistered(msg.sender);
        _requirePpm(rewardCut);
        _requirePpm(feeShare);
        uint32 round = _currentRound().toUint32();
        pool.registered = true;
        pool.rewardCut = uint32(rewardCut);
        pool.feeShare = uint32(feeShare);
        pool.nextRewardCut = uint32(rewardCut);
        pool.nextFeeShare = uint32(feeShare);
        pool.poolRound = round;
        pool.rewardFactor = uint96(EarningsMath.ONE);
        pool.rewardFactorStart = uint96(EarningsMath.ONE);
        pool.slashFactor = uint64(EarningsMath.ONE);
        emit OrchestratorRegistered(msg.sender, rewardCut, feeShare);
    }

    /// @inheritdoc IBondingManager
    function setOrchestratorParams(uint256 rewardCut, uint256 feeShare) external {
        Pool storage pool = _pools[msg.sender];
        if (!pool.registered) revert NotAnOrchestrator(msg.sender);
        _requirePpm(rewardCut);
        _requirePpm(feeShare);
        uint256 round = _currentRound();
        // The values in force now stay in force until the new ones take over.
        (pool.rewardCut, pool.feeShare) = _paramsInForce(pool, round);
        uint256 effectiveRound = round + paramsChangeDelay;
        pool.nextRewardCut = uint32(rewardCut);
        pool.nextFeeShare = uint32(feeShare);
        pool.paramsEffectiveRound = effectiveRound.toUint32();
        emit OrchestratorParamsScheduled(msg.sender, rewardCut, feeShare, effectiveRound);
    }

    // ---------------------------------------------------------------- delegators

    /// @inheritdoc IBondingManager
    function bond(uint256 amount, address to, Hints calldata hints) external {
        uint256 round = _currentRound();
        _bond(msg.sender, amount, to, hints, round);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IBondingManager
    function unbond(uint256 amount, address prevHint, address nextHint) external returns (uint256 lockId) {
        if (amount == 0) revert ZeroAmount();
        uint256 round = _currentRound();
        Delegator storage del = _delegators[msg.sender];
        address orchestrator = del.delegate;
        if (orchestrator == address(0)) revert NotBonded(msg.sender);
        _claim(msg.sender, del, round);
        uint256 stake = del.stake;
        if (amount > stake) revert UnbondExceedsStake(amount, stake);
        del.stake = uint96(stake - amount);

        lockId = _lock(msg.sender, orchestrator, amount, round);
        _removeStake(orchestrator, amount, round, prevHint, nextHint);
        _setTotalBonded(totalBonded() - amount, round);
        uint256 poolBefore = _pools[orchestrator].delegatedStake + amount;
        _notifyVotes(
            round,
            msg.sender,
            orchestrator,
            msg.sender == orchestrator ? poolBefore : stake,
            orchestrator,
            poolBefore
        );
    }

    /// @inheritdoc IBondingManager
    function rebond(uint256 lockId, address to, Hints calldata hints) external {
        uint256 round = _currentRound();
        // Back into its own pool at any time; elsewhere only once it is out of the pool's liability.
        uint256 amount = _consumeLock(msg.sender, lockId, to, round);
        emit Rebond(msg.sender, to, lockId, amount);
        _bond(msg.sender, amount, to, hints, round);
    }

    /// @inheritdoc IBondingManager
    function withdrawStake(uint256 lockId) external {
        uint256 amount = _consumeLock(msg.sender, lockId, address(0), 0);
        token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IBondingManager
    function withdrawFees(address payable recipient, uint256 amount) external {
        if (recipient == address(0)) revert ZeroAddress();
        Delegator storage del = _delegators[msg.sender];
        if (del.delegate != address(0)) _claimNotified(msg.sender, del, _currentRound());
        uint256 fees = del.fees;
        if (amount > fees) revert InsufficientFees(amount, fees);
        del.fees = uint96(fees - amount);
        emit FeesWithdrawn(msg.sender, recipient, amount);
        (bool ok,) = recipient.call{value: amount}("");
        if (!ok) revert FeeTransferFailed(recipient, amount);
    }

    /// @inheritdoc IBondingManager
    /// @dev The pool's stake does not change (the stake stays in it): no ranking work, no hint read.
    function transferBond(address receiver, uint256 amount, address to, Hints calldata) external {
        if (amount == 0) revert ZeroAmount();
        if (receiver == address(0)) revert ZeroAddress();
        uint256 round = _currentRound();

        Delegator storage del = _delegators[msg.sender];
        address from = del.delegate;
        if (from == address(0)) revert NotBonded(msg.sender);
        // Stake leaves a pool only through a lock, which stays liable to the pool's slashes.
        if (to != from) revert CrossPoolTransfer(from, to);
        _claim(msg.sender, del, round);
        uint256 stake = del.stake;
        if (amount > stake) revert UnbondExceedsStake(amount, stake);

        Delegator storage rec = _delegators[receiver];
        // Only into an empty position: adding to a live one would restart its earnings for the round.
        if (receiver == msg.sender || rec.stake != 0) revert ReceiverHasStake(receiver);
        // Never someone else's delegate changed, nor an orchestrator's commission stranded.
        address recDelegate = rec.delegate;
        if (recDelegate == address(0) ? (receiver != to && _pools[receiver].registered) : recDelegate != to) {
            revert NotReceiversPool(receiver, to);
        }
        del.stake = uint96(stake - amount);
        if (recDelegate != address(0)) _claim(receiver, rec, round); // keeps its fees
        _openPosition(receiver, rec, to, amount, round);
        emit BondTransferred(msg.sender, receiver, from, to, amount);
        _notifyTransfer(round, stake, receiver, recDelegate, to);
    }

    /// @inheritdoc IBondingManager
    function claimEarnings() external {
        uint256 round = _currentRound();
        Delegator storage del = _delegators[msg.sender];
        if (del.delegate == address(0)) revert NotBonded(msg.sender);
        _claimNotified(msg.sender, del, round);
    }

    // ---------------------------------------------------------------- rewards and fees

    /// @inheritdoc IBondingManager
    function reward(address orchestrator, address prevHint, address nextHint) external {
        uint256 round = _currentRound();
        if (minter.currentRound() != round) revert RoundNotInitialized(round);
        if (!_isActive(orchestrator, round)) revert NotActive(orchestrator, round);
        Pool storage pool = _pools[orchestrator];
        if (pool.lastRewardRound >= round) revert AlreadyRewarded(orchestrator, round);
        _touch(orchestrator, round);

        // On the round's starting stake less this round's slashes (`startValue`): a slashed pool earns
        // on what it kept.
        uint256 minted = minter.mintReward(address(this), pool.startValue, _totalActiveStake(round));
        uint256 bounty = msg.sender == orchestrator ? 0 : EarningsMath.ppmOf(minted, rewardBountyPpm);
        uint256 amount = minted - bounty;
        (uint256 rewardCut,) = _paramsInForce(pool, round);
        uint256 shared = amount - EarningsMath.ppmOf(amount, rewardCut);
        uint256 startValue = pool.startValue;
        uint256 toPositions;
        if (startValue != 0) {
            uint256 rf = EarningsMath.rewardFactorAfter(pool.rewardFactor, shared, startValue);
            pool.rewardFactor = rf.toUint96();
            // Rounded up (at most `shared`, as matureStake <= startValue): the positions' stakes grow
            // by the rounded-down factor, and the pool must keep counting at least them as earning.
            toPositions = Math.mulDiv(shared, pool.matureStake, startValue, Math.Rounding.Ceil);
        }
        uint256 commission = amount - toPositions;
        pool.rewardCommission += uint128(commission);
        pool.lastRewardRound = uint32(round);
        _addStakeNotified(orchestrator, amount, round, prevHint, nextHint);
        _setTotalBonded(totalBonded() + amount, round);
        emit Reward(orchestrator, round, amount, commission, msg.sender, bounty);
        if (bounty != 0) token.safeTransfer(msg.sender, bounty);
    }

    /// @inheritdoc IFeeCreditor
    /// @dev Restricted to FEE_CREDITOR. The trusted fee creditor (the ticket broker, set by
    /// governance) is recognised without a call to the authority: this is the hot path of every
    /// winning ticket. Any other holder of the role goes through the authority as usual.
    function creditFees(address orchestrator) external payable returns (bool active) {
        if (msg.sender != trustedFeeCreditor) _checkCanCall(msg.sender, msg.data);
        uint256 round = _currentRound();
        Pool storage pool = _pools[orchestrator];
        if (!pool.registered) revert NotAnOrchestrator(orchestrator);
        _touch(orchestrator, round);
        (, uint256 feeShare) = _paramsInForce(pool, round);
        uint256 shared = EarningsMath.ppmOf(msg.value, feeShare);
        uint256 startValue = pool.startValue;
        uint256 toPositions;
        if (startValue != 0 && shared != 0) {
            uint256 increment =
                EarningsMath.feeFactorIncrement(shared, pool.rewardFactorStart, pool.slashFactor, startValue);
            pool.feeFactor += increment.toUint160();
            toPositions = Math.mulDiv(shared, pool.matureStake, startValue);
        }
        uint256 commission = msg.value - toPositions;
        pool.feeCommission += commission.toUint96();
        emit FeesCredited(orchestrator, round, msg.value, commission);
        return _isActive(orchestrator, round);
    }

    // ---------------------------------------------------------------- slashing

    /// @inheritdoc IBondingManager
    /// @dev Restricted to SLASHER (the dispute manager). Bonded stake is cut at once through the
    /// pool's slash factor; unbonding locks are cut when they are withdrawn or rebonded.
    function slash(
        address orchestrator,
        uint256 fractionPpb,
        uint256 offenseRound,
        address prevHint,
        address nextHint
    ) external restricted returns (uint256 amount, uint256 ownAmount, uint256 unbondingBound) {
        if (fractionPpb == 0 || fractionPpb >= Units.PPB) {
            revert InvalidSlashFraction(fractionPpb);
        }
        Pool storage pool = _pools[orchestrator];
        if (!pool.registered) revert NotAnOrchestrator(orchestrator);
        uint256 round = _currentRound();
        _touch(orchestrator, round);

        uint256 delegated = pool.delegatedStake;
        amount = Math.mulDiv(delegated, fractionPpb, Units.PPB);
        // The orchestrator's own share of the cut; rounded up, what the pool's locks can lose to it.
        ownAmount = Math.min(Math.mulDiv(_ownStake(pool, orchestrator), fractionPpb, Units.PPB), amount);
        unbondingBound = Math.mulDiv(pool.unbonding, fractionPpb, Units.PPB, Math.Rounding.Ceil);
        _recordSlash(pool, orchestrator, Units.PPB - fractionPpb, offenseRound);
        _totalBonded.slashCount += 1;
        _removeStake(orchestrator, amount, round, prevHint, nextHint);
        _notifyVotes(round, address(0), address(0), 0, orchestrator, delegated);
        // Cut out of the active set: no reward this round.
        if (!_members[orchestrator].listed) pool.lastRewardRound = uint32(round);
        _setTotalBonded(totalBonded() - amount, round);
        emit Slashed(orchestrator, fractionPpb, offenseRound, amount);
        token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IBondingManager
    /// @dev Restricted to SLASHER (the dispute manager, when a dispute opens). Bonded stake may
    /// still unbond: its locks stay liable.
    function holdLocks(address orchestrator, uint256 offenseRound) external restricted {
        Pool storage pool = _pools[orchestrator];
        uint256 pending = pool.pendingDisputes;
        if (pending == 0 || offenseRound < pool.disputedFrom) pool.disputedFrom = offenseRound.toUint32();
        pool.pendingDisputes = uint16(pending + 1);
        emit LocksHeld(orchestrator, offenseRound, pool.disputedFrom, pending + 1);
    }

    /// @inheritdoc IBondingManager
    /// @dev Restricted to SLASHER (the dispute manager, once a dispute can no longer slash).
    function releaseLocks(address orchestrator) external restricted {
        Pool storage pool = _pools[orchestrator];
        uint256 pending = pool.pendingDisputes - 1;
        pool.pendingDisputes = uint16(pending);
        emit LocksReleased(orchestrator, pending);
    }

    // ---------------------------------------------------------------- governance

    /// @notice Sets the rounds unbonded stake waits before withdrawal. Governance only.
    function setUnbondingPeriod(uint256 rounds_) external restricted {
        _setUnbondingPeriod(rounds_);
    }

    /// @notice Sets the rounds before an orchestrator's new cuts are in force. Governance only.
    function setParamsChangeDelay(uint256 rounds_) external restricted {
        _setParamsChangeDelay(rounds_);
    }

    /// @notice Sets the share of a reward paid to a caller other than the orchestrator (ppm).
    /// Governance only.
    function setRewardBounty(uint256 ppm) external restricted {
        _requirePpm(ppm);
        rewardBountyPpm = uint32(ppm);
        emit RewardBountySet(ppm);
    }

    /// @notice Sets the fee creditor whose `creditFees` calls skip the authority (the ticket broker;
    /// zero: none). Governance only. Revoking the broker's FEE_CREDITOR role does not stop it: clear
    /// this too.
    function setTrustedFeeCreditor(address creditor) external restricted {
        trustedFeeCreditor = creditor;
        emit TrustedFeeCreditorSet(creditor);
    }

    /// @notice Sets the size of the active set; it cannot shrink below the current membership.
    /// Governance only.
    function setNumActiveOrchestrators(uint256 numActive) external restricted {
        _setNumActive(numActive);
    }

    // ---------------------------------------------------------------- views
    // Only what contracts read inside transactions; everything else is BondingLens's, over extsload.

    /// @inheritdoc IFeeCreditor
    function isActiveOrchestrator(address orchestrator) external view returns (bool) {
        return _isActive(orchestrator, _currentRound());
    }

    /// @inheritdoc IBondingManager
    function delegatedStake(address orchestrator) external view returns (uint256) {
        return _pools[orchestrator].delegatedStake;
    }

    /// @inheritdoc IBondingManager
    function unbondingStake(address orchestrator) external view returns (uint256) {
        return _pools[orchestrator].unbonding;
    }

    /// @inheritdoc IStakeTotals
    function checkpointTotalBonded() external returns (uint256 value) {
        value = totalBonded();
        _setTotalBonded(value, _currentRound());
    }

    /// @inheritdoc IStakeTotals
    function totalBonded() public view returns (uint256) {
        return _totalBonded.bonded;
    }

    /// @inheritdoc IBondingManager
    function activeSet() external view returns (address[] memory members) {
        members = new address[](_listSize);
        address cursor = _head;
        for (uint256 i; cursor != address(0); ++i) {
            members[i] = cursor;
            cursor = _links[cursor].next;
        }
    }

    /// @notice The size limit of the active set.
    function numActiveOrchestrators() external view returns (uint256) {
        return _maxActive;
    }

    // ---------------------------------------------------------------- internals

    function _bond(address delegator, uint256 amount, address to, Hints calldata hints, uint256 round)
        internal
    {
        if (!_pools[to].registered) revert NotAnOrchestrator(to);
        Delegator storage del = _delegators[delegator];
        address from = del.delegate;
        if (from != address(0)) _claim(delegator, del, round);
        uint256 stake = del.stake;
        if (amount == 0) revert ZeroAmount();

        if (from != to) {
            if (stake != 0) {
                // A move: the old stake leaves through a lock, liable to the old pool's slashes.
                _lock(delegator, from, stake, round);
                _removeStake(from, stake, round, hints.oldPrev, hints.oldNext);
                _notifyVotes(round, address(0), address(0), 0, from, _pools[from].delegatedStake + stake);
                _setTotalBonded(totalBonded() - stake, round);
                stake = 0;
            }
            _touch(to, round);
        }
        // After a move out (an orchestrator leaving its own pool has just been told its pool's new
        // stake), before the new position.
        uint256 votesBefore = _pendingVotes(delegator);
        _openPosition(delegator, del, to, stake + amount, round);
        _addStake(to, amount, round, hints.newPrev, hints.newNext);
        _setTotalBonded(totalBonded() + amount, round);
        emit Bond(delegator, to, from, amount, stake + amount);
        _notifyVotes(round, delegator, from, votesBefore, to, _pools[to].delegatedStake - amount);
    }

    /// @dev Starts a position in `orchestrator`'s pool (already rolled into `round`): new stake earns
    /// from the next round.
    function _openPosition(
        address delegator,
        Delegator storage del,
        address orchestrator,
        uint256 stake,
        uint256 round
    ) internal {
        address previous = del.delegate;
        if (previous != orchestrator) {
            uint32 since = del.delegateSince;
            // The delegate at the start of this round is kept once, at its first change this round
            // (never delegated before: nothing to keep, the empty checkpoint reads the same).
            if (since != round + 1) {
                if (since != 0) _delegateCheckpoints[delegator][round] = DelegateCheckpoint(previous, since);
                del.delegateSince = uint32(round + 1);
            }
            del.delegate = orchestrator;
        }
        del.stake = stake.toUint96();
        del.lastClaimRound = uint32(round);
        Pool storage pool = _pools[orchestrator];
        del.slashFactorBase = pool.slashFactor;
        _pin(pool, round);
    }

    /// @dev Marks the pool's current round as the base of a position: its end factors get kept.
    function _pin(Pool storage pool, uint256 round) internal {
        if (pool.pinnedRound != round) pool.pinnedRound = uint32(round);
    }

    /// @dev Brings a delegator's stake and fees up to now and restarts its position this round.
    function _claim(address delegator, Delegator storage del, uint256 round) internal {
        address orchestrator = del.delegate;
        _touch(orchestrator, round);
        Pool storage pool = _pools[orchestrator];
        Delegator memory d = del;
        (uint256 stake, uint256 fees, uint256 startValue) = _earnings(pool, orchestrator, d);
        if (d.lastClaimRound < round) {
            // It was earning this round; from now on it is not (its stake restarts below).
            uint256 mature = pool.matureStake;
            pool.matureStake = uint96(mature > startValue ? mature - startValue : 0);
        }
        if (delegator == orchestrator) {
            stake += pool.rewardCommission;
            fees += pool.feeCommission;
            pool.rewardCommission = 0;
            pool.feeCommission = 0;
        }
        if (d.lastClaimRound < round) {
            // The position this claim replaces is what past rounds' votes read.
            _positionCheckpoints[delegator][d.lastClaimRound] =
                PositionCheckpoint(d.stake, d.slashFactorBase, d.prevClaimRound);
            del.prevClaimRound = d.lastClaimRound + 1;
        }
        del.stake = stake.toUint96();
        del.fees = fees.toUint96();
        del.lastClaimRound = uint32(round);
        del.slashFactorBase = pool.slashFactor;
        _pin(pool, round);
        emit EarningsClaimed(delegator, orchestrator, round, stake, fees);
    }

    /// @dev `_claim` alone (claimEarnings, withdrawFees): the position is rebased, its votes unchanged.
    function _claimNotified(address delegator, Delegator storage del, uint256 round) internal {
        _claim(delegator, del, round);
        uint256 votes = _pendingVotes(delegator);
        _notifyVotes(round, delegator, del.delegate, votes, address(0), 0);
    }

    /// @dev transferBond's two positions (the pool's stake did not change): the sender had `stake`,
    /// the receiver none (an orchestrator's votes are its pool's stake, which both keep).
    function _notifyTransfer(
        uint256 round,
        uint256 stake,
        address receiver,
        address recDelegate,
        address pool
    ) internal {
        uint256 poolStake = _pools[pool].delegatedStake;
        _notifyVotes(round, msg.sender, pool, msg.sender == pool ? poolStake : stake, address(0), 0);
        _notifyVotes(round, receiver, recDelegate, receiver == recDelegate ? poolStake : 0, address(0), 0);
    }

    /// @dev An account's votes from the next round on (BondingVotes' `votesAt`), valid once its
    /// position is claimed this round: its pool's stake for an orchestrator delegated to itself,
    /// else its own stake.
    function _pendingVotes(address account) internal view returns (uint256) {
        Delegator storage d = _delegators[account];
        return d.delegate == account ? _pools[account].delegatedStake : d.stake;
    }

    /// @dev One call to the votes hook, if there is one (see IVotesHook).
    function _notifyVotes(
        uint256 round,
        address account,
        address fromDelegate,
        uint256 votesBefore,
        address orchestrator,
        uint256 poolStakeBefore
    ) internal {
        if (address(votesHook) == address(0)) return;
        votesHook.onBondingChange(round, account, fromDelegate, votesBefore, orchestrator, poolStakeBefore);
    }

    /// @dev A position's stake and fees now, and its stake valued at the start of the pool's round.
    /// The pool must already be rolled into the current round.
    function _earnings(Pool storage pool, address orchestrator, Delegator memory d)
        internal
        view
        returns (uint256 stake, uint256 fees, uint256 startValue)
    {
        uint256 rf = pool.rewardFactor;
        uint256 sf = pool.slashFactor;
        if (d.lastClaimRound == pool.poolRound) {
            // Claimed this round: only a slash since then can have changed it.
            stake = EarningsMath.stakeNow(d.stake, rf, d.slashFactorBase, rf, sf);
            return (stake, d.fees, 0);
        }
        RoundFactors memory base = _roundFactors[orchestrator][d.lastClaimRound];
        stake = EarningsMath.stakeNow(d.stake, base.rewardFactor, d.slashFactorBase, rf, sf);
        fees = d.fees
            + EarningsMath.feesSince(
                d.stake, base.rewardFactor, d.slashFactorBase, base.feeFactor, pool.feeFactor
            );
        startValue =
            EarningsMath.stakeNow(d.stake, base.rewardFactor, d.slashFactorBase, pool.rewardFactorStart, sf);
    }

    /// @dev Rolls a pool into `round` on its first use in that round: records what the last round
    /// ended with (the factors only if a position is based on it: one fresh slot, not two, for a
    /// round in which no delegator acted) and fixes this round's starting stake, all of it earning.
    function _touch(address orchestrator, uint256 round) internal {
        Pool storage pool = _pools[orchestrator];
        uint256 poolRound = pool.poolRound;
        if (poolRound >= round) return;
        uint96 rf = pool.rewardFactor;
        uint32 prev = pool.prevPoolRound;
        if (pool.pinnedRound == poolRound) {
            _roundFactors[orchestrator][poolRound] =
                RoundFactors({rewardFactor: rf, feeFactor: pool.feeFactor});
        }
        _roundHistory[orchestrator][poolRound] = RoundHistory(rf, pool.stakeStart, prev, pool.slashCount);
        uint128 delegated = pool.delegatedStake;
        (pool.poolRound, pool.prevPoolRound) = (uint32(round), uint32(poolRound + 1));
        (pool.matureStake, pool.startValue) = (uint96(delegated - pool.rewardCommission), uint96(delegated));
        (pool.rewardFactorStart, pool.stakeStart) = (rf, uint96(delegated));
    }

    function _addStake(
        address orchestrator,
        uint256 amount,
        uint256 round,
        address prevHint,
        address nextHint
    ) internal {
        Pool storage pool = _pools[orchestrator];
        uint256 oldStake = pool.delegatedStake;
        uint256 newStake = oldStake + amount;
        pool.delegatedStake = newStake.toUint128();
        _onStakeChange(orchestrator, oldStake, newStake, newStake != 0, round, prevHint, nextHint);
    }

    /// @dev `_addStake` and the votes hook told of the pool's change (a reward).
    function _addStakeNotified(
        address orchestrator,
        uint256 amount,
        uint256 round,
        address prevHint,
        address nextHint
    ) internal {
        _addStake(orchestrator, amount, round, prevHint, nextHint);
        _notifyVotes(
            round, address(0), address(0), 0, orchestrator, _pools[orchestrator].delegatedStake - amount
        );
    }

    function _removeStake(
        address orchestrator,
        uint256 amount,
        uint256 round,
        address prevHint,
        address nextHint
    ) internal {
        Pool storage pool = _pools[orchestrator];
        uint256 oldStake = pool.delegatedStake;
        uint256 newStake = oldStake - amount;
        pool.delegatedStake = uint128(newStake);
        _onStakeChange(orchestrator, oldStake, newStake, newStake != 0, round, prevHint, nextHint);
    }

    /// @dev Deletes a lock and returns its LPT after the slashes it is subject to (burning the cut):
    /// those executed after it was created, for offenses before it was created. With no slash since
    /// it was created (the usual case), only the lock's first slot and the totals are read.
    /// A lock leaves its pool (withdrawn, or rebonded to another orchestrator than its own `to`)
    /// only once matured and while no pending dispute against the pool may still cut it.
    function _consumeLock(address delegator, uint256 lockId, address to, uint256 round)
        internal
        returns (uint256 amount)
    {
        UnbondingLock storage lock = _locks[delegator][lockId];
        uint256 locked = lock.amount;
        if (locked == 0) revert UnknownLock(delegator, lockId);
        (address orchestrator, uint256 createdRound) = (lock.orchestrator, lock.createdRound);
        Pool storage pool = _pools[orchestrator];
        if (to != orchestrator) {
            uint256 withdrawRound = lock.withdrawRound;
            // A round the total already changed in has been reached: past it, no need to ask the clock.
            if (withdrawRound > _totalBonded.round) {
                if (round == 0) round = _currentRound();
                if (round < withdrawRound) revert LockNotWithdrawable(lockId, withdrawRound);
            }
            if (pool.pendingDisputes != 0 && createdRound >= pool.disputedFrom) {
                revert LockHeld(orchestrator, lockId, pool.disputedFrom);
            }
        }
        pool.unbonding -= uint96(locked);
        amount = locked;
        if (lock.slashesBefore != _totalBonded.slashCount) {
            uint256 end = pool.slashCount;
            for (uint256 i = lock.slashCursor; i < end; ++i) {
                SlashRecord memory s = _slashes[orchestrator][i];
                if (s.offenseRound < createdRound) {
                    amount = Math.mulDiv(amount, s.keepFactor, EarningsMath.ONE);
                }
            }
        }
        delete _locks[delegator][lockId];
        uint256 cut = locked - amount;
        emit StakeWithdrawn(delegator, lockId, amount, cut);
        if (cut != 0) ILivepeerToken(address(token)).burn(cut);
    }

    /// @dev Keeps the total at the end of each round that changed it, for past rounds' totals.
    function _setTotalBonded(uint256 value, uint256 round) internal {
        Totals memory t = _totalBonded;
        if (t.round < round) {
            _bondedTotalHistory[t.round] = BondedTotal(t.bonded, t.round, t.prevRound);
            t.prevRound = t.round + 1;
            t.round = uint32(round);
        }
        t.bonded = value.toUint128();
        _totalBonded = t;
    }

    /// @dev Scales the pool by `keep` (ppb) and records the slash for its locks and past votes.
    function _recordSlash(Pool storage pool, address orchestrator, uint256 keep, uint256 offenseRound)
        internal
    {
        // Everything a delegator can claim scales by `keep` and rounds down; the pool's totals round
        // toward keeping more, so they always cover the claims. The round's earning stake and start
        // value are the weights this round's rewards and fees are shared by: they round up, so they
        // never fall below the positions they stand for (rounded down, a dust pool's positions
        // would be paid on more stake than the shares were computed for, more than was credited).
        uint64 sf = uint64(Math.mulDiv(pool.slashFactor, keep, Units.PPB));
        pool.slashFactor = sf;
        uint32 poolSlashes = pool.slashCount;
        _slashes[orchestrator][poolSlashes] = SlashRecord({
            offenseRound: offenseRound.toUint32(),
            keepFactor: uint64(keep * (EarningsMath.ONE / Units.PPB)),
            slashFactorAfter: sf
        });
        pool.slashCount = poolSlashes + 1;
        pool.matureStake = uint96(Math.mulDiv(pool.matureStake, keep, Units.PPB, Math.Rounding.Ceil));
        pool.startValue = uint96(Math.mulDiv(pool.startValue, keep, Units.PPB, Math.Rounding.Ceil));
        pool.rewardCommission = uint128(Math.mulDiv(pool.rewardCommission, keep, Units.PPB));
    }

    /// @dev The orchestrator's own stake in its pool (rolled into the current round): its unclaimed
    /// commission and, if it delegates to itself, its own position.
    function _ownStake(Pool storage pool, address orchestrator) internal view returns (uint256 own) {
        own = pool.rewardCommission;
        Delegator memory od = _delegators[orchestrator];
        if (od.delegate == orchestrator) {
            (uint256 ownStake,,) = _earnings(pool, orchestrator, od);
            own += ownStake;
        }
    }

    /// @dev Creates an unbonding lock of `orchestrator`'s pool (the caller takes the stake out).
    function _lock(address delegator, address orchestrator, uint256 amount, uint256 round)
        internal
        returns (uint256 lockId)
    {
        lockId = _nextLockId[delegator]++;
        uint256 withdrawRound = round + unbondingPeriod;
        Pool storage pool = _pools[orchestrator];
        _locks[delegator][lockId] = UnbondingLock({
            amount: uint128(amount),
            createdRound: uint32(round),
            withdrawRound: withdrawRound.toUint32(),
            slashCursor: pool.slashCount,
            slashesBefore: _totalBonded.slashCount,
            orchestrator: orchestrator
        });
        pool.unbonding += uint96(amount);
        emit Unbond(delegator, orchestrator, lockId, amount, withdrawRound);
    }

    function _paramsInForce(Pool storage pool, uint256 round) internal view returns (uint32, uint32) {
        if (round >= pool.paramsEffectiveRound) return (pool.nextRewardCut, pool.nextFeeShare);
        return (pool.rewardCut, pool.feeShare);
    }

    function _currentRound() internal view returns (uint256) {
        return rounds.currentRound();
    }

    function _requirePpm(uint256 value) internal pure {
        if (value > Units.PPM) revert InvalidPpm(value);
    }

    function _setUnbondingPeriod(uint256 value) internal {
        if (value == 0) revert InvalidRounds(value);
        unbondingPeriod = value.toUint32();
        emit UnbondingPeriodSet(value);
    }

    function _setParamsChangeDelay(uint256 value) internal {
        // At least one round: a change must never hit the round in which it is made.
        if (value == 0) revert InvalidRounds(value);
        paramsChangeDelay = value.toUint32();
        emit ParamsChangeDelaySet(value);
    }

    function _setNumActive(uint256 value) internal {
        if (value == 0 || value < _listSize) revert ActiveSetTooSmall(value, _listSize);
        _maxActive = value.toUint32();
        emit NumActiveOrchestratorsSet(value);
    }
}
