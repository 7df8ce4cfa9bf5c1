// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IPriceOracle
/// @notice What the reputation ranking needs from the AI capability registry: an orchestrator's
/// price for a model. The CapabilityRegistry implements it and is the deployed oracle.
interface IPriceOracle {
    /// @notice `orchestrator`'s price per unit for `modelId`, and whether it offers the model at all.
    function priceOf(address orchestrator, bytes32 modelId)
        external
        view
        returns (uint256 price, bool offered);
}
