// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ITicketBroker} from "../../contracts/interfaces/ITicketBroker.sol";
import {ReserveMath} from "../../contracts/libraries/ReserveMath.sol";
import {Ticket} from "../../contracts/libraries/TicketLib.sol";
import {BrokerTest} from "../payments/BrokerTest.sol";

contract TicketBrokerFuzzTest is BrokerTest {
    /// A redemption pays the face value from the deposit, then the reserve up to the allocation,
    /// and moves exactly that much ETH from the broker to the fee creditor.
    function testFuzz_redeem_paysDepositThenAllocation(
        uint96 deposit,
        uint96 reserve,
        uint256 faceValue,
        uint256 shares
    ) public {
        vm.assume(uint256(deposit) + reserve > 0);
        faceValue = bound(faceValue, 0, 2 * (uint256(deposit) + reserve));
        shares = bound(shares, 1, 200);
        broker.setReserveShares(shares);
        _fund(sender, deposit, reserve);

        Ticket memory ticket = _ticket(faceValue, 0);
        _redeem(ticket, _sign(ticket));

        uint256 fromDeposit = faceValue < deposit ? faceValue : deposit;
        uint256 rest = faceValue - fromDeposit;
        uint256 allocation = uint256(reserve) / shares;
        uint256 fromReserve = rest < allocation ? rest : allocation;
        (uint256 d, uint256 r,) = broker.getSenderInfo(sender);
        assertEq(d, deposit - fromDeposit, "deposit");
        assertEq(r, reserve - fromReserve, "reserve");
        assertEq(creditor.credited(orchestrator), fromDeposit + fromReserve, "credited");
        assertEq(address(broker).balance + address(creditor).balance, uint256(deposit) + reserve, "conserved");
    }

    /// A ticket wins exactly when the hash of signature and random number is under `winProb`.
    function testFuzz_redeem_winsIffHashUnderWinProb(uint256 winProb, uint256 rand) public {
        recipientRand = rand;
        _fund(sender, 1 ether, 0);
        Ticket memory ticket = _ticket(0.1 ether, 0);
        ticket.winProb = winProb;
        bytes memory sig = _sign(ticket);
        bool wins = uint256(keccak256(abi.encodePacked(sig, rand))) < winProb;
        assertEq(broker.isWinningTicket(sig, rand, winProb), wins);
        if (!wins) vm.expectRevert(ITicketBroker.TicketNotWinning.selector);
        _redeem(ticket, sig);
    }

    /// Any change to a signed ticket's amounts, nonce or sender invalidates the signature.
    function testFuzz_redeem_rejectsAnyTamperedField(uint8 field, uint256 delta) public {
        delta = bound(delta, 1, type(uint64).max);
        _fund(sender, 1 ether, 0);
        Ticket memory ticket = _ticket(0.1 ether, 10);
        bytes memory sig = _sign(ticket);
        field = uint8(bound(field, 0, 3));
        if (field == 0) ticket.faceValue += delta;
        else if (field == 1) ticket.winProb -= delta;
        else if (field == 2) ticket.senderNonce += delta;
        else ticket.sender = address(uint160(ticket.sender) ^ uint160(delta));
        vm.prank(orchestrator);
        vm.expectRevert(abi.encodeWithSelector(ITicketBroker.InvalidSignature.selector, ticket.sender));
        broker.redeemWinningTicket(ticket, sig, recipientRand);
    }

    /// Funding, unlocking and withdrawing returns exactly what was funded.
    function testFuzz_withdraw_returnsEverything(uint96 deposit, uint96 reserve, uint8 extraRounds) public {
        vm.assume(uint256(deposit) + reserve > 0);
        _fund(sender, deposit, reserve);
        vm.prank(sender);
        broker.unlock();
        for (uint256 i; i < 2 + uint256(extraRounds) % 3; ++i) {
            _nextRound();
        }
        vm.prank(sender);
        broker.withdraw();
        assertEq(sender.balance, uint256(deposit) + reserve);
        assertEq(address(broker).balance, 0);
    }

    /// However the orchestrators claim within a round, the claims never exceed the round-start
    /// reserve, and an orchestrator that claimed nothing yet can still get its full allocation.
    function testFuzz_claimableDown_neverOverdrawsAndKeepsEachAllocation(
        uint96 startReserve,
        uint256 shares,
        uint256[8] memory wants
    ) public pure {
        shares = bound(shares, 1, 8);
        uint256 allocation = uint256(startReserve) / shares;
        uint256 reserve = startReserve;
        uint256 claimedInRound;
        for (uint256 i; i < shares; ++i) {
            uint256 claimable = ReserveMath.claimableDown(reserve, claimedInRound, 0, shares);
            assertEq(claimable, allocation, "each fresh orchestrator gets its full allocation");
            uint256 claim = bound(wants[i], 0, claimable);
            assertLe(ReserveMath.claimableDown(reserve, claimedInRound, claim, shares), allocation - claim);
            reserve -= claim;
            claimedInRound += claim;
        }
        assertLe(claimedInRound, startReserve);
    }
}
