// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IExtsload} from "../interfaces/IExtsload.sol";
import {IRoundsManager} from "../interfaces/IRoundsManager.sol";
import {EarningsMath} from "../libraries/EarningsMath.sol";
import {BondingSlots} from "./BondingSlots.sol";
import {
    Pool,
    RoundFactors,
    RoundHistory,
    BondedTotal,
    Totals,
    PositionCheckpoint,
    DelegateCheckpoint,
    Delegator,
    UnbondingLock
} from "./BondingTypes.sol";

/// @notice The part of the BondingManager the lens needs besides its storage.
interface IBondingClock {
    /// @notice Protocol time.
    function rounds() external view returns (IRoundsManager);
}

/// @title BondingLens
/// @notice The BondingManager's views for wallets, keepers, auditors and tests, read from its storage
/// through `extsload` (BondingSlots). None of them is needed inside a transaction, so they cost the
/// manager no code: it keeps only what other contracts read while they run.
contract BondingLens {
    using BondingSlots for IExtsload;

    /// @notice The BondingManager read.
    IExtsload public immutable bonding;
    /// @notice Its protocol time.
    IRoundsManager public immutable rounds;

    /// @param bonding_ The BondingManager to read.
    constructor(IExtsload bonding_) {
        bonding = bonding_;
        rounds = IBondingClock(address(bonding_)).rounds();
    }

    /// @notice An orchestrator's cuts, rounds and pool.
    function getPool(address orchestrator) external view returns (Pool memory) {
        return bonding.pool(orchestrator);
    }

    /// @notice A delegator's stored position (as of its last claim).
    function getDelegator(address delegator) external view returns (Delegator memory) {
        return bonding.delegator(delegator);
    }

    /// @notice An unbonding lock (zero amount: none).
    function getUnbondingLock(address delegator, uint256 lockId)
        external
        view
        returns (UnbondingLock memory)
    {
        return bonding.lock(delegator, lockId);
    }

    /// @notice One of an account's unbonding locks, with its id.
    struct LockEntry {
        uint256 id;
        UnbondingLock lock; // `amount` before the cuts of slashes executed after it was created
    }

    /// @notice Every unbonding lock `delegator` still holds, with its id, pool and maturity
    /// (`lock.withdrawRound`): what a wallet lists for withdraw and rebond. Consumed locks are left
    /// out. The amounts are before lazy slash cuts (applied at withdraw or rebond).
    function unbondingLocks(address delegator) external view returns (LockEntry[] memory locks) {
        uint256 next = bonding.nextLockId(delegator);
        locks = new LockEntry[](next);
        uint256 n;
        for (uint256 id; id < next; ++id) {
            UnbondingLock memory l = bonding.lock(delegator, id);
            if (l.amount != 0) locks[n++] = LockEntry(id, l);
        }
        assembly ("memory-safe") {
            mstore(locks, n) // shrink to the live locks
        }
    }

    /// @notice The id `delegator`'s next unbonding lock will get: its locks are the ids below it
    /// (a consumed one reads as zero).
    function nextLockId(address delegator) external view returns (uint256) {
        return bonding.nextLockId(delegator);
    }

    /// @notice What `delegator` would hold after claiming now: its stake, earnings included.
    function pendingStake(address delegator) external view returns (uint256 stake) {
        (stake,) = _pending(delegator);
    }

    /// @notice What `delegator` would hold after claiming now: its fees (wei), earnings included.
    function pendingFees(address delegator) external view returns (uint256 fees) {
        (, fees) = _pending(delegator);
    }

    /// @notice The reward cut and fee share in force for `orchestrator` in the current round.
    function paramsInForce(address orchestrator) external view returns (uint256 rewardCut, uint256 feeShare) {
        Pool memory p = bonding.pool(orchestrator);
        if (rounds.currentRound() >= p.paramsEffectiveRound) return (p.nextRewardCut, p.nextFeeShare);
        return (p.rewardCut, p.feeShare);
    }

    /// @notice The total stake of the current round's active set, fixed when the round started.
    function totalActiveStake() external view returns (uint256) {
        (uint256 current, uint256 next, uint256 round) = bonding.activeTotals();
        return round < rounds.currentRound() ? next : current;
    }

    /// @notice The total bonded stake, the round it last changed, and the round changed before it.
    function bondedTotal() external view returns (BondedTotal memory) {
        Totals memory t = bonding.totals();
        return BondedTotal(t.bonded, t.round, t.prevRound);
    }

    /// @notice The total bonded stake that `round` (a round that changed it) ended with.
    function bondedTotalHistory(uint256 round)
        external
        view
        returns (uint128 value, uint32 changedRound, uint32 prevRound)
    {
        BondedTotal memory t = bonding.bondedTotalHistory(round);
        return (t.value, t.round, t.prevRound);
    }

    /// @notice The reward and fee factors a pool ended `round` with, if a position is based on it.
    function roundFactors(address orchestrator, uint256 round)
        external
        view
        returns (uint96 rewardFactor, uint160 feeFactor)
    {
        RoundFactors memory f = bonding.roundFactors(orchestrator, round);
        return (f.rewardFactor, f.feeFactor);
    }

    /// @notice For a round the pool was used in: its ending reward factor, its starting stake, the
    /// round used before (plus one), and its slash count at the end.
    function roundHistory(address orchestrator, uint256 round)
        external
        view
        returns (uint96 rewardFactor, uint96 stakeStart, uint32 prevRound, uint32 slashCount)
    {
        RoundHistory memory h = bonding.roundHistory(orchestrator, round);
        return (h.rewardFactor, h.stakeStart, h.prevRound, h.slashCount);
    }

    /// @notice A delegator's position before it acted in `round`.
    function positionCheckpoints(address delegator, uint256 round)
        external
        view
        returns (uint96 stake, uint64 slashFactorBase, uint32 prevClaimRound)
    {
        PositionCheckpoint memory c = bonding.positionCheckpoint(delegator, round);
        return (c.stake, c.slashFactorBase, c.prevClaimRound);
    }

    /// @notice A delegator's delegate before it changed it in `round`, and the round it had been set
    /// (plus one).
    function delegateCheckpoints(address delegator, uint256 round)
        external
        view
        returns (address delegate, uint32 prevDelegateSince)
    {
        DelegateCheckpoint memory c = bonding.delegateCheckpoint(delegator, round);
        return (c.delegate, c.prevDelegateSince);
    }

    /// @notice A pool's slash factor after its `count`-th slash (before any: 1e18).
    function poolSlashFactors(address orchestrator, uint256 count) external view returns (uint256) {
        return bonding.slashFactorAfter(orchestrator, count);
    }

    /// @dev What a claim would give now, without rolling the pool: a pool not yet used this round
    /// ended its last round with the factors it has now. Mirrors BondingManager's `_claim`.
    function _pending(address account) internal view returns (uint256 stake, uint256 fees) {
        Delegator memory d = bonding.delegator(account);
        if (d.delegate == address(0)) return (d.stake, d.fees);
        Pool memory pool = bonding.pool(d.delegate);
        uint256 rf0;
        uint256 ff0;
        if (d.lastClaimRound == pool.poolRound) {
            (rf0, ff0) = (pool.rewardFactor, pool.feeFactor);
        } else {
            RoundFactors memory base = bonding.roundFactors(d.delegate, d.lastClaimRound);
            (rf0, ff0) = (base.rewardFactor, base.feeFactor);
        }
        stake = EarningsMath.stakeNow(d.stake, rf0, d.slashFactorBase, pool.rewardFactor, pool.slashFactor);
        fees = d.fees + EarningsMath.feesSince(d.stake, rf0, d.slashFactorBase, ff0, pool.feeFactor);
        if (account == d.delegate) {
            stake += pool.rewardCommission;
            fees += pool.feeCommission;
        }
    }
}
