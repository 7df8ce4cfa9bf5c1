// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {GovernanceFixture} from "../../fixtures/GovernanceFixture.sol";

/// What standard governance clients (Tally-style, OpenZeppelin tooling) read from BondingVotes: a
/// block-number clock, ERC-20 style metadata, and votes at a block equal to the bonding state at the
/// start of the round containing it.
contract BondingVotesClockTest is GovernanceFixture {
    function test_clockIsTheBlockNumber_andMetadata() public view {
        assertEq(votes.CLOCK_MODE(), "mode=blocknumber&from=default");
        assertEq(votes.clock(), block.number);
        assertEq(governor.CLOCK_MODE(), "mode=blocknumber&from=default", "the governor follows its token");
        assertEq(governor.clock(), block.number);
        assertEq(votes.name(), "Livepeer Bonded Votes");
        assertEq(votes.symbol(), "vLPT");
        assertEq(votes.decimals(), 18);
        assertEq(votes.nonces(orchA), 0, "no delegation by signature: the nonce never moves");
    }

    /// The plan gives the governor's delay and period in rounds and converts them at the round
    /// length the config ends with (the fixture sets it after the defaults).
    function test_votingDelayAndPeriod_areThePlansRoundsInBlocks() public view {
        assertEq(config.roundLength, ROUND_LENGTH);
        assertEq(governor.votingDelay(), config.governance.votingDelayRounds * ROUND_LENGTH);
        assertEq(governor.votingPeriod(), config.governance.votingPeriodRounds * ROUND_LENGTH);
        assertEq(governor.votingPeriod(), 10 * ROUND_LENGTH, "the defaults' ten rounds");
    }

    /// Every block of a round has the votes the round started with; a bond in the middle of a
    /// round counts from the next round's first block on.
    function test_votesAtABlock_areThoseAtItsRoundStart() public {
        uint256 start = rounds.currentRoundStartBlock();
        uint256 before = votes.getVotes(orchA);
        vm.roll(start + 40);
        _bond(d1, 50 ether, orchA);
        vm.roll(start + ROUND_LENGTH - 1);
        assertEq(votes.getVotes(orchA), before, "the round's votes do not move inside it");
        _nextRound();
        uint256 nextStart = rounds.currentRoundStartBlock();
        vm.roll(nextStart + 3);
        for (uint256 b = start; b < nextStart; ++b) {
            assertEq(votes.getPastVotes(orchA, b), before, "every block of the round");
        }
        assertEq(votes.getPastVotes(orchA, nextStart), before + 50 ether, "from the next round's first block");
        assertEq(votes.getPastVotes(d1, nextStart), 350 ether);
        assertEq(votes.getPastTotalSupply(nextStart), votes.getPastTotalSupply(start) + 50 ether);
    }

    /// A round-length change does not move past blocks to other rounds: votes at a past block stay
    /// what they were.
    function test_pastVotesSurviveARoundLengthChange() public {
        uint256 start = rounds.currentRoundStartBlock();
        _bond(d2, 70 ether, orchA);
        _nextRound();
        uint256 later = block.number;
        vm.roll(later + 1);
        uint256 atStart = votes.getPastVotes(orchA, start);
        uint256 atLater = votes.getPastVotes(orchA, later);
        assertEq(atLater, atStart + 70 ether);
        vm.prank(address(timelock));
        rounds.setRoundLength(7);
        vm.roll(block.number + 30);
        assertEq(votes.getPastVotes(orchA, start), atStart);
        assertEq(votes.getPastVotes(orchA, later), atLater);
        assertEq(votes.roundAt(later), rounds.roundAt(later));
    }
}
