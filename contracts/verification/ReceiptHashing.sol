// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDisputeManager} from "../interfaces/IDisputeManager.sol";

/// @title ReceiptHashing
/// @notice EIP-712 struct hashes of receipts and verdicts. The Rust side (bindings/src/receipt.rs)
/// hashes the same type strings; a test compares the two on chain.
library ReceiptHashing {
    bytes32 internal constant RECEIPT_TYPEHASH = keccak256(
        "Receipt(address orchestrator,bytes32 jobId,bytes32 modelId,bytes32 inputHash,bytes32 paramsHash,bytes32 outputHash,bytes32 commitmentRoot,uint256 round)"
    );

    /// @dev A verdict is signed for one dispute: the id is part of the signed struct, so a verdict
    /// cannot be replayed on another dispute.
    bytes32 internal constant VERDICT_TYPEHASH =
        keccak256("Verdict(uint256 disputeId,bytes32 referenceOutputHash,uint256 firstDivergingLayer)");

    /// @notice The EIP-712 struct hash of a receipt (all fields are static: abi.encode is the
    /// encoding EIP-712 prescribes).
    function hash(IDisputeManager.Receipt calldata r) internal pure returns (bytes32) {
        return keccak256(abi.encode(RECEIPT_TYPEHASH, r));
    }

    /// @notice The EIP-712 struct hash of a verdict on `disputeId`.
    function hash(uint256 disputeId, IDisputeManager.Verdict calldata v) internal pure returns (bytes32) {
        return
            keccak256(abi.encode(VERDICT_TYPEHASH, disputeId, v.referenceOutputHash, v.firstDivergingLayer));
    }
}
