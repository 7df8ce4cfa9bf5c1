// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IMinter} from "../../../contracts/interfaces/IMinter.sol";
import {IRoundsManager} from "../../../contracts/interfaces/IRoundsManager.sol";
import {RoundsManager} from "../../../contracts/rounds/RoundsManager.sol";
import {ProtocolTest} from "../../fixtures/ProtocolTest.sol";

contract RoundsManagerTest is ProtocolTest {
    function test_deployRoundCountsAsInitialized() public view {
        assertEq(rounds.roundLength(), ROUND_LENGTH);
        assertEq(rounds.currentRound(), 10);
        assertEq(rounds.currentRoundStartBlock(), 1_000);
        assertTrue(rounds.currentRoundInitialized());
        assertEq(rounds.lastInitializedRound(), 10);
    }

    function test_constructor_revertsOnZeroLength() public {
        vm.expectRevert(IRoundsManager.InvalidRoundLength.selector);
        new RoundsManager(address(manager), IMinter(address(minter)), 0);
    }

    function test_currentRound_advancesEveryRoundLengthBlocks() public {
        vm.roll(1_099);
        assertEq(rounds.currentRound(), 10);
        assertEq(rounds.currentRoundStartBlock(), 1_000);
        vm.roll(1_100);
        assertEq(rounds.currentRound(), 11);
        assertEq(rounds.currentRoundStartBlock(), 1_100);
        assertFalse(rounds.currentRoundInitialized());
    }

    function test_initializeRound_byAnyone() public {
        vm.roll(1_150);
        bytes32 expectedHash = blockhash(block.number - 1);
        vm.expectEmit(address(rounds));
        emit IRoundsManager.NewRound(11, expectedHash);
        vm.prank(stranger);
        rounds.initializeRound();

        assertTrue(rounds.currentRoundInitialized());
        assertEq(rounds.lastInitializedRound(), 11);
        assertEq(rounds.blockHashForRound(11), expectedHash);
        assertEq(minter.currentRound(), 11);
    }

    function test_initializeRound_revertsTwiceInARound() public {
        _nextRound();
        vm.expectRevert(abi.encodeWithSelector(IRoundsManager.RoundAlreadyInitialized.selector, 11));
        rounds.initializeRound();
    }

    function test_initializeRound_revertsInTheDeployRound() public {
        vm.expectRevert(abi.encodeWithSelector(IRoundsManager.RoundAlreadyInitialized.selector, 10));
        rounds.initializeRound();
    }

    function test_initializeRound_skippedRoundsHaveNoHash() public {
        vm.roll(1_500);
        rounds.initializeRound();
        assertEq(rounds.currentRound(), 15);
        assertEq(rounds.blockHashForRound(11), bytes32(0));
        assertEq(rounds.blockHashForRound(15), blockhash(1_499));
    }

    function test_currentRoundAndBlockHash_isBothViewsInOneCall() public {
        uint256 round = _nextRound();
        (uint256 current, bytes32 hash) = rounds.currentRoundAndBlockHash(round);
        assertEq(current, rounds.currentRound());
        assertEq(hash, rounds.blockHashForRound(round));
        assertTrue(hash != 0);
        (, hash) = rounds.currentRoundAndBlockHash(round + 1);
        assertEq(hash, 0, "no hash for a future round");
    }

    function test_setRoundLength_appliesFromCurrentRoundStart() public {
        _nextRound(); // round 11 starts at block 1100
        vm.roll(1_120);
        vm.expectEmit(address(rounds));
        emit IRoundsManager.RoundLengthSet(11, 1_100, 50);
        rounds.setRoundLength(50);

        assertEq(rounds.roundLength(), 50);
        assertEq(rounds.currentRound(), 11);
        vm.roll(1_150);
        assertEq(rounds.currentRound(), 12);
        assertEq(rounds.currentRoundStartBlock(), 1_150);
    }

    function test_setRoundLength_revertsForStranger() public {
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(stranger));
        rounds.setRoundLength(10);
    }

    function test_setRoundLength_revertsOnZero() public {
        vm.expectRevert(IRoundsManager.InvalidRoundLength.selector);
        rounds.setRoundLength(0);
    }

    function test_setRoundLength_revertsWhenRoundNotInitialized() public {
        vm.roll(1_100);
        vm.expectRevert(abi.encodeWithSelector(IRoundsManager.CurrentRoundNotInitialized.selector, 11));
        rounds.setRoundLength(10);
        assertEq(rounds.roundLength(), ROUND_LENGTH);
    }

    /// `roundAt` gives every past block the round `currentRound()` reported at its end, across a
    /// longer and a shorter length (the shorter one ends the current round at once).
    function test_roundAt_isTheRoundEachPastBlockWasIn() public {
        uint256 first = block.number;
        uint256 span = 400;
        uint256[] memory seen = new uint256[](span);
        for (uint256 i; i < span; ++i) {
            vm.roll(first + i);
            if (!rounds.currentRoundInitialized()) rounds.initializeRound();
            if (i == 130) rounds.setRoundLength(170);
            if (i == 290) rounds.setRoundLength(7);
            seen[i] = rounds.currentRound();
        }
        assertGt(seen[span - 1], seen[0] + 10, "the span crosses many rounds");
        for (uint256 i; i < span; ++i) {
            assertEq(rounds.roundAt(first + i), seen[i], "a past block's round");
        }
        assertEq(rounds.roundAt(0), 0, "before deployment: counted from block 0");
        assertEq(rounds.roundAt(block.number + 70), rounds.currentRound() + 10, "ahead: the current length");
    }

    /// Round numbers never go backwards, whatever lengths governance picks.
    function testFuzz_roundsAreMonotonic(uint16 newLength, uint16 advance) public {
        newLength = uint16(bound(newLength, 1, 10_000));
        _nextRound();
        uint256 before = rounds.currentRound();
        rounds.setRoundLength(newLength);
        assertEq(rounds.currentRound(), before);
        vm.roll(block.number + advance);
        assertEq(rounds.currentRound(), before + (block.number - 1_100) / newLength);
        assertLe(rounds.currentRoundStartBlock(), block.number);
    }
}
