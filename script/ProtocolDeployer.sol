// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessManager} from "@openzeppelin/contracts/access/manager/AccessManager.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {BondingLens} from "../contracts/bonding/BondingLens.sol";
import {BondingManager} from "../contracts/bonding/BondingManager.sol";
import {BondingVotes} from "../contracts/governance/BondingVotes.sol";
import {LivepeerGovernor} from "../contracts/governance/LivepeerGovernor.sol";
import {TicketBroker} from "../contracts/payments/TicketBroker.sol";
import {CapabilityRegistry} from "../contracts/registry/CapabilityRegistry.sol";
import {RoundsManager} from "../contracts/rounds/RoundsManager.sol";
import {LivepeerToken} from "../contracts/token/LivepeerToken.sol";
import {Minter} from "../contracts/token/Minter.sol";
import {DisputeManager} from "../contracts/verification/DisputeManager.sol";
import {ProofGame} from "../contracts/verification/ProofGame.sol";
import {LiteRtJudge} from "../contracts/proof/LiteRtJudge.sol";
import {Reputation} from "../contracts/verification/Reputation.sol";
import {DeployPlan} from "./DeployPlan.sol";

/// @title ProtocolDeployer
/// @notice Executes `DeployPlan`'s steps in forge, for `Deploy.s.sol` (broadcast: one transaction
/// per step) and the tests. What is created and wired is decided by the plan alone; this contract
/// only knows each artifact's creation code.
abstract contract ProtocolDeployer {
    struct Deployment {
        AccessManager manager;
        LivepeerToken token;
        Minter minter;
        RoundsManager rounds;
        BondingManager bonding;
        BondingLens lens;
        TicketBroker broker;
        CapabilityRegistry registry;
        // -------- disputes and reputation
        Reputation reputation;
        DisputeManager disputes;
        BondingVotes votes;
        LivepeerGovernor governor;
        TimelockController timelock;
        ProofGame proofGame;
    }

    /// @notice A creation step that did not give the contract at its planned address.
    error DeployStepFailed(string label);
    /// @notice A creation step naming a contract this deployer has no creation code for.
    error UnknownArtifact(string artifact);

    /// @notice Runs the plan for `config`. This contract (or, broadcasting, the broadcaster) must be
    /// `config.admin`, with `firstNonce` its nonce now. A failed wiring call's revert is re-raised.
    function deployProtocol(DeployPlan.DeployConfig memory config, uint256 firstNonce)
        internal
        returns (Deployment memory d)
    {
        DeployPlan.Step[] memory steps = DeployPlan.steps(config, firstNonce);
        for (uint256 i; i < steps.length; i++) {
            DeployPlan.Step memory step = steps[i];
            if (bytes(step.artifact).length != 0) {
                bytes memory init = bytes.concat(_creationCode(step.artifact), step.data);
                address created;
                assembly ("memory-safe") {
                    created := create(0, add(init, 0x20), mload(init))
                }
                if (created != step.target) revert DeployStepFailed(step.label);
            } else {
                (bool ok, bytes memory returned) = step.target.call(step.data);
                if (!ok) {
                    assembly ("memory-safe") {
                        revert(add(returned, 0x20), mload(returned))
                    }
                }
            }
        }
        return _deployment(DeployPlan.addresses(config.admin, firstNonce));
    }

    function _deployment(DeployPlan.Addresses memory a) private pure returns (Deployment memory d) {
        d.manager = AccessManager(a.manager);
        d.token = LivepeerToken(a.token);
        d.minter = Minter(a.minter);
        d.rounds = RoundsManager(a.rounds);
        d.bonding = BondingManager(a.bonding);
        d.lens = BondingLens(a.lens);
        d.broker = TicketBroker(a.broker);
        d.registry = CapabilityRegistry(a.registry);
        d.reputation = Reputation(a.reputation);
        d.disputes = DisputeManager(a.disputes);
        d.votes = BondingVotes(a.votes);
        d.governor = LivepeerGovernor(payable(a.governor));
        d.timelock = TimelockController(payable(a.timelock));
        d.proofGame = ProofGame(a.proofGame);
    }

    /// The artifacts the plan may name; the Rust executors map the same names to their bindings.
    function _creationCode(string memory artifact) private pure returns (bytes memory) {
        bytes32 name = keccak256(bytes(artifact));
        if (name == keccak256("AccessManager")) return type(AccessManager).creationCode;
        if (name == keccak256("LivepeerToken")) return type(LivepeerToken).creationCode;
        if (name == keccak256("Minter")) return type(Minter).creationCode;
        if (name == keccak256("RoundsManager")) return type(RoundsManager).creationCode;
        if (name == keccak256("BondingManager")) return type(BondingManager).creationCode;
        if (name == keccak256("BondingLens")) return type(BondingLens).creationCode;
        if (name == keccak256("TicketBroker")) return type(TicketBroker).creationCode;
        if (name == keccak256("CapabilityRegistry")) return type(CapabilityRegistry).creationCode;
        if (name == keccak256("Reputation")) return type(Reputation).creationCode;
        if (name == keccak256("DisputeManager")) return type(DisputeManager).creationCode;
        if (name == keccak256("BondingVotes")) return type(BondingVotes).creationCode;
        if (name == keccak256("TimelockController")) return type(TimelockController).creationCode;
        if (name == keccak256("LivepeerGovernor")) return type(LivepeerGovernor).creationCode;
        if (name == keccak256("ProofGame")) return type(ProofGame).creationCode;
        if (name == keccak256("LiteRtJudge")) return type(LiteRtJudge).creationCode;
        revert UnknownArtifact(artifact);
    }
}
