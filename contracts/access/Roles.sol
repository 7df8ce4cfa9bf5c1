// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Roles
/// @notice The AccessManager role ids of the suite. One authority (an OpenZeppelin AccessManager)
/// holds every permission; governance owns it. Parameter setters keep the manager's default
/// ADMIN_ROLE (0), so only the authority's admin (the timelock, once governance is live) reaches them.
library Roles {
    /// @notice May mint LPT. Held by the Minter alone.
    uint64 internal constant MINTER = 1;
    /// @notice May start the Minter's round. Held by the RoundsManager alone.
    uint64 internal constant ROUND_INITIALIZER = 2;
    /// @notice May mint a round's reward tokens from the Minter. Held by the bonding contract.
    uint64 internal constant REWARDER = 3;
    /// @notice May credit ticket fees to an orchestrator's fee pool (`IFeeCreditor.creditFees` on the
    /// bonding contract). Held by the TicketBroker alone.
    uint64 internal constant FEE_CREDITOR = 4;
}
