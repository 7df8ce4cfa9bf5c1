// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IVotesHook
/// @notice What the BondingManager tells the votes token (BondingVotes) after an operation that
/// moved voting power, so that it can emit ERC-5805's events: one call per operation (two when
/// stake moves between pools or a bond is transferred), the new values read back from the
/// BondingManager's storage, which the operation has just warmed.
interface IVotesHook {
    /// @notice `account`'s position (zero: none changed) and `orchestrator`'s pool (zero: unchanged)
    /// changed in `round`. `fromDelegate` is the account's delegate before, `votesBefore` its
    /// votes from the next round on before the operation, `poolStakeBefore` the pool's stake before.
    function onBondingChange(
        uint256 round,
        address account,
        address fromDelegate,
        uint256 votesBefore,
        address orchestrator,
        uint256 poolStakeBefore
    ) external;
}
