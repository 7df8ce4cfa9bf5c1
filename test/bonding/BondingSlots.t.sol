// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {BondingSlots} from "../../contracts/bonding/BondingSlots.sol";

/// @notice BondingSlots's slot numbers are the compiler's layout of the BondingManager: a reordered
/// or inserted declaration fails here instead of making the lens and the votes read garbage.
contract BondingSlotsTest is Test {
    string internal constant ARTIFACT = "out/BondingManager.sol/BondingManager.json";

    function test_slotsMatchTheCompilersLayout() public view {
        string memory json = vm.readFile(ARTIFACT);
        _expect(json, "_totals", BondingSlots.ACTIVE_TOTALS_SLOT, 0);
        _expect(json, "_totalBonded", BondingSlots.TOTAL_BONDED_SLOT, 0);
        _expect(json, "_pools", BondingSlots.POOLS_SLOT, 0);
        _expect(json, "_roundFactors", BondingSlots.ROUND_FACTORS_SLOT, 0);
        _expect(json, "_delegators", BondingSlots.DELEGATORS_SLOT, 0);
        _expect(json, "_locks", BondingSlots.LOCKS_SLOT, 0);
        _expect(json, "_slashes", BondingSlots.SLASHES_SLOT, 0);
        _expect(json, "_roundHistory", BondingSlots.ROUND_HISTORY_SLOT, 0);
        _expect(json, "_positionCheckpoints", BondingSlots.POSITION_CHECKPOINTS_SLOT, 0);
        _expect(json, "_delegateCheckpoints", BondingSlots.DELEGATE_CHECKPOINTS_SLOT, 0);
        _expect(json, "_bondedTotalHistory", BondingSlots.BONDED_TOTAL_HISTORY_SLOT, 0);
        _expect(json, "_nextLockId", BondingSlots.NEXT_LOCK_ID_SLOT, 0);
    }

    function _expect(string memory json, string memory label, uint256 slot, uint256 offset) internal view {
        for (uint256 i;; ++i) {
            string memory entry = string.concat(".storageLayout.storage[", vm.toString(i), "]");
            if (!vm.keyExistsJson(json, entry)) break;
            string memory name = vm.parseJsonString(json, string.concat(entry, ".label"));
            if (keccak256(bytes(name)) != keccak256(bytes(label))) continue;
            assertEq(vm.parseUint(vm.parseJsonString(json, string.concat(entry, ".slot"))), slot, label);
            assertEq(vm.parseJsonUint(json, string.concat(entry, ".offset")), offset, label);
            return;
        }
        revert(string.concat("no ", label, " in the BondingManager's storage layout"));
    }
}
