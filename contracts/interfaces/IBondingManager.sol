// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IFeeCreditor} from "./IFeeCreditor.sol";
import {IStakeTotals} from "./IStakeTotals.sol";

/// @title IBondingManager
/// @notice Staking and delegation: orchestrators, delegators, the active set, reward rounds, lazy
/// earnings, fees, unbonding locks, and the slashing hook.
interface IBondingManager is IStakeTotals, IFeeCreditor {
    /// @notice Neighbours expected around an orchestrator's new position in the active set: for the
    /// orchestrator a delegator leaves (`old*`) and the one it joins or adds to (`new*`).
    struct Hints {
        address oldPrev;
        address oldNext;
        address newPrev;
        address newNext;
    }

    event OrchestratorRegistered(address indexed orchestrator, uint256 rewardCut, uint256 feeShare);
    event OrchestratorParamsScheduled(
        address indexed orchestrator, uint256 rewardCut, uint256 feeShare, uint256 effectiveRound
    );
    event Bond(
        address indexed delegator,
        address indexed orchestrator,
        address indexed previousOrchestrator,
        uint256 amount,
        uint256 stake
    );
    event Unbond(
        address indexed delegator,
        address indexed orchestrator,
        uint256 indexed lockId,
        uint256 amount,
        uint256 withdrawRound
    );
    event Rebond(
        address indexed delegator, address indexed orchestrator, uint256 indexed lockId, uint256 amount
    );
    event StakeWithdrawn(address indexed delegator, uint256 indexed lockId, uint256 amount, uint256 slashed);
    event FeesWithdrawn(address indexed delegator, address indexed recipient, uint256 amount);
    event EarningsClaimed(
        address indexed delegator,
        address indexed orchestrator,
        uint256 indexed round,
        uint256 stake,
        uint256 fees
    );
    event Reward(
        address indexed orchestrator,
        uint256 indexed round,
        uint256 amount,
        uint256 commission,
        address caller,
        uint256 bounty
    );
    event FeesCredited(
        address indexed orchestrator, uint256 indexed round, uint256 amount, uint256 commission
    );
    event BondTransferred(
        address indexed from,
        address indexed receiver,
        address fromOrchestrator,
        address indexed toOrchestrator,
        uint256 amount
    );
    /// @notice A dispute for an offense in `offenseRound` holds `orchestrator`'s unbonding locks
    /// created from the earliest pending offense round (`disputedFrom`) on; `pending` disputes.
    event LocksHeld(
        address indexed orchestrator, uint256 offenseRound, uint256 disputedFrom, uint256 pending
    );
    /// @notice A dispute against `orchestrator` can no longer slash; `pending` remain (0: locks free).
    event LocksReleased(address indexed orchestrator, uint256 pending);
    event Slashed(address indexed orchestrator, uint256 fractionPpb, uint256 offenseRound, uint256 amount);
    event UnbondingPeriodSet(uint256 rounds);
    event ParamsChangeDelaySet(uint256 rounds);
    event RewardBountySet(uint256 ppm);
    event NumActiveOrchestratorsSet(uint256 numActive);
    event TrustedFeeCreditorSet(address indexed creditor);

    error ZeroAmount();
    error ZeroAddress();
    error NotAnOrchestrator(address account);
    error AlreadyRegistered(address orchestrator);
    error InvalidPpm(uint256 value);
    error NotBonded(address delegator);
    error UnbondExceedsStake(uint256 amount, uint256 stake);
    error UnknownLock(address delegator, uint256 lockId);
    error LockNotWithdrawable(uint256 lockId, uint256 withdrawRound);
    error InsufficientFees(uint256 amount, uint256 fees);
    error FeeTransferFailed(address recipient, uint256 amount);
    error RoundNotInitialized(uint256 round);
    error NotActive(address orchestrator, uint256 round);
    error AlreadyRewarded(address orchestrator, uint256 round);
    error ReceiverHasStake(address receiver);
    error InvalidSlashFraction(uint256 fractionPpb);
    error InvalidRounds(uint256 rounds);
    error ActiveSetTooSmall(uint256 numActive, uint256 size);
    /// @notice A pending dispute against `orchestrator` may still cut this lock (created at or after
    /// `disputedFrom`): it stays in the pool's liability until the dispute is settled.
    error LockHeld(address orchestrator, uint256 lockId, uint256 disputedFrom);
    /// @notice Stake leaves a pool only through an unbonding lock, which stays liable to its slashes.
    error CrossPoolTransfer(address fromOrchestrator, address toOrchestrator);
    /// @notice `receiver` is delegated to another pool or is another orchestrator: a transfer would
    /// change its delegate or strand its commission.
    error NotReceiversPool(address receiver, address orchestrator);

