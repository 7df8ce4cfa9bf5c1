// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {Vm} from "forge-std/Vm.sol";
import {LivepeerToken} from "../../../contracts/token/LivepeerToken.sol";
import {Minter} from "../../../contracts/token/Minter.sol";
import {RoundsManager} from "../../../contracts/rounds/RoundsManager.sol";
import {IMinter} from "../../../contracts/interfaces/IMinter.sol";

/// Drives rounds, reward mints, burns and stake changes at random, keeping ghost totals of what the
/// Minter reported (its events) and what holders burned.
contract SupplyHandler is Test {
    LivepeerToken internal immutable token;
    Minter internal immutable minter;
    RoundsManager internal immutable rounds;
    address internal immutable rewarder;
    address internal immutable vault;

    uint256 public ghostReportedMint;
    uint256 public ghostBurned;
    uint256 public roundsInitialized;

    constructor(
        LivepeerToken token_,
        Minter minter_,
        RoundsManager rounds_,
        address rewarder_,
        address vault_
    ) {
        (token, minter, rounds, rewarder, vault) = (token_, minter_, rounds_, rewarder_, vault_);
    }

    function initializeRound(uint256 blocks) external {
        vm.roll(block.number + bound(blocks, rounds.roundLength(), 5 * rounds.roundLength()));
        vm.recordLogs();
        rounds.initializeRound();
        _collectMintReports();
        roundsInitialized++;
    }

    function mintReward(uint256 numerator, uint256 denominator, uint256 recipientSeed) external {
        uint256 remaining = minter.currentRewardTokens() - minter.currentMintedRewards();
        uint256 rewards = minter.currentRewardTokens();
        denominator = bound(denominator, 1, 1e30);
        numerator = bound(numerator, 0, denominator);
        // Stay within what is left: the Minter would (correctly) revert beyond it.
        if (rewards != 0 && numerator * rewards / denominator > remaining) {
            numerator = remaining * denominator / rewards;
        }
        address to = recipientSeed % 2 == 0 ? vault : address(uint160(bound(recipientSeed, 1, 1e6)));
        vm.recordLogs();
        vm.prank(rewarder);
        minter.mintReward(to, numerator, denominator);
        _collectMintReports();
    }

    function mintTreasury() external {
        vm.recordLogs();
        minter.mintTreasury();
        _collectMintReports();
    }

    function burn(uint256 amount) external {
        amount = bound(amount, 0, token.balanceOf(address(this)));
        token.burn(amount);
        ghostBurned += amount;
    }

    /// Moves stake in or out of the bonded vault, changing the bonding rate that steers inflation.
    function moveStake(uint256 amount, bool intoVault) external {
        if (intoVault) {
            amount = bound(amount, 0, token.balanceOf(address(this)));
            token.transfer(vault, amount);
        } else {
            amount = bound(amount, 0, token.balanceOf(vault));
            vm.prank(vault);
            token.transfer(address(this), amount);
        }
    }

    function _collectMintReports() internal {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; i++) {
            if (logs[i].emitter != address(minter)) continue;
            if (logs[i].topics[0] == IMinter.TreasuryMinted.selector) {
                ghostReportedMint += abi.decode(logs[i].data, (uint256));
            } else if (logs[i].topics[0] == IMinter.RewardMinted.selector) {
                ghostReportedMint += abi.decode(logs[i].data, (uint256));
            }
        }
    }
}
