// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title ReserveMath
/// @notice How much of a sender's reserve one orchestrator may claim in a round. The reserve a round
/// started with is split into `shares` equal allocations, one per possible active orchestrator;
/// each orchestrator may claim up to its allocation per round, whatever the others claimed, so a
/// sender cannot pay one orchestrator at another's expense. Rounds down: claims never exceed the
/// reserve.
library ReserveMath {
    /// @notice The amount an orchestrator may still claim now.
    /// @param reserve The sender's reserve now.
    /// @param claimedInRound What every orchestrator together claimed from it this round.
    /// @param claimedByRecipient What this orchestrator claimed from it this round.
    /// @param shares How many allocations the round-start reserve is split into (at least 1).
    function claimableDown(
        uint256 reserve,
        uint256 claimedInRound,
        uint256 claimedByRecipient,
        uint256 shares
    ) internal pure returns (uint256) {
        // `reserve + claimedInRound` is the reserve at the start of the round (plus any top-up).
        uint256 allocation = (reserve + claimedInRound) / shares;
        if (allocation <= claimedByRecipient) return 0;
        // With one share the allocation is the whole round-start reserve, more than is left once
        // someone else claimed: cap by what is left.
        return Math.min(allocation - claimedByRecipient, reserve);
    }
}
