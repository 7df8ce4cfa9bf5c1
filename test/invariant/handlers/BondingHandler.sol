// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BondingLens} from "../../../contracts/bonding/BondingLens.sol";
import {IExtsload} from "../../../contracts/interfaces/IExtsload.sol";
import {Pool, UnbondingLock} from "../../../contracts/bonding/BondingTypes.sol";
import {Test} from "forge-std/Test.sol";
import {IBondingManager} from "../../../contracts/interfaces/IBondingManager.sol";
import {BondingManager} from "../../../contracts/bonding/BondingManager.sol";
import {LivepeerToken} from "../../../contracts/token/LivepeerToken.sol";
import {RoundsManager} from "../../../contracts/rounds/RoundsManager.sol";

/// Drives the bonding contract at random over a few orchestrators (more than the active set holds,
/// so stake changes evict and re-admit) and delegators: bonds, moves, unbonds, rebonds, transfers,
/// rewards, fees, claims, withdrawals, occasional slashes and new rounds. Inputs are bounded so that
/// every call is valid (the suite fails on any revert); ghosts record every token and wei that
/// entered or left the contract, and each round's active stake at its start.
///
/// The move rules (issue 14): a move (bonding to another orchestrator) turns the old stake into an
/// unbonding lock of the old pool, which the handler tracks like any other lock; a lock rebonds to
/// another orchestrator only once matured (before, back to its own); a transfer stays in the
/// sender's pool, to a receiver that is new or already delegated there.
///
/// Per account, ghosts also record what it put in (LPT bonded from its wallet or received by a
/// transfer), what it took out (LPT withdrawn to its wallet or transferred away, fees withdrawn), and
/// what it earned, two ways: `earned*`, the change of its pending stake and fees across the only
/// calls that create or destroy value for a position (reward, fee credit, slash), as the contract's
/// views report them at those moments; and `*Cap`, an independent bound: the whole of every reward
/// and fee credit of a pool it was in at that moment.
contract BondingHandler is Test {
    struct Lock {
        address owner;
        uint256 id;
    }

    BondingManager internal immutable bonding;
    BondingLens internal immutable lens;
    LivepeerToken internal immutable token;
    RoundsManager internal immutable rounds;
    address internal immutable feeCreditor;
    address internal immutable slasher;

    address[] public orchestrators;
    address[] public delegators;
    Lock[] internal locks; // live ones; withdrawn or rebonded ones are removed

    // LPT in and out of the bonding contract.
    uint256 public ghostDeposited;
    uint256 public ghostMinted;
    uint256 public ghostWithdrawn;
    uint256 public ghostSlashed; // bonded stake sent to the slasher
    uint256 public ghostBurned; // lock cuts
    // ETH in and out.
    uint256 public ghostFeesCredited;
    uint256 public ghostFeesWithdrawn;
    // The current round's total active stake, summed at its start.
    uint256 public ghostActiveStakeAtStart;
    uint256 public calls;
    // Per pool: the most stake it held after any call (rounding dust, once made, stays when it shrinks).
    mapping(address orchestrator => uint256) public ghostMaxDelegated;

    // Per account: LPT put in and taken out, fees taken out, and what it earned (see above).
    mapping(address account => uint256) public ghostPutIn;
    mapping(address account => uint256) public ghostTakenOut;
    mapping(address account => uint256) public ghostFeesTakenOut;
    mapping(address account => int256) public ghostEarned;
    mapping(address account => int256) public ghostFeesEarned;
    mapping(address account => uint256) public ghostRewardCap;
    mapping(address account => uint256) public ghostFeeCap;

    constructor(
        BondingManager bonding_,
        LivepeerToken token_,
        RoundsManager rounds_,
        address feeCreditor_,
        address slasher_,
        address[] memory orchestrators_,
        address[] memory delegators_,
        uint256 deposited
    ) {
        ghostDeposited = deposited; // the orchestrators' self-bonds, made before the handler existed
        (bonding, token, rounds, feeCreditor, slasher) = (bonding_, token_, rounds_, feeCreditor_, slasher_);
        lens = new BondingLens(IExtsload(address(bonding_)));
        orchestrators = orchestrators_;
        delegators = delegators_;
        for (uint256 i; i < orchestrators_.length; ++i) {
            ghostPutIn[orchestrators_[i]] = lens.pendingStake(orchestrators_[i]);
        }
    }

    // ------------------------------------------------------------------ views for the invariants

    function orchestratorCount() external view returns (uint256) {
        return orchestrators.length;
    }

    function delegatorCount() external view returns (uint256) {
        return delegators.length;
    }

    /// Every account that can hold a position: orchestrators first.
    function accounts() public view returns (address[] memory all) {
        all = new address[](orchestrators.length + delegators.length);
        for (uint256 i; i < orchestrators.length; ++i) {
            all[i] = orchestrators[i];
        }
        for (uint256 i; i < delegators.length; ++i) {
            all[orchestrators.length + i] = delegators[i];
        }
    }

    /// The nominal amount of every live lock (before cuts for slashes).
    function lockedTotal() external view returns (uint256 total) {
        for (uint256 i; i < locks.length; ++i) {
            total += lens.getUnbondingLock(locks[i].owner, locks[i].id).amount;
        }
    }

    // ------------------------------------------------------------------ actions

    function initializeRound() external {
        _count();
        vm.roll(rounds.currentRoundStartBlock() + rounds.roundLength());
        rounds.initializeRound();
        uint256 total;
        for (uint256 i; i < orchestrators.length; ++i) {
            if (bonding.isActiveOrchestrator(orchestrators[i])) {
                total += bonding.delegatedStake(orchestrators[i]);
            }
        }
        ghostActiveStakeAtStart = total;
    }

    /// A delegator (or an orchestrator, to itself) bonds more; a delegator bonded elsewhere moves.
    function bond(uint256 accountSeed, uint256 orchSeed, uint256 amount) external {
        _count();
        (address account, bool isOrch) = _account(accountSeed);
        address to = isOrch ? account : orchestrators[orchSeed % orchestrators.length];
        address from = lens.getDelegator(account).delegate;
        amount = bound(amount, 1, 2_000 ether); // a move bonds new LPT too (no pure moves)
        uint256 nextLock = lens.nextLockId(account);
        _bondFrom(account, amount, to);
        _trackNewLocks(account, nextLock, from);
    }

    function unbond(uint256 accountSeed, uint256 amount) external {
        _count();
        (address account,) = _account(accountSeed);
        if (lens.getDelegator(account).delegate == address(0)) return;
        uint256 stake = lens.pendingStake(account);
        if (stake == 0) return;
        amount = bound(amount, 1, stake);
        vm.prank(account);
        uint256 id = bonding.unbond(amount, address(0), address(0));
        locks.push(Lock(account, id));
    }

    function rebond(uint256 lockSeed, uint256 orchSeed) external {
        _count();
        if (locks.length == 0) return;
        uint256 index = lockSeed % locks.length;
        Lock memory lock = locks[index];
        UnbondingLock memory l = _lockOf(lock);
        address to = _isOrchestrator(lock.owner) ? lock.owner : orchestrators[orchSeed % orchestrators.length];
        // Elsewhere only once matured: before, back into its own pool.
        if (rounds.currentRound() < l.withdrawRound) to = l.orchestrator;
        // A lock cut to nothing by slashes would bond zero: not a valid call.
        if (l.amount < 1e9) return;
        address from = lens.getDelegator(lock.owner).delegate;
        uint256 nextLock = lens.nextLockId(lock.owner);
        uint256 supply = token.totalSupply();
        vm.prank(lock.owner);
        bonding.rebond(lock.id, to, _noHints());
        ghostBurned += supply - token.totalSupply();
        _dropLock(index);
        _trackNewLocks(lock.owner, nextLock, from);
    }

    function withdrawStake(uint256 lockSeed) external {
        _count();
        if (locks.length == 0) return;
        uint256 index = lockSeed % locks.length;
        Lock memory lock = locks[index];
        if (rounds.currentRound() < lens.getUnbondingLock(lock.owner, lock.id).withdrawRound) return;
        uint256 balance = token.balanceOf(lock.owner);
        uint256 supply = token.totalSupply();
        vm.prank(lock.owner);
        bonding.withdrawStake(lock.id);
        ghostWithdrawn += token.balanceOf(lock.owner) - balance;
        ghostTakenOut[lock.owner] += token.balanceOf(lock.owner) - balance;
        ghostBurned += supply - token.totalSupply();
        _dropLock(index);
    }

    /// Moves part of a delegator's stake to another delegator with no stake, in the sender's pool (the
    /// receiver new or already delegated there).
    function transferBond(uint256 fromSeed, uint256 receiverSeed, uint256 amount) external {
        _count();
        address sender = delegators[fromSeed % delegators.length];
        address receiver = delegators[receiverSeed % delegators.length];
        if (receiver == sender || lens.getDelegator(receiver).stake != 0) return;
        address pool = lens.getDelegator(sender).delegate;
        if (pool == address(0)) return;
        address receiverPool = lens.getDelegator(receiver).delegate;
        if (receiverPool != address(0) && receiverPool != pool) return;
        uint256 stake = lens.pendingStake(sender);
        if (stake == 0) return;
        amount = bound(amount, 1, stake);
        vm.prank(sender);
        bonding.transferBond(receiver, amount, pool, _noHints());
        ghostTakenOut[sender] += amount;
        ghostPutIn[receiver] += amount;
    }

    function reward(uint256 orchSeed) external {
        _count();
        address orch = orchestrators[orchSeed % orchestrators.length];
        uint256 round = rounds.currentRound();
        if (!bonding.isActiveOrchestrator(orch)) return;
        Pool memory pool = lens.getPool(orch);
        if (pool.lastRewardRound >= round) return;
        uint256 balance = token.balanceOf(address(bonding));
        (uint256[] memory stakes, uint256[] memory fees) = _pendingAll();
        vm.prank(orch);
        bonding.reward(orch, address(0), address(0));
        uint256 minted = token.balanceOf(address(bonding)) - balance;
        ghostMinted += minted;
        _recordEarned(stakes, fees);
        _raiseCaps(orch, minted, 0);
    }

    function creditFees(uint256 orchSeed, uint256 amount) external {
        _count();
        address orch = orchestrators[orchSeed % orchestrators.length];
        if (!lens.getPool(orch).registered) return;
        amount = bound(amount, 0, 5 ether);
        vm.deal(feeCreditor, amount);
        (uint256[] memory stakes, uint256[] memory fees) = _pendingAll();
        vm.prank(feeCreditor);
        bonding.creditFees{value: amount}(orch);
        ghostFeesCredited += amount;
        _recordEarned(stakes, fees);
        _raiseCaps(orch, 0, amount);
    }

    function claim(uint256 accountSeed) external {
        _count();
        (address account,) = _account(accountSeed);
        if (lens.getDelegator(account).delegate == address(0)) return;
        uint256 round = rounds.currentRound();
        vm.prank(account);
        bonding.claimEarnings();
    }

    function withdrawFees(uint256 accountSeed, uint256 amount) external {
        _count();
        (address account,) = _account(accountSeed);
        amount = bound(amount, 0, lens.pendingFees(account));
        vm.prank(account);
        bonding.withdrawFees(payable(account), amount);
        ghostFeesWithdrawn += amount;
        ghostFeesTakenOut[account] += amount;
    }

    /// One call in four slashes an orchestrator by up to half, for an offense of the last few rounds.
    function slash(uint256 orchSeed, uint256 fractionPpb, uint256 offenseSeed) external {
        _count();
        if (orchSeed % 4 != 0) return;
        address orch = orchestrators[(orchSeed / 4) % orchestrators.length];
        if (bonding.delegatedStake(orch) == 0) return;
        fractionPpb = bound(fractionPpb, 1, 500_000_000);
        uint256 round = rounds.currentRound();
        uint256 offenseRound = bound(offenseSeed, round > 10 ? round - 10 : 0, round);
        (uint256[] memory stakes, uint256[] memory fees) = _pendingAll();
        vm.prank(slasher);
        (uint256 cut,,) = bonding.slash(orch, fractionPpb, offenseRound, address(0), address(0));
        ghostSlashed += cut;
        _recordEarned(stakes, fees);
    }

    // ------------------------------------------------------------------ helpers

    function _bondFrom(address account, uint256 amount, address to) internal {
        token.transfer(account, amount);
        vm.startPrank(account);
        token.approve(address(bonding), amount);
        bonding.bond(amount, to, _noHints());
        vm.stopPrank();
        ghostDeposited += amount;
        ghostPutIn[account] += amount;
    }

    /// Every account's pending stake and fees.
    function _pendingAll() internal view returns (uint256[] memory stakes, uint256[] memory fees) {
        address[] memory all = accounts();
        (stakes, fees) = (new uint256[](all.length), new uint256[](all.length));
        for (uint256 i; i < all.length; ++i) {
            (stakes[i], fees[i]) = (lens.pendingStake(all[i]), lens.pendingFees(all[i]));
        }
    }

    /// Credits each account with the change of its pending stake and fees since `_pendingAll`.
    function _recordEarned(uint256[] memory stakes, uint256[] memory fees) internal {
        address[] memory all = accounts();
        for (uint256 i; i < all.length; ++i) {
            ghostEarned[all[i]] += int256(lens.pendingStake(all[i])) - int256(stakes[i]);
            ghostFeesEarned[all[i]] += int256(lens.pendingFees(all[i])) - int256(fees[i]);
        }
    }

    /// Each member of `orch`'s pool (its delegators, and itself) could at most have earned it all.
    function _raiseCaps(address orch, uint256 minted, uint256 fees) internal {
        address[] memory all = accounts();
        for (uint256 i; i < all.length; ++i) {
            if (all[i] != orch && lens.getDelegator(all[i]).delegate != orch) continue;
            ghostRewardCap[all[i]] += minted;
            ghostFeeCap[all[i]] += fees;
        }
    }

    /// An orchestrator (which only ever delegates to itself) or a delegator.
    function _account(uint256 seed) internal view returns (address, bool) {
        uint256 i = seed % (orchestrators.length + delegators.length);
        if (i < orchestrators.length) return (orchestrators[i], true);
        return (delegators[i - orchestrators.length], false);
    }

    function _isOrchestrator(address account) internal view returns (bool) {
        for (uint256 i; i < orchestrators.length; ++i) {
            if (orchestrators[i] == account) return true;
        }
        return false;
    }

    /// The lock a move out of `from` created for `account`, if any (ids from `nextLock` on).
    function _trackNewLocks(address account, uint256 nextLock, address from) internal {
        uint256 end = lens.nextLockId(account);
        for (uint256 id = nextLock; id < end; ++id) {
            assertEq(
                lens.getUnbondingLock(account, id).orchestrator, from, "a move locks the old pool's stake"
            );
            locks.push(Lock(account, id));
        }
    }

    function _lockOf(Lock memory lock) internal view returns (UnbondingLock memory) {
        return lens.getUnbondingLock(lock.owner, lock.id);
    }

    function _dropLock(uint256 index) internal {
        locks[index] = locks[locks.length - 1];
        locks.pop();
    }

    function _noHints() internal pure returns (IBondingManager.Hints memory) {
        return IBondingManager.Hints(address(0), address(0), address(0), address(0));
    }

    /// Counts the call and records each pool's stake as the previous call left it.
    function _count() internal {
        calls++;
        for (uint256 i; i < orchestrators.length; ++i) {
            uint256 delegated = bonding.delegatedStake(orchestrators[i]);
            if (delegated > ghostMaxDelegated[orchestrators[i]]) {
                ghostMaxDelegated[orchestrators[i]] = delegated;
            }
        }
    }
}