    /// @notice Registers the caller as an orchestrator, with cuts in force at once (nobody delegates
    /// to it yet). `rewardCut`: share of rewards it keeps; `feeShare`: share of fees its delegators
    /// get; both parts per million.
    function registerOrchestrator(uint256 rewardCut, uint256 feeShare) external;

    /// @notice Schedules new cuts for the caller's pool, in force `paramsChangeDelay` rounds later.
    function setOrchestratorParams(uint256 rewardCut, uint256 feeShare) external;

    /// @notice Bonds `amount` more LPT to `to`. A delegator bonded elsewhere moves: its stake there
    /// leaves through an unbonding lock of the old pool (liable to that pool's slashes for offenses
    /// before the move, see `rebond`), and its position in `to` starts with `amount` (not zero).
    /// New stake earns from the next round.
    function bond(uint256 amount, address to, Hints calldata hints) external;

    /// @notice Unbonds `amount` of the caller's stake into a lock withdrawable after the unbonding
    /// period. Returns the lock id.
    function unbond(uint256 amount, address prevHint, address nextHint) external returns (uint256 lockId);

    /// @notice Bonds an unbonding lock's LPT (less any slash) again, to `to` (moving the caller's
    /// stake there if it is bonded elsewhere, as `bond` does). To the lock's own orchestrator at any
    /// time; to another only once the lock could be withdrawn (matured, not held by a dispute).
    function rebond(uint256 lockId, address to, Hints calldata hints) external;

    /// @notice Withdraws a matured unbonding lock's LPT (less any slash) to the caller; refused
    /// (`LockHeld`) while a pending dispute against its orchestrator may still cut it.
    function withdrawStake(uint256 lockId) external;

    /// @notice Sends `amount` wei of the caller's fees to `recipient`.
    function withdrawFees(address payable recipient, uint256 amount) external;

    /// @notice Moves `amount` of the caller's stake, without unbonding, to `receiver` in the same pool
    /// (`to` must be the caller's orchestrator: stake leaves a pool only through a lock). The
    /// receiver must hold no stake and be either new (no delegate, not another orchestrator) or
    /// already delegated to `to`: a transfer never changes anyone's delegate or earnings. The pool's
    /// stake and rank do not change, so `hints` are not read (kept for callers).
    function transferBond(address receiver, uint256 amount, address to, Hints calldata hints) external;

    /// @notice Brings the caller's stake and fees up to the current round and restarts its position in
    /// it. Claims are O(1) and whole, so there is no end round to name: a transaction that lands a
    /// round later than its sender expected claims one round more, and loses nothing (the position
    /// earned that round's share either way; it restarts one round later).
    function claimEarnings() external;

    /// @notice Mints `orchestrator`'s reward for the current round into its pool. Anyone may call it,
    /// once per round per active orchestrator; a caller other than the orchestrator gets the bounty.
    function reward(address orchestrator, address prevHint, address nextHint) external;

    /// @notice Cuts `fractionPpb` (parts per billion, below one whole) of `orchestrator`'s delegated
    /// stake, its delegators' included, and of its unbonding locks created after `offenseRound`;
    /// sends the bonded part cut to the caller. Restricted to the slasher. The DisputeManager passes
    /// the round before the offense's (0 for an offense in round 0), so stake unbonded during the
    /// offense's round itself is cut too.
    /// @return amount The bonded LPT cut (sent to the caller).
    /// @return ownAmount The part of `amount` cut from the orchestrator's own stake and commission.
    /// @return unbondingBound At least what the locks will lose to this slash (cut lazily, burned).
    function slash(
        address orchestrator,
        uint256 fractionPpb,
        uint256 offenseRound,
        address prevHint,
        address nextHint
    ) external returns (uint256 amount, uint256 ownAmount, uint256 unbondingBound);

    /// @notice A dispute over an offense in `offenseRound` opened against `orchestrator`: its locks
    /// created from that round on may not be withdrawn or leave the pool until `releaseLocks`.
    /// Restricted to the slasher.
    function holdLocks(address orchestrator, uint256 offenseRound) external;

    /// @notice A dispute against `orchestrator` can no longer slash (decided without a slash, vetoed
    /// or executed); when none remains, its locks are free. Restricted to the slasher.
    function releaseLocks(address orchestrator) external;

    /// @notice All stake delegated to `orchestrator` now, its own and its unclaimed commission
    /// included (the disputes' snapshot and the ranking's weight).
    function delegatedStake(address orchestrator) external view returns (uint256);

    /// @notice The LPT in `orchestrator`'s unbonding locks, before their lazy slash cuts (still liable).
    function unbondingStake(address orchestrator) external view returns (uint256);

    /// @notice Rounds unbonded stake waits before it can be withdrawn or leave its pool.
    function unbondingPeriod() external view returns (uint32);

    /// @notice The active set in order, largest stake first.
    function activeSet() external view returns (address[] memory members);
}
