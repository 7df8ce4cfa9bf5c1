// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BondingLens} from "../../../contracts/bonding/BondingLens.sol";
import {BondingFixture} from "../../fixtures/BondingFixture.sol";

/// A wallet lists an account's unbonding locks (id, pool, maturity) from one view.
contract BondingLensLocksTest is BondingFixture {
    function test_unbondingLocks_listsLiveLocksWithIdsAndMaturity() public {
        address orch = makeAddr("orch");
        address alice = makeAddr("alice");
        _registerOrchestrator(orch, 0, 0, 1_000 ether);
        _bond(alice, 900 ether, orch);
        _nextRound();
        assertEq(lens.unbondingLocks(alice).length, 0, "none yet");
        vm.startPrank(alice);
        bonding.unbond(100 ether, address(0), address(0)); // lock 0
        bonding.unbond(200 ether, address(0), address(0)); // lock 1
        bonding.unbond(300 ether, address(0), address(0)); // lock 2
        vm.stopPrank();
        uint256 maturity = rounds.currentRound() + bonding.unbondingPeriod();
        for (uint256 i; i < bonding.unbondingPeriod(); ++i) {
            _nextRound();
        }
        vm.prank(alice);
        bonding.withdrawStake(1); // consumed: left out

        BondingLens.LockEntry[] memory locks = lens.unbondingLocks(alice);
        assertEq(locks.length, 2);
        assertEq(locks[0].id, 0);
        assertEq(locks[0].lock.amount, 100 ether);
        assertEq(locks[1].id, 2);
        assertEq(locks[1].lock.amount, 300 ether);
        assertEq(locks[1].lock.orchestrator, orch);
        assertEq(locks[1].lock.withdrawRound, maturity, "maturity");
    }
}
