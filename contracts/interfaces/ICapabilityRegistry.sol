// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice One thing an orchestrator can run, and its price. File-level (not inside the interface), so
/// the generated Rust bindings get one `Capability` per contract module.
struct Capability {
    /// The pipeline, e.g. `keccak256("text-to-image")`.
    bytes32 pipelineId;
    /// The model: the hash of the model file.
    bytes32 modelId;
    /// Wei per unit of work.
    uint128 pricePerUnit;
    /// What one unit is, as short ASCII ("pixel", "token", "ms"), left-aligned.
    bytes16 unit;
}

/// @title ICapabilityRegistry
/// @notice Where gateways find orchestrators for an AI job: each orchestrator publishes its service
/// URI and its capabilities, one per (pipeline, model), each with a price per unit. Readable on chain
/// (per orchestrator, per model) and from events.
interface ICapabilityRegistry {
    /// @notice `orchestrator` set its service URI.
    event ServiceURISet(address indexed orchestrator, string serviceURI);
    /// @notice `orchestrator` added a capability or changed its price or unit.
    event CapabilitySet(
        address indexed orchestrator,
        bytes32 indexed pipelineId,
        bytes32 indexed modelId,
        uint256 pricePerUnit,
        bytes16 unit
    );
    /// @notice `orchestrator` removed a capability.
    event CapabilityRemoved(
        address indexed orchestrator, bytes32 indexed pipelineId, bytes32 indexed modelId
    );

    /// @notice The caller has no capability for this pipeline and model.
    error CapabilityNotFound(address orchestrator, bytes32 pipelineId, bytes32 modelId);

    /// @notice Sets the caller's service URI and adds or updates `capabilities`.
    function register(string calldata serviceURI, Capability[] calldata capabilities) external;

    /// @notice Sets the caller's service URI.
    function setServiceURI(string calldata serviceURI) external;

    /// @notice Adds the capability, or updates its price and unit if the caller has its pipeline
    /// and model already.
    function setCapability(Capability calldata capability) external;

    /// @notice `setCapability` for each of `capabilities`.
    function setCapabilities(Capability[] calldata capabilities) external;

    /// @notice Removes the caller's capability for `pipelineId` and `modelId`.
    function removeCapability(bytes32 pipelineId, bytes32 modelId) external;

    /// @notice The orchestrator's service URI.
    function serviceURI(address orchestrator) external view returns (string memory);

    /// @notice All capabilities of `orchestrator`, in no particular order.
    function capabilities(address orchestrator) external view returns (Capability[] memory);

    /// @notice How many capabilities `orchestrator` has.
    function capabilityCount(address orchestrator) external view returns (uint256);

    /// @notice The capability of `orchestrator` for `pipelineId` and `modelId`, if any.
    function getCapability(address orchestrator, bytes32 pipelineId, bytes32 modelId)
        external
        view
        returns (bool found, Capability memory capability);

    /// @notice Every orchestrator with at least one capability for `modelId`, in no particular order.
    function orchestratorsForModel(bytes32 modelId) external view returns (address[] memory);

    /// @notice Up to `limit` orchestrators for `modelId` from position `offset` of the list.
    function orchestratorsForModelPage(bytes32 modelId, uint256 offset, uint256 limit)
        external
        view
        returns (address[] memory);

    /// @notice How many orchestrators offer `modelId`.
    function orchestratorCountForModel(bytes32 modelId) external view returns (uint256);
}
