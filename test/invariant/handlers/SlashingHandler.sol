// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test, Vm} from "forge-std/Test.sol";
import {BondingLens} from "../../../contracts/bonding/BondingLens.sol";
import {BondingManager} from "../../../contracts/bonding/BondingManager.sol";
import {Pool, UnbondingLock} from "../../../contracts/bonding/BondingTypes.sol";
import {IBondingManager} from "../../../contracts/interfaces/IBondingManager.sol";
import {IDisputeManager} from "../../../contracts/interfaces/IDisputeManager.sol";
import {LivepeerToken} from "../../../contracts/token/LivepeerToken.sol";
import {RoundsManager} from "../../../contracts/rounds/RoundsManager.sol";
import {DisputeManager} from "../../../contracts/verification/DisputeManager.sol";

/// The slashed side as an attacker plays it (issue 14): three orchestrators, each with its own
/// second account (`alt`, which bonds, receives transfers and opens disputes against it) and an
/// accomplice challenger (`buddy`), three delegators and a neutral gateway. Bonding operations
/// (bond, unbond, rebond to the own or another pool, withdraw, transferBond inside a pool, claim),
/// moves to other orchestrators, disputes on a small set of job ids (so one job is named by several
/// receipts, and conflict disputes happen), verdicts, security-council vetoes, finalizations,
/// executions and round advances (so veto windows, statutes and rate-limit windows are crossed).
///
/// Ghosts, measured from what moved:
/// - every unbonding lock with the value it must have after the slashes executed while it lived
///   (those whose offense round is at or before the lock's creation round), checked to the wei
///   when the lock is withdrawn or rebonded;
/// - every lock that left its pool (withdrawn, rebonded elsewhere) and when: a slash executed for
///   an offense at or before its creation round, after it left, is an escape;
/// - per offense (orchestrator, job id): the LPT cut (bonded plus locks) and the cap
///   `maxSlashCut * snapshot`; per rate-limit window: the LPT cut;
/// - per orchestrator's group (itself, alt and buddy): LPT that came in from outside the group and
///   went out of it, so its wealth can be compared with where it started; and per execution of a
///   dispute one of the group opened against its own orchestrator, the group's wealth before and
///   after: it must drop strictly, by at least the deposit fee (property 5's strict bound), also
///   when the orchestrator has no own stake in its pool.
contract SlashingHandler is Test {
    uint256 internal constant PPB = 1e9;
    uint256 internal constant JOBS = 3; // job ids per orchestrator: receipts repeat per job

    struct Lock {
        address owner;
        uint256 id;
        address pool;
        uint256 createdRound;
        uint256 value; // what it must be worth after the slashes that cut it
        uint256 slashesCut; // slashes that cut it (a wei of rounding each)
    }

    struct Exit {
        address pool;
        uint256 createdRound;
        uint256 exitRound;
    }

    struct OffenseCut {
        bytes32 offense;
        uint256 cut;
        uint256 cap; // maxSlashCut * snapshot of the disputes executed for it (summed)
        uint256 executions;
        uint256 locksCut; // lock cuts counted (a wei of rounding each, as for the rate limit)
    }

    struct WindowCut {
        uint256 window;
        uint256 cut;
        uint256 locksCut; // lock cuts counted (a wei of rounding each, as documented)
    }

    BondingManager internal immutable bonding;
    BondingLens internal immutable lens;
    LivepeerToken internal immutable token;
    RoundsManager internal immutable rounds;
    DisputeManager internal immutable disputes;
    address internal immutable council;

    address[] public orchestrators;
    uint256[] internal orchKeys;
    address[] public alts;
    address[] public buddies;
    address[] internal bonders; // orchestrators, alts, delegators
    address[] internal verifiers;
    address public gateway = makeAddr("gateway");
    mapping(address account => uint256) public groupOf; // orchestrator index + 1

    Lock[] internal _locks;
    mapping(address owner => uint256) internal _nextLockId;
    Exit[] internal _exits;
    OffenseCut[] internal _offenseCuts;
    WindowCut[] internal _windowCuts;
    uint256[] public disputeIds;

    // ghost counters
    uint256 public ghostEscapes; // locks that left a pool before a slash that should have cut them
    uint256 public ghostUndercuts; // a position in the slashed pool that kept more than 1 - fraction
    uint256 public ghostLockMismatches; // a lock paid out other than its ghost value
    uint256 public ghostHeldRefused; // exits refused with LockHeld
    uint256 public ghostRepeatRefused; // disputes on an already disputed offense refused
    uint256 public ghostRateLimited; // executions that had to wait for the next window
    uint256 public ghostPairNotBehind; // accomplice executions after which the group was not behind by the fee
    uint256 public accompliceSlashes; // executions of disputes a group opened against its own orchestrator
    uint256 public zeroOwnAccompliceSlashes; // of which the orchestrator had no own stake in its pool
    mapping(uint256 group => uint256) public inflow;
    mapping(uint256 group => uint256) public outflow;
    mapping(uint256 group => uint256) public baseline;

    // call summary
    uint256 public opened;
    uint256 public conflicts;
    uint256 public executed;
    uint256 public vetoed;
    uint256 public finalized;
    uint256 public exits;
    uint256 public moves;

    constructor(
        BondingManager bonding_,
        BondingLens lens_,
        LivepeerToken token_,
        RoundsManager rounds_,
        DisputeManager disputes_,
        address council_,
        address[] memory orchestrators_,
        uint256[] memory orchKeys_,
        address[] memory delegators_,
        address[] memory verifiers_
    ) {
        (bonding, lens, token, rounds, disputes, council) =
        (bonding_, lens_, token_, rounds_, disputes_, council_);
        (orchestrators, orchKeys, verifiers) = (orchestrators_, orchKeys_, verifiers_);
        for (uint256 i; i < orchestrators_.length; ++i) {
            address alt = makeAddr(string.concat("alt", vm.toString(i)));
            address buddy = makeAddr(string.concat("buddy", vm.toString(i)));
            alts.push(alt);
            buddies.push(buddy);
            (groupOf[orchestrators_[i]], groupOf[alt], groupOf[buddy]) = (i + 1, i + 1, i + 1);
            bonders.push(orchestrators_[i]);
            bonders.push(alt);
        }
        for (uint256 i; i < delegators_.length; ++i) {
            bonders.push(delegators_[i]);
        }
    }

    /// Funds the challengers and takes each group's starting wealth (call once, after funding it).
    function start() external {
        for (uint256 i; i < orchestrators.length; ++i) {
            _fundChallenger(alts[i]);
            _fundChallenger(buddies[i]);
        }
        _fundChallenger(gateway);
        for (uint256 i; i < orchestrators.length; ++i) {
            baseline[i + 1] = groupWealth(i + 1);
        }
    }

    // ------------------------------------------------------------ views for the suite

    function groupCount() external view returns (uint256) {
        return orchestrators.length;
    }

    /// LPT a group holds: balances, stake, locks (at their ghost value) and deposits at stake.
    function groupWealth(uint256 group) public view returns (uint256 total) {
        address[3] memory members = [orchestrators[group - 1], alts[group - 1], buddies[group - 1]];
        for (uint256 m; m < 3; ++m) {
            total += token.balanceOf(members[m]) + lens.pendingStake(members[m]);
        }
        for (uint256 i; i < _locks.length; ++i) {
            if (groupOf[_locks[i].owner] == group) total += _locks[i].value;
        }
        for (uint256 i; i < disputeIds.length; ++i) {
            IDisputeManager.Dispute memory d = disputes.getDispute(disputeIds[i]);
            if (
                groupOf[d.challenger] == group
                    && (d.status == IDisputeManager.Status.Open || d.status == IDisputeManager.Status.Guilty)
            ) total += d.deposit;
        }
    }

    function offenseCuts() external view returns (OffenseCut[] memory) {
        return _offenseCuts;
    }

    function windowCuts() external view returns (WindowCut[] memory) {
        return _windowCuts;
    }

    function lockCount() external view returns (uint256) {
        return _locks.length;
    }

    // ------------------------------------------------------------ time

    function nextRound() public {
        vm.roll(rounds.currentRoundStartBlock() + rounds.roundLength());
        rounds.initializeRound();
    }

    // ------------------------------------------------------------ bonding

    /// Bonds fresh LPT to a pool: a delegator bonded elsewhere moves (its old stake becomes a lock of
    /// the old pool), an orchestrator may delegate away from itself.
    function bond(uint256 actorSeed, uint256 poolSeed, uint256 amount) external {
        address account = bonders[actorSeed % bonders.length];
        address to = orchestrators[poolSeed % orchestrators.length];
        amount = _bound(amount, 1 ether, 2_000 ether);
        address from = lens.getDelegator(account).delegate;
        if (from != address(0) && from != to && lens.pendingStake(account) != 0) ++moves;
        token.transfer(account, amount);
        if (groupOf[account] != 0) inflow[groupOf[account]] += amount;
        vm.startPrank(account);
        token.approve(address(bonding), amount);
        bonding.bond(amount, to, _noHints());
        vm.stopPrank();
        _syncLocks(account);
    }

    function unbond(uint256 actorSeed, uint256 amount) external {
        address account = bonders[actorSeed % bonders.length];
        uint256 stake = lens.pendingStake(account);
        if (stake == 0 || lens.getDelegator(account).delegate == address(0)) return;
        amount = _bound(amount, 1, stake);
        vm.prank(account);
        bonding.unbond(amount, address(0), address(0));
        _syncLocks(account);
    }

    /// Rebonds a lock to its own pool (any time) or to another (matured, not held by a dispute).
    function rebond(uint256 lockSeed, uint256 poolSeed, bool own) external {
        if (_locks.length == 0) return;
        uint256 index = lockSeed % _locks.length;
        Lock memory l = _locks[index];
        address to = own ? l.pool : orchestrators[poolSeed % orchestrators.length];
        if (to != l.pool) {
            if (rounds.currentRound() < lens.getUnbondingLock(l.owner, l.id).withdrawRound) return;
            if (_held(l)) return _expectHeld(l, to);
        }
        if (l.value == 0) {
            // Slashed to nothing (a dust lock): there is nothing to bond; withdrawing still clears it.
            vm.expectRevert(IBondingManager.ZeroAmount.selector);
            vm.prank(l.owner);
            bonding.rebond(l.id, to, _noHints());
            return;
        }
        uint256 before = lens.pendingStake(l.owner);
        address delegate = lens.getDelegator(l.owner).delegate;
        uint256 moved = delegate != address(0) && delegate != to ? before : 0;
        vm.prank(l.owner);
        bonding.rebond(l.id, to, _noHints());
        // A move takes the old stake out through a lock; the rest of the new stake is the lock's.
        _paid(index, lens.pendingStake(l.owner) + moved - before, to != l.pool);
        _syncLocks(l.owner);
    }

    function withdraw(uint256 lockSeed) external {
        if (_locks.length == 0) return;
        uint256 index = lockSeed % _locks.length;
        Lock memory l = _locks[index];
        if (rounds.currentRound() < lens.getUnbondingLock(l.owner, l.id).withdrawRound) return;
        if (_held(l)) return _expectHeld(l, address(0));
        uint256 before = token.balanceOf(l.owner);
        vm.prank(l.owner);
        bonding.withdrawStake(l.id);
        _paid(index, token.balanceOf(l.owner) - before, true);
    }

    /// Moves stake to another account inside the sender's pool (a fresh account or one already in it).
    function transferBond(uint256 actorSeed, uint256 receiverSeed, uint256 amount) external {
        address sender = bonders[actorSeed % bonders.length];
        address receiver = bonders[receiverSeed % bonders.length];
        address pool = lens.getDelegator(sender).delegate;
        uint256 stake = lens.pendingStake(sender);
        if (pool == address(0) || stake == 0 || receiver == sender) return;
        if (lens.getDelegator(receiver).stake != 0) return;
        address recDelegate = lens.getDelegator(receiver).delegate;
        if (recDelegate == address(0)
                ? (receiver != pool && lens.getPool(receiver).registered)
                : recDelegate != pool) {
            return;
        }
        amount = _bound(amount, 1, stake);
        vm.prank(sender);
        bonding.transferBond(receiver, amount, pool, _noHints());
        (uint256 gs, uint256 gr) = (groupOf[sender], groupOf[receiver]);
        if (gs != gr) {
            if (gs != 0) outflow[gs] += amount;
            if (gr != 0) inflow[gr] += amount;
        }
    }

    function claim(uint256 actorSeed) external {
        address account = bonders[actorSeed % bonders.length];
        if (lens.getDelegator(account).delegate == address(0)) return;
        vm.prank(account);
        bonding.claimEarnings();
    }

    // ------------------------------------------------------------ disputes

    /// A receipt of one of a few jobs, opened by one of the orchestrator's accomplices (its own
    /// second account among them) or the gateway. A job already disputed is refused.
    function openDispute(uint256 orchSeed, uint256 challengerSeed, uint256 jobSeed, uint256 ageSeed)
        external
    {
        uint256 i = orchSeed % orchestrators.length;
        IDisputeManager.Receipt memory r = _receipt(i, jobSeed, ageSeed, jobSeed >> 8);
        bytes memory sig = _sign(i, r);
        if (disputes.disputedReceipts(disputes.receiptDigest(r))) return;
        address challenger = _challenger(i, challengerSeed);
        if (_offenseTaken(r)) {
            vm.prank(challenger);
            vm.expectRevert(
                abi.encodeWithSelector(
                    IDisputeManager.OffenseAlreadyDisputed.selector, r.orchestrator, r.jobId
                )
            );
            disputes.openDispute(r, sig);
            ++ghostRepeatRefused;
            return;
        }
        if (!_liable(r.orchestrator)) return;
        vm.prank(challenger);
        disputeIds.push(disputes.openDispute(r, sig));
        ++opened;
    }

    /// Two receipts for one job with different outputs: guilty at once.
    function openConflict(uint256 orchSeed, uint256 challengerSeed, uint256 jobSeed, uint256 ageSeed)
        external
    {
        uint256 i = orchSeed % orchestrators.length;
        uint256 output = jobSeed >> 8;
        IDisputeManager.Receipt memory a = _receipt(i, jobSeed, ageSeed, output);
        IDisputeManager.Receipt memory b =
            _receipt(i, jobSeed, ageSeed >> 8, output + 1 + (jobSeed >> 16) % 3);
        if (
            disputes.disputedReceipts(disputes.receiptDigest(a))
                || disputes.disputedReceipts(disputes.receiptDigest(b)) || _offenseTaken(a)
                || !_liable(a.orchestrator)
        ) return;
        (bytes memory sa, bytes memory sb) = (_sign(i, a), _sign(i, b));
        vm.prank(_challenger(i, challengerSeed));
        disputeIds.push(disputes.openConflictDispute(a, sa, b, sb));
        ++opened;
        ++conflicts;
    }

    /// A verifier votes on an open dispute (mostly guilty, so slashes run).
    function vote(uint256 idSeed, uint256 verifierSeed, uint256 outcome) external {
        uint256 round = rounds.currentRound();
        address verifier = verifiers[verifierSeed % verifiers.length];
        (bool found, uint256 id, IDisputeManager.Dispute memory d) =
            _find(idSeed, IDisputeManager.Status.Open);
        if (!found || round >= d.deadlineRound || disputes.hasVoted(id, verifier)) return;
        outcome %= 6;
        bytes32 referenceHash =
            outcome == 0 ? bytes32(0) : outcome == 1 ? d.claimedOutputHash : keccak256("honest");
        vm.prank(verifier);
        disputes.submitVerdict(id, referenceHash, 1);
    }

    function finalize(uint256 idSeed) external {
        (bool found, uint256 id, IDisputeManager.Dispute memory d) =
            _find(idSeed, IDisputeManager.Status.Open);
        if (!found || rounds.currentRound() < d.deadlineRound) return;
        disputes.finalize(id);
        ++finalized;
    }

    /// The security council vetoes a guilty verdict inside its window (one call in three).
    function veto(uint256 idSeed) external {
        if (idSeed % 3 != 0) return;
        (bool found, uint256 id, IDisputeManager.Dispute memory d) =
            _find(idSeed, IDisputeManager.Status.Guilty);
        if (!found || rounds.currentRound() >= d.vetoEndRound) return;
        vm.prank(council);
        disputes.veto(id);
        ++vetoed;
    }

    /// Executes a guilty verdict past its veto window, checking the cut against the ghosts.
    function executeSlash(uint256 idSeed) external {
        uint256 round = rounds.currentRound();
        uint256 n = disputeIds.length;
        for (uint256 k; k < n; ++k) {
            uint256 id = disputeIds[(idSeed % n + k) % n];
            IDisputeManager.Dispute memory d = disputes.getDispute(id);
            if (d.status != IDisputeManager.Status.Guilty || round < d.vetoEndRound) continue;
            if (_rateLimited(d)) {
                uint256 window = round / disputes.rateLimitWindow();
                vm.expectRevert(
                    abi.encodeWithSelector(
                        IDisputeManager.SlashRateLimited.selector, (window + 1) * disputes.rateLimitWindow()
                    )
                );
                disputes.executeSlash(id, address(0), address(0));
                ++ghostRateLimited;
                continue;
            }
            _execute(id, d, round);
            return;
        }
    }

    // ------------------------------------------------------------ internals

    /// Executes, and checks property 5 strictly when the challenger is one of the orchestrator's
    /// accomplices: the group loses at least the deposit fee (> 0).
    function _execute(uint256 id, IDisputeManager.Dispute memory d, uint256 round) internal {
        uint256 group = groupOf[d.challenger];
        bool accomplice = group != 0 && orchestrators[group - 1] == d.orchestrator;
        if (!accomplice) return _executeAndBook(id, d, round);
        ++accompliceSlashes;
        address pool = d.orchestrator;
        if (lens.getDelegator(pool).delegate != pool || lens.pendingStake(pool) == 0) {
            ++zeroOwnAccompliceSlashes;
        }
        uint256 wealthBefore = groupWealth(group);
        uint256 fee = _depositFee(d.deposit);
        _executeAndBook(id, d, round);
        if (groupWealth(group) + fee > wealthBefore) ++ghostPairNotBehind;
    }

    /// Executes, checking the cut against the ghosts and booking it.
    function _executeAndBook(uint256 id, IDisputeManager.Dispute memory d, uint256 round) internal {
        address pool = d.orchestrator;
        uint256[] memory before = new uint256[](bonders.length);
        for (uint256 i; i < bonders.length; ++i) {
            if (lens.getDelegator(bonders[i]).delegate == pool) before[i] = lens.pendingStake(bonders[i]);
        }
        uint256 delegated = bonding.delegatedStake(pool);
        vm.recordLogs();
        disputes.executeSlash(id, address(0), address(0));
        uint256 fraction = _slashedFraction();
        ++executed;
        uint256 cut = delegated - bonding.delegatedStake(pool);
        uint256 locksCut;
        if (fraction != 0) {
            // Bonded positions: each keeps at most (1 - fraction) of what it had (plus a wei).
            for (uint256 i; i < bonders.length; ++i) {
                if (before[i] == 0) continue;
                if (lens.pendingStake(bonders[i]) > before[i] * (PPB - fraction) / PPB + 1) ++ghostUndercuts;
            }
            // Locks of the pool from the offense round on are cut lazily: their ghost value now.
            for (uint256 i; i < _locks.length; ++i) {
                Lock storage l = _locks[i];
                if (l.pool != pool || l.createdRound < d.offenseRound) continue;
                uint256 value = l.value * (PPB - fraction) / PPB;
                cut += l.value - value;
                (l.value, l.slashesCut) = (value, l.slashesCut + 1);
                ++locksCut;
            }
        }
        // No escape: nothing liable to this offense left the pool before the slash.
        for (uint256 i; i < _exits.length; ++i) {
            if (_exits[i].pool == pool && _exits[i].createdRound >= d.offenseRound) ++ghostEscapes;
        }
        _bookOffense(
            disputes.offenseOf(id), cut, uint256(d.snapshotStake) * disputes.maxSlashCutPpb() / PPB, locksCut
        );
        _bookWindow(round / disputes.rateLimitWindow(), cut, locksCut);
    }

    /// The guilty deposit burn, rounded up, as documented.
    function _depositFee(uint256 deposit) internal view returns (uint256) {
        return (deposit * disputes.guiltyDepositBurnPpb() + PPB - 1) / PPB;
    }

    function _slashedFraction() internal returns (uint256 fraction) {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(bonding) && logs[i].topics[0] == IBondingManager.Slashed.selector)
            {
                (fraction,,) = abi.decode(logs[i].data, (uint256, uint256, uint256));
            }
        }
    }

    function _bookOffense(bytes32 offense, uint256 cut, uint256 cap, uint256 locksCut) internal {
        for (uint256 i; i < _offenseCuts.length; ++i) {
            if (_offenseCuts[i].offense == offense) {
                _offenseCuts[i].cut += cut;
                _offenseCuts[i].cap += cap;
                _offenseCuts[i].locksCut += locksCut;
                ++_offenseCuts[i].executions;
                return;
            }
        }
        _offenseCuts.push(OffenseCut(offense, cut, cap, 1, locksCut));
    }

    function _bookWindow(uint256 window, uint256 cut, uint256 locksCut) internal {
        for (uint256 i; i < _windowCuts.length; ++i) {
            if (_windowCuts[i].window == window) {
                _windowCuts[i].cut += cut;
                _windowCuts[i].locksCut += locksCut;
                return;
            }
        }
        _windowCuts.push(WindowCut(window, cut, locksCut));
    }

    /// A lock was consumed, paying `received`: it must be its ghost value to the wei.
    function _paid(uint256 index, uint256 received, bool leftPool) internal {
        Lock memory l = _locks[index];
        if (received != l.value) ++ghostLockMismatches;
        if (leftPool) {
            _exits.push(Exit(l.pool, l.createdRound, rounds.currentRound()));
            ++exits;
        }
        _locks[index] = _locks[_locks.length - 1];
        _locks.pop();
    }

    /// Registers the locks `account` got since the last look (unbond, a move).
    function _syncLocks(address account) internal {
        uint256 next = lens.nextLockId(account);
        for (uint256 id = _nextLockId[account]; id < next; ++id) {
            UnbondingLock memory lock = lens.getUnbondingLock(account, id);
            if (lock.amount != 0) {
                _locks.push(Lock(account, id, lock.orchestrator, lock.createdRound, lock.amount, 0));
            }
        }
        _nextLockId[account] = next;
    }

    function _held(Lock memory l) internal view returns (bool) {
        Pool memory pool = lens.getPool(l.pool);
        return pool.pendingDisputes != 0 && l.createdRound >= pool.disputedFrom;
    }

    /// A held lock may not leave its pool: the attempt reverts with LockHeld and moves nothing.
    function _expectHeld(Lock memory l, address to) internal {
        bytes memory err = abi.encodeWithSelector(
            IBondingManager.LockHeld.selector, l.pool, l.id, lens.getPool(l.pool).disputedFrom
        );
        vm.expectRevert(err);
        vm.prank(l.owner);
        if (to == address(0)) bonding.withdrawStake(l.id);
        else bonding.rebond(l.id, to, _noHints());
        ++ghostHeldRefused;
    }

    function _find(uint256 seed, IDisputeManager.Status status)
        internal
        view
        returns (bool found, uint256 id, IDisputeManager.Dispute memory d)
    {
        uint256 n = disputeIds.length;
        for (uint256 k; k < n; ++k) {
            id = disputeIds[(seed % n + k) % n];
            d = disputes.getDispute(id);
            if (d.status == status) return (true, id, d);
        }
    }

    function _receipt(uint256 i, uint256 jobSeed, uint256 ageSeed, uint256 outputSeed)
        internal
        view
        returns (IDisputeManager.Receipt memory)
    {
        uint256 round = rounds.currentRound();
        uint256 age = ageSeed % (disputes.statuteOfLimitations() + 1);
        return IDisputeManager.Receipt({
            orchestrator: orchestrators[i],
            jobId: keccak256(abi.encode("job", jobSeed % JOBS)),
            modelId: keccak256("model"),
            inputHash: keccak256("input"),
            paramsHash: keccak256("params"),
            outputHash: keccak256(abi.encode("claimed", outputSeed % 4)),
            commitmentRoot: keccak256("root"),
            round: round - age
        });
    }

    function _sign(uint256 i, IDisputeManager.Receipt memory r) internal view returns (bytes memory) {
        (uint8 v, bytes32 rr, bytes32 s) = vm.sign(orchKeys[i], disputes.receiptDigest(r));
        return abi.encodePacked(rr, s, v);
    }

    function _challenger(uint256 i, uint256 seed) internal view returns (address) {
        seed %= 3;
        return seed == 0 ? alts[i] : seed == 1 ? buddies[i] : gateway;
    }

    function _offenseTaken(IDisputeManager.Receipt memory r) internal view returns (bool) {
        return disputes.offenseState(keccak256(abi.encode(r.orchestrator, r.jobId))) != 0;
    }

    function _liable(address orchestrator) internal view returns (bool) {
        return bonding.delegatedStake(orchestrator) + bonding.unbondingStake(orchestrator) != 0;
    }

    /// Whether executing `d` now must wait for the next window: its full cut does not fit what is
    /// left of a window already used.
    function _rateLimited(IDisputeManager.Dispute memory d) internal view returns (bool) {
        uint256 liable = bonding.delegatedStake(d.orchestrator) + bonding.unbondingStake(d.orchestrator);
        uint256 snapshot = d.snapshotStake;
        uint256 cut = (snapshot < liable ? snapshot : liable) * disputes.maxSlashCutPpb() / PPB;
        uint256 left = disputes.slashCapacityLeft();
        return cut > left && left < disputes.rateLimitAmount();
    }

    function _fundChallenger(address challenger) internal {
        token.transfer(challenger, 5_000 ether);
        vm.prank(challenger);
        token.approve(address(disputes), type(uint256).max);
    }

    function _noHints() internal pure returns (IBondingManager.Hints memory) {
        return IBondingManager.Hints(address(0), address(0), address(0), address(0));
    }
}
