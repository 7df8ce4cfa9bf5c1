// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ticket} from "../../contracts/libraries/TicketLib.sol";
import {BondingFixture} from "../utils/BondingFixture.sol";

/// The deployed suite (the broker pays into the real BondingManager), one fundable sender with a
/// known key and two active orchestrators that keep all fees (fee share 0, so an orchestrator's
/// pending fees are exactly what was credited to it), in an initialized round; and helpers to make
/// and sign tickets.
abstract contract BrokerTest is BondingFixture {
    uint256 internal constant WIN_ALWAYS = type(uint256).max;

    address internal sender;
    uint256 internal senderKey;
    address internal orchestrator = makeAddr("orchestrator");
    address internal other = makeAddr("other orchestrator");
    uint256 internal recipientRand = uint256(keccak256("recipient secret"));

    function setUp() public virtual override {
        super.setUp();
        (sender, senderKey) = makeAddrAndKey("sender");
        _registerOrchestrator(orchestrator, 0, 0, 100 ether);
        _registerOrchestrator(other, 0, 0, 50 ether);
        _nextRound();
    }

    /// The ETH credited to `recipient` as fees so far (it keeps them all: fee share 0).
    function _credited(address recipient) internal view returns (uint256) {
        return lens.pendingFees(recipient);
    }

    /// Takes `recipient` out of the active set from the next round, and moves there.
    function _deactivate(address recipient) internal {
        uint256 stake = lens.pendingStake(recipient);
        vm.prank(recipient);
        bonding.unbond(stake, address(0), address(0));
        _nextRound();
    }

    function _fundSender(address who, uint256 deposit, uint256 reserve) internal {
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
