// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BondingFixture} from "../fixtures/BondingFixture.sol";
import {BrokerHandler} from "./handlers/BrokerHandler.sol";

/// The broker's ETH always covers every sender's deposit and reserve, and ETH is conserved: what
/// senders funded is held, withdrawn, or credited as fees.
/// forge-config: deep.invariant.runs = 400
/// forge-config: deep.invariant.depth = 256
contract BrokerSolvencyInvariantTest is BondingFixture {
    BrokerHandler internal handler;

    function setUp() public override {
        super.setUp();
        broker.setReserveShares(3);
        handler = new BrokerHandler(broker, rounds, bonding);
        // The handler's orchestrators, active from the next round (fee share 0: they keep all fees).
        for (uint256 i; i < handler.orchestratorCount(); ++i) {
            _registerOrchestrator(handler.orchestrators(i), 0, 0, (i + 1) * 10 ether);
        }
        _nextRound();
        targetContract(address(handler));
    }

    function invariant_balanceCoversDepositsAndReserves() public view {
        assertGe(address(broker).balance, _totalFunds());
    }

    function invariant_ethIsConserved() public view {
        assertEq(address(broker).balance, _totalFunds(), "nothing but funds in the broker");
        assertEq(
            handler.ghostFunded(),
            address(broker).balance + handler.ghostWithdrawn() + handler.ghostRedeemed(),
            "funded = held + withdrawn + redeemed"
        );
        assertEq(address(bonding).balance, handler.ghostRedeemed(), "credited fees");
    }

    function _totalFunds() internal view returns (uint256 total) {
        for (uint256 i; i < handler.senderCount(); ++i) {
            (uint256 deposit, uint256 reserve,) = broker.getSenderInfo(handler.senders(i));
            total += deposit + reserve;
        }
    }
}
