// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IExtsload} from "../interfaces/IExtsload.sol";
import {EarningsMath} from "../libraries/EarningsMath.sol";
import {BondingSlots} from "./BondingSlots.sol";
import {
    Pool,
    RoundHistory,
    BondedTotal,
    Totals,
    Delegator,
    PositionCheckpoint,
    DelegateCheckpoint
} from "./BondingTypes.sol";

/// @title BondingHistory
/// @notice Exact past values of the bonding state, for votes: what each round started with. The
/// BondingManager keeps, for every round something changed, the state that round ended with
/// (pools, positions, delegates, the total), each linked to the round changed before; this reads
/// them. A lookup walks back over the rounds that changed since the one asked for, so reading a
/// recent round (a proposal's snapshot during its vote) costs a few storage reads.
///
/// "At round R" means at the start of round R: what the rounds before R left, final once R began.
contract BondingHistory {
    using BondingSlots for IExtsload;

    /// @notice The BondingManager read (through `extsload`).
    IExtsload public immutable bonding;

    constructor(IExtsload bonding_) {
        bonding = bonding_;
    }

    /// @notice The LPT bonded in the protocol at the start of `round`.
    function totalBondedAt(uint256 round) public view returns (uint256) {
        if (round == 0) return 0;
        Totals memory live = bonding.totals();
        BondedTotal memory t = BondedTotal(live.bonded, live.round, live.prevRound);
        while (t.round > round - 1) {
            if (t.prevRound == 0) return 0;
            t = bonding.bondedTotalHistory(t.prevRound - 1);
        }
        return t.value;
    }

    /// @notice The stake delegated to `orchestrator` at the start of `round`, its own included.
    function delegatedStakeAt(address orchestrator, uint256 round) public view returns (uint256 stake) {
        Pool memory pool = bonding.pool(orchestrator);
        if (round > pool.poolRound) return pool.delegatedStake;
        // The first round the pool was used at or after `round` started with the same stake.
        stake = pool.stakeStart;
        uint256 prev = pool.prevPoolRound;
        while (prev != 0 && prev - 1 >= round) {
            RoundHistory memory h = bonding.roundHistory(orchestrator, prev - 1);
            (stake, prev) = (h.stakeStart, h.prevRound);
        }
    }

    /// @notice The stake `account` itself had bonded at the start of `round`, earnings included
    /// (an orchestrator's unclaimed commission excluded).
    function stakeAt(address account, uint256 round) public view returns (uint256) {
        if (round == 0) return 0;
        return _stakeAt(account, round, delegateAt(account, round));
    }

    /// @notice The orchestrator `account` was delegated to at the start of `round`.
    function delegateAt(address account, uint256 round) public view returns (address) {
        if (round == 0) return address(0);
        Delegator memory d = bonding.delegator(account);
        uint256 since = d.delegateSince;
        if (since == 0 || since - 1 <= round - 1) return d.delegate;
        DelegateCheckpoint memory c = bonding.delegateCheckpoint(account, since - 1);
        while (c.prevDelegateSince != 0 && c.prevDelegateSince - 1 > round - 1) {
            c = bonding.delegateCheckpoint(account, c.prevDelegateSince - 1);
        }
        return c.delegate;
    }

    /// @dev `stakeAt` for a round after 0, given the account's delegate at its start (saves a
    /// caller that already knows it the lookup).
    function _stakeAt(address account, uint256 round, address orchestrator) internal view returns (uint256) {
        (uint256 stake, uint256 claimRound, uint256 slashFactorBase) = _positionAt(account, round - 1);
        if (orchestrator == address(0) || stake == 0) return 0;
        Pool memory pool = bonding.pool(orchestrator);
        uint256 rf0 = pool.rewardFactor;
        if (claimRound < pool.poolRound) rf0 = bonding.roundHistory(orchestrator, claimRound).rewardFactor;
        (uint256 rf, uint256 sf) = _factorsAtEndOf(orchestrator, pool, round - 1);
        return EarningsMath.stakeNow(stake, rf0, slashFactorBase, rf, sf);
    }

    /// @dev The position (stake, claim round, slash factor base) at the end of round `last`.
    function _positionAt(address account, uint256 last) internal view returns (uint256, uint256, uint256) {
        Delegator memory d = bonding.delegator(account);
        if (d.lastClaimRound <= last) return (d.stake, d.lastClaimRound, d.slashFactorBase);
        uint256 prev = d.prevClaimRound;
        while (prev != 0) {
            PositionCheckpoint memory c = bonding.positionCheckpoint(account, prev - 1);
            if (prev - 1 <= last) return (c.stake, prev - 1, c.slashFactorBase);
            prev = c.prevClaimRound;
        }
        return (0, 0, 0);
    }

    /// @dev A pool's reward and slash factors at the end of round `last`.
    function _factorsAtEndOf(address orchestrator, Pool memory pool, uint256 last)
        internal
        view
        returns (uint256, uint256)
    {
        if (pool.poolRound <= last) return (pool.rewardFactor, pool.slashFactor);
        uint256 prev = pool.prevPoolRound;
        while (prev != 0) {
            uint256 used = prev - 1;
            RoundHistory memory h = bonding.roundHistory(orchestrator, used);
            if (used <= last) {
                return (h.rewardFactor, bonding.slashFactorAfter(orchestrator, h.slashCount));
            }
            prev = h.prevRound;
        }
        return (EarningsMath.ONE, EarningsMath.ONE);
    }
}
