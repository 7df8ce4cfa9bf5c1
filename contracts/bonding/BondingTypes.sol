// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// The BondingManager's stored types, apart from its 24 KB of code, so that the contracts and lenses
// that read them (BondingHistory, BondingLens, BondingSlots) need not import the manager.

// An orchestrator's cuts, the rounds that matter to it, and its earnings pool.
// Fields are grouped by when they change: a round's first use (the rollover) writes slots 4-5.
// Stakes fit 96 bits (as a delegator's stake and a list member's do: LPT supply is far below).
struct Pool {
    // slot 0: cuts and rounds
    uint32 rewardCut;
    uint32 feeShare;
    uint32 nextRewardCut;
    uint32 nextFeeShare;
    uint32 paramsEffectiveRound;
    uint32 lastRewardRound;
    uint32 disputedFrom; // the earliest offense round of the pending disputes (see pendingDisputes)
    bool registered;
    uint16 pendingDisputes; // disputes that can still slash it: its locks from disputedFrom on wait
    // slot 1
    uint128 delegatedStake; // all stake delegated to it, its own and unclaimed commission included
    uint128 rewardCommission;
    // slot 2
    uint96 rewardFactor;
    uint64 slashFactor;
    uint96 unbonding; // the LPT of its outstanding unbonding locks, before lazy slash cuts
    // slot 3: what a fee credit writes (feeFactor only when delegators share)
    uint160 feeFactor;
    uint96 feeCommission;
    // slot 4
    uint96 matureStake; // stake earning this round, valued at the round's start
    uint96 startValue; // the pool's stake at the start of poolRound, less slashes since
    uint32 poolRound; // the round the factors were last rolled over into
    uint32 prevPoolRound; // the round the pool was used before poolRound, plus one (0: none)
    // slot 5
    uint96 rewardFactorStart; // at the start of poolRound
    uint96 stakeStart; // delegatedStake at the start of poolRound: its active stake
    uint32 slashCount; // slashes executed against it (see `_slashes`)
    uint32 pinnedRound; // == poolRound: a position is based on this round (its factors get kept)
}

// The factors a pool ended a round with: a delegator's base for the rounds after its claim.
// Kept only for rounds some position is based on (a delegator acted in the pool that round).
struct RoundFactors {
    uint96 rewardFactor;
    uint160 feeFactor;
}

// A used round's record, one slot, for past votes: the reward factor it ended with, the stake it
// started with, the round the pool was used before it (plus one, 0: none), and the pool's slash
// count at its end (its slash factor is `poolSlashFactors` at that count).
struct RoundHistory {
    uint96 rewardFactor;
    uint96 stakeStart;
    uint32 prevRound;
    uint32 slashCount;
}

// The protocol's total bonded stake as a round left it, and the round changed before (plus one).
struct BondedTotal {
    uint128 value;
    uint32 round;
    uint32 prevRound;
}

// The live total, one slot: the round it last changed is a round already reached (a lower bound
// of the current round, so a matured lock needs no call to the RoundsManager), and the count of
// slashes ever executed tells a lock whether any slash can concern it without reading its pool.
struct Totals {
    uint128 bonded;
    uint32 round;
    uint32 prevRound;
    uint32 slashCount;
}

// A delegator's position as it stood before it acted in a later round (for past votes).
struct PositionCheckpoint {
    uint96 stake;
    uint64 slashFactorBase;
    uint32 prevClaimRound; // plus one, 0: none
}

// The delegate an account had before it changed it in a round (for past votes).
struct DelegateCheckpoint {
    address delegate;
    uint32 prevDelegateSince; // plus one, 0: none
}

struct Delegator {
    // slot 0
    uint96 stake; // as of lastClaimRound
    uint64 slashFactorBase; // the pool's slash factor at the claim
    uint32 lastClaimRound;
    uint32 prevClaimRound; // the round of the position before, plus one (0: none)
    uint32 delegateSince; // the round `delegate` was set, plus one (0: never)
    // slot 1
    address delegate;
    uint96 fees; // claimed, not yet withdrawn (wei)
}

struct UnbondingLock {
    uint128 amount;
    uint32 createdRound;
    uint32 withdrawRound;
    uint32 slashCursor; // slashes of `orchestrator` before the lock existed
    uint32 slashesBefore; // slashes of any pool before it: still the total, none can concern it
    address orchestrator;
}

// A pool's slash, one slot: what locks need (offense, share kept) and past votes (the factor).
struct SlashRecord {
    uint32 offenseRound;
    uint64 keepFactor; // 1e18-based share that survives
    uint64 slashFactorAfter; // the pool's slash factor after it
}
