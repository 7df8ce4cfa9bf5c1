// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IReputation
/// @notice An on-chain score per orchestrator: raised by verifier-attested jobs, cut hard by lost
/// disputes, decaying every round; and a ranking of orchestrators by stake, price and reputation.
interface IReputation {
    /// @notice A candidate in a ranking, with its score and the parts it was weighed from.
    struct Ranked {
        address orchestrator;
        uint256 score; // parts per billion: the weighted sum of the three parts below
        uint256 stake; // delegated stake (LPT wei)
        uint256 price; // the registry's price for the model
        uint256 reputation; // the decayed reputation score
    }

    event PassesRecorded(address indexed orchestrator, uint256 passes, uint256 score);
    event Penalized(address indexed orchestrator, uint256 score);
    event DecaySet(uint256 ppb);
    event PassPointsSet(uint256 points);
    event PenaltySet(uint256 ppb);
    event WeightsSet(uint256 stakeWeight, uint256 priceWeight, uint256 reputationWeight);
    event PriceOracleSet(address oracle);

    error InvalidPpb(uint256 value);
    error InvalidWeights(uint256 stakeWeight, uint256 priceWeight, uint256 reputationWeight);
    error NoPriceOracle();

    /// @notice Adds `passes` verified jobs' points to `orchestrator`'s score. Restricted to the
    /// reputation writer (the dispute manager, which forwards verifiers' attestations).
    function recordPasses(address orchestrator, uint256 passes) external;

    /// @notice Cuts `orchestrator`'s score by the penalty share: it lost a dispute. Restricted to the
    /// reputation writer (the dispute manager, on a slash).
    function penalize(address orchestrator) external;

    /// @notice `orchestrator`'s score now, decayed to the current round.
    function scoreOf(address orchestrator) external view returns (uint256);

    /// @notice `candidates` that offer `modelId`, best first (see the contract for the weighting).
    function rank(address[] memory candidates, bytes32 modelId) external view returns (Ranked[] memory);

    /// @notice The active set's orchestrators that offer `modelId`, best first.
    function rankActive(bytes32 modelId) external view returns (Ranked[] memory);
}
