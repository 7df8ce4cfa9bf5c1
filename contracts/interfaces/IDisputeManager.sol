// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IDisputeManager
/// @notice Disputes over AI inference results: a challenger disputes a receipt the orchestrator
/// signed, governance-approved verifiers re-run the job and vote, a guilty verdict waits out the
/// arbitrator's veto window, then anyone executes the slash.
interface IDisputeManager {
    /// @notice What an orchestrator signs (EIP-712) for every job it serves.
    struct Receipt {
        address orchestrator;
        bytes32 jobId;
        bytes32 modelId;
        bytes32 inputHash;
        bytes32 paramsHash;
        bytes32 outputHash;
        bytes32 commitmentRoot; // Merkle root of the per-layer activation hashes
        uint256 round; // the round the job was served in
    }

    /// @notice A verifier's finding on a dispute. `referenceOutputHash` zero: it could not
    /// reproduce the job (a draw vote). Equal to the claimed output hash: innocent; different:
    /// guilty, and `firstDivergingLayer` names the first layer whose hash differs.
    struct Verdict {
        bytes32 referenceOutputHash;
        uint256 firstDivergingLayer;
    }

    enum Status {
        None,
        Open, // waiting for verdicts
        Guilty, // decided guilty; in or past the veto window, not executed yet
        Innocent, // the deposit was burned
        Draw, // the deposit was burned (holding a pool's locks costs the opener)
        Vetoed, // the arbitrator overturned a guilty verdict; the deposit was returned
        Executed // slashed; the challenger was paid
    }

    enum Vote {
        None,
        Guilty,
        Innocent,
        Draw
    }

    /// @notice Governance-set parameters (see the setters in DisputeManager).
    struct Params {
        uint256 deposit; // LPT (wei) a challenger locks per dispute (> 0)
        uint256 statuteOfLimitations; // rounds after a receipt's round in which it can be disputed
        uint256 verdictPeriod; // rounds after the opening in which verifiers vote
        uint256 vetoWindow; // rounds after a guilty decision in which the arbitrator may veto
        uint256 quorum; // votes for one outcome that decide it
        uint256 maxSlashCutPpb; // the largest share of the snapshot a slash takes (< 1e9)
        uint256 challengerRewardCutPpb; // the challenger's share of the slashed LPT (<= 5e8)
        uint256 rateLimitWindow; // rounds per slashing window
        uint256 rateLimitAmount; // LPT (wei) slashable per window
        uint256 guiltyDepositBurnPpb; // the share of the deposit burned on a guilty outcome too (0 < x <= 1e9)
    }

    struct Dispute {
        // slot 0
        address orchestrator;
        uint32 offenseRound; // the receipt's round (a conflict: the later receipt's)
        uint32 deadlineRound; // verdicts are accepted before this round
        uint32 vetoEndRound; // guilty: the arbitrator may veto before this round, execution from it
        // slot 1
        address challenger;
        Status status;
        bool conflict; // two conflicting receipts: guilty without verdicts
        bool byProof; // decided by the proof game (`openForProof`), never by verdicts
        uint8 guiltyVotes;
        uint8 innocentVotes;
        uint8 drawVotes;
        // slot 2
        uint128 snapshotStake; // the orchestrator's delegated stake when the dispute opened
        uint128 deposit;
        // slot 3
        bytes32 claimedOutputHash;
    }

