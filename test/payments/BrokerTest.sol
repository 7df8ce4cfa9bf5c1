// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ticket} from "../../contracts/libraries/TicketLib.sol";
import {ProtocolTest} from "../utils/ProtocolTest.sol";
import {FeeCreditorStandIn} from "./FeeCreditorStandIn.sol";

/// The suite with a fee creditor stand-in set on the broker, one funded-able sender with a known key
/// and one active orchestrator, in an initialized round; and helpers to make and sign tickets.
abstract contract BrokerTest is ProtocolTest {
    uint256 internal constant WIN_ALWAYS = type(uint256).max;

    FeeCreditorStandIn internal creditor;
    address internal sender;
    uint256 internal senderKey;
    address internal orchestrator = makeAddr("orchestrator");
    uint256 internal recipientRand = uint256(keccak256("recipient secret"));

    function setUp() public virtual override {
        super.setUp();
        (sender, senderKey) = makeAddrAndKey("sender");
        creditor = new FeeCreditorStandIn(address(broker), rounds);
        broker.setFeeCreditor(creditor);
        creditor.setActive(orchestrator, true);
        _nextRound();
    }

    function _fund(address who, uint256 deposit, uint256 reserve) internal {
        vm.deal(who, deposit + reserve);
        vm.prank(who);
        broker.fundDepositAndReserve{value: deposit + reserve}(deposit, reserve);
    }

    /// A ticket from `sender` to `orchestrator` created in the current round.
    function _ticket(uint256 faceValue, uint256 nonce) internal view returns (Ticket memory) {
        return _ticketTo(orchestrator, faceValue, nonce);
    }

    function _ticketTo(address recipient, uint256 faceValue, uint256 nonce)
        internal
        view
        returns (Ticket memory)
    {
        uint256 round = rounds.currentRound();
        return Ticket({
            recipient: recipient,
            sender: sender,
            faceValue: faceValue,
            winProb: WIN_ALWAYS,
            senderNonce: nonce,
            recipientRandHash: keccak256(abi.encodePacked(recipientRand)),
            creationRound: round,
            creationRoundBlockHash: rounds.blockHashForRound(round)
        });
    }

    function _sign(Ticket memory ticket, uint256 key) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, broker.ticketHash(ticket));
        return abi.encodePacked(r, s, v);
    }

    function _sign(Ticket memory ticket) internal view returns (bytes memory) {
        return _sign(ticket, senderKey);
    }

    function _redeem(Ticket memory ticket, bytes memory sig) internal {
        vm.prank(ticket.recipient);
        broker.redeemWinningTicket(ticket, sig, recipientRand);
    }
}
