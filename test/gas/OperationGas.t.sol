// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Roles} from "../../contracts/access/Roles.sol";
import {ProtocolTest} from "../fixtures/ProtocolTest.sol";

/// Gas per operation, written to `snapshots/` (committed, reviewed in every change). Each number is
/// the gas of the one external call, in a warm steady state unless the name says otherwise.
contract OperationGasTest is ProtocolTest {
    function test_gas_initializeRound() public {
        _nextRound(); // first round: pays for the treasury's first balance slot
        vm.roll(rounds.currentRoundStartBlock() + ROUND_LENGTH);
        rounds.initializeRound();
        vm.snapshotGasLastCall("RoundsManager", "initializeRound");
    }

    function test_gas_initializeRound_first() public {
        vm.roll(rounds.currentRoundStartBlock() + ROUND_LENGTH);
        rounds.initializeRound();
        vm.snapshotGasLastCall("RoundsManager", "initializeRound_first");
    }

    function test_gas_mintReward() public {
        manager.grantRole(Roles.REWARDER, stranger, 0);
        _nextRound();
        vm.prank(stranger);
        minter.mintReward(stranger, 1, 100);
        vm.prank(stranger);
        minter.mintReward(stranger, 1, 100);
        vm.snapshotGasLastCall("Minter", "mintReward");
    }

    function test_gas_transfer() public {
        token.transfer(stranger, 1 ether);
        vm.snapshotGasLastCall("LivepeerToken", "transfer_newHolder");
    }

    function test_gas_setRoundLength() public {
        rounds.setRoundLength(200);
        vm.snapshotGasLastCall("RoundsManager", "setRoundLength");
    }
}