    event DisputeOpened(
        uint256 indexed disputeId,
        address indexed orchestrator,
        address indexed challenger,
        bytes32 receiptDigest,
        uint256 offenseRound,
        uint256 snapshotStake,
        uint256 deposit,
        bool conflict
    );
    /// @notice The receipt an ordinary dispute is about: what verifiers fetch (the model and the
    /// input, by hash) and re-run. Conflict disputes need no re-run and do not emit it.
    event DisputedReceipt(uint256 indexed disputeId, Receipt receipt);
    event VerdictSubmitted(
        uint256 indexed disputeId,
        address indexed verifier,
        Vote vote,
        bytes32 referenceOutputHash,
        uint256 firstDivergingLayer
    );
    event DisputeDecided(uint256 indexed disputeId, Status status, uint256 round);
    event DisputeVetoed(uint256 indexed disputeId);
    event SlashExecuted(
        uint256 indexed disputeId,
        address indexed orchestrator,
        uint256 fractionPpb,
        uint256 slashed,
        uint256 challengerReward,
        uint256 burned
    );
    event ReceiptSignerSet(address indexed orchestrator, address indexed signer, uint256 validUntilRound);
    event SpotChecksAttested(address indexed verifier, address[] orchestrators);
    event VerifierSet(address indexed verifier, bool approved);
    event QuorumSet(uint256 quorum);
    event DepositSet(uint256 amount);
    event StatuteOfLimitationsSet(uint256 rounds);
    event VerdictPeriodSet(uint256 rounds);
    event VetoWindowSet(uint256 rounds);
    event MaxSlashCutSet(uint256 ppb);
    event ChallengerRewardCutSet(uint256 ppb);
    event SlashRateLimitSet(uint256 windowRounds, uint256 maxAmount);
    event GuiltyDepositBurnSet(uint256 ppb);
    /// @notice The share of a guilty dispute's deposit burned at execution (rounded up): what keeps
    /// an orchestrator and an accomplice challenger strictly behind even when its own cut is zero.
    event DepositFeeBurned(uint256 indexed disputeId, uint256 fee);

    /// @notice The receipt's signature is neither the orchestrator's nor an authorized signer's.
    error InvalidReceiptSignature(address orchestrator);
    /// @notice The receipt's round is in the future or past the statute of limitations.
    error ReceiptOutsideWindow(uint256 receiptRound, uint256 currentRound);
    /// @notice The receipt (by EIP-712 digest) was disputed before: no double jeopardy.
    error ReceiptAlreadyDisputed(bytes32 receiptDigest);
    /// @notice Two receipts that do not conflict: another orchestrator or job, or the same output.
    error NotAConflict();
    /// @notice One job is one offense: a dispute on `jobId` of `orchestrator` is pending or was
    /// executed.
    error OffenseAlreadyDisputed(address orchestrator, bytes32 jobId);
    /// @notice An attestation names `orchestrator` twice: a verifier attests each orchestrator at
    /// most once per round.
    error AlreadyAttested(address verifier, address orchestrator, uint256 round);
    /// @notice `verifier` already attested in `round`: one attestation call per verifier and round
    /// (naming each orchestrator once), so one voice adds at most one pass per orchestrator.
    error AttestedThisRound(address verifier, uint256 round);
    /// @notice The statute of limitations must stay below the BondingManager's unbonding period
    /// (a lock must not mature before every dispute that can cut it has been opened).
    error StatuteTooLong(uint256 rounds, uint256 unbondingPeriod);
    error UnknownDispute(uint256 disputeId);
    /// @notice The dispute is not in the status the call needs.
    error WrongStatus(uint256 disputeId, Status status);
    error NotVerifier(address account);
    error AlreadyVoted(uint256 disputeId, address verifier);
    /// @notice Verdicts come before the dispute's deadline round; finalizing comes after.
    error VerdictPeriodOver(uint256 disputeId, uint256 deadlineRound);
    error VerdictPeriodNotOver(uint256 disputeId, uint256 deadlineRound);
    /// @notice Execution must wait until `endRound`; vetoes must come before it.
    error VetoWindowOpen(uint256 disputeId, uint256 endRound);
    error VetoWindowClosed(uint256 disputeId, uint256 endRound);
    /// @notice This window's slashing capacity is spent; execute in the next window.
    error SlashRateLimited(uint256 nextWindowRound);
    error LengthMismatch(uint256 verdicts, uint256 signatures);
    error InvalidPpb(uint256 value);
    /// @notice The deposit must be above zero: a guilty verdict burns a share of it.
    error ZeroDeposit();
    /// @notice The share of the deposit burned on a guilty outcome must be above zero and at most
    /// one whole (ppb).
    error InvalidGuiltyDepositBurn(uint256 ppb);
    error InvalidRounds(uint256 rounds);
    error InvalidQuorum(uint256 quorum);
    error VerifierUnchanged(address verifier, bool approved);
    /// @notice The dispute is decided by the proof game: no verdicts, no draw by deadline.
    error DecidedByProof(uint256 disputeId);
    /// @notice `settleByProof` on a dispute the proof game did not open.
    error NotAProofDispute(uint256 disputeId);
    error ZeroAddress();

