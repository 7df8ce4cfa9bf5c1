// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IFeeCreditor} from "../interfaces/IFeeCreditor.sol";
import {IRoundsManager} from "../interfaces/IRoundsManager.sol";
import {ITicketBroker} from "../interfaces/ITicketBroker.sol";
import {ReserveMath} from "../libraries/ReserveMath.sol";
import {Ticket, TicketLib} from "../libraries/TicketLib.sol";

/// @title TicketBroker
/// @notice Probabilistic micropayments for AI jobs, as Livepeer's TicketBroker, paid in ETH.
///
/// Tickets are EIP-712 typed data in the domain ("TicketBroker", "1", chain id, this contract),
/// signed by the sender. A winning ticket is valid when: the caller is its recipient, its sender nonce
/// is at least the pair's `nextSenderNonce` (replay guard, below), the recipient's random number matches the
/// ticket's commitment, the creation round's block hash is the one the RoundsManager stored, the
/// ticket is younger than `ticketValidityPeriod` rounds, the signature is the sender's (no
/// malleable signatures), the ticket wins, and the recipient is an active orchestrator (the bonding
/// contract answers that as it credits the fees, in the same call).
///
/// It pays from the sender's deposit first; what the deposit cannot cover comes from the sender's
/// reserve, of which each orchestrator may claim `1 / reserveShares` of what the reserve held at the
/// start of the round (`ReserveMath`). `reserveShares` is governance-set to the bonding contract's
/// maximum active set size: like Livepeer's `reserve / poolSize`, but never over-promising when the
/// pool is not full, and needing nothing from the bonding contract beyond `IFeeCreditor`. What
/// neither covers is lost to the recipient, as on Livepeer. Payments go to the bonding contract's
/// `creditFees`, which shares them with delegators.
///
/// Replay protection is a per-(sender, recipient) high-water mark rather than a set of used ticket
/// hashes: a sender numbers its tickets to each recipient in increasing order, and redeeming nonce
/// `n` makes every nonce up to `n` unredeemable. The mark shares one storage slot with the pair's
/// reserve claims, so a redemption writes a slot it already holds instead of a fresh one (20,000 gas
/// less than Livepeer's `usedTickets` on every ticket). The cost: a recipient redeems its winning
/// tickets from one sender in nonce order (winning tickets are rare, so there is seldom more than one)
/// and, off chain, accepts a ticket only if its nonce is above the last one it accepted.
///
/// Senders unlock, wait `unlockPeriod` rounds and withdraw everything; tickets stay redeemable until
/// the withdrawal (as on Livepeer, so a sender cannot run from tickets it already handed out). Funding
/// while unlocking does not cancel the unlock; `cancelUnlock` does. The fee creditor (the bonding
/// contract) is wired by the deployment plan (script/DeployPlan.sol) and changed only by governance.
contract TicketBroker is ITicketBroker, AccessManaged, EIP712 {
    using SafeCast for uint256;

    IRoundsManager public immutable rounds;

    // A sender's funds, one slot: funding and redeeming read and write it once.
    struct Sender {
        uint96 deposit;
        uint96 reserve;
        // Zero when not unlocking; the unlock period is at least one round, so never zero otherwise.
        uint64 withdrawRound;
    }

    // Reserve claimed by all recipients in `round`; older rounds count as nothing claimed. One slot,
    // reused each round.
    struct RoundClaim {
        uint64 round;
        uint192 claimed;
    }

    // A (sender, recipient) pair, one slot written once per redemption: the replay guard (the lowest
    // nonce still redeemable) and the recipient's reserve claims in `round`.
    struct Pair {
        uint96 nextNonce;
        uint64 round;
        uint96 claimed;
    }

    // Parameters, one slot: redemption reads them once.
    struct Config {
        IFeeCreditor feeCreditor;
        uint32 unlockPeriod;
        uint32 ticketValidityPeriod;
        uint32 reserveShares;
    }

    Config internal _config;
    mapping(address sender => Sender) internal _senders;
    mapping(address sender => RoundClaim) internal _claimedInRound;
    mapping(address sender => mapping(address recipient => Pair)) internal _pairs;

    /// @param authority The protocol's AccessManager.
    /// @param rounds_ The RoundsManager: the current round and each round's block hash.
    /// @param unlockPeriod_ Rounds between a sender's unlock and its withdrawal.
    /// @param ticketValidityPeriod_ Rounds a ticket stays redeemable after its creation round.
    /// @param reserveShares_ Per-orchestrator allocations of a reserve per round.
    constructor(
        address authority,
        IRoundsManager rounds_,
        uint256 unlockPeriod_,
        uint256 ticketValidityPeriod_,
        uint256 reserveShares_
    ) AccessManaged(authority) EIP712("TicketBroker", "1") {
        rounds = rounds_;
        _setUnlockPeriod(unlockPeriod_);
        _setTicketValidityPeriod(ticketValidityPeriod_);
        _setReserveShares(reserveShares_);
    }

    // ---------------------------------------------------------------------------------------------
    // Senders

    /// @inheritdoc ITicketBroker
    function fundDeposit() external payable {
        _fund(msg.value, 0);
    }

    /// @inheritdoc ITicketBroker
    function fundReserve() external payable {
        _fund(0, msg.value);
    }

    /// @inheritdoc ITicketBroker
    function fundDepositAndReserve(uint256 depositAmount, uint256 reserveAmount) external payable {
        if (depositAmount + reserveAmount != msg.value) {
            revert FundingMismatch(msg.value, depositAmount, reserveAmount);
        }
        _fund(depositAmount, reserveAmount);
    }

    /// @inheritdoc ITicketBroker
    function unlock() external {
        Sender memory sender = _senders[msg.sender];
        if (sender.deposit == 0 && sender.reserve == 0) revert SenderHasNoFunds(msg.sender);
        if (sender.withdrawRound != 0) revert AlreadyUnlocking(msg.sender, sender.withdrawRound);
        uint256 round = rounds.currentRound();
        uint256 withdrawRound = round + _config.unlockPeriod;
        sender.withdrawRound = withdrawRound.toUint64();
        _senders[msg.sender] = sender;
        emit Unlock(msg.sender, round, withdrawRound);
    }

    /// @inheritdoc ITicketBroker
    function cancelUnlock() external {
        Sender memory sender = _senders[msg.sender];
        if (sender.withdrawRound == 0) revert NotUnlocking(msg.sender);
        sender.withdrawRound = 0;
        _senders[msg.sender] = sender;
        emit UnlockCancelled(msg.sender);
    }

    /// @inheritdoc ITicketBroker
    function withdraw() external {
        Sender memory sender = _senders[msg.sender];
        if (sender.withdrawRound == 0) revert NotUnlocking(msg.sender);
        uint256 round = rounds.currentRound();
        if (round < sender.withdrawRound) revert UnlockPending(msg.sender, sender.withdrawRound, round);

        delete _senders[msg.sender];
        // A new reserve funded later this round must not inherit this round's claims.
        delete _claimedInRound[msg.sender];
        emit Withdrawal(msg.sender, sender.deposit, sender.reserve);

        uint256 amount = uint256(sender.deposit) + sender.reserve;
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert TransferFailed(msg.sender, amount);
    }

    // ---------------------------------------------------------------------------------------------
    // Recipients

    /// @inheritdoc ITicketBroker
    /// @dev Only the recipient may redeem: it alone knows `recipientRand` until it reveals it, and it
    /// chooses when to redeem. Every check but one comes before any state change; the fee creditor is
    /// called last, with the pair's nonce already advanced and the sender's funds already reduced, and
    /// its answer (whether the recipient is active) is the last check: failing it reverts everything.
    function redeemWinningTicket(Ticket calldata ticket, bytes calldata sig, uint256 recipientRand) external {
        address recipient = ticket.recipient;
        if (msg.sender != recipient) revert WrongRecipient(msg.sender, recipient);
        Config memory config = _config;
        if (address(config.feeCreditor) == address(0)) revert FeeCreditorNotSet();

        address senderAddress = ticket.sender;
        Pair memory pair = _pairs[senderAddress][recipient];
        (bytes32 hash, uint256 round) = _validate(ticket, sig, recipientRand, pair.nextNonce, config);
        pair.nextNonce = (ticket.senderNonce + 1).toUint96();

        (uint256 fromDeposit, uint256 fromReserve) =
            _pay(senderAddress, pair, ticket.faceValue, round, config.reserveShares);
        _pairs[senderAddress][recipient] = pair;
        emit WinningTicketRedeemed(hash, senderAddress, recipient, fromDeposit, fromReserve);

        // The active-set check rides on the fee credit (one call, not two); a revert undoes the payment.
        uint256 paid = fromDeposit + fromReserve;
        bool active = paid != 0
            ? config.feeCreditor.creditFees{value: paid}(recipient)
            : config.feeCreditor.isActiveOrchestrator(recipient);
        if (!active) revert RecipientNotActive(recipient);
    }

    // ---------------------------------------------------------------------------------------------
    // Governance

    /// @inheritdoc ITicketBroker
    /// @dev Restricted to the authority's admin (governance). Zero pauses redemption.
    function setFeeCreditor(IFeeCreditor feeCreditor_) external restricted {
        _config.feeCreditor = feeCreditor_;
        emit FeeCreditorSet(address(feeCreditor_));
    }

    /// @inheritdoc ITicketBroker
    /// @dev Restricted to the authority's admin. Applies to unlocks started after the change.
    function setUnlockPeriod(uint256 unlockPeriod_) external restricted {
        _setUnlockPeriod(unlockPeriod_);
    }

    /// @inheritdoc ITicketBroker
    /// @dev Restricted to the authority's admin.
    function setTicketValidityPeriod(uint256 ticketValidityPeriod_) external restricted {
        _setTicketValidityPeriod(ticketValidityPeriod_);
    }

    /// @inheritdoc ITicketBroker
    /// @dev Restricted to the authority's admin.
    function setReserveShares(uint256 reserveShares_) external restricted {
        _setReserveShares(reserveShares_);
    }

    // ---------------------------------------------------------------------------------------------
    // Views

    /// @inheritdoc ITicketBroker
    function ticketHash(Ticket calldata ticket) external view returns (bytes32) {
        return _hashTypedDataV4(TicketLib.structHash(ticket));
    }

    /// @inheritdoc ITicketBroker
    function isWinningTicket(bytes calldata sig, uint256 recipientRand, uint256 winProb)
        external
        pure
        returns (bool)
    {
        return TicketLib.isWinning(sig, recipientRand, winProb);
    }

    /// @inheritdoc ITicketBroker
    function getSenderInfo(address sender)
        external
        view
        returns (uint256 deposit, uint256 reserve, uint256 withdrawRound)
    {
        Sender memory s = _senders[sender];
        return (s.deposit, s.reserve, s.withdrawRound);
    }

    /// @inheritdoc ITicketBroker
    function claimableReserve(address sender, address recipient) external view returns (uint256) {
        uint256 round = rounds.currentRound();
        return ReserveMath.claimableDown(
            _senders[sender].reserve,
            _claimedThisRound(_claimedInRound[sender], round),
            _claimedByThisRound(_pairs[sender][recipient], round),
            _config.reserveShares
        );
    }

    /// @inheritdoc ITicketBroker
    function claimedReserve(address sender, address recipient) external view returns (uint256) {
        return _claimedByThisRound(_pairs[sender][recipient], rounds.currentRound());
    }

    /// @inheritdoc ITicketBroker
    function nextSenderNonce(address sender, address recipient) external view returns (uint256) {
        return _pairs[sender][recipient].nextNonce;
    }

    /// @inheritdoc ITicketBroker
    function feeCreditor() external view returns (IFeeCreditor) {
        return _config.feeCreditor;
    }

    /// @inheritdoc ITicketBroker
    function unlockPeriod() external view returns (uint256) {
        return _config.unlockPeriod;
    }

    /// @inheritdoc ITicketBroker
    function ticketValidityPeriod() external view returns (uint256) {
        return _config.ticketValidityPeriod;
    }

    /// @inheritdoc ITicketBroker
    function reserveShares() external view returns (uint256) {
        return _config.reserveShares;
    }

    // ---------------------------------------------------------------------------------------------
    // Internals

    function _fund(uint256 depositAmount, uint256 reserveAmount) internal {
        Sender memory sender = _senders[msg.sender];
        // SafeCast: more than 2^96 wei (79 billion ETH) per sender cannot exist.
        sender.deposit = (sender.deposit + depositAmount).toUint96();
        sender.reserve = (sender.reserve + reserveAmount).toUint96();
        _senders[msg.sender] = sender;
        emit Funded(msg.sender, depositAmount, reserveAmount);
    }

    /// Every check of a ticket but the caller's and the recipient's activity (answered by the fee
    /// credit); returns its digest and the current round.
    function _validate(
        Ticket calldata ticket,
        bytes calldata sig,
        uint256 recipientRand,
        uint256 nextNonce,
        Config memory config
    ) internal view returns (bytes32 hash, uint256 round) {
        hash = _hashTypedDataV4(TicketLib.structHash(ticket));
        if (ticket.senderNonce < nextNonce) {
            revert TicketAlreadyRedeemed(ticket.sender, ticket.senderNonce, nextNonce);
        }
        if (TicketLib.randCommitment(recipientRand) != ticket.recipientRandHash) {
            revert RecipientRandMismatch(ticket.recipientRandHash);
        }
        round = _checkCreationRound(ticket, config.ticketValidityPeriod);
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(hash, sig);
        if (err != ECDSA.RecoverError.NoError || signer != ticket.sender) {
            revert InvalidSignature(ticket.sender);
        }
        if (!TicketLib.isWinning(sig, recipientRand, ticket.winProb)) revert TicketNotWinning();
    }

    /// Takes `faceValue` from the sender's deposit, then what the pair's reserve allocation allows.
    function _pay(address senderAddress, Pair memory pair, uint256 faceValue, uint256 round, uint256 shares)
        internal
        returns (uint256 fromDeposit, uint256 fromReserve)
    {
        Sender memory sender = _senders[senderAddress];
        if (sender.deposit == 0 && sender.reserve == 0) revert SenderHasNoFunds(senderAddress);
        fromDeposit = Math.min(faceValue, sender.deposit);
        if (faceValue > fromDeposit && sender.reserve != 0) {
            fromReserve =
                _claimReserve(senderAddress, pair, faceValue - fromDeposit, sender.reserve, round, shares);
        }
        // Both casts are safe: each amount is at most the 96-bit balance it is taken from.
        // forge-lint: disable-next-line(unsafe-typecast)
        sender.deposit -= uint96(fromDeposit);
        // forge-lint: disable-next-line(unsafe-typecast)
        sender.reserve -= uint96(fromReserve);
        _senders[senderAddress] = sender;
    }

    /// Checks the creation round's block hash and the ticket's age; returns the current round.
    function _checkCreationRound(Ticket calldata ticket, uint256 validityPeriod)
        internal
        view
        returns (uint256)
    {
        uint256 creationRound = ticket.creationRound;
        (uint256 round, bytes32 blockHash) = rounds.currentRoundAndBlockHash(creationRound);
        // Only initialized rounds, never in the future, have a block hash.
        if (blockHash == 0 || blockHash != ticket.creationRoundBlockHash) {
            revert InvalidCreationRoundBlockHash(creationRound, ticket.creationRoundBlockHash);
        }
        // creationRound <= round: it has a block hash.
        if (round - creationRound >= validityPeriod) revert TicketExpired(creationRound, round);
        return round;
    }

    /// Claims up to `amount` of `sender`'s reserve for the pair's recipient, within its allocation this
    /// round; records the claim in `pair` (written back by the caller) and in the sender's round total.
    function _claimReserve(
        address sender,
        Pair memory pair,
        uint256 amount,
        uint256 reserve,
        uint256 round,
        uint256 shares
    ) internal returns (uint256 claimed) {
        uint256 inRound = _claimedThisRound(_claimedInRound[sender], round);
        uint256 byRecipient = _claimedByThisRound(pair, round);
        claimed = Math.min(amount, ReserveMath.claimableDown(reserve, inRound, byRecipient, shares));
        if (claimed == 0) return 0;
        // The casts are safe: rounds are 64-bit in the RoundsManager, and a round's claims are at most
        // the round-start reserve, which fits 96 bits.
        // forge-lint: disable-next-line(unsafe-typecast)
        _claimedInRound[sender] = RoundClaim(uint64(round), uint192(inRound + claimed));
        // forge-lint: disable-next-line(unsafe-typecast)
        (pair.round, pair.claimed) = (uint64(round), uint96(byRecipient + claimed));
    }

    function _claimedThisRound(RoundClaim memory claim, uint256 round) internal pure returns (uint256) {
        return claim.round == round ? claim.claimed : 0;
    }

    function _claimedByThisRound(Pair memory pair, uint256 round) internal pure returns (uint256) {
        return pair.round == round ? pair.claimed : 0;
    }

    function _setUnlockPeriod(uint256 unlockPeriod_) internal {
        if (unlockPeriod_ == 0) revert ZeroParameter();
        _config.unlockPeriod = unlockPeriod_.toUint32();
        emit UnlockPeriodSet(unlockPeriod_);
    }

    function _setTicketValidityPeriod(uint256 ticketValidityPeriod_) internal {
        if (ticketValidityPeriod_ == 0) revert ZeroParameter();
        _config.ticketValidityPeriod = ticketValidityPeriod_.toUint32();
        emit TicketValidityPeriodSet(ticketValidityPeriod_);
    }

    function _setReserveShares(uint256 reserveShares_) internal {
        if (reserveShares_ == 0) revert ZeroParameter();
        _config.reserveShares = reserveShares_.toUint32();
        emit ReserveSharesSet(reserveShares_);
    }
}
