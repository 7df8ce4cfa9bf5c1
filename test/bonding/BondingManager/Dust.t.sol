// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BondingFixture} from "../../fixtures/BondingFixture.sol";
import {BondingHandler} from "../../invariant/handlers/BondingHandler.sol";

/// Regressions from the deep run of BondingInvariantTest: each shrunk sequence, replayed call for call
/// through the same handler on the same setup, then the property it broke.
contract DustTest is BondingFixture {
    BondingHandler internal handler;
    address[] internal orchs;

    function setUp() public override {
        super.setUp();
        bonding.setNumActiveOrchestrators(3);
        address[] memory dels = new address[](6);
        for (uint256 i; i < 5; ++i) {
            orchs.push(makeAddr(string.concat("orch", vm.toString(i))));
            _registerOrchestrator(orchs[i], i * 250_000, 1_000_000 - i * 200_000, (i + 1) * 1_000 ether);
        }
        for (uint256 i; i < dels.length; ++i) {
            dels[i] = makeAddr(string.concat("delegator", vm.toString(i)));
        }
        handler = new BondingHandler(
            bonding, token, rounds, feeCreditor, slasher, orchs, dels, bonding.totalBonded()
        );
        token.transfer(address(handler), token.balanceOf(address(this)));
        handler.initializeRound();
    }

    /// A delegator bonds 3,110 wei to orch1, which unbonds all but 1 wei of its own 2,000 LPT; next
    /// round a 29.18% slash leaves positions worth 2,203.36 wei, then 2.5 ETH of fees (2.0 shared).
    /// The slash rounded the pool's earning stake and start value down to 2,203, so the positions were
    /// paid 2.0 ETH * 2,203.36 / 2,203: 3.3e14 wei more than credited, owed with ETH nobody holds.
    function test_slashedDustPool_feesNeverExceedCredited() public {
        handler.bond(30613122204497095810, 6786, 3110);
        handler.unbond(91201276, type(uint256).max - 1);
        handler.initializeRound();
        handler.slash(1644, 7681535451515079830378084691462274407684607691612040291751633, 7575780422862);
        assertEq(lens.getPool(orchs[1]).startValue, 2204, "start value rounds up: 3,111 * 0.708248367");
        assertEq(lens.getPool(orchs[1]).matureStake, 2204, "earning stake rounds up");
        handler.creditFees(62311, 17499895768863350907);

        uint256 owed;
        address[] memory all = handler.accounts();
        for (uint256 i; i < all.length; ++i) {
            owed += lens.pendingFees(all[i]);
        }
        uint256 credited = handler.ghostFeesCredited();
        assertEq(address(bonding).balance, credited);
        assertLe(owed, credited, "ETH held covers fees");
        // What the round-up keeps back (unowned, in the contract) is under one wei of stake's share.
        uint256 shared = credited * 800_000 / 1_000_000;
        assertLe(credited - owed, shared / 2204 + 2, "kept back: under one unit of stake's share");
    }

    /// orch2 unbonds; next round orch3 (alone in its pool, 4,000 LPT) takes its reward; then it unbonds
    /// all but a few wei. The reward factor's floor leaves < 4,000e18 / 1e18 wei of the pool to no
    /// position; the unbond takes exact amounts from the pool and the position, so that dust stays,
    /// now beside 3 wei of stake: bounded by the stake the pool held at the reward, not by its stake now.
    function test_rewardDustStaysWhenThePoolShrinks() public {
        handler.unbond(233, 16877955340734130016363);
        handler.initializeRound();
        handler.reward(10098);
        address orch = orchs[3];
        uint256 heldAtReward = bonding.delegatedStake(orch);
        uint256 dust = heldAtReward - lens.pendingStake(orch);
        assertLe(dust, 4_000 ether / 1e18 + 2, "one factor unit on 4,000 LPT, plus the floors");

        handler.unbond(25, type(uint256).max - 3);
        uint256 delegated = bonding.delegatedStake(orch);
        uint256 stake = lens.pendingStake(orch);
        assertLe(stake, delegated, "the position within the pool");
        assertEq(delegated - stake, dust, "the unbond neither adds to the dust nor takes it");
        assertGt(
            dust, 11 * (handler.calls() + 1) * (delegated / 1e18 + 2), "beyond the old, current-stake bound"
        );
    }
}
