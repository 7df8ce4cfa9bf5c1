// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IFeeCreditor} from "./IFeeCreditor.sol";
import {Ticket} from "../libraries/TicketLib.sol";

/// @title ITicketBroker
/// @notice Probabilistic micropayments in ETH, as Livepeer's TicketBroker. A sender (a gateway) funds
/// a deposit and a reserve; it pays orchestrators with signed tickets, of which only the winning ones
/// are redeemed on chain, from the deposit and then from the reserve. Redeemed fees go to the bonding
/// contract (an IFeeCreditor), which shares them with the orchestrator's delegators.
interface ITicketBroker {
    /// @notice `sender` added `deposit` wei to its deposit and `reserve` wei to its reserve.
    event Funded(address indexed sender, uint256 deposit, uint256 reserve);
    /// @notice `sender` started unlocking in `startRound`; it may withdraw from `withdrawRound` on.
    event Unlock(address indexed sender, uint256 startRound, uint256 withdrawRound);
    /// @notice `sender` stopped unlocking.
    event UnlockCancelled(address indexed sender);
    /// @notice `sender` withdrew its whole deposit and reserve.
    event Withdrawal(address indexed sender, uint256 deposit, uint256 reserve);
    /// @notice A winning ticket paid `fromDeposit + fromReserve` wei to `recipient`'s fee pool (less
    /// than its face value when the sender's funds ran short).
    event WinningTicketRedeemed(
        bytes32 indexed ticketHash,
        address indexed sender,
        address indexed recipient,
        uint256 fromDeposit,
        uint256 fromReserve
    );
    event FeeCreditorSet(address feeCreditor);
    event UnlockPeriodSet(uint256 unlockPeriod);
    event TicketValidityPeriodSet(uint256 ticketValidityPeriod);
    event ReserveSharesSet(uint256 reserveShares);

    /// @notice `msg.value` was not the sum of the deposit and reserve amounts.
    error FundingMismatch(uint256 value, uint256 deposit, uint256 reserve);
    /// @notice The sender has neither deposit nor reserve.
    error SenderHasNoFunds(address sender);
    /// @notice The sender is already unlocking.
    error AlreadyUnlocking(address sender, uint256 withdrawRound);
    /// @notice The sender is not unlocking.
    error NotUnlocking(address sender);
    /// @notice The sender's unlock period ends in `withdrawRound`.
    error UnlockPending(address sender, uint256 withdrawRound, uint256 currentRound);
    /// @notice Sending ETH to `to` failed.
    error TransferFailed(address to, uint256 amount);
    /// @notice Only a ticket's recipient may redeem it.
    error WrongRecipient(address caller, address recipient);
    /// @notice The sender nonce was redeemed before, or a higher one was (`nextNonce` is the lowest
    /// nonce still redeemable from this sender by this recipient).
    error TicketAlreadyRedeemed(address sender, uint256 senderNonce, uint256 nextNonce);
    /// @notice The revealed random number does not match the ticket's commitment.
    error RecipientRandMismatch(bytes32 recipientRandHash);
    /// @notice The ticket's creation round has no block hash (not initialized, or in the future) or
    /// another one than the ticket carries.
    error InvalidCreationRoundBlockHash(uint256 creationRound, bytes32 ticketBlockHash);
    /// @notice The ticket was created `ticketValidityPeriod` rounds or more before the current round.
    error TicketExpired(uint256 creationRound, uint256 currentRound);
    /// @notice The signature is malformed, malleable (high s) or not the sender's.
    error InvalidSignature(address sender);
    /// @notice The ticket does not win.
    error TicketNotWinning();
    /// @notice The recipient is not an active orchestrator.
    error RecipientNotActive(address recipient);
    /// @notice No fee creditor (bonding contract) is set yet.
    error FeeCreditorNotSet();
    /// @notice Unlock period, validity period and reserve shares must be at least one.
    error ZeroParameter();

    /// @notice Adds `msg.value` to the caller's deposit.
    function fundDeposit() external payable;

    /// @notice Adds `msg.value` to the caller's reserve.
    function fundReserve() external payable;

    /// @notice Adds `depositAmount` to the caller's deposit and `reserveAmount` to its reserve;
    /// `msg.value` must be their sum.
    function fundDepositAndReserve(uint256 depositAmount, uint256 reserveAmount) external payable;

    /// @notice Starts the caller's unlock period; it may withdraw everything `unlockPeriod` rounds
    /// from now. Its tickets stay redeemable until it withdraws.
    function unlock() external;

    /// @notice Stops the caller's unlock period.
    function cancelUnlock() external;

    /// @notice Sends the caller its whole deposit and reserve, once its unlock period is over.
    function withdraw() external;

    /// @notice Redeems a winning ticket: pays its face value from the sender's deposit, then from the
    /// recipient's per-round allocation of the sender's reserve, into the recipient's fee pool.
    /// The caller must be the ticket's recipient, an active orchestrator. Redeeming sender nonce `n`
    /// voids every lower nonce from the same sender to the same recipient: redeem in nonce order.
    /// @param ticket The ticket, as the sender signed it.
    /// @param sig The sender's 65-byte secp256k1 signature over `ticketHash(ticket)`.
    /// @param recipientRand The recipient's random number, the preimage of `ticket.recipientRandHash`.
    function redeemWinningTicket(Ticket calldata ticket, bytes calldata sig, uint256 recipientRand) external;

    /// @notice Sets the bonding contract that checks recipients and receives fees.
    function setFeeCreditor(IFeeCreditor feeCreditor) external;

    /// @notice Sets the unlock period, in rounds (at least one).
    function setUnlockPeriod(uint256 unlockPeriod) external;

    /// @notice Sets how many rounds a ticket stays valid after its creation round (at least one).
    function setTicketValidityPeriod(uint256 ticketValidityPeriod) external;

    /// @notice Sets how many per-orchestrator allocations a reserve is split into (at least one):
    /// the bonding contract's maximum active set size.
    function setReserveShares(uint256 reserveShares) external;

    /// @notice The EIP-712 digest a sender signs for `ticket`.
    function ticketHash(Ticket calldata ticket) external view returns (bytes32);

    /// @notice Whether a ticket with signature `sig` wins against `recipientRand`.
    function isWinningTicket(bytes calldata sig, uint256 recipientRand, uint256 winProb)
        external
        pure
        returns (bool);

    /// @notice The lowest sender nonce `recipient` may still redeem from `sender`: redeeming nonce `n`
    /// sets it to `n + 1`, so every ticket redeems at most once.
    function nextSenderNonce(address sender, address recipient) external view returns (uint256);

    /// @notice A sender's deposit, reserve and withdraw round (zero when not unlocking).
    function getSenderInfo(address sender)
        external
        view
        returns (uint256 deposit, uint256 reserve, uint256 withdrawRound);

    /// @notice What `recipient` may claim from `sender`'s reserve in the current round.
    function claimableReserve(address sender, address recipient) external view returns (uint256);

    /// @notice What `recipient` claimed from `sender`'s reserve in the current round.
    function claimedReserve(address sender, address recipient) external view returns (uint256);

    function feeCreditor() external view returns (IFeeCreditor);
    function unlockPeriod() external view returns (uint256);
    function ticketValidityPeriod() external view returns (uint256);
    function reserveShares() external view returns (uint256);
}
