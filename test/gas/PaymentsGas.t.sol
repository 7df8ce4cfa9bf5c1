// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Capability} from "../../contracts/interfaces/ICapabilityRegistry.sol";
import {Ticket} from "../../contracts/libraries/TicketLib.sol";
import {BrokerTest} from "../fixtures/BrokerTest.sol";

/// Gas of the TicketBroker and CapabilityRegistry operations, written to `snapshots/`. Redemptions
/// include the BondingManager's `creditFees` (the fee split into the orchestrator's pool), as
/// Livepeer's reference numbers include its fee accounting.
contract PaymentsGasTest is BrokerTest {
    function test_gas_fundDepositAndReserve() public {
        vm.deal(sender, 2 ether);
        vm.prank(sender);
        broker.fundDepositAndReserve{value: 2 ether}(1 ether, 1 ether);
        vm.snapshotGasLastCall("TicketBroker", "fundDepositAndReserve_first");
    }

    function test_gas_redeemWinningTicket_firstOfRound() public {
        _fundSender(sender, 10 ether, 10 ether);
        _redeem(_ticket(0.1 ether, 0), _sign(_ticket(0.1 ether, 0)));
        _nextRound();
        Ticket memory ticket = _ticket(0.1 ether, 1);
        bytes memory sig = _sign(ticket);
        vm.prank(orchestrator);
        broker.redeemWinningTicket(ticket, sig, recipientRand);
        vm.snapshotGasLastCall("TicketBroker", "redeemWinningTicket_firstOfRound");
    }

    function test_gas_redeemWinningTicket_secondOfRound() public {
        _fundSender(sender, 10 ether, 10 ether);
        _redeem(_ticket(0.1 ether, 0), _sign(_ticket(0.1 ether, 0)));
        Ticket memory ticket = _ticket(0.1 ether, 1);
        bytes memory sig = _sign(ticket);
        vm.prank(orchestrator);
        broker.redeemWinningTicket(ticket, sig, recipientRand);
        vm.snapshotGasLastCall("TicketBroker", "redeemWinningTicket_secondOfRound");
    }

    function test_gas_redeemWinningTicket_depositAndReserve() public {
        broker.setReserveShares(1);
        _fundSender(sender, 1 ether, 10 ether);
        _redeem(_ticket(0.1 ether, 0), _sign(_ticket(0.1 ether, 0)));
        _nextRound();
        // 0.9 ether left in the deposit: the rest comes from the reserve (this sender's first claim).
        Ticket memory ticket = _ticket(2 ether, 1);
        bytes memory sig = _sign(ticket);
        vm.prank(orchestrator);
        broker.redeemWinningTicket(ticket, sig, recipientRand);
        vm.snapshotGasLastCall("TicketBroker", "redeemWinningTicket_depositAndReserve");
    }

    function test_gas_register_1() public {
        Capability[] memory caps = _capabilities(1);
        vm.prank(orchestrator);
        registry.register("https://orchestrator.example:8935", caps);
        vm.snapshotGasLastCall("CapabilityRegistry", "register_1");
    }

    function test_gas_register_10() public {
        Capability[] memory caps = _capabilities(10);
        vm.prank(orchestrator);
        registry.register("https://orchestrator.example:8935", caps);
        vm.snapshotGasLastCall("CapabilityRegistry", "register_10");
    }

    function test_gas_setCapability_updatePrice() public {
        Capability[] memory caps = _capabilities(10);
        vm.prank(orchestrator);
        registry.register("https://orchestrator.example:8935", caps);
        caps[3].pricePerUnit = 7;
        vm.prank(orchestrator);
        registry.setCapability(caps[3]);
        vm.snapshotGasLastCall("CapabilityRegistry", "setCapability_updatePrice");
    }

    function test_gas_removeCapability() public {
        Capability[] memory caps = _capabilities(10);
        vm.prank(orchestrator);
        registry.register("https://orchestrator.example:8935", caps);
        vm.prank(orchestrator);
        registry.removeCapability(caps[3].pipelineId, caps[3].modelId);
        vm.snapshotGasLastCall("CapabilityRegistry", "removeCapability");
    }

    /// `count` capabilities over two pipelines, each with its own model.
    function _capabilities(uint256 count) internal pure returns (Capability[] memory caps) {
        caps = new Capability[](count);
        for (uint256 i; i < count; ++i) {
            caps[i] = Capability({
                pipelineId: i % 2 == 0 ? keccak256("text-to-image") : keccak256("image-to-video"),
                modelId: keccak256(abi.encode("model", i)),
                pricePerUnit: uint128(1e6 + i),
                unit: bytes16("pixel")
            });
        }
    }
}
