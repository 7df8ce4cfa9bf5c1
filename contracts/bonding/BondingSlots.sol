// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IExtsload} from "../interfaces/IExtsload.sol";
import {EarningsMath} from "../libraries/EarningsMath.sol";
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

/// @title BondingSlots
/// @notice Reads the BondingManager's stored records through `extsload` and unpacks them, so its
/// views live here and in BondingLens instead of in its size-limited code (as Uniswap v4's
/// StateLibrary reads the PoolManager). The slot numbers are the compiler's layout of the
/// BondingManager (ActiveSet's variables, AccessManaged's, then its own); a test compares them with
/// the layout forge reports, so a reordered declaration fails there instead of reading garbage.
/// Packed fields sit from the low-order bits up, in declaration order.
library BondingSlots {
    uint256 internal constant ACTIVE_TOTALS_SLOT = 4;
    uint256 internal constant TOTAL_BONDED_SLOT = 7;
    uint256 internal constant POOLS_SLOT = 8;
    uint256 internal constant ROUND_FACTORS_SLOT = 9;
    uint256 internal constant DELEGATORS_SLOT = 10;
    uint256 internal constant LOCKS_SLOT = 11;
    uint256 internal constant SLASHES_SLOT = 12;
    uint256 internal constant ROUND_HISTORY_SLOT = 13;
    uint256 internal constant POSITION_CHECKPOINTS_SLOT = 14;
    uint256 internal constant DELEGATE_CHECKPOINTS_SLOT = 15;
    uint256 internal constant BONDED_TOTAL_HISTORY_SLOT = 16;
    uint256 internal constant NEXT_LOCK_ID_SLOT = 17;

    /// @dev The slot of `mapping[key]` for a mapping declared at `slot`.
    function _at(uint256 slot, uint256 key) private pure returns (uint256 result) {
        assembly ("memory-safe") {
            mstore(0, key)
            mstore(0x20, slot)
            result := keccak256(0, 0x40)
        }
    }

    function _word(IExtsload b, uint256 slot) private view returns (uint256) {
        return uint256(b.extsload(bytes32(slot)));
    }

    /// @notice An orchestrator's pool (all zero: never registered).
    function pool(IExtsload b, address orchestrator) internal view returns (Pool memory p) {
        bytes32[] memory w = b.extsload(bytes32(_at(POOLS_SLOT, uint160(orchestrator))), 6);
        uint256 w0 = uint256(w[0]);
        p.rewardCut = uint32(w0);
        p.feeShare = uint32(w0 >> 32);
        p.nextRewardCut = uint32(w0 >> 64);
        p.nextFeeShare = uint32(w0 >> 96);
        p.paramsEffectiveRound = uint32(w0 >> 128);
        p.lastRewardRound = uint32(w0 >> 160);
        p.disputedFrom = uint32(w0 >> 192);
        p.registered = uint8(w0 >> 224) != 0;
        p.pendingDisputes = uint16(w0 >> 232);
        uint256 w1 = uint256(w[1]);
        p.delegatedStake = uint128(w1);
        p.rewardCommission = uint128(w1 >> 128);
        uint256 w2 = uint256(w[2]);
        p.rewardFactor = uint96(w2);
        p.slashFactor = uint64(w2 >> 96);
        p.unbonding = uint96(w2 >> 160);
        uint256 w3 = uint256(w[3]);
        p.feeFactor = uint160(w3);
        p.feeCommission = uint96(w3 >> 160);
        uint256 w4 = uint256(w[4]);
        p.matureStake = uint96(w4);
        p.startValue = uint96(w4 >> 96);
        p.poolRound = uint32(w4 >> 192);
        p.prevPoolRound = uint32(w4 >> 224);
        uint256 w5 = uint256(w[5]);
        p.rewardFactorStart = uint96(w5);
        p.stakeStart = uint96(w5 >> 96);
        p.slashCount = uint32(w5 >> 192);
        p.pinnedRound = uint32(w5 >> 224);
    }

    /// @notice What a pool's votes follow: its delegated stake and its reward and slash factors
    /// (two of the pool's six words).
    function poolVotes(IExtsload b, address orchestrator)
        internal
        view
        returns (uint256 stake, uint256 rewardFactor, uint256 slashFactor)
    {
        bytes32[] memory w = b.extsload(bytes32(_at(POOLS_SLOT, uint160(orchestrator)) + 1), 2);
        stake = uint128(uint256(w[0]));
        rewardFactor = uint96(uint256(w[1]));
        slashFactor = uint64(uint256(w[1]) >> 96);
    }

    /// @notice A delegator's stored position (as of its last claim).
    function delegator(IExtsload b, address account) internal view returns (Delegator memory d) {
        bytes32[] memory w = b.extsload(bytes32(_at(DELEGATORS_SLOT, uint160(account))), 2);
        uint256 w0 = uint256(w[0]);
        d.stake = uint96(w0);
        d.slashFactorBase = uint64(w0 >> 96);
        d.lastClaimRound = uint32(w0 >> 160);
        d.prevClaimRound = uint32(w0 >> 192);
        d.delegateSince = uint32(w0 >> 224);
        uint256 w1 = uint256(w[1]);
        d.delegate = address(uint160(w1));
        d.fees = uint96(w1 >> 160);
    }

    /// @notice The orchestrator an account is delegated to (one word of its two).
    function delegateOf(IExtsload b, address account) internal view returns (address) {
        return address(uint160(_word(b, _at(DELEGATORS_SLOT, uint160(account)) + 1)));
    }

    /// @notice An unbonding lock (zero amount: none).
    function lock(IExtsload b, address account, uint256 lockId)
        internal
        view
        returns (UnbondingLock memory l)
    {
        uint256 slot = _at(_at(LOCKS_SLOT, uint160(account)), lockId);
        bytes32[] memory w = b.extsload(bytes32(slot), 2);
        uint256 w0 = uint256(w[0]);
        l.amount = uint128(w0);
        l.createdRound = uint32(w0 >> 128);
        l.withdrawRound = uint32(w0 >> 160);
        l.slashCursor = uint32(w0 >> 192);
        l.slashesBefore = uint32(w0 >> 224);
        l.orchestrator = address(uint160(uint256(w[1])));
    }

    /// @notice The id the account's next unbonding lock will get (locks 0 to it minus one exist or
    /// were consumed).
    function nextLockId(IExtsload b, address account) internal view returns (uint256) {
        return _word(b, _at(NEXT_LOCK_ID_SLOT, uint160(account)));
    }

    /// @notice The factors a pool ended `round` with, if a position is based on that round.
    function roundFactors(IExtsload b, address orchestrator, uint256 round)
        internal
        view
        returns (RoundFactors memory f)
    {
        uint256 w = _word(b, _at(_at(ROUND_FACTORS_SLOT, uint160(orchestrator)), round));
        f.rewardFactor = uint96(w);
        f.feeFactor = uint160(w >> 96);
    }

    /// @notice A pool's record of a round it was used in.
    function roundHistory(IExtsload b, address orchestrator, uint256 round)
        internal
        view
        returns (RoundHistory memory h)
    {
        uint256 w = _word(b, _at(_at(ROUND_HISTORY_SLOT, uint160(orchestrator)), round));
        h.rewardFactor = uint96(w);
        h.stakeStart = uint96(w >> 96);
        h.prevRound = uint32(w >> 192);
        h.slashCount = uint32(w >> 224);
    }

    /// @notice A delegator's position before it acted in `round`.
    function positionCheckpoint(IExtsload b, address account, uint256 round)
        internal
        view
        returns (PositionCheckpoint memory c)
    {
        uint256 w = _word(b, _at(_at(POSITION_CHECKPOINTS_SLOT, uint160(account)), round));
        c.stake = uint96(w);
        c.slashFactorBase = uint64(w >> 96);
        c.prevClaimRound = uint32(w >> 160);
    }

    /// @notice A delegator's delegate before it changed it in `round`.
    function delegateCheckpoint(IExtsload b, address account, uint256 round)
        internal
        view
        returns (DelegateCheckpoint memory c)
    {
        uint256 w = _word(b, _at(_at(DELEGATE_CHECKPOINTS_SLOT, uint160(account)), round));
        c.delegate = address(uint160(w));
        c.prevDelegateSince = uint32(w >> 160);
    }

    /// @notice The live bonded total, the round it last changed and the one changed before (plus one).
    function totals(IExtsload b) internal view returns (Totals memory t) {
        uint256 w = _word(b, TOTAL_BONDED_SLOT);
        t.bonded = uint128(w);
        t.round = uint32(w >> 128);
        t.prevRound = uint32(w >> 160);
        t.slashCount = uint32(w >> 192);
    }

    /// @notice The bonded total that `round` (one that changed it) ended with.
    function bondedTotalHistory(IExtsload b, uint256 round) internal view returns (BondedTotal memory t) {
        uint256 w = _word(b, _at(BONDED_TOTAL_HISTORY_SLOT, round));
        t.value = uint128(w);
        t.round = uint32(w >> 128);
        t.prevRound = uint32(w >> 160);
    }

    /// @notice A pool's slash factor after its `count`-th slash (before any: 1e18).
    function slashFactorAfter(IExtsload b, address orchestrator, uint256 count)
        internal
        view
        returns (uint256)
    {
        return count == 0 ? EarningsMath.ONE : slashRecord(b, orchestrator, count - 1).slashFactorAfter;
    }

    /// @notice A pool's `index`-th slash (from 0).
    function slashRecord(IExtsload b, address orchestrator, uint256 index)
        internal
        view
        returns (SlashRecord memory r)
    {
        uint256 w = _word(b, _at(_at(SLASHES_SLOT, uint160(orchestrator)), index));
        r.offenseRound = uint32(w);
        r.keepFactor = uint64(w >> 32);
        r.slashFactorAfter = uint64(w >> 96);
    }

    /// @notice The active set's stake totals: this round's, the next's, and the round they were
    /// rolled over in.
    function activeTotals(IExtsload b) internal view returns (uint256 current, uint256 next, uint256 round) {
        uint256 w = _word(b, ACTIVE_TOTALS_SLOT);
        return (uint112(w), uint112(w >> 112), uint32(w >> 224));
    }
}
