// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Capability, ICapabilityRegistry} from "../interfaces/ICapabilityRegistry.sol";
import {IPriceOracle} from "../interfaces/IPriceOracle.sol";

/// @title CapabilityRegistry
/// @notice Orchestrators' service URIs and AI capabilities. Any address may publish: whether it is an
/// active orchestrator is the bonding contract's to say, and gateways filter by it (this registry
/// depends on nothing). A capability is keyed by (pipeline, model); updating a price writes one slot.
///
/// Two indexes keep every read O(1) per item and every write O(1): per orchestrator, an array of its
/// capabilities with each key's position; per model, an array of the orchestrators offering it with
/// each orchestrator's position and how many of its capabilities use the model. Removals swap the
/// last element into the hole and pop.
contract CapabilityRegistry is ICapabilityRegistry, IPriceOracle {
    // An orchestrator's place in a model's list (plus one; zero: absent) and its capabilities for it.
    struct ModelEntry {
        uint128 positionPlusOne;
        uint128 capabilities;
    }

    mapping(address orchestrator => string) internal _serviceURIs;
    mapping(address orchestrator => Capability[]) internal _capabilities;
    mapping(address orchestrator => mapping(bytes32 key => uint256 positionPlusOne)) internal _positions;
    mapping(bytes32 modelId => address[]) internal _orchestrators;
    mapping(bytes32 modelId => mapping(address orchestrator => ModelEntry)) internal _modelEntries;

    /// @inheritdoc ICapabilityRegistry
    function register(string calldata serviceURI_, Capability[] calldata capabilities_) external {
        _setServiceURI(serviceURI_);
        for (uint256 i; i < capabilities_.length; ++i) {
            _setCapability(capabilities_[i]);
        }
    }

    /// @inheritdoc ICapabilityRegistry
    function setServiceURI(string calldata serviceURI_) external {
        _setServiceURI(serviceURI_);
    }

    /// @inheritdoc ICapabilityRegistry
    function setCapability(Capability calldata capability) external {
        _setCapability(capability);
    }

    /// @inheritdoc ICapabilityRegistry
    function setCapabilities(Capability[] calldata capabilities_) external {
        for (uint256 i; i < capabilities_.length; ++i) {
            _setCapability(capabilities_[i]);
        }
    }

    /// @inheritdoc ICapabilityRegistry
    function removeCapability(bytes32 pipelineId, bytes32 modelId) external {
        bytes32 key = _key(pipelineId, modelId);
        uint256 positionPlusOne = _positions[msg.sender][key];
        if (positionPlusOne == 0) revert CapabilityNotFound(msg.sender, pipelineId, modelId);

        Capability[] storage list = _capabilities[msg.sender];
        uint256 last = list.length - 1;
        if (positionPlusOne - 1 != last) {
            Capability storage moved = list[last];
            list[positionPlusOne - 1] = moved;
            _positions[msg.sender][_key(moved.pipelineId, moved.modelId)] = positionPlusOne;
        }
        list.pop();
        delete _positions[msg.sender][key];
        _leaveModel(modelId);
        emit CapabilityRemoved(msg.sender, pipelineId, modelId);
    }

    /// @inheritdoc ICapabilityRegistry
    function serviceURI(address orchestrator) external view returns (string memory) {
        return _serviceURIs[orchestrator];
    }

    /// @inheritdoc IPriceOracle
    /// @dev The lowest price the orchestrator asks for the model in any pipeline (prices of one
    /// model in different pipelines are compared as they are: a gateway ranking by price wants the
    /// cheapest offer). O(number of the orchestrator's capabilities).
    function priceOf(address orchestrator, bytes32 modelId)
        external
        view
        returns (uint256 price, bool offered)
    {
        Capability[] storage caps = _capabilities[orchestrator];
        for (uint256 i; i < caps.length; ++i) {
            if (caps[i].modelId != modelId) continue;
            uint256 p = caps[i].pricePerUnit;
            if (!offered || p < price) (price, offered) = (p, true);
        }
    }

    /// @inheritdoc ICapabilityRegistry
    function capabilities(address orchestrator) external view returns (Capability[] memory) {
        return _capabilities[orchestrator];
    }

    /// @inheritdoc ICapabilityRegistry
    function capabilityCount(address orchestrator) external view returns (uint256) {
        return _capabilities[orchestrator].length;
    }

    /// @inheritdoc ICapabilityRegistry
    function getCapability(address orchestrator, bytes32 pipelineId, bytes32 modelId)
        external
        view
        returns (bool found, Capability memory capability)
    {
        uint256 positionPlusOne = _positions[orchestrator][_key(pipelineId, modelId)];
        if (positionPlusOne == 0) return (false, capability);
        return (true, _capabilities[orchestrator][positionPlusOne - 1]);
    }

    /// @inheritdoc ICapabilityRegistry
    function orchestratorsForModel(bytes32 modelId) external view returns (address[] memory) {
        return _orchestrators[modelId];
    }

    /// @inheritdoc ICapabilityRegistry
    function orchestratorsForModelPage(bytes32 modelId, uint256 offset, uint256 limit)
        external
        view
        returns (address[] memory page)
    {
        address[] storage list = _orchestrators[modelId];
        uint256 length = list.length;
        if (offset >= length) return page;
        uint256 count = length - offset < limit ? length - offset : limit;
        page = new address[](count);
        for (uint256 i; i < count; ++i) {
            page[i] = list[offset + i];
        }
    }

    /// @inheritdoc ICapabilityRegistry
    function orchestratorCountForModel(bytes32 modelId) external view returns (uint256) {
        return _orchestrators[modelId].length;
    }

    function _setServiceURI(string calldata serviceURI_) internal {
        _serviceURIs[msg.sender] = serviceURI_;
        emit ServiceURISet(msg.sender, serviceURI_);
    }

    function _setCapability(Capability calldata capability) internal {
        bytes32 key = _key(capability.pipelineId, capability.modelId);
        uint256 positionPlusOne = _positions[msg.sender][key];
        if (positionPlusOne != 0) {
            // An update: pipeline and model stay, price and unit share one slot.
            Capability storage existing = _capabilities[msg.sender][positionPlusOne - 1];
            (existing.pricePerUnit, existing.unit) = (capability.pricePerUnit, capability.unit);
        } else {
            Capability[] storage list = _capabilities[msg.sender];
            list.push(capability);
            _positions[msg.sender][key] = list.length;
            _joinModel(capability.modelId);
        }
        emit CapabilitySet(
            msg.sender, capability.pipelineId, capability.modelId, capability.pricePerUnit, capability.unit
        );
    }

    /// Counts one more capability of the caller for `modelId`, listing the caller on its first.
    function _joinModel(bytes32 modelId) internal {
        ModelEntry memory entry = _modelEntries[modelId][msg.sender];
        if (entry.capabilities == 0) {
            address[] storage list = _orchestrators[modelId];
            list.push(msg.sender);
            // The list of one model cannot reach 2^128 addresses.
            // forge-lint: disable-next-line(unsafe-typecast)
            entry.positionPlusOne = uint128(list.length);
        }
        ++entry.capabilities;
        _modelEntries[modelId][msg.sender] = entry;
    }

    /// Counts one capability fewer of the caller for `modelId`, unlisting the caller on its last.
    function _leaveModel(bytes32 modelId) internal {
        ModelEntry memory entry = _modelEntries[modelId][msg.sender];
        if (entry.capabilities > 1) {
            --entry.capabilities;
            _modelEntries[modelId][msg.sender] = entry;
            return;
        }
        address[] storage list = _orchestrators[modelId];
        uint256 last = list.length - 1;
        if (entry.positionPlusOne - 1 != last) {
            address moved = list[last];
            list[entry.positionPlusOne - 1] = moved;
            _modelEntries[modelId][moved].positionPlusOne = entry.positionPlusOne;
        }
        list.pop();
        delete _modelEntries[modelId][msg.sender];
    }

    function _key(bytes32 pipelineId, bytes32 modelId) internal pure returns (bytes32) {
        return keccak256(abi.encode(pipelineId, modelId));
    }
}
