// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDisputeManager} from "../../contracts/interfaces/IDisputeManager.sol";
import {DisputeFixture} from "../fixtures/DisputeFixture.sol";

/// Gas of the dispute operations, as transaction gasUsed, into `snapshots/DisputeManager.json`.
contract DisputeGasTest is DisputeFixture {
    function test_gas_openDispute() public {
        IDisputeManager.Receipt memory r = _receipt();
        bytes memory sig = _signReceipt(orchKey, r);
        vm.prank(challenger);
        disputes.openDispute(r, sig);
        vm.snapshotGasLastCall("DisputeManager", "openDispute");
    }

    function test_gas_openConflictDispute() public {
        IDisputeManager.Receipt memory a = _receipt(keccak256("job1"), HONEST_OUTPUT, rounds.currentRound());
        IDisputeManager.Receipt memory b = _receipt(keccak256("job1"), CHEATED_OUTPUT, rounds.currentRound());
        bytes memory sa = _signReceipt(orchKey, a);
        bytes memory sb = _signReceipt(orchKey, b);
        vm.prank(challenger);
        disputes.openConflictDispute(a, sa, b, sb);
        vm.snapshotGasLastCall("DisputeManager", "openConflictDispute");
    }

    function test_gas_submitVerdict() public {
        uint256 id = _open();
        vm.prank(verifiers[0]);
        disputes.submitVerdict(id, HONEST_OUTPUT, 3);
        vm.snapshotGasLastCall("DisputeManager", "submitVerdict_first");
        vm.prank(verifiers[1]);
        disputes.submitVerdict(id, HONEST_OUTPUT, 3);
        vm.snapshotGasLastCall("DisputeManager", "submitVerdict_decidesGuilty");
    }

    function test_gas_submitVerdicts_batchOf3() public {
        disputes.setQuorum(3);
        uint256 id = _open();
        IDisputeManager.Verdict[] memory vs = new IDisputeManager.Verdict[](3);
        bytes[] memory sigs = new bytes[](3);
        for (uint256 i; i < 3; ++i) {
            vs[i] = IDisputeManager.Verdict(HONEST_OUTPUT, 3);
            sigs[i] = _signVerdict(verifierKeys[i], id, vs[i]);
        }
        vm.prank(stranger);
        disputes.submitVerdicts(id, vs, sigs);
        vm.snapshotGasLastCall("DisputeManager", "submitVerdicts_batchOf3");
    }

    function test_gas_executeSlash() public {
        uint256 id = _openGuilty();
        _passVetoWindow();
        disputes.executeSlash(id, address(0), address(0));
        vm.snapshotGasLastCall("DisputeManager", "executeSlash");
    }

    function test_gas_attestSpotChecks() public {
        address[] memory one = new address[](1);
        one[0] = orch;
        vm.prank(verifiers[0]);
        disputes.attestSpotChecks(one);
        vm.snapshotGasLastCall("DisputeManager", "attestSpotChecks_first");
        _nextRound(); // one pass per verifier, orchestrator and round
        vm.prank(verifiers[0]);
        disputes.attestSpotChecks(one);
        vm.snapshotGasLastCall("DisputeManager", "attestSpotChecks_one");
        address[] memory ten = new address[](10);
        for (uint256 i; i < 10; ++i) {
            ten[i] = i == 0 ? orch : address(uint160(0x1000 + i));
        }
        _nextRound();
        vm.prank(verifiers[0]);
        disputes.attestSpotChecks(ten);
        vm.snapshotGasLastCall("DisputeManager", "attestSpotChecks_ten");
        // The same ten a round later: their scores exist (the row before pays nine fresh score slots
        // in the Reputation, which no attestation scheme avoids).
        _nextRound();
        vm.prank(verifiers[0]);
        disputes.attestSpotChecks(ten);
        vm.snapshotGasLastCall("DisputeManager", "attestSpotChecks_ten_scored");
    }
}
