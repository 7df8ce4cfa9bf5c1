// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {Capability} from "../../../contracts/interfaces/ICapabilityRegistry.sol";
import {CapabilityRegistry} from "../../../contracts/registry/CapabilityRegistry.sol";

/// Random sequences of sets and removals over a small space of orchestrators, pipelines and models,
/// checked against a plain model of who offers what.
contract CapabilityRegistryFuzzTest is Test {
    CapabilityRegistry internal registry;

    uint256 internal constant ORCHESTRATORS = 3;
    uint256 internal constant PIPELINES = 2;
    uint256 internal constant MODELS = 3;

    // model[o][p][m]: price + 1, or 0 when absent.
    uint256[MODELS][PIPELINES][ORCHESTRATORS] internal model;

    function setUp() public {
        registry = new CapabilityRegistry();
    }

    function testFuzz_indexesMatchAModel(uint256[24] memory ops) public {
        for (uint256 i; i < ops.length; ++i) {
            uint256 op = ops[i];
            uint256 o = op % ORCHESTRATORS;
            uint256 p = (op >> 8) % PIPELINES;
            uint256 m = (op >> 16) % MODELS;
            uint128 price = uint128(op >> 24) % 1000;
            vm.prank(_orchestrator(o));
            if ((op >> 200) % 3 == 0 && model[o][p][m] != 0) {
                registry.removeCapability(_pipeline(p), _modelId(m));
                model[o][p][m] = 0;
            } else {
                registry.setCapability(
                    Capability({
                        pipelineId: _pipeline(p), modelId: _modelId(m), pricePerUnit: price, unit: "token"
                    })
                );
                model[o][p][m] = uint256(price) + 1;
            }
        }
        _check();
    }

    function _check() internal view {
        for (uint256 o; o < ORCHESTRATORS; ++o) {
            uint256 count;
            for (uint256 p; p < PIPELINES; ++p) {
                for (uint256 m; m < MODELS; ++m) {
                    (bool found, Capability memory c) =
                        registry.getCapability(_orchestrator(o), _pipeline(p), _modelId(m));
                    assertEq(found, model[o][p][m] != 0);
                    if (found) {
                        assertEq(uint256(c.pricePerUnit) + 1, model[o][p][m]);
                        ++count;
                    }
                }
            }
            assertEq(registry.capabilityCount(_orchestrator(o)), count);
            assertEq(registry.capabilities(_orchestrator(o)).length, count);
        }
        for (uint256 m; m < MODELS; ++m) {
            address[] memory list = registry.orchestratorsForModel(_modelId(m));
            uint256 offering;
            for (uint256 o; o < ORCHESTRATORS; ++o) {
                bool offers;
                for (uint256 p; p < PIPELINES; ++p) {
                    offers = offers || model[o][p][m] != 0;
                }
                bool listed;
                for (uint256 j; j < list.length; ++j) {
                    listed = listed || list[j] == _orchestrator(o);
                }
                assertEq(listed, offers, "listed for the model iff it offers it");
                if (offers) ++offering;
            }
            assertEq(list.length, offering, "no duplicates");
        }
    }

    function _orchestrator(uint256 o) internal pure returns (address) {
        return address(uint160(0xA000 + o));
    }

    function _pipeline(uint256 p) internal pure returns (bytes32) {
        return keccak256(abi.encode("pipeline", p));
    }

    function _modelId(uint256 m) internal pure returns (bytes32) {
        return keccak256(abi.encode("model", m));
    }
}
