// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BondingManager} from "../../contracts/bonding/BondingManager.sol";
import {GovernanceFixture} from "../fixtures/GovernanceFixture.sol";
import {VoteHandler} from "./handlers/VoteHandler.sol";

/// Whatever is voted in whatever order, and however stake moves during the vote, a proposal's tally
/// never exceeds the total bonded stake at its snapshot round, and equals the reference count
/// (each voting orchestrator: its delegated stake less its voting delegators'; each delegator: its
/// own stake).
/// forge-config: default.invariant.runs = 32
/// forge-config: default.invariant.depth = 40
/// forge-config: deep.invariant.runs = 400
/// forge-config: deep.invariant.depth = 256
contract GovernanceVoteInvariantTest is GovernanceFixture {
    VoteHandler internal handler;
    uint256 internal id;

    function setUp() public override {
        super.setUp();
        address orchC = makeAddr("orchC");
        _registerOrchestrator(orchC, 200_000, 500_000, 700 ether);
        address[] memory orchs = new address[](3);
        (orchs[0], orchs[1], orchs[2]) = (orchA, orchB, orchC);
        address[] memory accounts = new address[](11);
        (accounts[0], accounts[1], accounts[2], accounts[3], accounts[4], accounts[5]) =
        (orchA, orchB, orchC, d1, d2, d3);
        for (uint256 i = 6; i < accounts.length; ++i) {
            accounts[i] = makeAddr(string.concat("voter", vm.toString(i)));
            _bond(accounts[i], i * 37 ether + i, orchs[i % 3]);
        }
        _nextRound();
        _reward(orchA);
        _reward(orchC);
        _nextRound();
        id = _propose(
            orchA, _single(address(bonding), 0, abi.encodeCall(BondingManager.setRewardBounty, (1)), "inv")
        );
        _toVoting(id);
        handler = new VoteHandler(governor, votes, token, id, accounts, orchs);
        assertTrue(token.transfer(address(handler), 1_000_000 ether));
        targetContract(address(handler));
    }

    function invariant_tallyNeverExceedsBondedAtSnapshot() public view {
        (uint256 against, uint256 for_, uint256 abstain) = _tally(id);
        assertLe(against + for_ + abstain, votes.getPastTotalSupply(governor.proposalSnapshot(id)));
    }

    function invariant_tallyEqualsReference() public view {
        // Votes at the snapshot block: the bonding state at the start of its round.
        uint256 snapshot = votes.roundAt(governor.proposalSnapshot(id));
        address[] memory accounts = handler.accounts();
        uint256[3] memory expected;
        for (uint256 i; i < accounts.length; ++i) {
            address a = accounts[i];
            if (!handler.voted(a)) continue;
            (uint256 weight, address orchestrator) = votes.votesAt(a, snapshot);
            if (orchestrator == a) {
                for (uint256 k; k < accounts.length; ++k) {
                    address v = accounts[k];
                    if (v != a && handler.voted(v) && votes.delegateAt(v, snapshot) == a) {
                        weight -= votes.stakeAt(v, snapshot);
                    }
                }
            }
            expected[handler.supportOf(a)] += weight;
        }
        (uint256 against, uint256 for_, uint256 abstain) = _tally(id);
        assertEq(against, expected[0], "against");
        assertEq(for_, expected[1], "for");
        assertEq(abstain, expected[2], "abstain");
    }
}
