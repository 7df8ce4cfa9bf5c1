// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {console} from "forge-std/console.sol";
import {Capability} from "../../contracts/interfaces/ICapabilityRegistry.sol";
import {Ticket} from "../../contracts/libraries/TicketLib.sol";
import {BrokerTest} from "../fixtures/BrokerTest.sol";
import {GasTargets} from "./GasTargets.sol";

/// `make gas`: each operation's transaction gas (forge runs with `isolate = true`, so a call's gas is
/// the gasUsed of its own transaction, as on anvil) beside Livepeer's reference, as a table.
///
/// To add rows (the bonding operations, say): write an internal `_scenario...` function that sets the
/// state up, makes the one call to measure and returns `_row(name, livepeerGas)`; pass it to `_run` in
/// `test_gasScenario`. Each scenario starts from the same state (setUp), restored between rows. The
/// measured call must come from this contract itself (internal functions, never `this.`): only such
/// top-level calls run as their own transactions. The numbers equal `snapshots/*.json`.
contract GasScenarioTest is BrokerTest {
    struct Row {
        string operation;
        uint256 livepeer; // 0: no reference
        uint256 ours;
    }

    Row[] internal rows;

    function test_gasScenario() public {
        _run(_scenarioFundDepositAndReserve);
        _run(_scenarioRedeemFirstOfRound);
        _run(_scenarioRedeemSecondOfRound);
        _run(_scenarioRedeemDepositAndReserve);
        _run(_scenarioRedeemDepositAndReserveAgain);
        _run(_scenarioRegister1);
        _run(_scenarioRegister10);
        _print();
    }

    // ----- TicketBroker -----

    function _scenarioFundDepositAndReserve() internal returns (Row memory) {
        vm.deal(sender, 2 ether);
        vm.prank(sender);
        broker.fundDepositAndReserve{value: 2 ether}(1 ether, 1 ether);
        return _row("TicketBroker.fundDepositAndReserve", 108_000);
    }

    function _scenarioRedeemFirstOfRound() internal returns (Row memory) {
        _fundSender(sender, 10 ether, 10 ether);
        _redeem(_ticket(0.1 ether, 0), _sign(_ticket(0.1 ether, 0)));
        _nextRound();
        _redeemMeasured(_ticket(0.1 ether, 1));
        return _row("TicketBroker.redeemWinningTicket (first of round)", 243_000);
    }

    function _scenarioRedeemSecondOfRound() internal returns (Row memory) {
        _fundSender(sender, 10 ether, 10 ether);
        _redeem(_ticket(0.1 ether, 0), _sign(_ticket(0.1 ether, 0)));
        _redeemMeasured(_ticket(0.1 ether, 1));
        return _row("TicketBroker.redeemWinningTicket (second of round)", 185_000);
    }

    function _scenarioRedeemDepositAndReserve() internal returns (Row memory) {
        broker.setReserveShares(1);
        _fundSender(sender, 1 ether, 10 ether);
        _redeem(_ticket(0.1 ether, 0), _sign(_ticket(0.1 ether, 0)));
        _nextRound();
        _redeemMeasured(_ticket(2 ether, 1));
        return _row("TicketBroker.redeemWinningTicket (deposit + reserve)", 264_000);
    }

    /// As above, but the sender's reserve was claimed from in an earlier round: its round-claim slot
    /// is reused instead of filled from zero (Livepeer's is keyed by round: fresh every round).
    function _scenarioRedeemDepositAndReserveAgain() internal returns (Row memory) {
        broker.setReserveShares(1);
        _fundSender(sender, 1 ether, 10 ether);
        _redeem(_ticket(0.1 ether, 0), _sign(_ticket(0.1 ether, 0)));
        _nextRound();
        _redeem(_ticket(2 ether, 1), _sign(_ticket(2 ether, 1))); // empties the deposit, claims reserve
        _nextRound();
        _fundSender(sender, 1 ether, 0);
        _redeemMeasured(_ticket(2 ether, 2));
        return _row("TicketBroker.redeemWinningTicket (deposit + reserve, reserve claimed before)", 264_000);
    }

    // ----- CapabilityRegistry -----

    function _scenarioRegister1() internal returns (Row memory) {
        _register(1);
        return _row("CapabilityRegistry.register (1 capability)", 0);
    }

    function _scenarioRegister10() internal returns (Row memory) {
        _register(10);
        return _row("CapabilityRegistry.register (10 capabilities)", 0);
    }

    // ----- helpers -----

    function _redeemMeasured(Ticket memory ticket) internal {
        bytes memory sig = _sign(ticket);
        vm.prank(orchestrator);
        broker.redeemWinningTicket(ticket, sig, recipientRand);
    }

    function _register(uint256 count) internal {
        Capability[] memory caps = new Capability[](count);
        for (uint256 i; i < count; ++i) {
            caps[i] = Capability({
                pipelineId: i % 2 == 0 ? keccak256("text-to-image") : keccak256("image-to-video"),
                modelId: keccak256(abi.encode("model", i)),
                pricePerUnit: uint128(1e6 + i),
                unit: bytes16("pixel")
            });
        }
        vm.prank(orchestrator);
        registry.register("https://orchestrator.example:8935", caps);
    }

    /// The gas of the last call, as its own transaction.
    function _row(string memory operation, uint256 livepeer) internal view returns (Row memory) {
        return Row(operation, livepeer, vm.lastCallGas().gasTotalUsed);
    }

    function _run(function() internal returns (Row memory) scenario) internal {
        uint256 state = vm.snapshotState();
        Row memory row = scenario();
        vm.revertToState(state);
        rows.push(row);
    }

    function _print() internal view {
        console.log("| operation | Livepeer gas | ours | ours / Livepeer | <= half |");
        console.log("| --- | ---: | ---: | ---: | :---: |");
        for (uint256 i; i < rows.length; ++i) {
            Row memory row = rows[i];
            bool hasRef = row.livepeer != 0;
            string memory ratio = hasRef ? _percent(row.ours, row.livepeer) : "-";
            string memory livepeerGas = hasRef ? vm.toString(row.livepeer) : "-";
            string memory met = hasRef ? (row.ours * 2 <= row.livepeer ? "yes" : "NO") : "-";
            console.log(
                string.concat(
                    "| ",
                    row.operation,
                    " | ",
                    livepeerGas,
                    " | ",
                    vm.toString(row.ours),
                    " | ",
                    ratio,
                    " | ",
                    met,
                    " |"
                )
            );
        }
        for (uint256 i; i < rows.length; ++i) {
            if (rows[i].livepeer != 0) {
                GasTargets.check(rows[i].operation, rows[i].ours, rows[i].livepeer / 2);
            }
        }
    }

    function _percent(uint256 ours, uint256 livepeer) internal pure returns (string memory) {
        uint256 tenths = (ours * 1000 + livepeer / 2) / livepeer;
        return string.concat(vm.toString(tenths / 10), ".", vm.toString(tenths % 10), "%");
    }
}
