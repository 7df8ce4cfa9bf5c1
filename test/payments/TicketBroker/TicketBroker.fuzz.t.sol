// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ITicketBroker} from "../../../contracts/interfaces/ITicketBroker.sol";
import {ReserveMath} from "../../../contracts/libraries/ReserveMath.sol";
import {Ticket} from "../../../contracts/libraries/TicketLib.sol";
import {BrokerTest} from "../../fixtures/BrokerTest.sol";

contract TicketBrokerFuzzTest is BrokerTest {
    // Each test keeps one code path per run (the gas snapshot compares their mean and median).

    /// A face value the deposit covers comes from the deposit alone.
    function testFuzz_redeem_paysFromDeposit(uint96 deposit, uint96 reserve, uint256 faceValue) public {
        deposit = uint96(bound(deposit, 1, type(uint96).max));
        faceValue = bound(faceValue, 1, deposit);
        _fundSender(sender, deposit, reserve);
        _redeemAndCheck(faceValue, deposit, reserve, faceValue, 0);
    }

    /// What the deposit cannot cover comes from the reserve, up to this orchestrator's allocation.
    function testFuzz_redeem_paysDepositThenAllocation(
        uint96 deposit,
        uint96 reserve,
        uint256 faceValue,
        uint256 shares
    ) public {
        shares = bound(shares, 1, 200);
        // An orchestrator's fees are kept in 96 bits (7.9e10 ETH): keep one ticket well inside that.
        deposit = uint96(bound(deposit, 0, type(uint96).max / 4));
        reserve = uint96(bound(reserve, shares, type(uint96).max / 4));
        faceValue = bound(faceValue, uint256(deposit) + 1, 2 * (uint256(deposit) + reserve));
        broker.setReserveShares(shares);
        _fundSender(sender, deposit, reserve);
        uint256 allocation = uint256(reserve) / shares;
        uint256 rest = faceValue - deposit;
        _redeemAndCheck(faceValue, deposit, reserve, deposit, rest < allocation ? rest : allocation);
    }

    /// The win check is the hash of signature and random number against `winProb`.
    function testFuzz_isWinningTicket_matchesFormula(bytes memory sig, uint256 rand, uint256 winProb)
        public
        view
    {
        bool wins = uint256(keccak256(abi.encodePacked(sig, rand))) < winProb;
        assertEq(broker.isWinningTicket(sig, rand, winProb), wins);
    }

    /// A random recipient number redeems when it matches the commitment, whatever it is.
    function testFuzz_redeem_anyCommittedRand(uint256 rand) public {
        recipientRand = rand;
        _fundSender(sender, 1 ether, 0);
        Ticket memory ticket = _ticket(0.1 ether, 0);
        _redeem(ticket, _sign(ticket));
        assertEq(_credited(orchestrator), 0.1 ether);
    }

    /// Any change to a signed ticket's amounts, nonce or sender invalidates the signature.
    function testFuzz_redeem_rejectsAnyTamperedField(uint8 field, uint256 delta) public {
        delta = bound(delta, 1, type(uint64).max);
        _fundSender(sender, 1 ether, 0);
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
    function testFuzz_withdraw_returnsEverything(uint96 deposit, uint96 reserve) public {
        vm.assume(uint256(deposit) + reserve > 0);
        _fundSender(sender, deposit, reserve);
        vm.prank(sender);
        broker.unlock();
        _nextRound();
        _nextRound();
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
        // Always eight claimants (steady gas per run); the first `shares` are the active set.
        for (uint256 i; i < 8; ++i) {
            uint256 claimable = ReserveMath.claimableDown(reserve, claimedInRound, 0, shares);
            if (i < shares) {
                assertEq(claimable, allocation, "each fresh orchestrator gets its full allocation");
            }
            uint256 claim = bound(wants[i], 0, claimable);
            assertLe(ReserveMath.claimableDown(reserve, claimedInRound, claim, shares), allocation - claim);
            reserve -= claim;
            claimedInRound += claim;
        }
        assertLe(claimedInRound, startReserve);
    }

    function _redeemAndCheck(
        uint256 faceValue,
        uint256 deposit,
        uint256 reserve,
        uint256 fromDeposit,
        uint256 fromReserve
    ) internal {
        Ticket memory ticket = _ticket(faceValue, 0);
        _redeem(ticket, _sign(ticket));
        (uint256 d, uint256 r,) = broker.getSenderInfo(sender);
        assertEq(d, deposit - fromDeposit, "deposit");
        assertEq(r, reserve - fromReserve, "reserve");
        assertEq(_credited(orchestrator), fromDeposit + fromReserve, "credited");
        assertEq(address(broker).balance + address(bonding).balance, deposit + reserve, "conserved");
    }
}
