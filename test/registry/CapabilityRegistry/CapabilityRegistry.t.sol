// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {Capability, ICapabilityRegistry} from "../../../contracts/interfaces/ICapabilityRegistry.sol";
import {CapabilityRegistry} from "../../../contracts/registry/CapabilityRegistry.sol";

contract CapabilityRegistryTest is Test {
    CapabilityRegistry internal registry;
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");

    bytes32 internal constant T2I = keccak256("text-to-image");
    bytes32 internal constant I2V = keccak256("image-to-video");
    bytes32 internal constant SDXL = keccak256("sdxl.safetensors");
    bytes32 internal constant SVD = keccak256("svd.safetensors");

    function setUp() public {
        registry = new CapabilityRegistry();
    }

    function _cap(bytes32 pipeline, bytes32 model, uint128 price) internal pure returns (Capability memory) {
        return Capability({pipelineId: pipeline, modelId: model, pricePerUnit: price, unit: bytes16("pixel")});
    }

    function test_register_setsUriAndCapabilities() public {
        Capability[] memory caps = new Capability[](2);
        caps[0] = _cap(T2I, SDXL, 100);
        caps[1] = _cap(I2V, SVD, 200);
        vm.expectEmit(address(registry));
        emit ICapabilityRegistry.ServiceURISet(alice, "https://alice:8935");
        vm.expectEmit(address(registry));
        emit ICapabilityRegistry.CapabilitySet(alice, T2I, SDXL, 100, bytes16("pixel"));
        vm.expectEmit(address(registry));
        emit ICapabilityRegistry.CapabilitySet(alice, I2V, SVD, 200, bytes16("pixel"));
        vm.prank(alice);
        registry.register("https://alice:8935", caps);

        assertEq(registry.serviceURI(alice), "https://alice:8935");
        Capability[] memory stored = registry.capabilities(alice);
        assertEq(stored.length, 2);
        assertEq(stored[0].modelId, SDXL);
        assertEq(stored[1].pricePerUnit, 200);
        assertEq(registry.capabilityCount(alice), 2);
        assertEq(registry.orchestratorsForModel(SDXL).length, 1);
        assertEq(registry.orchestratorsForModel(SDXL)[0], alice);
    }

    function test_setServiceURI() public {
        vm.prank(alice);
        registry.setServiceURI("https://a");
        vm.prank(alice);
        registry.setServiceURI("https://b");
        assertEq(registry.serviceURI(alice), "https://b");
    }

    function test_setCapability_updatesPriceInPlace() public {
        vm.startPrank(alice);
        registry.setCapability(_cap(T2I, SDXL, 100));
        registry.setCapability(_cap(I2V, SVD, 200));
        Capability memory updated = _cap(T2I, SDXL, 150);
        updated.unit = bytes16("megapixel");
        vm.expectEmit(address(registry));
        emit ICapabilityRegistry.CapabilitySet(alice, T2I, SDXL, 150, bytes16("megapixel"));
        registry.setCapability(updated);
        vm.stopPrank();

        assertEq(registry.capabilityCount(alice), 2);
        (bool found, Capability memory c) = registry.getCapability(alice, T2I, SDXL);
        assertTrue(found);
        assertEq(c.pricePerUnit, 150);
        assertEq(c.unit, bytes16("megapixel"));
        assertEq(registry.orchestratorCountForModel(SDXL), 1, "no duplicate in the model index");
    }

    function test_getCapability_missing() public view {
        (bool found, Capability memory c) = registry.getCapability(alice, T2I, SDXL);
        assertFalse(found);
        assertEq(c.modelId, bytes32(0));
    }

    function test_removeCapability_swapsAndPops() public {
        vm.startPrank(alice);
        registry.setCapability(_cap(T2I, SDXL, 1));
        registry.setCapability(_cap(I2V, SVD, 2));
        registry.setCapability(_cap(I2V, SDXL, 3));
        vm.expectEmit(address(registry));
        emit ICapabilityRegistry.CapabilityRemoved(alice, T2I, SDXL);
        registry.removeCapability(T2I, SDXL);
        vm.stopPrank();

        Capability[] memory stored = registry.capabilities(alice);
        assertEq(stored.length, 2);
        assertEq(stored[0].pricePerUnit, 3, "last moved into the hole");
        (bool found, Capability memory moved) = registry.getCapability(alice, I2V, SDXL);
        assertTrue(found);
        assertEq(moved.pricePerUnit, 3);
        // Alice still offers SDXL through image-to-video.
        assertEq(registry.orchestratorCountForModel(SDXL), 1);

        vm.prank(alice);
        registry.removeCapability(I2V, SDXL);
        assertEq(registry.orchestratorCountForModel(SDXL), 0);
        assertEq(registry.orchestratorCountForModel(SVD), 1);
    }

    function test_removeCapability_revertsWhenMissing() public {
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(ICapabilityRegistry.CapabilityNotFound.selector, alice, T2I, SDXL)
        );
        registry.removeCapability(T2I, SDXL);
    }

    function test_orchestratorsForModel_indexAcrossOrchestrators() public {
        address carol = makeAddr("carol");
        vm.prank(alice);
        registry.setCapability(_cap(T2I, SDXL, 1));
        vm.prank(bob);
        registry.setCapability(_cap(T2I, SDXL, 2));
        vm.prank(carol);
        registry.setCapability(_cap(T2I, SDXL, 3));

        vm.prank(alice);
        registry.removeCapability(T2I, SDXL);
        address[] memory list = registry.orchestratorsForModel(SDXL);
        assertEq(list.length, 2);
        assertEq(list[0], carol, "carol swapped into alice's place");
        assertEq(list[1], bob);

        // Carol's new position is tracked: removing her leaves bob alone.
        vm.prank(carol);
        registry.removeCapability(T2I, SDXL);
        list = registry.orchestratorsForModel(SDXL);
        assertEq(list.length, 1);
        assertEq(list[0], bob);
    }

    function test_orchestratorsForModelPage() public {
        for (uint256 i; i < 5; ++i) {
            vm.prank(address(uint160(0x1000 + i)));
            registry.setCapability(_cap(T2I, SDXL, 1));
        }
        address[] memory page = registry.orchestratorsForModelPage(SDXL, 1, 3);
        assertEq(page.length, 3);
        assertEq(page[0], address(0x1001));
        assertEq(page[2], address(0x1003));
        assertEq(registry.orchestratorsForModelPage(SDXL, 4, 3).length, 1);
        assertEq(registry.orchestratorsForModelPage(SDXL, 5, 3).length, 0);
    }
}
