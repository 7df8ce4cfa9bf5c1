// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IMinter} from "../../../contracts/interfaces/IMinter.sol";
import {IStakeTotals} from "../../../contracts/interfaces/IStakeTotals.sol";
import {Roles} from "../../../contracts/access/Roles.sol";
import {Minter} from "../../../contracts/token/Minter.sol";
import {Units} from "../../../contracts/libraries/Units.sol";
import {ProtocolTest} from "../../fixtures/ProtocolTest.sol";

/// A stand-in for the bonding contract's total: holds real LPT and reports its balance.
contract BondedVault is IStakeTotals {
    IERC20Like internal immutable token;

    constructor(IERC20Like token_) {
        token = token_;
    }

    function totalBonded() public view returns (uint256) {
        return token.balanceOf(address(this));
    }

    function checkpointTotalBonded() external view returns (uint256) {
        return totalBonded();
    }
}

interface IERC20Like {
    function balanceOf(address) external view returns (uint256);
}

contract MinterTest is ProtocolTest {
    address internal rewarder = makeAddr("rewarder");
    BondedVault internal vault;

    function setUp() public override {
        super.setUp();
        manager.grantRole(Roles.REWARDER, rewarder, 0);
        vault = new BondedVault(IERC20Like(address(token)));
        minter.setStakeTotals(vault);
    }

    function _bond(uint256 amount) internal {
        token.transfer(address(vault), amount);
    }

    function test_constructorState() public view {
        assertEq(address(minter.token()), address(token));
        assertEq(minter.inflation(), config.inflation);
        assertEq(minter.inflationChange(), config.inflationChange);
        assertEq(minter.targetBondingRate(), config.targetBondingRate);
        assertEq(minter.treasuryRewardCut(), config.treasuryRewardCut);
        assertEq(minter.treasury(), treasury);
        assertEq(minter.totalMinted(), 0);
    }

    function test_constructor_rejectsBadRates() public {
        vm.expectRevert(abi.encodeWithSelector(Units.ExceedsOneWhole.selector, 1e9 + 1));
        new Minter(address(manager), token, treasury, 1e9 + 1, 0, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(Units.ExceedsOneWhole.selector, 2e9));
        new Minter(address(manager), token, treasury, 0, 0, 0, 2e9);
        vm.expectRevert(IMinter.ZeroTreasury.selector);
        new Minter(address(manager), token, address(0), 0, 0, 0, 0);
    }

    function test_startRound_belowTargetRaisesInflation() public {
        _bond(1_000_000 ether); // 10% bonded < 50% target
        uint256 supply = token.totalSupply();
        uint256 inflation = config.inflation + config.inflationChange;
        uint256 total = supply * inflation / 1e9;
        uint256 treasuryTokens = total * config.treasuryRewardCut / 1e9;

        vm.expectEmit(address(minter));
        emit IMinter.RoundMintSet(11, inflation, 100_000_000, total - treasuryTokens, treasuryTokens);
        _nextRound();

        assertEq(minter.inflation(), inflation);
        assertEq(minter.currentRound(), 11);
        assertEq(minter.currentRewardTokens(), total - treasuryTokens);
        assertEq(minter.currentMintedRewards(), 0);
        assertEq(minter.treasuryOwed(), treasuryTokens);
        assertEq(token.balanceOf(treasury), 0, "owed, not yet minted");
        assertEq(minter.totalMinted(), 0);
        assertEq(minter.bondingRate(), 1_000_000 ether * uint256(1e9) / (supply + treasuryTokens));

        vm.expectEmit(address(minter));
        emit IMinter.TreasuryMinted(treasury, treasuryTokens);
        vm.prank(stranger);
        assertEq(minter.mintTreasury(), treasuryTokens);
        assertEq(token.balanceOf(treasury), treasuryTokens);
        assertEq(minter.totalMinted(), treasuryTokens);
        assertEq(minter.treasuryOwed(), 0);
        assertEq(token.totalSupply(), supply + treasuryTokens);
    }

    function test_startRound_owedTreasuryCountsAsSupply() public {
        _nextRound();
        uint256 owed = minter.treasuryOwed();
        uint256 supply = token.totalSupply() + owed;
        uint256 inflation = minter.inflation() + config.inflationChange;
        _nextRound();
        uint256 total = supply * inflation / 1e9;
        assertEq(minter.treasuryOwed(), owed + total * config.treasuryRewardCut / 1e9);
    }

    function test_mintTreasury_nothingOwedMintsNothing() public {
        assertEq(minter.mintTreasury(), 0);
        assertEq(minter.totalMinted(), 0);
    }

    function test_mintTreasury_goesToTheCurrentTreasury() public {
        _nextRound();
        minter.setTreasury(stranger);
        uint256 owed = minter.treasuryOwed();
        minter.mintTreasury();
        assertEq(token.balanceOf(stranger), owed);
        assertEq(token.balanceOf(treasury), 0);
    }

    function test_startRound_aboveTargetLowersInflation() public {
        _bond(6_000_000 ether); // 60% > 50%
        _nextRound();
        assertEq(minter.inflation(), config.inflation - config.inflationChange);
    }

    function test_startRound_atTargetKeepsInflation() public {
        _bond(5_000_000 ether);
        assertEq(minter.bondingRate(), 500_000_000);
        _nextRound();
        assertEq(minter.inflation(), config.inflation);
    }

    function test_startRound_inflationFloorsAtZero() public {
        minter.setInflationChange(1e9);
        _bond(6_000_000 ether);
        _nextRound();
        assertEq(minter.inflation(), 0);
        assertEq(minter.currentRewardTokens(), 0);
        assertEq(minter.treasuryOwed(), 0);
    }

    function test_startRound_revertsForAnyoneButRoundsManager() public {
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(stranger));
        minter.startRound(99);
        vm.expectRevert(_unauthorized(address(this)));
        minter.startRound(99);
    }

    function test_startRound_withoutStakeTotalsCountsNothingBonded() public {
        minter.setStakeTotals(IStakeTotals(address(0)));
        assertEq(minter.bondingRate(), 0);
        _nextRound();
        assertEq(minter.inflation(), config.inflation + config.inflationChange);
    }

    function test_mintReward_mintsFractionOfRound() public {
        _nextRound();
        uint256 rewards = minter.currentRewardTokens();
        uint256 before = minter.totalMinted();

        vm.expectEmit(address(minter));
        emit IMinter.RewardMinted(11, stranger, rewards / 4);
        vm.prank(rewarder);
        uint256 minted = minter.mintReward(stranger, 1, 4);

        assertEq(minted, rewards / 4);
        assertEq(token.balanceOf(stranger), minted);
        assertEq(minter.currentMintedRewards(), minted);
        assertEq(minter.totalMinted(), before + minted);
    }

    function test_mintReward_wholeRoundThenNothingLeft() public {
        _nextRound();
        uint256 rewards = minter.currentRewardTokens();
        vm.startPrank(rewarder);
        minter.mintReward(stranger, 3, 4);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMinter.RoundRewardsExceeded.selector, rewards / 2, rewards - rewards * 3 / 4
            )
        );
        minter.mintReward(stranger, 1, 2);
        minter.mintReward(stranger, 1, 4);
        vm.stopPrank();
        assertEq(minter.currentMintedRewards(), rewards * 3 / 4 + rewards / 4);
    }

    function test_mintReward_nextRoundResetsAllowance() public {
        _nextRound();
        vm.prank(rewarder);
        minter.mintReward(stranger, 1, 1);
        _nextRound();
        assertEq(minter.currentMintedRewards(), 0);
        vm.prank(rewarder);
        assertGt(minter.mintReward(stranger, 1, 1), 0);
    }

    function test_mintReward_revertsOnBadFraction() public {
        _nextRound();
        vm.startPrank(rewarder);
        vm.expectRevert(abi.encodeWithSelector(IMinter.InvalidFraction.selector, 1, 0));
        minter.mintReward(stranger, 1, 0);
        vm.expectRevert(abi.encodeWithSelector(IMinter.InvalidFraction.selector, 3, 2));
        minter.mintReward(stranger, 3, 2);
        vm.stopPrank();
    }

    function test_mintReward_revertsForAnyoneButRewarder() public {
        _nextRound();
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(stranger));
        minter.mintReward(stranger, 1, 1);
    }

    function test_setters_updateAndEmit() public {
        vm.expectEmit(address(minter));
        emit IMinter.InflationChangeSet(7);
        minter.setInflationChange(7);
        vm.expectEmit(address(minter));
        emit IMinter.TargetBondingRateSet(8);
        minter.setTargetBondingRate(8);
        vm.expectEmit(address(minter));
        emit IMinter.TreasuryRewardCutSet(9);
        minter.setTreasuryRewardCut(9);
        vm.expectEmit(address(minter));
        emit IMinter.TreasurySet(stranger);
        minter.setTreasury(stranger);
        vm.expectEmit(address(minter));
        emit IMinter.StakeTotalsSet(address(0));
        minter.setStakeTotals(IStakeTotals(address(0)));

        assertEq(minter.inflationChange(), 7);
        assertEq(minter.targetBondingRate(), 8);
        assertEq(minter.treasuryRewardCut(), 9);
        assertEq(minter.treasury(), stranger);
        assertEq(address(minter.stakeTotals()), address(0));
    }

    function test_setters_rejectBadValues() public {
        bytes memory tooBig = abi.encodeWithSelector(Units.ExceedsOneWhole.selector, 1e9 + 1);
        vm.expectRevert(tooBig);
        minter.setInflationChange(1e9 + 1);
        vm.expectRevert(tooBig);
        minter.setTargetBondingRate(1e9 + 1);
        vm.expectRevert(tooBig);
        minter.setTreasuryRewardCut(1e9 + 1);
        vm.expectRevert(IMinter.ZeroTreasury.selector);
        minter.setTreasury(address(0));
    }

    function test_setters_revertForStranger() public {
        vm.startPrank(stranger);
        vm.expectRevert(_unauthorized(stranger));
        minter.setInflationChange(1);
        vm.expectRevert(_unauthorized(stranger));
        minter.setTargetBondingRate(1);
        vm.expectRevert(_unauthorized(stranger));
        minter.setTreasuryRewardCut(1);
        vm.expectRevert(_unauthorized(stranger));
        minter.setTreasury(stranger);
        vm.expectRevert(_unauthorized(stranger));
        minter.setStakeTotals(IStakeTotals(address(0)));
        vm.stopPrank();
    }
}
