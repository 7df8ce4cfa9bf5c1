// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {Ppb, Units} from "../libraries/Units.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IBondingManager} from "../interfaces/IBondingManager.sol";
import {IDisputeManager} from "../interfaces/IDisputeManager.sol";
import {ILivepeerToken} from "../interfaces/ILivepeerToken.sol";
import {IReputation} from "../interfaces/IReputation.sol";
import {IRoundsManager} from "../interfaces/IRoundsManager.sol";
import {SlashMath} from "../libraries/SlashMath.sol";
import {ReceiptHashing} from "./ReceiptHashing.sol";

/// @title DisputeManager
/// @notice Disputes over AI inference results, after The Graph's DisputeManager (challenger
/// deposit, reward cap, burn), EigenLayer's veto window and pro-rata slashing of queued
/// withdrawals, and Gensyn's refereed re-execution. The rules are in docs/slashing.md (issue 14).
///
/// Life of a dispute:
/// 1. A challenger (gateway, fisherman) opens it on an ECDSA receipt the orchestrator (or a receipt
///    signer it authorized, whose revocation spares earlier rounds) signed (EIP-712), within
///    `statuteOfLimitations` rounds of the receipt's round, locking `deposit` LPT. Every receipt for
///    one (orchestrator, job id) is one offense: at most one dispute on it is pending or executed
///    (`OffenseAlreadyDisputed`). The snapshot is everything liable: the pool's delegated stake plus
///    its unbonding locks, so an emptied pool is disputable too. Two receipts for one job id with
///    different outputs are a conflict dispute: guilty at once, no verdicts needed.
/// 2. Verifiers (a governance-managed set) re-run the job and vote, directly or through a keeper
///    that submits their EIP-712-signed verdicts in one batch. `quorum` votes for one outcome
///    decide it: guilty, innocent or draw; no quorum within `verdictPeriod` rounds is a draw that
///    anyone may finalize. Innocent and draw burn the deposit: holding a pool costs the opener.
/// 3. A guilty verdict waits `vetoWindow` rounds, in which an ARBITRATOR may veto it (the deposit
///    is returned). After the hand-over both the timelock and a security council hold ARBITRATOR:
///    governance's own path (voting delay, period, timelock) is slower than the window, the
///    council is not; governance revokes or replaces it through the AccessManager. Then anyone
///    executes it: the pool is slashed pro rata through the BondingManager, the challenger gets its
///    deposit back plus its reward, the rest is burned, and the orchestrator's reputation is cut.
///
/// Proof disputes: the ProofGame (PROOF_GAME) opens a dispute with `openForProof` and decides it
/// with `settleByProof` instead of verdicts (docs/proof-game.md); guilty then follows step 3.
///
/// Liability window: stake leaves a pool only through an unbonding lock of that pool (unbond, a
/// move to another orchestrator, a rebond elsewhere); `transferBond` stays inside the pool. A slash
/// cuts the bonded stake now and, lazily at withdraw or rebond, every lock created from the offense
/// round on. Holds: opening a dispute holds the pool's locks from its offense round on (they may
/// not be withdrawn or leave the pool, `LockHeld`) until the dispute can no longer slash
/// (innocent, draw, veto, execution). `statuteOfLimitations < unbondingPeriod` (`StatuteTooLong`):
/// every dispute that can cut a lock is opened before the lock matures.
///
/// Caps: at most `maxSlashCutPpb` of the snapshot per offense; per `rateLimitWindow` rounds at most
/// `rateLimitAmount` LPT, counting the bonded cut plus an upper bound of the locks' cut. A slash the
/// window cannot take whole waits for the next window (`SlashRateLimited`, nothing moves, its locks
/// stay held); only a slash larger than a whole window is cut down to it.
///
/// Challenger pay: `challengerRewardCutPpb` (at most 50%) of the orchestrator's own cut (its own
/// stake and unclaimed commission), never of its delegators'. A guilty execution returns the
/// deposit less a fee, `guiltyDepositBurnPpb` of it rounded up (0 < share <= 1, deposit > 0, so
/// the fee is at least one wei), burned; innocent and draw burn the whole deposit. Bound, for
/// every pool composition and every parameter within these bounds: an orchestrator plus an
/// accomplice challenger lose
///     ownLoss - reward + fee >= ownLoss / 2 + fee > 0
/// (ownLoss: its own cut, bonded and in locks; reward <= ownLoss / 2), so they end strictly
/// behind even with zero own stake and zero commission.
contract DisputeManager is IDisputeManager, EIP712, AccessManaged {
    using SafeCast for uint256;
    using SafeERC20 for IERC20;

    /// @notice The challenger's reward may be at most half of the slashed LPT.
    uint256 public constant MAX_CHALLENGER_REWARD_CUT = 500_000_000;
    /// @dev Namespaces the transient marks of `attestSpotChecks` (keccak256("DisputeManager.attest")).
    uint256 private constant _ATTEST_MARKS =
        0xf38ab8d5482b4f2cc8a707699b4e2d11a832c735a57f3bd3770a39a2b6609329;

    IERC20 public immutable token;
    IBondingManager public immutable bonding;
    IRoundsManager public immutable rounds;
    IReputation public immutable reputation;

    // slot: the parameters of opening and deciding
    uint128 public deposit;
    uint32 public statuteOfLimitations;
    uint32 public verdictPeriod;
    uint32 public vetoWindow;
    uint8 public quorum;
    uint8 public verifierCount;
    // slot: the parameters of executing
    uint32 public maxSlashCutPpb;
    uint32 public challengerRewardCutPpb;
    uint32 public rateLimitWindow;
    uint128 public rateLimitAmount;
    uint32 public guiltyDepositBurnPpb;
    // slot: what the current rate-limit window has slashed
    uint32 internal _rateWindowIndex;
    uint128 internal _slashedInWindow;

    /// @notice The number of disputes ever opened; ids run from 1.
    uint256 public disputeCount;
    mapping(uint256 disputeId => Dispute) internal _disputes;
    /// @notice Receipts (by EIP-712 digest) that were disputed.
    mapping(bytes32 receiptDigest => bool) public disputedReceipts;
    /// @notice Which verifiers voted on which disputes.
    mapping(uint256 disputeId => mapping(address verifier => bool)) public hasVoted;
    mapping(address account => bool) internal _verifiers;
    /// @notice Receipt signers an orchestrator authorized, with the round their authority ends
    /// (exclusive; max: not revoked, 0: never authorized).
    mapping(address orchestrator => mapping(address signer => uint256 validUntilRound)) public receiptSigners;
    /// @notice Per offense (keccak256 of orchestrator and job id): 0 none, 1 a dispute pending,
    /// 2 slashed. One job is one offense, however many receipts name it.
    mapping(bytes32 offense => uint8) public offenseState;
    /// @notice The offense (see `offenseState`) each dispute is about.
    mapping(uint256 disputeId => bytes32) public offenseOf;
    /// @notice The round after the last one in which a verifier attested (one call per round).
    mapping(address verifier => uint256) internal _attestedUntil;

    /// @param authority The protocol's AccessManager.
    /// @param token_ LPT: deposits, rewards and burns.
    /// @param bonding_ The BondingManager, which lets this contract slash (SLASHER).
    /// @param rounds_ Protocol time.
    /// @param reputation_ Reputation scores, which this contract writes (REPUTATION_WRITER).
    /// @param params The governance parameters (see the setters).
    constructor(
        address authority,
        ILivepeerToken token_,
        IBondingManager bonding_,
        IRoundsManager rounds_,
        IReputation reputation_,
        Params memory params
    ) EIP712("DisputeManager", "1") AccessManaged(authority) {
        token = IERC20(address(token_));
        bonding = bonding_;
        rounds = rounds_;
        reputation = reputation_;
        _setDeposit(params.deposit);
        _setStatuteOfLimitations(params.statuteOfLimitations);
        _setVerdictPeriod(params.verdictPeriod);
        _setVetoWindow(params.vetoWindow);
        _setQuorum(params.quorum);
        _setMaxSlashCut(params.maxSlashCutPpb);
        _setChallengerRewardCut(params.challengerRewardCutPpb);
        _setSlashRateLimit(params.rateLimitWindow, params.rateLimitAmount);
        _setGuiltyDepositBurn(params.guiltyDepositBurnPpb);
    }

    // ---------------------------------------------------------------- receipt signers

    /// @inheritdoc IDisputeManager
    function authorizeReceiptSigner(address signer) external {
        if (signer == address(0)) revert ZeroAddress();
        receiptSigners[msg.sender][signer] = type(uint256).max;
        emit ReceiptSignerSet(msg.sender, signer, type(uint256).max);
    }

    /// @inheritdoc IDisputeManager
    /// @dev Receipts of the current round and before, signed by `signer`, stay valid.
    function revokeReceiptSigner(address signer) external {
        uint256 until = _currentRound() + 1;
        receiptSigners[msg.sender][signer] = until;
        emit ReceiptSignerSet(msg.sender, signer, until);
    }

    // ---------------------------------------------------------------- opening

    /// @inheritdoc IDisputeManager
    function openDispute(Receipt calldata receipt, bytes calldata signature)
        external
        returns (uint256 disputeId)
    {
        disputeId = _openReceipt(receipt, signature, msg.sender);
    }

    /// @inheritdoc IDisputeManager
    /// @dev Restricted to PROOF_GAME: the one narrow entry of the proof path, which then slashes
    /// through the same guilty status, veto window and `executeSlash` as a verdict.
    function openForProof(Receipt calldata receipt, bytes calldata signature, address challenger)
        external
        restricted
        returns (uint256 disputeId)
    {
        disputeId = _openReceipt(receipt, signature, challenger);
        _disputes[disputeId].byProof = true;
    }

    /// @inheritdoc IDisputeManager
    /// @dev A proven fault still waits out the veto window: no committee can collude here, but the
    /// judge (the on-chain op library) or the model opening could be wrong, and the veto is the
    /// circuit breaker for that; it costs `vetoWindow` rounds while the stake stays held.
    function settleByProof(uint256 disputeId, bool guilty) external restricted {
        Dispute storage d = _dispute(disputeId);
        if (!d.byProof) revert NotAProofDispute(disputeId);
        if (d.status != Status.Open) revert WrongStatus(disputeId, d.status);
        _decide(disputeId, d, guilty ? Status.Guilty : Status.Innocent, _currentRound());
    }

    /// @inheritdoc IDisputeManager
    /// @dev The offense round is the later receipt's: only then was the conflict complete, so only
    /// locks created from that round on are cut. Both receipts count as disputed.
    function openConflictDispute(
        Receipt calldata a,
        bytes calldata signatureA,
        Receipt calldata b,
        bytes calldata signatureB
    ) external returns (uint256 disputeId) {
        if (a.orchestrator != b.orchestrator || a.jobId != b.jobId || a.outputHash == b.outputHash) {
            revert NotAConflict();
        }
        uint256 round = _currentRound();
        bytes32 digestA = _checkReceipt(a, signatureA, round);
        bytes32 digestB = _checkReceipt(b, signatureB, round);
        _markDisputed(digestA);
        uint256 offense = a.round > b.round ? a.round : b.round;
        disputeId = _open(a.orchestrator, a.jobId, offense, a.outputHash, digestB, true, msg.sender, round);
    }

    // ---------------------------------------------------------------- verdicts

    /// @inheritdoc IDisputeManager
    function submitVerdict(uint256 disputeId, bytes32 referenceOutputHash, uint256 firstDivergingLayer)
        external
    {
        _vote(disputeId, msg.sender, referenceOutputHash, firstDivergingLayer, _currentRound());
    }

    /// @inheritdoc IDisputeManager
    /// @dev Verdicts after the one that decides the dispute are ignored (a keeper's batch may
    /// carry more signatures than the quorum needs); any bad verdict before it reverts the batch.
    function submitVerdicts(uint256 disputeId, Verdict[] calldata verdicts, bytes[] calldata signatures)
        external
    {
        if (verdicts.length != signatures.length) revert LengthMismatch(verdicts.length, signatures.length);
        uint256 round = _currentRound();
        for (uint256 i; i < verdicts.length; ++i) {
            if (i != 0 && _disputes[disputeId].status != Status.Open) break;
            Verdict calldata v = verdicts[i];
            address verifier =
                ECDSA.recoverCalldata(_hashTypedDataV4(ReceiptHashing.hash(disputeId, v)), signatures[i]);
            _vote(disputeId, verifier, v.referenceOutputHash, v.firstDivergingLayer, round);
        }
    }

    /// @inheritdoc IDisputeManager
    function finalize(uint256 disputeId) external {
        Dispute storage d = _dispute(disputeId);
        if (d.status != Status.Open) revert WrongStatus(disputeId, d.status);
        if (d.byProof) revert DecidedByProof(disputeId);
        uint256 round = _currentRound();
        if (round < d.deadlineRound) revert VerdictPeriodNotOver(disputeId, d.deadlineRound);
        _decide(disputeId, d, Status.Draw, round);
    }

    // ---------------------------------------------------------------- veto and execution

    /// @inheritdoc IDisputeManager
    /// @dev Restricted to ARBITRATOR (governance). The challenger gets its deposit back: the
    /// verifiers, not the challenger, were overruled.
    function veto(uint256 disputeId) external restricted {
        Dispute storage d = _dispute(disputeId);
        if (d.status != Status.Guilty) revert WrongStatus(disputeId, d.status);
        if (_currentRound() >= d.vetoEndRound) revert VetoWindowClosed(disputeId, d.vetoEndRound);
        d.status = Status.Vetoed;
        emit DisputeVetoed(disputeId);
        _settleOffense(disputeId, d.orchestrator, 0);
        token.safeTransfer(d.challenger, d.deposit);
    }

    /// @inheritdoc IDisputeManager
    /// @dev The fraction slashed is `maxSlashCutPpb` unless the snapshot cap or the rate limit
    /// binds (SlashMath.fractionDown); a window whose capacity is spent makes the execution wait
    /// for the next window rather than slash nothing. `prevHint`/`nextHint`: the orchestrator's
    /// new neighbours in the active set after the cut.
    function executeSlash(uint256 disputeId, address prevHint, address nextHint) external {
        Dispute storage d = _dispute(disputeId);
        if (d.status != Status.Guilty) revert WrongStatus(disputeId, d.status);
        uint256 round = _currentRound();
        if (round < d.vetoEndRound) revert VetoWindowOpen(disputeId, d.vetoEndRound);
        d.status = Status.Executed;
        address orchestrator = d.orchestrator;
        (uint256 fractionPpb, uint256 slashed, uint256 own) =
            _slash(d, orchestrator, round, prevHint, nextHint);
        // Paid out of the orchestrator's own cut only, and the deposit pays a fee: slashing never
        // pays the slashed side, not even an orchestrator with no own cut (see the bound above).
        (uint256 reward, uint256 burned) = SlashMath.split(slashed, own, challengerRewardCutPpb);
        uint256 fee = SlashMath.depositFee(d.deposit, Ppb.wrap(guiltyDepositBurnPpb));
        emit SlashExecuted(disputeId, orchestrator, fractionPpb, slashed, reward, burned);
        emit DepositFeeBurned(disputeId, fee);
        _settleOffense(disputeId, orchestrator, 2);

        reputation.penalize(orchestrator);
        token.safeTransfer(d.challenger, d.deposit - fee + reward);
        ILivepeerToken(address(token)).burn(burned + fee);
    }

    // ---------------------------------------------------------------- reputation

    /// @inheritdoc IDisputeManager
    /// @dev One stored slot per verifier (the round stamp, warm after its first round) and a
    /// transient mark per (verifier, orchestrator) for the duplicates inside the call: exact, and
    /// no fresh slot per orchestrator.
    function attestSpotChecks(address[] calldata orchestrators) external {
        if (!_verifiers[msg.sender]) revert NotVerifier(msg.sender);
        uint256 round = _currentRound();
        // One voice adds at most one pass per orchestrator per round: one call per round ...
        if (_attestedUntil[msg.sender] > round) revert AttestedThisRound(msg.sender, round);
        _attestedUntil[msg.sender] = round + 1;
        for (uint256 i; i < orchestrators.length; ++i) {
            address orchestrator = orchestrators[i];
            // ... naming each orchestrator once (a repeat in the call reverts).
            bool repeated;
            assembly ("memory-safe") {
                mstore(0x00, caller())
                mstore(0x20, orchestrator)
                let mark := xor(keccak256(0x00, 0x40), _ATTEST_MARKS)
                repeated := tload(mark)
                tstore(mark, 1)
            }
            if (repeated) revert AlreadyAttested(msg.sender, orchestrator, round);
            reputation.recordPasses(orchestrator, 1);
        }
        emit SpotChecksAttested(msg.sender, orchestrators);
    }

    // ---------------------------------------------------------------- governance

    /// @notice Adds (`approved`) or removes a verifier. Votes already cast still count. Governance.
    function setVerifier(address verifier, bool approved) external restricted {
        if (verifier == address(0)) revert ZeroAddress();
        if (_verifiers[verifier] == approved) revert VerifierUnchanged(verifier, approved);
        _verifiers[verifier] = approved;
        verifierCount = approved ? verifierCount + 1 : verifierCount - 1;
        emit VerifierSet(verifier, approved);
    }

    /// @notice Sets the votes for one outcome that decide a dispute (1 to 255; keep it above half
    /// the verifier set so no minority decides). Governance.
    function setQuorum(uint256 quorum_) external restricted {
        _setQuorum(quorum_);
    }

    /// @notice Sets the challenger's deposit (LPT wei, above zero: `ZeroDeposit`) for disputes
    /// opened from now on. Governance.
    function setDeposit(uint256 amount) external restricted {
        _setDeposit(amount);
    }

    /// @notice Sets the rounds after a receipt's round in which it may be disputed. Governance.
    function setStatuteOfLimitations(uint256 rounds_) external restricted {
        _setStatuteOfLimitations(rounds_);
    }

    /// @notice Sets the rounds verifiers have to vote on disputes opened from now on. Governance.
    function setVerdictPeriod(uint256 rounds_) external restricted {
        _setVerdictPeriod(rounds_);
    }

    /// @notice Sets the veto window (rounds) of verdicts decided from now on. Governance.
    function setVetoWindow(uint256 rounds_) external restricted {
        _setVetoWindow(rounds_);
    }

    /// @notice Sets the largest share of the snapshot a slash takes (ppb, below one whole).
    /// Governance.
    function setMaxSlashCut(uint256 ppb) external restricted {
        _setMaxSlashCut(ppb);
    }

    /// @notice Sets the challenger's share of the slashed LPT (ppb, at most 50%). Governance.
    function setChallengerRewardCut(uint256 ppb) external restricted {
        _setChallengerRewardCut(ppb);
    }

    /// @notice Sets the share of a guilty dispute's deposit burned at its execution (ppb, above zero
    /// and at most one whole: `InvalidGuiltyDepositBurn`). It keeps an orchestrator and an
    /// accomplice challenger strictly behind after a slash whatever the orchestrator's own cut.
    /// Applies to executions from now on. Governance.
    function setGuiltyDepositBurn(uint256 ppb) external restricted {
        _setGuiltyDepositBurn(ppb);
    }

    /// @notice Sets the slashing rate limit: at most `maxAmount` LPT slashed per window of
    /// `windowRounds` rounds (fixed windows: round / windowRounds). Governance.
    function setSlashRateLimit(uint256 windowRounds, uint256 maxAmount) external restricted {
        _setSlashRateLimit(windowRounds, maxAmount);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IDisputeManager
    function getDispute(uint256 disputeId) external view returns (Dispute memory) {
        return _disputes[disputeId];
    }

    /// @inheritdoc IDisputeManager
    function receiptDigest(Receipt calldata receipt) external view returns (bytes32) {
        return _hashTypedDataV4(ReceiptHashing.hash(receipt));
    }

    /// @notice The EIP-712 struct hash of a receipt (before the domain is applied).
    function receiptHash(Receipt calldata receipt) external pure returns (bytes32) {
        return ReceiptHashing.hash(receipt);
    }

    /// @inheritdoc IDisputeManager
    function verdictDigest(uint256 disputeId, Verdict calldata verdict) external view returns (bytes32) {
        return _hashTypedDataV4(ReceiptHashing.hash(disputeId, verdict));
    }

    /// @inheritdoc IDisputeManager
    function isVerifier(address account) external view returns (bool) {
        return _verifiers[account];
    }

    /// @notice LPT the rate limit still allows in the current window.
    function slashCapacityLeft() external view returns (uint256) {
        (, uint256 used) = _rateWindow(_currentRound());
        return rateLimitAmount > used ? rateLimitAmount - used : 0;
    }

    // ---------------------------------------------------------------- internals

    /// @dev Opens a dispute on one signed receipt for `challenger` (a verdict dispute, or the proof
    /// game's): the receipt checks, then `_open`.
    function _openReceipt(Receipt calldata receipt, bytes calldata signature, address challenger)
        internal
        returns (uint256 disputeId)
    {
        uint256 round = _currentRound();
        bytes32 digest = _checkReceipt(receipt, signature, round);
        disputeId = _open(
            receipt.orchestrator,
            receipt.jobId,
            receipt.round,
            receipt.outputHash,
            digest,
            false,
            challenger,
            round
        );
        emit DisputedReceipt(disputeId, receipt);
    }

    /// @dev Checks a receipt's window and signature; returns its EIP-712 digest.
    function _checkReceipt(Receipt calldata r, bytes calldata signature, uint256 round)
        internal
        view
        returns (bytes32 digest)
    {
        if (r.round > round || round - r.round > statuteOfLimitations) {
            revert ReceiptOutsideWindow(r.round, round);
        }
        digest = _hashTypedDataV4(ReceiptHashing.hash(r));
        // Only ECDSA: what a key signed stays signed. A contract orchestrator (a multisig, a smart
        // account) authorizes receipt signers, whose revocation spares the rounds before it; an
        // ERC-1271 check could be changed afterwards to un-sign past receipts.
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(digest, signature);
        if (err == ECDSA.RecoverError.NoError) {
            if (signer == r.orchestrator || r.round < receiptSigners[r.orchestrator][signer]) return digest;
        }
        revert InvalidReceiptSignature(r.orchestrator);
    }

    /// @dev Cuts the pool within the rate limit and books the cut against the current window.
    function _slash(
        Dispute storage d,
        address orchestrator,
        uint256 round,
        address prevHint,
        address nextHint
    ) internal returns (uint256 fractionPpb, uint256 slashed, uint256 own) {
        uint256 used;
        (fractionPpb, used) = _fraction(d, orchestrator, round);
        uint256 unbondingCut;
        if (fractionPpb != 0) {
            // The BondingManager cuts locks created after the round it is given: the round before
            // the offense, so stake unbonded during the offense round itself is cut too.
            uint256 offense = d.offenseRound;
            (slashed, own, unbondingCut) =
                bonding.slash(orchestrator, fractionPpb, offense == 0 ? 0 : offense - 1, prevHint, nextHint);
        }
        // The cap counts the locks' cut too (bounded from above), though it is burned later.
        _rateWindowIndex = uint32(round / rateLimitWindow);
        _slashedInWindow = (used + slashed + unbondingCut).toUint128();
    }

    /// @dev The fraction to cut and what the window has slashed so far. A slash the window cannot
    /// take whole waits for a fresh window (the stake stays liable: its locks are held); only one
    /// larger than a whole window is cut down to it.
    function _fraction(Dispute storage d, address orchestrator, uint256 round)
        internal
        view
        returns (uint256 fractionPpb, uint256 used)
    {
        // Everything still liable: the pool and its unbonding locks (moved stake included).
        uint256 liable = bonding.delegatedStake(orchestrator) + bonding.unbondingStake(orchestrator);
        uint256 window;
        (window, used) = _rateWindow(round);
        uint256 limit = rateLimitAmount;
        uint256 left = limit > used ? limit - used : 0;
        uint256 snapshot = d.snapshotStake;
        if (SlashMath.cutAt(snapshot, liable, maxSlashCutPpb) > left && left < limit) {
            revert SlashRateLimited((window + 1) * rateLimitWindow);
        }
        fractionPpb = SlashMath.fractionDown(snapshot, liable, maxSlashCutPpb, left);
    }

    /// @dev The current rate-limit window and what it has slashed so far.
    function _rateWindow(uint256 round) internal view returns (uint256 window, uint256 used) {
        window = round / rateLimitWindow;
        used = window == _rateWindowIndex ? _slashedInWindow : 0;
    }

    function _markDisputed(bytes32 digest) internal {
        if (disputedReceipts[digest]) revert ReceiptAlreadyDisputed(digest);
        disputedReceipts[digest] = true;
    }

    function _open(
        address orchestrator,
        bytes32 jobId,
        uint256 offenseRound,
        bytes32 claimedOutputHash,
        bytes32 digest,
        bool conflict,
        address challenger,
        uint256 round
    ) internal returns (uint256 disputeId) {
        _markDisputed(digest);
        bytes32 offense = keccak256(abi.encode(orchestrator, jobId));
        if (offenseState[offense] != 0) revert OffenseAlreadyDisputed(orchestrator, jobId);
        offenseState[offense] = 1;
        // Everything liable now, the locks of stake that left included (even an empty pool's).
        uint256 snapshot = bonding.delegatedStake(orchestrator) + bonding.unbondingStake(orchestrator);
        uint256 amount = deposit;
        disputeId = ++disputeCount;
        offenseOf[disputeId] = offense;
        Dispute storage d = _disputes[disputeId];
        d.orchestrator = orchestrator;
        d.offenseRound = offenseRound.toUint32();
        d.deadlineRound = (round + verdictPeriod).toUint32();
        // The pool's locks from the offense round on stay in it while the dispute can still slash.
        bonding.holdLocks(orchestrator, offenseRound);
        d.challenger = challenger;
        d.status = Status.Open;
        d.snapshotStake = snapshot.toUint128();
        d.deposit = uint128(amount);
        d.claimedOutputHash = claimedOutputHash;
        emit DisputeOpened(
            disputeId, orchestrator, challenger, digest, offenseRound, snapshot, amount, conflict
        );
        if (conflict) {
            d.conflict = true;
            _decide(disputeId, d, Status.Guilty, round);
        }
        token.safeTransferFrom(challenger, address(this), amount);
    }

    function _vote(
        uint256 disputeId,
        address verifier,
        bytes32 referenceOutputHash,
        uint256 firstDivergingLayer,
        uint256 round
    ) internal {
        Dispute storage d = _dispute(disputeId);
        if (d.status != Status.Open) revert WrongStatus(disputeId, d.status);
        if (d.byProof) revert DecidedByProof(disputeId);
        if (round >= d.deadlineRound) revert VerdictPeriodOver(disputeId, d.deadlineRound);
        if (!_verifiers[verifier]) revert NotVerifier(verifier);
        if (hasVoted[disputeId][verifier]) revert AlreadyVoted(disputeId, verifier);
        hasVoted[disputeId][verifier] = true;

        Vote vote;
        uint256 votes;
        if (referenceOutputHash == bytes32(0)) {
            (vote, votes) = (Vote.Draw, ++d.drawVotes);
        } else if (referenceOutputHash == d.claimedOutputHash) {
            (vote, votes) = (Vote.Innocent, ++d.innocentVotes);
        } else {
            (vote, votes) = (Vote.Guilty, ++d.guiltyVotes);
        }
        emit VerdictSubmitted(disputeId, verifier, vote, referenceOutputHash, firstDivergingLayer);
        if (votes >= quorum) {
            _decide(
                disputeId,
                d,
                vote == Vote.Guilty ? Status.Guilty : vote == Vote.Innocent ? Status.Innocent : Status.Draw,
                round
            );
        }
    }

    /// @dev Records the outcome and settles the deposit of an innocent or draw outcome; a guilty
    /// one keeps the deposit until it is executed or vetoed.
    function _decide(uint256 disputeId, Dispute storage d, Status outcome, uint256 round) internal {
        d.status = outcome;
        emit DisputeDecided(disputeId, outcome, round);
        if (outcome == Status.Guilty) {
            d.vetoEndRound = (round + vetoWindow).toUint32();
        } else {
            // Innocent or draw: it can no longer slash. The deposit is burned either way: holding
            // a pool's locks for nothing costs the opener.
            _settleOffense(disputeId, d.orchestrator, 0);
            if (d.deposit != 0) ILivepeerToken(address(token)).burn(d.deposit);
        }
    }

    /// @dev A dispute that can no longer slash: its offense becomes `state` (0: disputable again,
    /// 2: slashed) and it stops holding the pool's locks.
    function _settleOffense(uint256 disputeId, address orchestrator, uint8 state) internal {
        offenseState[offenseOf[disputeId]] = state;
        bonding.releaseLocks(orchestrator);
    }

    function _dispute(uint256 disputeId) internal view returns (Dispute storage d) {
        d = _disputes[disputeId];
        if (d.status == Status.None) revert UnknownDispute(disputeId);
    }

    function _currentRound() internal view returns (uint256) {
        return rounds.currentRound();
    }

    function _setDeposit(uint256 amount) internal {
        if (amount == 0) revert ZeroDeposit();
        deposit = amount.toUint128();
        emit DepositSet(amount);
    }

    function _setStatuteOfLimitations(uint256 value) internal {
        if (value == 0) revert InvalidRounds(value);
        uint256 unbonding = bonding.unbondingPeriod();
        if (value >= unbonding) revert StatuteTooLong(value, unbonding);
        statuteOfLimitations = value.toUint32();
        emit StatuteOfLimitationsSet(value);
    }

    function _setVerdictPeriod(uint256 value) internal {
        if (value == 0) revert InvalidRounds(value);
        verdictPeriod = value.toUint32();
        emit VerdictPeriodSet(value);
    }

    function _setVetoWindow(uint256 value) internal {
        if (value == 0) revert InvalidRounds(value);
        vetoWindow = value.toUint32();
        emit VetoWindowSet(value);
    }

    function _setQuorum(uint256 value) internal {
        if (value == 0 || value > type(uint8).max) revert InvalidQuorum(value);
        quorum = uint8(value);
        emit QuorumSet(value);
    }

    function _setMaxSlashCut(uint256 ppb) internal {
        if (ppb == 0 || ppb >= Units.PPB) revert InvalidPpb(ppb);
        maxSlashCutPpb = uint32(ppb);
        emit MaxSlashCutSet(ppb);
    }

    function _setChallengerRewardCut(uint256 ppb) internal {
        if (ppb > MAX_CHALLENGER_REWARD_CUT) revert InvalidPpb(ppb);
        challengerRewardCutPpb = uint32(ppb);
        emit ChallengerRewardCutSet(ppb);
    }

    function _setGuiltyDepositBurn(uint256 ppb) internal {
        if (ppb == 0 || ppb > Units.PPB) revert InvalidGuiltyDepositBurn(ppb);
        guiltyDepositBurnPpb = uint32(ppb);
        emit GuiltyDepositBurnSet(ppb);
    }

    function _setSlashRateLimit(uint256 windowRounds, uint256 maxAmount) internal {
        if (windowRounds == 0) revert InvalidRounds(windowRounds);
        rateLimitWindow = windowRounds.toUint32();
        rateLimitAmount = maxAmount.toUint128();
        emit SlashRateLimitSet(windowRounds, maxAmount);
    }
}
