// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Roles
/// @notice The AccessManager role ids of the suite. One authority (an OpenZeppelin AccessManager)
/// holds every permission; governance owns it. Parameter setters keep the manager's default
/// ADMIN_ROLE (0), so only the authority's admin (the timelock, once governance is live) reaches them.
library Roles {
    /// @notice The AccessManager's own ADMIN_ROLE: every parameter setter and every role's grants.
    /// Held by the deployer until the hand-over, then by the timelock alone.
    uint64 internal constant ADMIN = 0;
    /// @notice May mint LPT. Held by the Minter alone.
    uint64 internal constant MINTER = 1;
    /// @notice May start the Minter's round. Held by the RoundsManager alone.
    uint64 internal constant ROUND_INITIALIZER = 2;
    /// @notice May mint a round's reward tokens from the Minter. Held by the bonding contract.
    uint64 internal constant REWARDER = 3;
    /// @notice May credit ticket fees to orchestrators' pools. Held by the ticket broker.
    uint64 internal constant FEE_CREDITOR = 4;
    /// @notice May slash an orchestrator's stake. Held by the dispute manager.
    uint64 internal constant SLASHER = 5;
    /// @notice May veto a guilty verdict during its veto window (`DisputeManager.veto`). Held by
    /// governance (the deployer's admin until the timelock takes over).
    uint64 internal constant ARBITRATOR = 6;
    /// @notice May raise and cut orchestrators' reputation (`Reputation.recordPasses`,
    /// `Reputation.penalize`). Held by the dispute manager.
    uint64 internal constant REPUTATION_WRITER = 7;
    /// @notice May open and settle the disputes the proof game decides
    /// (`DisputeManager.openForProof`, `DisputeManager.settleByProof`). Held by the ProofGame alone.
    uint64 internal constant PROOF_GAME = 8;
}
