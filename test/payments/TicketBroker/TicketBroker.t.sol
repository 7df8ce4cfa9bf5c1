// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IFeeCreditor} from "../../../contracts/interfaces/IFeeCreditor.sol";
import {ITicketBroker} from "../../../contracts/interfaces/ITicketBroker.sol";
import {Ticket, TicketLib} from "../../../contracts/libraries/TicketLib.sol";
import {BrokerTest} from "../../fixtures/BrokerTest.sol";

/// Refuses ETH, to make a withdrawal fail.
contract EthRefuser {
    function fund(ITicketBroker broker) external payable {
        broker.fundDeposit{value: msg.value}();
    }

    function unlock(ITicketBroker broker) external {
        broker.unlock();
    }

    function withdraw(ITicketBroker broker) external {
        broker.withdraw();
    }
}

contract TicketBrokerTest is BrokerTest {
    // secp256k1 group order: s above n/2 is the malleable twin of a valid signature.
    uint256 internal constant N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    // ----- funding -----

    function test_fundDeposit() public {
        vm.deal(sender, 1 ether);
        vm.expectEmit(address(broker));
        emit ITicketBroker.Funded(sender, 1 ether, 0);
        vm.prank(sender);
        broker.fundDeposit{value: 1 ether}();
        _assertSender(sender, 1 ether, 0, 0);
        assertEq(address(broker).balance, 1 ether);
    }

    function test_fundReserve() public {
        vm.deal(sender, 2 ether);
        vm.expectEmit(address(broker));
        emit ITicketBroker.Funded(sender, 0, 2 ether);
        vm.prank(sender);
        broker.fundReserve{value: 2 ether}();
        _assertSender(sender, 0, 2 ether, 0);
    }

    function test_fundDepositAndReserve_accumulates() public {
        _fundSender(sender, 1 ether, 2 ether);
        vm.expectEmit(address(broker));
        emit ITicketBroker.Funded(sender, 3 ether, 4 ether);
        _fundSender(sender, 3 ether, 4 ether);
        _assertSender(sender, 4 ether, 6 ether, 0);
        assertEq(address(broker).balance, 10 ether);
    }

    function test_fundDepositAndReserve_revertsOnValueMismatch() public {
        vm.deal(sender, 3 ether);
        vm.prank(sender);
        vm.expectRevert(
            abi.encodeWithSelector(ITicketBroker.FundingMismatch.selector, 3 ether, 1 ether, 1 ether)
        );
        broker.fundDepositAndReserve{value: 3 ether}(1 ether, 1 ether);
    }

    function test_fund_revertsAbove96Bits() public {
        uint256 tooMuch = uint256(type(uint96).max) + 1;
        vm.deal(sender, tooMuch);
        vm.prank(sender);
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 96, tooMuch));
        broker.fundDeposit{value: tooMuch}();
    }

    // ----- unlock, cancel, withdraw -----

    function test_unlock_setsWithdrawRound() public {
        _fundSender(sender, 1 ether, 1 ether);
        uint256 round = rounds.currentRound();
        vm.expectEmit(address(broker));
        emit ITicketBroker.Unlock(sender, round, round + 2);
        vm.prank(sender);
        broker.unlock();
        _assertSender(sender, 1 ether, 1 ether, round + 2);
    }

    function test_unlock_revertsWithoutFunds() public {
        vm.prank(sender);
        vm.expectRevert(abi.encodeWithSelector(ITicketBroker.SenderHasNoFunds.selector, sender));
        broker.unlock();
    }

    function test_unlock_revertsWhenUnlocking() public {
        _fundSender(sender, 1 ether, 0);
        vm.prank(sender);
        broker.unlock();
        uint256 withdrawRound = rounds.currentRound() + 2;
        vm.prank(sender);
        vm.expectRevert(
            abi.encodeWithSelector(ITicketBroker.AlreadyUnlocking.selector, sender, withdrawRound)
        );
        broker.unlock();
    }

    function test_cancelUnlock() public {
        _fundSender(sender, 1 ether, 0);
        vm.prank(sender);
        broker.unlock();
        vm.expectEmit(address(broker));
        emit ITicketBroker.UnlockCancelled(sender);
        vm.prank(sender);
        broker.cancelUnlock();
        _assertSender(sender, 1 ether, 0, 0);
    }

    function test_cancelUnlock_revertsWhenNotUnlocking() public {
        vm.prank(sender);
        vm.expectRevert(abi.encodeWithSelector(ITicketBroker.NotUnlocking.selector, sender));
        broker.cancelUnlock();
    }

    function test_withdraw_revertsWhenNotUnlocking() public {
        _fundSender(sender, 1 ether, 0);
        vm.prank(sender);
        vm.expectRevert(abi.encodeWithSelector(ITicketBroker.NotUnlocking.selector, sender));
        broker.withdraw();
    }

    function test_withdraw_revertsDuringUnlockPeriod() public {
        _fundSender(sender, 1 ether, 0);
        vm.prank(sender);
        broker.unlock();
        uint256 withdrawRound = rounds.currentRound() + 2;
        _nextRound();
        vm.prank(sender);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITicketBroker.UnlockPending.selector, sender, withdrawRound, withdrawRound - 1
            )
        );
        broker.withdraw();
    }

    function test_withdraw_paysEverythingAfterUnlockPeriod() public {
        _fundSender(sender, 1 ether, 2 ether);
        vm.prank(sender);
        broker.unlock();
        _nextRound();
        _nextRound();
        vm.expectEmit(address(broker));
        emit ITicketBroker.Withdrawal(sender, 1 ether, 2 ether);
        vm.prank(sender);
        broker.withdraw();
        assertEq(sender.balance, 3 ether);
        assertEq(address(broker).balance, 0);
        _assertSender(sender, 0, 0, 0);
    }

    function test_withdraw_revertsWhenTransferFails() public {
        EthRefuser refuser = new EthRefuser();
        refuser.fund{value: 1 ether}(broker);
        refuser.unlock(broker);
        _nextRound();
        _nextRound();
        vm.expectRevert(
            abi.encodeWithSelector(ITicketBroker.TransferFailed.selector, address(refuser), 1 ether)
        );
        refuser.withdraw(broker);
    }

    // ----- redeeming -----

    function test_redeem_paysFromDepositToFeeCreditor() public {
        _fundSender(sender, 1 ether, 1 ether);
        Ticket memory ticket = _ticket(0.25 ether, 0);
        bytes memory sig = _sign(ticket);
        vm.expectEmit(address(broker));
        emit ITicketBroker.WinningTicketRedeemed(
            broker.ticketHash(ticket), sender, orchestrator, 0.25 ether, 0
        );
        _redeem(ticket, sig);
        _assertSender(sender, 0.75 ether, 1 ether, 0);
        assertEq(_credited(orchestrator), 0.25 ether);
        assertEq(address(bonding).balance, 0.25 ether);
        assertEq(address(broker).balance, 1.75 ether);
        assertEq(broker.nextSenderNonce(sender, orchestrator), 1);
    }

    function test_redeem_revertsOnReplay() public {
        _fundSender(sender, 1 ether, 0);
        Ticket memory ticket = _ticket(0.1 ether, 5);
        bytes memory sig = _sign(ticket);
        _redeem(ticket, sig);
        vm.prank(orchestrator);
        vm.expectRevert(abi.encodeWithSelector(ITicketBroker.TicketAlreadyRedeemed.selector, sender, 5, 6));
        broker.redeemWinningTicket(ticket, sig, recipientRand);
    }

    function test_redeem_lowerNonceAfterHigherReverts() public {
        _fundSender(sender, 1 ether, 0);
        Ticket memory high = _ticket(0.1 ether, 9);
        Ticket memory low = _ticket(0.1 ether, 3);
        bytes memory lowSig = _sign(low);
        _redeem(high, _sign(high));
        vm.prank(orchestrator);
        vm.expectRevert(abi.encodeWithSelector(ITicketBroker.TicketAlreadyRedeemed.selector, sender, 3, 10));
        broker.redeemWinningTicket(low, lowSig, recipientRand);
    }

    function test_redeem_noncesAreIndependentPerRecipient() public {
        _fundSender(sender, 1 ether, 0);
        Ticket memory a = _ticket(0.1 ether, 7);
        Ticket memory b = _ticketTo(other, 0.1 ether, 7);
        _redeem(a, _sign(a));
        _redeem(b, _sign(b));
        assertEq(_credited(orchestrator), 0.1 ether);
        assertEq(_credited(other), 0.1 ether);
    }

    function test_redeem_revertsForWrongRecipient() public {
        _fundSender(sender, 1 ether, 0);
        Ticket memory ticket = _ticket(0.1 ether, 0);
        bytes memory sig = _sign(ticket);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(ITicketBroker.WrongRecipient.selector, stranger, orchestrator));
        broker.redeemWinningTicket(ticket, sig, recipientRand);
    }

    function test_redeem_revertsForInactiveRecipient() public {
        _fundSender(sender, 1 ether, 0);
        _deactivate(orchestrator);
        Ticket memory ticket = _ticket(0.1 ether, 0);
        bytes memory sig = _sign(ticket);
        vm.prank(orchestrator);
        vm.expectRevert(abi.encodeWithSelector(ITicketBroker.RecipientNotActive.selector, orchestrator));
        broker.redeemWinningTicket(ticket, sig, recipientRand);
    }

    function test_redeem_revertsOnRandMismatch() public {
        _fundSender(sender, 1 ether, 0);
        Ticket memory ticket = _ticket(0.1 ether, 0);
        bytes memory sig = _sign(ticket);
        vm.prank(orchestrator);
        vm.expectRevert(
            abi.encodeWithSelector(ITicketBroker.RecipientRandMismatch.selector, ticket.recipientRandHash)
        );
        broker.redeemWinningTicket(ticket, sig, recipientRand + 1);
    }

    function test_redeem_revertsWhenExpired() public {
        _fundSender(sender, 1 ether, 0);
        Ticket memory ticket = _ticket(0.1 ether, 0);
        bytes memory sig = _sign(ticket);
        _nextRound(); // one round old: still valid (validity period 2)
        uint256 round = _nextRound(); // two rounds old: expired
        vm.prank(orchestrator);
        vm.expectRevert(
            abi.encodeWithSelector(ITicketBroker.TicketExpired.selector, ticket.creationRound, round)
        );
        broker.redeemWinningTicket(ticket, sig, recipientRand);
    }

    function test_redeem_validUntilTheLastRoundOfTheValidityPeriod() public {
        _fundSender(sender, 1 ether, 0);
        Ticket memory ticket = _ticket(0.1 ether, 0);
        bytes memory sig = _sign(ticket);
        _nextRound();
        _redeem(ticket, sig);
        assertEq(_credited(orchestrator), 0.1 ether);
    }

    function test_redeem_revertsOnWrongBlockHash() public {
        _fundSender(sender, 1 ether, 0);
        Ticket memory ticket = _ticket(0.1 ether, 0);
        ticket.creationRoundBlockHash = keccak256("another block");
        bytes memory sig = _sign(ticket);
        vm.prank(orchestrator);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITicketBroker.InvalidCreationRoundBlockHash.selector,
                ticket.creationRound,
                ticket.creationRoundBlockHash
            )
        );
        broker.redeemWinningTicket(ticket, sig, recipientRand);
    }

    function test_redeem_revertsForUninitializedOrFutureRound() public {
        _fundSender(sender, 1 ether, 0);
        // The current round, not initialized yet: no block hash; a zero hash in the ticket is no match.
        vm.roll(rounds.currentRoundStartBlock() + ROUND_LENGTH);
        Ticket memory ticket = _ticket(0.1 ether, 0);
        assertEq(ticket.creationRoundBlockHash, bytes32(0));
        bytes memory sig = _sign(ticket);
        vm.prank(orchestrator);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITicketBroker.InvalidCreationRoundBlockHash.selector, ticket.creationRound, 0
            )
        );
        broker.redeemWinningTicket(ticket, sig, recipientRand);

        ticket.creationRound += 5;
        sig = _sign(ticket);
        vm.prank(orchestrator);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITicketBroker.InvalidCreationRoundBlockHash.selector, ticket.creationRound, 0
            )
        );
        broker.redeemWinningTicket(ticket, sig, recipientRand);
    }

    function test_redeem_revertsOnSignatureByAnotherKey() public {
        _fundSender(sender, 1 ether, 0);
        Ticket memory ticket = _ticket(0.1 ether, 0);
        (, uint256 otherKey) = makeAddrAndKey("impostor");
        bytes memory sig = _sign(ticket, otherKey);
        vm.prank(orchestrator);
        vm.expectRevert(abi.encodeWithSelector(ITicketBroker.InvalidSignature.selector, sender));
        broker.redeemWinningTicket(ticket, sig, recipientRand);
    }

    function test_redeem_revertsOnTamperedTicket() public {
        _fundSender(sender, 1 ether, 0);
        Ticket memory ticket = _ticket(0.1 ether, 0);
        bytes memory sig = _sign(ticket);
        ticket.faceValue = 1 ether;
        vm.prank(orchestrator);
        vm.expectRevert(abi.encodeWithSelector(ITicketBroker.InvalidSignature.selector, sender));
        broker.redeemWinningTicket(ticket, sig, recipientRand);
    }

    function test_redeem_revertsOnMalleableSignature() public {
        _fundSender(sender, 1 ether, 0);
        Ticket memory ticket = _ticket(0.1 ether, 0);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(senderKey, broker.ticketHash(ticket));
        // The same point with s' = n - s and the other parity: ecrecover accepts it, OZ ECDSA does not.
        bytes memory twin = abi.encodePacked(r, bytes32(N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
        assertEq(ecrecover(broker.ticketHash(ticket), v == 27 ? 28 : 27, r, bytes32(N - uint256(s))), sender);
        vm.prank(orchestrator);
        vm.expectRevert(abi.encodeWithSelector(ITicketBroker.InvalidSignature.selector, sender));
        broker.redeemWinningTicket(ticket, twin, recipientRand);
    }

    function test_redeem_revertsOnShortSignature() public {
        _fundSender(sender, 1 ether, 0);
        Ticket memory ticket = _ticket(0.1 ether, 0);
        bytes memory sig = _sign(ticket);
        assembly {
            mstore(sig, 64)
        }
        vm.prank(orchestrator);
        vm.expectRevert(abi.encodeWithSelector(ITicketBroker.InvalidSignature.selector, sender));
        broker.redeemWinningTicket(ticket, sig, recipientRand);
    }

    function test_redeem_revertsWhenNotWinning() public {
        _fundSender(sender, 1 ether, 0);
        Ticket memory ticket = _ticket(0.1 ether, 0);
        ticket.winProb = 0;
        bytes memory sig = _sign(ticket);
        vm.prank(orchestrator);
        vm.expectRevert(ITicketBroker.TicketNotWinning.selector);
        broker.redeemWinningTicket(ticket, sig, recipientRand);
    }

    function test_redeem_winCheckIsTheHashOfSignatureAndRand() public view {
        bytes memory sig = _sign(_ticket(0.1 ether, 0));
        uint256 h = uint256(keccak256(abi.encodePacked(sig, recipientRand)));
        assertTrue(broker.isWinningTicket(sig, recipientRand, h + 1));
        assertFalse(broker.isWinningTicket(sig, recipientRand, h));
    }

    function test_redeem_revertsWithoutFeeCreditor() public {
        broker.setFeeCreditor(IFeeCreditor(address(0)));
        Ticket memory ticket = _ticket(0.1 ether, 0);
        bytes memory sig = _sign(ticket);
        vm.prank(orchestrator);
        vm.expectRevert(ITicketBroker.FeeCreditorNotSet.selector);
        broker.redeemWinningTicket(ticket, sig, recipientRand);
    }

    function test_redeem_revertsWhenSenderHasNoFunds() public {
        Ticket memory ticket = _ticket(0.1 ether, 0);
        bytes memory sig = _sign(ticket);
        vm.prank(orchestrator);
        vm.expectRevert(abi.encodeWithSelector(ITicketBroker.SenderHasNoFunds.selector, sender));
        broker.redeemWinningTicket(ticket, sig, recipientRand);
    }

    function test_redeem_allowedWhileUnlocking() public {
        _fundSender(sender, 1 ether, 0);
        vm.prank(sender);
        broker.unlock();
        _nextRound();
        _nextRound(); // the unlock period is over, but the sender has not withdrawn yet
        Ticket memory ticket = _ticket(0.1 ether, 0);
        _redeem(ticket, _sign(ticket));
        assertEq(_credited(orchestrator), 0.1 ether);
        vm.prank(sender);
        broker.withdraw();
        assertEq(sender.balance, 0.9 ether);
    }

    function test_redeem_zeroFaceValueCreditsNothing() public {
        _fundSender(sender, 1 ether, 0);
        Ticket memory ticket = _ticket(0, 0);
        _redeem(ticket, _sign(ticket));
        assertEq(_credited(orchestrator), 0);
        assertEq(broker.nextSenderNonce(sender, orchestrator), 1);
    }

    // ----- the reserve -----

    function test_redeem_paysDepositThenReserve() public {
        _fundSender(sender, 1 ether, 100 ether); // 100 shares: 1 ether allocation per orchestrator per round
        Ticket memory ticket = _ticket(1.5 ether, 0);
        vm.expectEmit(address(broker));
        emit ITicketBroker.WinningTicketRedeemed(
            broker.ticketHash(ticket), sender, orchestrator, 1 ether, 0.5 ether
        );
        _redeem(ticket, _sign(ticket));
        _assertSender(sender, 0, 99.5 ether, 0);
        assertEq(_credited(orchestrator), 1.5 ether);
        assertEq(broker.claimedReserve(sender, orchestrator), 0.5 ether);
        assertEq(broker.claimableReserve(sender, orchestrator), 0.5 ether);
    }

    function test_reserve_allocationCapsEachOrchestratorPerRound() public {
        broker.setReserveShares(4);
        _fundSender(sender, 0, 40 ether); // 10 ether per orchestrator per round
        Ticket memory big = _ticket(25 ether, 0);
        _redeem(big, _sign(big));
        assertEq(_credited(orchestrator), 10 ether, "capped at the allocation");
        Ticket memory more = _ticket(1 ether, 1);
        _redeem(more, _sign(more));
        assertEq(_credited(orchestrator), 10 ether, "nothing left this round");

        // Another orchestrator still gets its full allocation of the round-start reserve.
        Ticket memory theirs = _ticketTo(other, 25 ether, 0);
        _redeem(theirs, _sign(theirs));
        assertEq(_credited(other), 10 ether);
        _assertSender(sender, 0, 20 ether, 0);

        // Next round: a fresh allocation of what is left.
        _nextRound();
        assertEq(broker.claimableReserve(sender, orchestrator), 5 ether);
        Ticket memory next = _ticket(25 ether, 2);
        _redeem(next, _sign(next));
        assertEq(_credited(orchestrator), 15 ether);
    }

    function test_reserve_oneShareCannotOverdraw() public {
        broker.setReserveShares(1);
        _fundSender(sender, 0, 10 ether);
        Ticket memory a = _ticketTo(other, 6 ether, 0);
        _redeem(a, _sign(a));
        Ticket memory b = _ticket(6 ether, 0);
        _redeem(b, _sign(b));
        assertEq(_credited(orchestrator), 4 ether);
        _assertSender(sender, 0, 0, 0);
        assertEq(address(broker).balance, 0);
    }

    function test_reserve_withdrawForgetsTheRoundsClaims() public {
        broker.setReserveShares(2);
        _fundSender(sender, 0, 10 ether);
        vm.prank(sender);
        broker.unlock();
        _nextRound();
        _nextRound();
        Ticket memory ticket = _ticket(5 ether, 0);
        _redeem(ticket, _sign(ticket));
        vm.prank(sender);
        broker.withdraw();
        // Refunded in the same round: the old claims do not inflate the new allocation.
        _fundSender(sender, 0, 10 ether);
        address other = makeAddr("other orchestrator");
        assertEq(broker.claimableReserve(sender, other), 5 ether);
    }

    // ----- governance -----

    function test_setters_updateAndEmit() public {
        vm.expectEmit(address(broker));
        emit ITicketBroker.UnlockPeriodSet(7);
        broker.setUnlockPeriod(7);
        vm.expectEmit(address(broker));
        emit ITicketBroker.TicketValidityPeriodSet(3);
        broker.setTicketValidityPeriod(3);
        vm.expectEmit(address(broker));
        emit ITicketBroker.ReserveSharesSet(50);
        broker.setReserveShares(50);
        vm.expectEmit(address(broker));
        emit ITicketBroker.FeeCreditorSet(stranger);
        broker.setFeeCreditor(IFeeCreditor(stranger));
        assertEq(broker.unlockPeriod(), 7);
        assertEq(broker.ticketValidityPeriod(), 3);
        assertEq(broker.reserveShares(), 50);
        assertEq(address(broker.feeCreditor()), stranger);
    }

    function test_setters_rejectZero() public {
        vm.expectRevert(ITicketBroker.ZeroParameter.selector);
        broker.setUnlockPeriod(0);
        vm.expectRevert(ITicketBroker.ZeroParameter.selector);
        broker.setTicketValidityPeriod(0);
        vm.expectRevert(ITicketBroker.ZeroParameter.selector);
        broker.setReserveShares(0);
    }

    function test_setters_revertForStranger() public {
        vm.startPrank(stranger);
        vm.expectRevert(_unauthorized(stranger));
        broker.setUnlockPeriod(7);
        vm.expectRevert(_unauthorized(stranger));
        broker.setTicketValidityPeriod(7);
        vm.expectRevert(_unauthorized(stranger));
        broker.setReserveShares(7);
        vm.expectRevert(_unauthorized(stranger));
        broker.setFeeCreditor(IFeeCreditor(stranger));
        vm.stopPrank();
    }

    // ----- hashing -----

    function test_ticketHash_isEip712() public view {
        Ticket memory t = _ticket(0.1 ether, 42);
        bytes32 domain = keccak256(
            abi.encode(
                keccak256(
                    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
                ),
                keccak256("TicketBroker"),
                keccak256("1"),
                block.chainid,
                address(broker)
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(
                TicketLib.TICKET_TYPEHASH,
                t.recipient,
                t.sender,
                t.faceValue,
                t.winProb,
                t.senderNonce,
                t.recipientRandHash,
                t.creationRound,
                t.creationRoundBlockHash
            )
        );
        assertEq(broker.ticketHash(t), keccak256(abi.encodePacked(hex"1901", domain, structHash)));
    }

    function _assertSender(address who, uint256 deposit, uint256 reserve, uint256 withdrawRound)
        internal
        view
    {
        (uint256 d, uint256 r, uint256 w) = broker.getSenderInfo(who);
        assertEq(d, deposit, "deposit");
        assertEq(r, reserve, "reserve");
        assertEq(w, withdrawRound, "withdrawRound");
    }
}
