// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ActiveSet} from "../../../contracts/bonding/ActiveSet.sol";
import {IBondingManager} from "../../../contracts/interfaces/IBondingManager.sol";
import {BondingFixture} from "../../fixtures/BondingFixture.sol";

contract ActiveSetTest is BondingFixture {
    address[] internal orchs;

    function setUp() public override {
        super.setUp();
        bonding.setNumActiveOrchestrators(3);
        // Stakes 100, 200, 300 LPT: sorted 300, 200, 100.
        for (uint256 i = 1; i <= 3; ++i) {
            address o = makeAddr(string.concat("orch", vm.toString(i)));
            orchs.push(o);
            _registerOrchestrator(o, 0, 0, i * 100 ether);
        }
        _nextRound();
    }

    function _assertOrder(address a, address b, address c) internal view {
        address[] memory set = bonding.activeSet();
        assertEq(set.length, 3);
        assertEq(set[0], a);
        assertEq(set[1], b);
        assertEq(set[2], c);
    }

    function test_sortedByStake() public view {
        _assertOrder(orchs[2], orchs[1], orchs[0]);
        assertEq(lens.totalActiveStake(), 600 ether);
        for (uint256 i; i < 3; ++i) {
            assertTrue(bonding.isActiveOrchestrator(orchs[i]));
        }
    }

    function test_newOrchestratorIsActiveNextRound() public {
        bonding.setNumActiveOrchestrators(4);
        address late = makeAddr("late");
        _registerOrchestrator(late, 0, 0, 0);
        _fund(late, 150 ether);
        vm.expectEmit(address(bonding));
        emit ActiveSet.OrchestratorActivated(late, rounds.currentRound() + 1);
        vm.prank(late);
        bonding.bond(150 ether, late, _noHints());
        assertFalse(bonding.isActiveOrchestrator(late));
        assertEq(lens.totalActiveStake(), 600 ether, "this round's total is locked");
        _nextRound();
        assertTrue(bonding.isActiveOrchestrator(late));
        assertEq(lens.totalActiveStake(), 750 ether);
    }

    function test_fullSetEvictsTheSmallestNextRound() public {
        address late = makeAddr("late");
        _registerOrchestrator(late, 0, 0, 150 ether);
        _assertOrder(orchs[2], orchs[1], late);
        assertTrue(bonding.isActiveOrchestrator(orchs[0]), "evicted, still active this round");
        assertFalse(bonding.isActiveOrchestrator(late));
        _nextRound();
        assertFalse(bonding.isActiveOrchestrator(orchs[0]));
        assertTrue(bonding.isActiveOrchestrator(late));
        assertEq(lens.totalActiveStake(), 650 ether);
    }

    function test_tooSmallToEnterStaysOut() public {
        address late = makeAddr("late");
        _registerOrchestrator(late, 0, 0, 50 ether);
        _assertOrder(orchs[2], orchs[1], orchs[0]);
        _nextRound();
        assertFalse(bonding.isActiveOrchestrator(late));
    }

    function test_correctHintsMoveInPlace() public {
        // orch1 (100) grows to 250: between orch3 (300) and orch2 (200).
        address alice = makeAddr("alice");
        _fund(alice, 150 ether);
        vm.prank(alice);
        bonding.bond(150 ether, orchs[0], IBondingManager.Hints(address(0), address(0), orchs[2], orchs[1]));
        _assertOrder(orchs[2], orchs[0], orchs[1]);
    }

    function test_wrongHintsStillSortCorrectly() public {
        address alice = makeAddr("alice");
        _fund(alice, 250 ether);
        vm.prank(alice);
        // orch1 (100) grows to 350, the largest; the hints point at the tail.
        bonding.bond(250 ether, orchs[0], IBondingManager.Hints(address(0), address(0), orchs[1], address(0)));
        _assertOrder(orchs[0], orchs[2], orchs[1]);
    }

    function test_lyingHintReverts() public {
        address alice = makeAddr("alice");
        address stranger_ = makeAddr("notInSet");
        _fund(alice, 250 ether);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ActiveSet.HintNotInActiveSet.selector, stranger_));
        bonding.bond(
            250 ether, orchs[0], IBondingManager.Hints(address(0), address(0), stranger_, address(0))
        );
        _assertOrder(orchs[2], orchs[1], orchs[0]);
        assertEq(bonding.delegatedStake(orchs[0]), 100 ether, "state unchanged");
    }

    function test_unbondingToZeroLeavesTheSet() public {
        vm.prank(orchs[0]);
        bonding.unbond(100 ether, address(0), address(0));
        assertEq(bonding.activeSet().length, 2);
        assertTrue(bonding.isActiveOrchestrator(orchs[0]), "until the round ends");
        _nextRound();
        assertFalse(bonding.isActiveOrchestrator(orchs[0]));
        assertEq(lens.totalActiveStake(), 500 ether);
    }

    function test_evictedAndBackInTheSameRoundStaysActive() public {
        address late = makeAddr("late");
        _registerOrchestrator(late, 0, 0, 150 ether); // evicts orch1
        address alice = makeAddr("alice");
        _bond(alice, 100 ether, orchs[0]); // orch1: 200, evicts late (150) again
        assertTrue(bonding.isActiveOrchestrator(orchs[0]));
        _nextRound();
        assertTrue(bonding.isActiveOrchestrator(orchs[0]));
        assertFalse(bonding.isActiveOrchestrator(late));
        assertEq(lens.totalActiveStake(), 700 ether);
    }

    function test_setNumActive_cannotShrinkBelowMembership() public {
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.ActiveSetTooSmall.selector, 2, 3));
        bonding.setNumActiveOrchestrators(2);
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.ActiveSetTooSmall.selector, 0, 3));
        bonding.setNumActiveOrchestrators(0);
    }
}
