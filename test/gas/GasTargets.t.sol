// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {GasTargets} from "./GasTargets.sol";

/// @notice The gas tables' assertion fails a row over its target unless it is an accepted floor.
contract GasTargetsTest is Test {
    function check(string memory row, uint256 gasUsed, uint256 target) external pure {
        GasTargets.check(row, gasUsed, target);
    }

    function test_rowOverItsTargetFails() public {
        vm.expectRevert(abi.encodeWithSelector(GasTargets.OverTarget.selector, "reward", 101, 100));
        this.check("reward", 101, 100);
    }

    function test_rowAtItsTargetPasses() public view {
        this.check("reward", 100, 100);
    }

    function test_acceptedFloorPassesWithItsReason() public view {
        this.check("withdrawStake", 60_000, 52_000);
        assertGt(bytes(GasTargets.acceptedFloor("withdrawStake")).length, 0);
    }
}
