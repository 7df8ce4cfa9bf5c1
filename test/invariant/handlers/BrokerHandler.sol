// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BondingLens} from "../../../contracts/bonding/BondingLens.sol";
import {IExtsload} from "../../../contracts/interfaces/IExtsload.sol";
import {Test} from "forge-std/Test.sol";
import {RoundsManager} from "../../../contracts/rounds/RoundsManager.sol";
import {TicketBroker} from "../../../contracts/payments/TicketBroker.sol";
import {Ticket} from "../../../contracts/libraries/TicketLib.sol";
import {BondingManager} from "../../../contracts/bonding/BondingManager.sol";

/// Drives the broker with a few senders and orchestrators at random: funding, unlocking, cancelling,
/// withdrawing, redeeming winning tickets and moving rounds; keeps ghost totals of the ETH in and out.
contract BrokerHandler is Test {
    TicketBroker internal immutable broker;
    RoundsManager internal immutable rounds;
    BondingManager internal immutable bonding;
    BondingLens internal immutable lens;

    uint256 internal constant SENDERS = 3;
    uint256 internal constant ORCHESTRATORS = 3;
    uint256 internal constant RAND = 0xC0FFEE;

    address[] public senders;
    uint256[] internal senderKeys;
    address[] public orchestrators;
    mapping(address sender => mapping(address orchestrator => uint256)) internal nextNonce;

    uint256 public ghostFunded;

    function orchestratorCount() external pure returns (uint256) {
        return ORCHESTRATORS;
    }

    uint256 public ghostWithdrawn;
    uint256 public ghostRedeemed;

    constructor(TicketBroker broker_, RoundsManager rounds_, BondingManager bonding_) {
        (broker, rounds, bonding) = (broker_, rounds_, bonding_);
        lens = new BondingLens(IExtsload(address(bonding_)));
        for (uint256 i; i < SENDERS; ++i) {
            (address who, uint256 key) = makeAddrAndKey(string.concat("sender", vm.toString(i)));
            senders.push(who);
            senderKeys.push(key);
        }
        for (uint256 i; i < ORCHESTRATORS; ++i) {
            orchestrators.push(makeAddr(string.concat("orchestrator", vm.toString(i))));
        }
    }

    function senderCount() external pure returns (uint256) {
        return SENDERS;
    }

    function fund(uint256 who, uint256 deposit, uint256 reserve) external {
        address sender = senders[who % SENDERS];
        deposit = bound(deposit, 0, 100 ether);
        reserve = bound(reserve, 0, 100 ether);
        vm.deal(sender, deposit + reserve);
        vm.prank(sender);
        broker.fundDepositAndReserve{value: deposit + reserve}(deposit, reserve);
        ghostFunded += deposit + reserve;
    }

    function unlock(uint256 who) external {
        address sender = senders[who % SENDERS];
        (uint256 deposit, uint256 reserve, uint256 withdrawRound) = broker.getSenderInfo(sender);
        if (deposit + reserve == 0 || withdrawRound != 0) return;
        vm.prank(sender);
        broker.unlock();
    }

    function cancelUnlock(uint256 who) external {
        address sender = senders[who % SENDERS];
        (,, uint256 withdrawRound) = broker.getSenderInfo(sender);
        if (withdrawRound == 0) return;
        vm.prank(sender);
        broker.cancelUnlock();
    }

    function withdraw(uint256 who) external {
        address sender = senders[who % SENDERS];
        (uint256 deposit, uint256 reserve, uint256 withdrawRound) = broker.getSenderInfo(sender);
        if (withdrawRound == 0 || rounds.currentRound() < withdrawRound) return;
        vm.prank(sender);
        broker.withdraw();
        ghostWithdrawn += deposit + reserve;
    }

    function redeem(uint256 who, uint256 to, uint256 faceValue, bool active) external {
        uint256 s = who % SENDERS;
        address sender = senders[s];
        address orchestrator = orchestrators[to % ORCHESTRATORS];
        (uint256 deposit, uint256 reserve,) = broker.getSenderInfo(sender);
        if (deposit + reserve == 0 || !rounds.currentRoundInitialized()) return;
        if (!active || !bonding.isActiveOrchestrator(orchestrator)) return;

        uint256 round = rounds.currentRound();
        Ticket memory ticket = Ticket({
            recipient: orchestrator,
            sender: sender,
            faceValue: bound(faceValue, 0, 2 * (deposit + reserve)),
            winProb: type(uint256).max,
            senderNonce: nextNonce[sender][orchestrator]++,
            recipientRandHash: keccak256(abi.encodePacked(RAND)),
            creationRound: round,
            creationRoundBlockHash: rounds.blockHashForRound(round)
        });
        (uint8 v, bytes32 r, bytes32 sg) = vm.sign(senderKeys[s], broker.ticketHash(ticket));
        uint256 creditedBefore = lens.pendingFees(orchestrator);
        vm.prank(orchestrator);
        broker.redeemWinningTicket(ticket, abi.encodePacked(r, sg, v), RAND);
        ghostRedeemed += lens.pendingFees(orchestrator) - creditedBefore;
    }

    function nextRound(uint256 blocks) external {
        vm.roll(block.number + bound(blocks, rounds.roundLength(), 3 * rounds.roundLength()));
        rounds.initializeRound();
    }
}
