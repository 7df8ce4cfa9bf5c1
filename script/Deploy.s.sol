// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Script, console} from "forge-std/Script.sol";
import {DeployPlan} from "./DeployPlan.sol";
import {ProtocolDeployer} from "./ProtocolDeployer.sol";

/// @title Deploy
/// @notice `forge script script/Deploy.s.sol --rpc-url URL --broadcast --slow --private-key KEY`
/// deploys the suite with the default configuration (`DeployPlan`), the broadcaster as admin until
/// the hand-over to governance (the timelock) at the end, and prints the addresses. `--slow` sends
/// one transaction at a time, each after the previous one's receipt.
/// ROUND_LENGTH in the environment overrides the round length.
contract Deploy is Script, ProtocolDeployer {
    /// @notice Deploys the suite from the broadcaster and prints where each contract landed.
    function run() external returns (Deployment memory d) {
        vm.startBroadcast();
        (, address broadcaster,) = vm.readCallers();
        DeployPlan.DeployConfig memory config = DeployPlan.defaultConfig(broadcaster);
        config.roundLength = vm.envOr("ROUND_LENGTH", config.roundLength);
        d = deployProtocol(config, vm.getNonce(broadcaster));
        vm.stopBroadcast();

        console.log("AccessManager", address(d.manager));
        console.log("LivepeerToken", address(d.token));
        console.log("Minter", address(d.minter));
        console.log("RoundsManager", address(d.rounds));
        console.log("BondingManager", address(d.bonding));
        console.log("BondingLens", address(d.lens));
        console.log("TicketBroker", address(d.broker));
        console.log("CapabilityRegistry", address(d.registry));
        console.log("Reputation", address(d.reputation));
        console.log("DisputeManager", address(d.disputes));
        console.log("BondingVotes", address(d.votes));
        console.log("LivepeerGovernor", address(d.governor));
        console.log("TimelockController", address(d.timelock));
    }
}
