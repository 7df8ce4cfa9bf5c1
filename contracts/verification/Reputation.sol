// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {Units} from "../libraries/Units.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IBondingManager} from "../interfaces/IBondingManager.sol";
import {IPriceOracle} from "../interfaces/IPriceOracle.sol";
import {IReputation} from "../interfaces/IReputation.sol";
import {IRoundsManager} from "../interfaces/IRoundsManager.sol";
import {DecayMath} from "../libraries/DecayMath.sol";

/// @title Reputation
/// @notice An on-chain score per orchestrator. Each verified job a verifier attests adds
/// `passPoints`; a lost dispute (an executed slash) keeps only `1 - penaltyPpb` of the score; and
/// every round the score keeps `1 - decayPpb` of itself, so old merit fades. Decay is lazy: a score
/// is stored with the round it was last written and decayed on read, `value * keep^rounds`, with
/// the power by squaring (DecayMath: at most 64 multiplications whatever the gap).
///
/// Ranking (for gateways): among candidates that offer the model (per the price oracle, the AI
/// capability registry), each part is normalized to parts per billion of the best candidate:
///   stakePart = stake / maxStake, pricePart = minPrice / price (free = 1), repPart = rep / maxRep
/// and `score = (wStake * stakePart + wPrice * pricePart + wRep * repPart) / 1e9`, the weights
/// summing to 1e9 (governance-set; defaults 40% / 30% / 30%). Sorted by score, then stake, then
/// input order. O(n^2) in the candidates: meant for views over an active set (100 or so).
contract Reputation is IReputation, AccessManaged {
    using SafeCast for uint256;

    struct Score {
        uint224 value;
        uint32 round; // the round `value` is as of
    }

    IBondingManager public immutable bonding;
    IRoundsManager public immutable rounds;
    /// @notice Prices per model: the AI capability registry.
    IPriceOracle public priceOracle;

    uint32 public decayPpb;
    uint32 public penaltyPpb;
    uint128 public passPoints;
    uint32 public stakeWeightPpb;
    uint32 public priceWeightPpb;
    uint32 public reputationWeightPpb;

    mapping(address orchestrator => Score) internal _scores;

    /// @param authority The protocol's AccessManager.
    /// @param bonding_ Stake, and the active set.
    /// @param rounds_ Protocol time.
    /// @param priceOracle_ The capability registry (may be zero until it is deployed; then set it).
    /// @param decayPpb_ Share of a score lost per round.
    /// @param passPoints_ Points per attested job.
    /// @param penaltyPpb_ Share of a score lost with a dispute.
    constructor(
        address authority,
        IBondingManager bonding_,
        IRoundsManager rounds_,
        IPriceOracle priceOracle_,
        uint256 decayPpb_,
        uint256 passPoints_,
        uint256 penaltyPpb_
    ) AccessManaged(authority) {
        bonding = bonding_;
        rounds = rounds_;
        priceOracle = priceOracle_;
        emit PriceOracleSet(address(priceOracle_));
        _setDecay(decayPpb_);
        _setPassPoints(passPoints_);
        _setPenalty(penaltyPpb_);
        _setWeights(400_000_000, 300_000_000, 300_000_000);
    }

    /// @inheritdoc IReputation
    /// @dev Restricted to REPUTATION_WRITER (the dispute manager).
    function recordPasses(address orchestrator, uint256 passes) external restricted {
        uint256 score = scoreOf(orchestrator) + passes * passPoints;
        _store(orchestrator, score);
        emit PassesRecorded(orchestrator, passes, score);
    }

    /// @inheritdoc IReputation
    /// @dev Restricted to REPUTATION_WRITER (the dispute manager). Rounds down.
    function penalize(address orchestrator) external restricted {
        uint256 score = Math.mulDiv(scoreOf(orchestrator), Units.PPB - penaltyPpb, Units.PPB);
        _store(orchestrator, score);
        emit Penalized(orchestrator, score);
    }

    // ---------------------------------------------------------------- governance

    /// @notice Sets the capability registry that prices models. Governance.
    function setPriceOracle(IPriceOracle oracle) external restricted {
        priceOracle = oracle;
        emit PriceOracleSet(address(oracle));
    }

    /// @notice Sets the share of a score lost per round (ppb, below one whole). It applies to the
    /// rounds since each score was last written, including those before the change. Governance.
    function setDecay(uint256 ppb) external restricted {
        _setDecay(ppb);
    }

    /// @notice Sets the points per attested job. Governance.
    function setPassPoints(uint256 points) external restricted {
        _setPassPoints(points);
    }

    /// @notice Sets the share of a score lost with a dispute (ppb, at most one whole). Governance.
    function setPenalty(uint256 ppb) external restricted {
        _setPenalty(ppb);
    }

    /// @notice Sets the ranking weights of stake, price and reputation (ppb, summing to 1e9).
    /// Governance.
    function setWeights(uint256 stakeWeight, uint256 priceWeight, uint256 reputationWeight)
        external
        restricted
    {
        _setWeights(stakeWeight, priceWeight, reputationWeight);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IReputation
    function scoreOf(address orchestrator) public view returns (uint256) {
        Score memory s = _scores[orchestrator];
        uint256 round = rounds.currentRound();
        if (s.value == 0 || round <= s.round) return s.value;
        return DecayMath.decayDown(s.value, Units.PPB - decayPpb, round - s.round);
    }

    /// @notice The stored score and the round it is as of (undecayed).
    function storedScore(address orchestrator) external view returns (Score memory) {
        return _scores[orchestrator];
    }

    /// @inheritdoc IReputation
    function rankActive(bytes32 modelId) external view returns (Ranked[] memory) {
        return rank(bonding.activeSet(), modelId);
    }

    /// @inheritdoc IReputation
    function rank(address[] memory candidates, bytes32 modelId) public view returns (Ranked[] memory list) {
        IPriceOracle oracle = priceOracle;
        if (address(oracle) == address(0)) revert NoPriceOracle();
        list = new Ranked[](candidates.length);
        uint256 count;
        uint256 maxStake;
        uint256 minPrice = type(uint256).max;
        uint256 maxRep;
        for (uint256 i; i < candidates.length; ++i) {
            (uint256 price, bool offered) = oracle.priceOf(candidates[i], modelId);
            if (!offered) continue;
            Ranked memory r = list[count++];
            r.orchestrator = candidates[i];
            r.price = price;
            r.stake = bonding.delegatedStake(candidates[i]);
            r.reputation = scoreOf(candidates[i]);
            maxStake = Math.max(maxStake, r.stake);
            minPrice = Math.min(minPrice, price);
            maxRep = Math.max(maxRep, r.reputation);
        }
        assembly ("memory-safe") {
            mstore(list, count)
        }
        for (uint256 i; i < count; ++i) {
            Ranked memory r = list[i];
            uint256 stakePart = maxStake == 0 ? 0 : Math.mulDiv(r.stake, Units.PPB, maxStake);
            uint256 pricePart = r.price == 0 ? Units.PPB : Math.mulDiv(minPrice, Units.PPB, r.price);
            uint256 repPart = maxRep == 0 ? 0 : Math.mulDiv(r.reputation, Units.PPB, maxRep);
            r.score = (stakeWeightPpb
                    * stakePart
                    + priceWeightPpb
                    * pricePart
                    + reputationWeightPpb
                    * repPart) / Units.PPB;
            // Insertion sort, best first; stable, so equal candidates keep their input order.
            uint256 j = i;
            while (j != 0 && _before(r, list[j - 1])) {
                list[j] = list[j - 1];
                --j;
            }
            list[j] = r;
        }
    }

    // ---------------------------------------------------------------- internals

    function _before(Ranked memory a, Ranked memory b) internal pure returns (bool) {
        return a.score > b.score || (a.score == b.score && a.stake > b.stake);
    }

    function _store(address orchestrator, uint256 score) internal {
        _scores[orchestrator] = Score(score.toUint224(), rounds.currentRound().toUint32());
    }

    function _setDecay(uint256 ppb) internal {
        if (ppb >= Units.PPB) revert InvalidPpb(ppb);
        decayPpb = uint32(ppb);
        emit DecaySet(ppb);
    }

    function _setPassPoints(uint256 points) internal {
        passPoints = points.toUint128();
        emit PassPointsSet(points);
    }

    function _setPenalty(uint256 ppb) internal {
        if (ppb > Units.PPB) revert InvalidPpb(ppb);
        penaltyPpb = uint32(ppb);
        emit PenaltySet(ppb);
    }

    function _setWeights(uint256 stakeWeight, uint256 priceWeight, uint256 reputationWeight) internal {
        if (stakeWeight + priceWeight + reputationWeight != Units.PPB) {
            revert InvalidWeights(stakeWeight, priceWeight, reputationWeight);
        }
        stakeWeightPpb = uint32(stakeWeight);
        priceWeightPpb = uint32(priceWeight);
        reputationWeightPpb = uint32(reputationWeight);
        emit WeightsSet(stakeWeight, priceWeight, reputationWeight);
    }
}
