// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {
    GovernorTimelockControl
} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {
    GovernorVotesQuorumFraction
} from "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {BondingVotes} from "./BondingVotes.sol";
import {GovernorCountingOverride} from "./GovernorCountingOverride.sol";
import {Units} from "../libraries/Units.sol";

/// @title LivepeerGovernor
/// @notice Bonded LPT governs the protocol: OpenZeppelin's Governor on the block-number clock of
/// BondingVotes (votes at a block: the bonding state at the start of its round), with
/// - settings: voting delay and voting period in blocks (the deployment sets them as whole rounds
///   times the round length), a proposal threshold in LPT of votes (the proposer's at the previous
///   block, i.e. at the start of its round);
/// - quorum: a fraction (ppm) of the total bonded stake at the proposal's snapshot block;
/// - counting: GovernorCountingOverride (an orchestrator votes its delegated stake, a delegator
///   voting itself takes its stake out of it) and a pass quota of for / (for + against);
/// - a timelock (the treasury, a TimelockController) that queues and runs passed proposals and is
///   this governor's executor: every setting here changes only through a proposal.
/// A proposal's snapshot is the block `votingDelay` blocks after the one it is made in; votes are
/// the bonded stake at the start of the round containing that block, and voting opens in the block
/// after it.
contract LivepeerGovernor is
    GovernorSettings,
    GovernorCountingOverride,
    GovernorVotesQuorumFraction,
    GovernorTimelockControl
{
    /// @notice Construction settings.
    struct Settings {
        uint48 votingDelay; // blocks
        uint32 votingPeriod; // blocks
        uint256 proposalThreshold; // LPT (wei)
        uint256 quorum; // ppm of the total bonded stake
        uint256 quota; // ppm of for + against
    }

    BondingVotes internal immutable _votes;

    /// @param votes_ The votes: bonded stake by round.
    /// @param timelock_ The treasury that executes passed proposals.
    /// @param settings Initial settings (each changeable by governance).
    constructor(BondingVotes votes_, TimelockController timelock_, Settings memory settings)
        Governor("LivepeerGovernor")
        GovernorSettings(settings.votingDelay, settings.votingPeriod, settings.proposalThreshold)
        GovernorCountingOverride(settings.quota)
        GovernorVotes(IVotes(address(votes_)))
        GovernorVotesQuorumFraction(settings.quorum)
        GovernorTimelockControl(timelock_)
    {
        _votes = votes_;
    }

    /// @notice Quorum numerators are in parts per million of the total bonded stake.
    function quorumDenominator() public pure override returns (uint256) {
        return Units.PPM;
    }

    /// @dev Where the counting module reads a voter's orchestrator at the snapshot block: at the
    /// start of its round, as the votes are.
    function _delegateAt(address account, uint256 timepoint) internal view override returns (address) {
        return _votes.delegateAt(account, _votes.roundAt(timepoint));
    }

    // ---------------------------------------------------------------- the compiler's required overrides

    function proposalThreshold() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.proposalThreshold();
    }

    function state(uint256 proposalId)
        public
        view
        override(Governor, GovernorTimelockControl)
        returns (ProposalState)
    {
        return super.state(proposalId);
    }

    function proposalNeedsQueuing(uint256 proposalId)
        public
        view
        override(Governor, GovernorTimelockControl)
        returns (bool)
    {
        return super.proposalNeedsQueuing(proposalId);
    }

    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint48) {
        return super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint256) {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(Governor, GovernorTimelockControl) returns (address) {
        return super._executor();
    }
}