    /// @notice Authorizes `signer` to sign receipts for the caller (an orchestrator's hot key).
    function authorizeReceiptSigner(address signer) external;

    /// @notice Revokes `signer` for receipts of this round on; receipts it signed for earlier
    /// rounds stay disputable (rotating a key must not erase past offenses).
    function revokeReceiptSigner(address signer) external;

    /// @notice Disputes a signed receipt, pulling the deposit (LPT) from the caller.
    function openDispute(Receipt calldata receipt, bytes calldata signature)
        external
        returns (uint256 disputeId);

    /// @notice Disputes two signed receipts of the same orchestrator and job id with different
    /// outputs: proof in itself, decided guilty at once (the veto window still applies).
    function openConflictDispute(
        Receipt calldata a,
        bytes calldata signatureA,
        Receipt calldata b,
        bytes calldata signatureB
    ) external returns (uint256 disputeId);

    /// @notice Opens a dispute that the proof game (the only PROOF_GAME holder) decides: the receipt
    /// checks, offense, snapshot, hold and deposit of `openDispute`, with `challenger` as the opener
    /// (its deposit is pulled from it). Verifiers cannot vote on it.
    function openForProof(Receipt calldata receipt, bytes calldata signature, address challenger)
        external
        returns (uint256 disputeId);

    /// @notice The proof game's outcome for a dispute it opened: guilty (the veto window, then
    /// `executeSlash`, as for any guilty verdict) or not (the deposit is burned, the hold lifts).
    /// Restricted to PROOF_GAME.
    function settleByProof(uint256 disputeId, bool guilty) external;

    /// @notice The caller, a verifier, votes on an open dispute.
    function submitVerdict(uint256 disputeId, bytes32 referenceOutputHash, uint256 firstDivergingLayer)
        external;

    /// @notice Anyone (a keeper) submits verifiers' EIP-712-signed verdicts on a dispute at once.
    function submitVerdicts(uint256 disputeId, Verdict[] calldata verdicts, bytes[] calldata signatures)
        external;

    /// @notice Decides an open dispute whose deadline passed without a quorum: a draw.
    function finalize(uint256 disputeId) external;

    /// @notice Overturns a guilty verdict during its veto window. Restricted to the arbitrator.
    function veto(uint256 disputeId) external;

    /// @notice Executes a guilty verdict after its veto window: slashes, pays, burns. Anyone.
    function executeSlash(uint256 disputeId, address prevHint, address nextHint) external;

    /// @notice A verifier attests that spot checks of these orchestrators' jobs passed (one pass
    /// each), raising their reputation. One call per verifier and round (`AttestedThisRound`), each
    /// orchestrator named once in it (`AlreadyAttested`): one voice adds at most one pass per
    /// orchestrator and round.
    function attestSpotChecks(address[] calldata orchestrators) external;

    function getDispute(uint256 disputeId) external view returns (Dispute memory);
    function receiptDigest(Receipt calldata receipt) external view returns (bytes32);
    function verdictDigest(uint256 disputeId, Verdict calldata verdict) external view returns (bytes32);
    function isVerifier(address account) external view returns (bool);
}
