// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDisputeManager} from "../../contracts/interfaces/IDisputeManager.sol";
import {BondingFixture} from "./BondingFixture.sol";

/// @notice The suite with an orchestrator (signing key known), a delegator, a funded challenger and
/// three verifiers (keys known), quorum 2 of 3, plus receipt and verdict signing helpers.
abstract contract DisputeFixture is BondingFixture {
    address internal orch;
    uint256 internal orchKey;
    address internal alice = makeAddr("alice");
    address internal challenger = makeAddr("challenger");
    address[3] internal verifiers;
    uint256[3] internal verifierKeys;

    uint256 internal constant DEPOSIT = 100 ether;
    bytes32 internal constant HONEST_OUTPUT = keccak256("honest output");
    bytes32 internal constant CHEATED_OUTPUT = keccak256("cheated output");

    function setUp() public virtual override {
        super.setUp();
        (orch, orchKey) = makeAddrAndKey("orch");
        for (uint256 i; i < 3; ++i) {
            (verifiers[i], verifierKeys[i]) = makeAddrAndKey(string.concat("verifier", vm.toString(i)));
            disputes.setVerifier(verifiers[i], true);
        }
        _registerOrchestrator(orch, 0, 0, 1_000 ether);
        _bond(alice, 3_000 ether, orch);
        token.transfer(challenger, 10_000 ether);
        vm.prank(challenger);
        token.approve(address(disputes), type(uint256).max);
        _nextRound();
    }

    function _receipt(bytes32 jobId, bytes32 outputHash, uint256 round)
        internal
        view
        returns (IDisputeManager.Receipt memory)
    {
        return IDisputeManager.Receipt({
            orchestrator: orch,
            jobId: jobId,
            modelId: keccak256("model"),
            inputHash: keccak256(abi.encode("input", jobId)),
            paramsHash: keccak256("params"),
            outputHash: outputHash,
            commitmentRoot: keccak256(abi.encode("layers", outputHash)),
            round: round
        });
    }

    function _receipt() internal view returns (IDisputeManager.Receipt memory) {
        return _receipt(keccak256("job1"), CHEATED_OUTPUT, rounds.currentRound());
    }

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    function _signReceipt(uint256 key, IDisputeManager.Receipt memory r)
        internal
        view
        returns (bytes memory)
    {
        return _sign(key, disputes.receiptDigest(r));
    }

    function _signVerdict(uint256 key, uint256 disputeId, IDisputeManager.Verdict memory v)
        internal
        view
        returns (bytes memory)
    {
        return _sign(key, disputes.verdictDigest(disputeId, v));
    }

    function _open(IDisputeManager.Receipt memory r) internal returns (uint256) {
        bytes memory sig = _signReceipt(orchKey, r);
        vm.prank(challenger);
        return disputes.openDispute(r, sig);
    }

    function _open() internal returns (uint256) {
        return _open(_receipt());
    }

    function _vote(uint256 i, uint256 disputeId, bytes32 referenceOutputHash) internal {
        vm.prank(verifiers[i]);
        disputes.submitVerdict(disputeId, referenceOutputHash, referenceOutputHash == HONEST_OUTPUT ? 3 : 0);
    }

    /// Opens a dispute on a cheated receipt and has two verifiers find it guilty.
    function _openGuilty() internal returns (uint256 id) {
        id = _open();
        _vote(0, id, HONEST_OUTPUT);
        _vote(1, id, HONEST_OUTPUT);
    }

    function _passVetoWindow() internal {
        for (uint256 i; i < disputes.vetoWindow(); ++i) {
            _nextRound();
        }
    }

    function _status(uint256 id) internal view returns (IDisputeManager.Status) {
        return disputes.getDispute(id).status;
    }
}
