// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IPriceOracle
/// @notice What the reputation ranking needs from the AI capability registry: an orchestrator's
/// price for a model. The registry (contracts/registry/CapabilityRegistry.sol, built on another
/// branch) implements it; until the merge wires it, any contract with this one view does.
interface IPriceOracle {
    /// @notice `orchestrator`'s price per unit for `modelId`, and whether it offers the model at all.
    function priceOf(address orchestrator, bytes32 modelId)
        external
        view
        returns (uint256 price, bool offered);
}
