// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {AccessManager} from "@openzeppelin/contracts/access/manager/AccessManager.sol";
import {DeployPlan} from "../../script/DeployPlan.sol";
import {ProtocolDeployer} from "../../script/ProtocolDeployer.sol";
import {LivepeerToken} from "../../contracts/token/LivepeerToken.sol";
import {Minter} from "../../contracts/token/Minter.sol";
import {RoundsManager} from "../../contracts/rounds/RoundsManager.sol";
import {BondingManager} from "../../contracts/bonding/BondingManager.sol";
import {BondingLens} from "../../contracts/bonding/BondingLens.sol";
import {TicketBroker} from "../../contracts/payments/TicketBroker.sol";
import {CapabilityRegistry} from "../../contracts/registry/CapabilityRegistry.sol";
import {DisputeManager} from "../../contracts/verification/DisputeManager.sol";
import {Reputation} from "../../contracts/verification/Reputation.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {BondingVotes} from "../../contracts/governance/BondingVotes.sol";
import {LivepeerGovernor} from "../../contracts/governance/LivepeerGovernor.sol";

/// @notice Deploys the suite through the production deployment sequence, this contract as admin.
/// Unit tests keep the admin (they call setters directly): the hand-over to governance is off unless
/// a test sets `handOver` before `setUp`; `_admin()` is whoever holds the authority's admin.
abstract contract ProtocolTest is Test, ProtocolDeployer {
    uint256 internal constant ROUND_LENGTH = 100;

    DeployPlan.DeployConfig internal config;
    AccessManager internal manager;
    LivepeerToken internal token;
    Minter internal minter;
    RoundsManager internal rounds;
    BondingManager internal bonding;
    BondingLens internal lens;
    TicketBroker internal broker;
    CapabilityRegistry internal registry;
    Reputation internal reputation;
    DisputeManager internal disputes;
    BondingVotes internal votes;
    LivepeerGovernor internal governor;
    TimelockController internal timelock;
    bool internal handOver;

    address internal treasury = makeAddr("treasury");
    address internal stranger = makeAddr("stranger");
    /// @notice The fast arbitrator (ARBITRATOR beside the timelock after the hand-over).
    address internal securityCouncil = makeAddr("security council");

    function setUp() public virtual {
        vm.roll(1_000);
        config = DeployPlan.defaultConfig(address(this));
        config.treasury = treasury;
        config.roundLength = ROUND_LENGTH;
        config.handOverToGovernance = handOver;
        config.securityCouncil = securityCouncil;
        Deployment memory d = deployProtocol(config, vm.getNonce(address(this)));
        (manager, token, minter, rounds, bonding, lens) =
        (d.manager, d.token, d.minter, d.rounds, d.bonding, d.lens);
        (broker, registry) = (d.broker, d.registry);
        (reputation, disputes) = (d.reputation, d.disputes);
        (votes, governor, timelock) = (d.votes, d.governor, d.timelock);
    }

    /// @notice The authority's admin: this contract, or the timelock after the hand-over.
    function _admin() internal view returns (address) {
        return handOver ? address(timelock) : address(this);
    }

    /// @notice Rolls to the first block of the next round and initializes it.
    function _nextRound() internal returns (uint256 round) {
        vm.roll(rounds.currentRoundStartBlock() + rounds.roundLength());
        rounds.initializeRound();
        return rounds.currentRound();
    }

    function _unauthorized(address caller) internal pure returns (bytes memory) {
        return abi.encodeWithSignature("AccessManagedUnauthorized(address)", caller);
    }
}
