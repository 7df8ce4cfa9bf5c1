// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice A probabilistic micropayment: the sender promises `faceValue` wei to `recipient` if the
/// ticket wins, which it does with probability `winProb / 2^256`. The sender signs it as EIP-712
/// typed data (see `TicketLib.TICKET_TYPEHASH`); every field is static, so the struct hash is one
/// keccak over nine words.
struct Ticket {
    /// The orchestrator paid when the ticket wins.
    address recipient;
    /// The gateway whose deposit and reserve pay; the ticket's signer.
    address sender;
    /// Wei paid on a win.
    uint256 faceValue;
    /// Wins when `uint256(keccak256(abi.encodePacked(sig, recipientRand))) < winProb`.
    uint256 winProb;
    /// The sender's counter for this recipient, increasing from ticket to ticket (below 2^96 - 1):
    /// redeeming nonce `n` voids every nonce up to `n` between the two (the broker's replay guard).
    uint256 senderNonce;
    /// `keccak256(abi.encodePacked(recipientRand))`: the recipient's commitment to its secret.
    bytes32 recipientRandHash;
    /// The round the ticket was created in; it expires `ticketValidityPeriod` rounds later.
    uint256 creationRound;
    /// The block hash the RoundsManager stored for `creationRound`.
    bytes32 creationRoundBlockHash;
}

/// @title TicketLib
/// @notice Pure ticket math: the EIP-712 struct hash, the recipient's random-number commitment and the
/// win check. The Rust `bindings::ticket` module computes the very same values.
library TicketLib {
    /// @notice The EIP-712 type of a ticket.
    bytes32 internal constant TICKET_TYPEHASH = keccak256(
        "Ticket(address recipient,address sender,uint256 faceValue,uint256 winProb,uint256 senderNonce,"
        "bytes32 recipientRandHash,uint256 creationRound,bytes32 creationRoundBlockHash)"
    );

    /// @notice The EIP-712 struct hash of `ticket` (`hashStruct`), to be wrapped in the broker's domain.
    function structHash(Ticket calldata ticket) internal pure returns (bytes32) {
        // A struct of static fields ABI-encodes as its fields, one word each: encodeData exactly.
        return keccak256(abi.encode(TICKET_TYPEHASH, ticket));
    }

    /// @notice The commitment a recipient publishes (in `recipientRandHash`) to its random number.
    function randCommitment(uint256 recipientRand) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(recipientRand));
    }

    /// @notice Whether a ticket with signature `sig` wins against `recipientRand`: the hash of both,
    /// read as a number, falls under `winProb`. Neither side alone can steer it: the sender signs
    /// before it learns the random number, and the recipient committed to the number before the
    /// signature existed. `winProb = 2^256 - 1` wins unless the hash is all ones.
    function isWinning(bytes calldata sig, uint256 recipientRand, uint256 winProb)
        internal
        pure
        returns (bool)
    {
        return uint256(keccak256(abi.encodePacked(sig, recipientRand))) < winProb;
    }
}
