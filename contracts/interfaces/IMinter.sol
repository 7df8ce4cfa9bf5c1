// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IStakeTotals} from "./IStakeTotals.sol";

/// @title IMinter
/// @notice Issues LPT each round: inflation in parts per billion of supply, moving toward a target
/// bonding rate; a treasury share minted at round start; the rest minted on demand as rewards.
interface IMinter {
    /// @notice A round's mint was set when the round was initialized.
    event RoundMintSet(
        uint256 indexed round,
        uint256 inflation,
        uint256 bondingRate,
        uint256 rewardTokens,
        uint256 treasuryTokens
    );
    /// @notice The LPT owed to the treasury, `amount`, was minted to it.
    event TreasuryMinted(address indexed treasury, uint256 amount);
    /// @notice `amount` reward LPT of the current round were minted to `to`.
    event RewardMinted(uint256 indexed round, address indexed to, uint256 amount);
    event InflationChangeSet(uint256 inflationChange);
    event TargetBondingRateSet(uint256 targetBondingRate);
    event TreasuryRewardCutSet(uint256 treasuryRewardCut);
    event TreasurySet(address treasury);
    event StakeTotalsSet(address stakeTotals);
    event RoundInitializerSet(address indexed initializer);

    /// @notice A reward asked for more than what is left of the round's reward tokens.
    error RoundRewardsExceeded(uint256 requested, uint256 remaining);
    /// @notice A reward fraction had a zero denominator or a numerator above it.
    error InvalidFraction(uint256 numerator, uint256 denominator);
    /// @notice The treasury may not be the zero address (its share would be unmintable).
    error ZeroTreasury();

    /// @notice Starts `round`: moves inflation one step, sets the round's reward tokens and adds the
    /// treasury's share to what it is owed. Restricted to the RoundsManager.
    function startRound(uint256 round) external returns (uint256 rewardTokens);

    /// @notice Mints `numerator / denominator` of the current round's reward tokens to `to`.
    /// Restricted to the bonding contract.
    function mintReward(address to, uint256 numerator, uint256 denominator) external returns (uint256 minted);

    /// @notice Mints what the treasury is owed to the treasury. Anyone may call it.
    function mintTreasury() external returns (uint256 minted);

    function inflation() external view returns (uint256);
    function inflationChange() external view returns (uint256);
    function targetBondingRate() external view returns (uint256);
    function treasuryRewardCut() external view returns (uint256);
    function treasury() external view returns (address);
    function stakeTotals() external view returns (IStakeTotals);
    function currentRound() external view returns (uint256);
    function currentRewardTokens() external view returns (uint256);
    function currentMintedRewards() external view returns (uint256);
    function totalMinted() external view returns (uint256);
    function treasuryOwed() external view returns (uint256);
    function bondingRate() external view returns (uint256);
}
