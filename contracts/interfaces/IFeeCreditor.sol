// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IFeeCreditor
/// @notice What the ticket broker needs from the bonding contract: who may be paid, and where fees go.
/// Fees are ETH; the bonding contract splits them between an orchestrator and its delegators.
interface IFeeCreditor {
    /// @notice Whether `orchestrator` is in the active set of the current round.
    function isActiveOrchestrator(address orchestrator) external view returns (bool);

    /// @notice Credits `msg.value` wei of fees earned by `orchestrator` in the current round to its
    /// fee pool, shared with its delegators by its fee share. Restricted to the ticket broker.
    /// @return active Whether `orchestrator` is in the active set of the current round (the broker
    /// pays only active ones: one call answers both).
    function creditFees(address orchestrator) external payable returns (bool active);
}
