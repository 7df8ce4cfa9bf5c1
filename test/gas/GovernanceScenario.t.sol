// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {console} from "forge-std/console.sol";
import {BondingManager} from "../../contracts/bonding/BondingManager.sol";
import {GovernanceFixture} from "../fixtures/GovernanceFixture.sol";
import {GasTargets} from "./GasTargets.sol";

/// Livepeer's governance gas (transaction gasUsed: forge isolates top-level calls, so each number
/// includes the 21k base, as on anvil), redone here: propose, castVote by an orchestrator, castVote
/// by a delegator overriding it; and the other order. The state is not fresh: during the voting
/// delay the pools were rewarded and the voters claimed, so every past-value lookup walks back over
/// checkpoints written after the snapshot. Written to `snapshots/GovernanceScenario.json` and
/// printed beside Livepeer's. The target (at most Livepeer's) is reported, not asserted.
contract GovernanceScenarioGasTest is GovernanceFixture {
    string[] internal rowNames;
    uint256[] internal rowLivepeer;
    uint256[] internal rowOurs;

    function test_gas_governanceScenario() public {
        bytes memory data = abi.encodeCall(BondingManager.setUnbondingPeriod, (3));
        Proposal memory p = _single(address(bonding), 0, data, "unbonding period 3");
        Proposal memory q = _single(address(bonding), 0, data, "unbonding period 3, again");

        vm.prank(orchA);
        uint256 id = governor.propose(p.targets, p.values, p.calldatas, p.description);
        _row("propose", 171_000);
        uint256 id2 = _propose(orchA, q);

        // Activity after the snapshot: rewards and claims write checkpoints the lookups walk back over.
        for (uint256 i; i < 3; ++i) {
            _nextRound();
            _reward(orchA);
            _reward(orchB);
            _claim(d1);
            _claim(d2);
        }
        assertGt(rounds.currentRound(), votes.roundAt(governor.proposalSnapshot(id)));

        vm.prank(orchA);
        governor.castVote(id, FOR);
        _row("castVote_orchestrator", 179_000);
        vm.prank(d1);
        governor.castVote(id, AGAINST);
        _row("castVote_delegatorOverrides", 306_000);
        (uint256 against, uint256 for_,) = _tally(id);
        assertEq(for_, 1200 ether);
        assertEq(against, 300 ether);

        // The other order: the delegator first, then its orchestrator.
        vm.prank(d1);
        governor.castVote(id2, AGAINST);
        _row("castVote_delegatorBeforeOrchestrator", 0);
        vm.prank(orchA);
        governor.castVote(id2, FOR);
        _row("castVote_orchestratorAfterDelegator", 0);
        (against, for_,) = _tally(id2);
        assertEq(for_, 1200 ether);

        _printTable();
    }

    function _row(string memory name, uint256 livepeer) internal {
        uint256 gasUsed = vm.snapshotGasLastCall("GovernanceScenario", name);
        rowNames.push(name);
        rowLivepeer.push(livepeer);
        rowOurs.push(gasUsed);
    }

    function _printTable() internal view {
        console.log("operation | Livepeer | ours | ours/Livepeer (%) | <= Livepeer");
        for (uint256 i; i < rowNames.length; ++i) {
            uint256 ref = rowLivepeer[i];
            console.log(
                string.concat(
                    rowNames[i],
                    " | ",
                    ref == 0 ? "-" : vm.toString(ref),
                    " | ",
                    vm.toString(rowOurs[i]),
                    " | ",
                    ref == 0 ? "-" : string.concat(vm.toString(rowOurs[i] * 100 / ref), "%"),
                    " | ",
                    ref == 0 ? "-" : (rowOurs[i] <= ref ? "yes" : "NO")
                )
            );
        }
        for (uint256 i; i < rowNames.length; ++i) {
            if (rowLivepeer[i] != 0) GasTargets.check(rowNames[i], rowOurs[i], rowLivepeer[i]);
        }
    }
}
