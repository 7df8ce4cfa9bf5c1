// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ILivepeerToken} from "../interfaces/ILivepeerToken.sol";
import {IMinter} from "../interfaces/IMinter.sol";
import {IStakeTotals} from "../interfaces/IStakeTotals.sol";
import {InflationMath} from "../libraries/InflationMath.sol";
import {Ppb, Units} from "../libraries/Units.sol";

/// @title Minter
/// @notice Issues LPT, once per round. At round start inflation moves one `inflationChange` step
/// toward `targetBondingRate`, the round's mint is fixed at `supply * inflation`, the treasury's cut
/// of it is owed to the treasury (anyone mints it with `mintTreasury`, which keeps the token mint out
/// of `initializeRound`), and the rest waits for the bonding contract to mint it as rewards.
/// Reward tokens a round does not use are never minted. Supply counts owed treasury tokens as issued.
/// `totalMinted` is every token this contract ever minted, so supply = genesis + totalMinted - burned.
contract Minter is IMinter, AccessManaged {
    using SafeCast for uint256;

    ILivepeerToken public immutable token;

    // Rates in parts per billion, one slot.
    struct Rates {
        uint64 inflation;
        uint64 inflationChange;
        uint64 targetBondingRate;
        uint64 treasuryRewardCut;
    }

    // The round in progress, one slot.
    struct RoundMint {
        uint64 round;
        uint96 rewardTokens;
        uint96 mintedRewards;
    }

    Rates internal _rates;
    RoundMint internal _roundMint;
    address public treasury;
    IStakeTotals public stakeTotals;
    uint256 public totalMinted;
    uint256 public treasuryOwed;
    /// @notice The RoundsManager: its `startRound` calls skip the authority (see `startRound`).
    address public roundInitializer;

    /// @param authority The protocol's AccessManager.
    /// @param token_ LPT.
    /// @param treasury_ Receives the treasury cut of each round's mint.
    /// @param inflation_ Initial inflation, parts per billion of supply per round.
    /// @param inflationChange_ Step by which inflation moves each round.
    /// @param targetBondingRate_ Bonded share of supply that inflation steers toward.
    /// @param treasuryRewardCut_ Share of each round's mint that goes to the treasury.
    constructor(
        address authority,
        ILivepeerToken token_,
        address treasury_,
        uint256 inflation_,
        uint256 inflationChange_,
        uint256 targetBondingRate_,
        uint256 treasuryRewardCut_
    ) AccessManaged(authority) {
        Units.toPpb(inflation_);
        token = token_;
        _rates.inflation = inflation_.toUint64();
        _setTreasury(treasury_);
        _setInflationChange(inflationChange_);
        _setTargetBondingRate(targetBondingRate_);
        _setTreasuryRewardCut(treasuryRewardCut_);
    }

    /// @inheritdoc IMinter
    /// @dev Restricted to ROUND_INITIALIZER. The round initializer set by governance (the
    /// RoundsManager) is recognised without a call to the authority; any other holder of the role
    /// goes through it. Also has the bonding contract keep the total the last round left.
    function startRound(uint256 round) external returns (uint256 rewardTokens) {
        if (msg.sender != roundInitializer) _checkCanCall(msg.sender, msg.data);
        Rates memory rates = _rates;
        uint256 owed = treasuryOwed;
        uint256 supply = token.totalSupply() + owed;
        IStakeTotals source = stakeTotals;
        uint256 bonded = address(source) == address(0) ? 0 : source.checkpointTotalBonded();
        uint256 rate = Ppb.unwrap(Units.ratioDown(bonded, supply));
        uint256 inflation_ = InflationMath.nextInflation(
            rates.inflation, rates.inflationChange, rate, rates.targetBondingRate
        );
        uint256 treasuryTokens;
        (rewardTokens, treasuryTokens) = InflationMath.roundMint(supply, inflation_, rates.treasuryRewardCut);

        if (inflation_ != rates.inflation) _rates.inflation = inflation_.toUint64();
        _roundMint =
            RoundMint({round: round.toUint64(), rewardTokens: rewardTokens.toUint96(), mintedRewards: 0});
        if (treasuryTokens != 0) treasuryOwed = owed + treasuryTokens;
        emit RoundMintSet(round, inflation_, rate, rewardTokens, treasuryTokens);
    }

    /// @inheritdoc IMinter
    function mintTreasury() external returns (uint256 minted) {
        minted = treasuryOwed;
        if (minted == 0) return 0;
        treasuryOwed = 0;
        totalMinted += minted;
        address to = treasury;
        token.mint(to, minted);
        emit TreasuryMinted(to, minted);
    }

    /// @inheritdoc IMinter
    /// @dev Restricted to REWARDER (the bonding contract). Rounds down.
    function mintReward(address to, uint256 numerator, uint256 denominator)
        external
        restricted
        returns (uint256 minted)
    {
        if (denominator == 0 || numerator > denominator) {
            revert InvalidFraction(numerator, denominator);
        }
        RoundMint memory roundMint = _roundMint;
        minted = Math.mulDiv(roundMint.rewardTokens, numerator, denominator);
        uint256 remaining = roundMint.rewardTokens - roundMint.mintedRewards;
        if (minted > remaining) revert RoundRewardsExceeded(minted, remaining);

        // Cannot truncate: minted <= remaining, so the sum is at most rewardTokens, a uint96.
        // forge-lint: disable-next-line(unsafe-typecast)
        _roundMint.mintedRewards = uint96(roundMint.mintedRewards + minted);
        totalMinted += minted;
        token.mint(to, minted);
        emit RewardMinted(roundMint.round, to, minted);
    }

    /// @notice Sets the per-round step of inflation (parts per billion). Governance only.
    function setInflationChange(uint256 inflationChange_) external restricted {
        _setInflationChange(inflationChange_);
    }

    /// @notice Sets the bonding rate inflation steers toward (parts per billion). Governance only.
    function setTargetBondingRate(uint256 targetBondingRate_) external restricted {
        _setTargetBondingRate(targetBondingRate_);
    }

    /// @notice Sets the treasury's cut of each round's mint (parts per billion). Governance only.
    function setTreasuryRewardCut(uint256 treasuryRewardCut_) external restricted {
        _setTreasuryRewardCut(treasuryRewardCut_);
    }

    /// @notice Sets where the treasury cut is minted. Governance only.
    function setTreasury(address treasury_) external restricted {
        _setTreasury(treasury_);
    }

    /// @notice Sets the round initializer whose `startRound` calls skip the authority (the
    /// RoundsManager; zero: none). Governance only. Revoking its ROUND_INITIALIZER role does not stop
    /// it: clear this too.
    function setRoundInitializer(address initializer) external restricted {
        roundInitializer = initializer;
        emit RoundInitializerSet(initializer);
    }

    /// @notice Sets the contract that reports total bonded stake; zero means nothing is bonded.
    /// Governance only.
    function setStakeTotals(IStakeTotals stakeTotals_) external restricted {
        stakeTotals = stakeTotals_;
        emit StakeTotalsSet(address(stakeTotals_));
    }

    /// @inheritdoc IMinter
    function inflation() external view returns (uint256) {
        return _rates.inflation;
    }

    /// @inheritdoc IMinter
    function inflationChange() external view returns (uint256) {
        return _rates.inflationChange;
    }

    /// @inheritdoc IMinter
    function targetBondingRate() external view returns (uint256) {
        return _rates.targetBondingRate;
    }

    /// @inheritdoc IMinter
    function treasuryRewardCut() external view returns (uint256) {
        return _rates.treasuryRewardCut;
    }

    /// @inheritdoc IMinter
    function currentRound() external view returns (uint256) {
        return _roundMint.round;
    }

    /// @inheritdoc IMinter
    function currentRewardTokens() external view returns (uint256) {
        return _roundMint.rewardTokens;
    }

    /// @inheritdoc IMinter
    function currentMintedRewards() external view returns (uint256) {
        return _roundMint.mintedRewards;
    }

    /// @inheritdoc IMinter
    function bondingRate() external view returns (uint256) {
        return Ppb.unwrap(Units.ratioDown(_totalBonded(), token.totalSupply() + treasuryOwed));
    }

    function _totalBonded() internal view returns (uint256) {
        IStakeTotals source = stakeTotals;
        return address(source) == address(0) ? 0 : source.totalBonded();
    }

    function _setInflationChange(uint256 value) internal {
        Units.toPpb(value);
        _rates.inflationChange = value.toUint64();
        emit InflationChangeSet(value);
    }

    function _setTargetBondingRate(uint256 value) internal {
        Units.toPpb(value);
        _rates.targetBondingRate = value.toUint64();
        emit TargetBondingRateSet(value);
    }

    function _setTreasuryRewardCut(uint256 value) internal {
        Units.toPpb(value);
        _rates.treasuryRewardCut = value.toUint64();
        emit TreasuryRewardCutSet(value);
    }

    function _setTreasury(address value) internal {
        if (value == address(0)) revert ZeroTreasury();
        treasury = value;
        emit TreasurySet(value);
    }
}
