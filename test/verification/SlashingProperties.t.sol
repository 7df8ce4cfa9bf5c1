// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IBondingManager} from "../../contracts/interfaces/IBondingManager.sol";
import {IDisputeManager} from "../../contracts/interfaces/IDisputeManager.sol";
import {DisputeFixture} from "../utils/DisputeFixture.sol";

/// @notice The properties of issue 14, one named test each (see docs/slashing.md).
contract SlashingPropertiesTest is DisputeFixture {
    address internal other = makeAddr("other orchestrator");

    function setUp() public override {
        super.setUp();
        _registerOrchestrator(other, 0, 0, 10 ether);
    }

    /// Property 1: the orchestrator moves its own stake away and its whole pool empties before the
    /// dispute is opened: the dispute still opens, the moved stake (a lock of the old pool) is cut,
    /// and cannot leave before the slash.
    function test_property1_noEscape_moveStaysLiable() public {
        uint256 offense = rounds.currentRound();
        IDisputeManager.Receipt memory r = _receipt();
        _fund(orch, 1 ether);
        vm.prank(orch);
        bonding.bond(1 ether, other, _noHints()); // moves its 1,000 LPT: a lock of its own pool
        vm.prank(alice);
        bonding.unbond(3_000 ether, address(0), address(0));
        assertEq(bonding.delegatedStake(orch), 0, "the pool is empty");
        assertEq(bonding.unbondingStake(orch), 4_000 ether, "but its locks are liable");

        uint256 id = _open(r);
        _vote(0, id, HONEST_OUTPUT);
        _vote(1, id, HONEST_OUTPUT);
        for (uint256 i; i < 8; ++i) {
            _nextRound(); // past the unbonding period: the guilty verdict still holds the locks
        }
        vm.prank(orch);
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.LockHeld.selector, orch, 0, offense));
        bonding.withdrawStake(0);
        disputes.executeSlash(id, address(0), address(0));
        vm.prank(orch);
        bonding.withdrawStake(0);
        vm.prank(alice);
        bonding.withdrawStake(0);
        assertEq(token.balanceOf(orch), 900 ether, "the orchestrator's moved stake bore its share");
        assertEq(token.balanceOf(alice), 2_700 ether);
    }

    /// Property 3: every receipt for one job id is one offense.
    function test_property3_oneOffenseOneSlash() public {
        _open();
        IDisputeManager.Receipt memory r2 =
            _receipt(keccak256("job1"), keccak256("other output"), rounds.currentRound());
        bytes memory sig = _signReceipt(orchKey, r2);
        vm.prank(challenger);
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeManager.OffenseAlreadyDisputed.selector, orch, keccak256("job1"))
        );
        disputes.openDispute(r2, sig);
    }

    /// Property 5: the challenger is paid at most half of the orchestrator's own cut.
    function test_property5_accompliceNeverProfits() public {
        uint256 before = token.balanceOf(challenger) + lens.pendingStake(orch);
        uint256 id = _openGuilty();
        _passVetoWindow();
        disputes.executeSlash(id, address(0), address(0));
        assertLt(token.balanceOf(challenger) + lens.pendingStake(orch), before);
    }

    /// Property 8: a third party cannot give stake to another orchestrator (stranding its commission).
    function test_property8_noPositionOverwrite() public {
        address bare = makeAddr("orchestrator without own stake");
        _registerOrchestrator(bare, 0, 0, 0);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.NotReceiversPool.selector, bare, orch));
        bonding.transferBond(bare, 1, orch, _noHints());
    }
}
