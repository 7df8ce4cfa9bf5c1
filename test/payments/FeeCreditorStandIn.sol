// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IFeeCreditor} from "../../contracts/interfaces/IFeeCreditor.sol";
import {IRoundsManager} from "../../contracts/interfaces/IRoundsManager.sol";

/// TEST STAND-IN for the bonding contract, which does not exist on this branch: a settable active set
/// and a record of the ETH credited per orchestrator, in total and per round (a fresh slot on a
/// round's first credit, as the bonding contract's per-round fee pool will be). Only the broker may
/// credit, as the real one restricts `creditFees` to FEE_CREDITOR. Never deployed outside tests.
contract FeeCreditorStandIn is IFeeCreditor {
    address public immutable broker;
    IRoundsManager public immutable rounds;

    mapping(address orchestrator => bool) public isActiveOrchestrator;
    mapping(address orchestrator => uint256) public credited;
    mapping(uint256 round => mapping(address orchestrator => uint256)) public creditedInRound;

    event FeesCredited(address indexed orchestrator, uint256 amount);

    error NotBroker(address caller);

    constructor(address broker_, IRoundsManager rounds_) {
        (broker, rounds) = (broker_, rounds_);
    }

    function setActive(address orchestrator, bool active) external {
        isActiveOrchestrator[orchestrator] = active;
    }

    function creditFees(address orchestrator) external payable {
        if (msg.sender != broker) revert NotBroker(msg.sender);
        credited[orchestrator] += msg.value;
        creditedInRound[rounds.currentRound()][orchestrator] += msg.value;
        emit FeesCredited(orchestrator, msg.value);
    }
}
