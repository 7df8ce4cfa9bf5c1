// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessManager} from "@openzeppelin/contracts/access/manager/AccessManager.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Roles} from "../contracts/access/Roles.sol";
import {IMinter} from "../contracts/interfaces/IMinter.sol";
import {IRoundsManager} from "../contracts/interfaces/IRoundsManager.sol";
import {TicketBroker} from "../contracts/payments/TicketBroker.sol";
import {CapabilityRegistry} from "../contracts/registry/CapabilityRegistry.sol";
import {LivepeerToken} from "../contracts/token/LivepeerToken.sol";
import {Minter} from "../contracts/token/Minter.sol";
import {RoundsManager} from "../contracts/rounds/RoundsManager.sol";
import {BondingManager} from "../contracts/bonding/BondingManager.sol";
import {IRoundsManager} from "../contracts/interfaces/IRoundsManager.sol";
import {IBondingManager} from "../contracts/interfaces/IBondingManager.sol";
import {IDisputeManager} from "../contracts/interfaces/IDisputeManager.sol";
import {IPriceOracle} from "../contracts/interfaces/IPriceOracle.sol";
import {IReputation} from "../contracts/interfaces/IReputation.sol";
import {DisputeManager} from "../contracts/verification/DisputeManager.sol";
import {Reputation} from "../contracts/verification/Reputation.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {BondingVotes} from "../contracts/governance/BondingVotes.sol";
import {LivepeerGovernor} from "../contracts/governance/LivepeerGovernor.sol";

/// @title ProtocolDeployer
/// @notice The one deployment sequence of the suite, shared by `Deploy.s.sol` and the tests. The
/// Rust `bindings::deploy` sends the same transactions in the same order, so on a fresh chain both
/// give the same addresses; change one, change the other (a Rust test compares them).
abstract contract ProtocolDeployer {
    struct DeployConfig {
        address admin;
        address genesisRecipient;
        uint256 genesisSupply;
        address treasury;
        uint256 roundLength;
        uint256 inflation;
        uint256 inflationChange;
        uint256 targetBondingRate;
        uint256 treasuryRewardCut;
        uint256 unbondingPeriod;
        uint256 numActiveOrchestrators;
        uint256 paramsChangeDelay;
        uint256 unlockPeriod;
        uint256 ticketValidityPeriod;
        uint256 reserveShares;
        // -------- disputes and reputation
        IDisputeManager.Params disputes;
        uint256 reputationDecay; // ppb of a score lost per round
        uint256 reputationPassPoints; // points per attested job
        uint256 reputationPenalty; // ppb of a score lost with a dispute
        // Governance (see the hand-over block at the end of deployProtocol).
        uint256 votingDelay; // rounds
        uint256 votingPeriod; // rounds
        uint256 proposalThreshold; // LPT (wei) of votes
        uint256 quorum; // ppm of the total bonded stake
        uint256 quota; // ppm of for + against
        uint256 timelockDelay; // seconds
        // Whether the timelock takes the authority's admin and the Minter's treasury from `admin`.
        bool handOverToGovernance;
    }

    struct Deployment {
        AccessManager manager;
        LivepeerToken token;
        Minter minter;
        RoundsManager rounds;
        BondingManager bonding;
        TicketBroker broker;
        CapabilityRegistry registry;
        // -------- disputes and reputation
        Reputation reputation;
        DisputeManager disputes;
        BondingVotes votes;
        LivepeerGovernor governor;
        TimelockController timelock;
    }

    /// @notice Defaults shared with the Rust `DeployConfig::default` (Livepeer's launch rates).
    function defaultConfig(address admin) internal pure returns (DeployConfig memory) {
        return DeployConfig({
            admin: admin,
            genesisRecipient: admin,
            genesisSupply: 10_000_000 ether,
            treasury: admin,
            roundLength: 5760,
            inflation: 228_000,
            inflationChange: 500,
            targetBondingRate: 500_000_000,
            treasuryRewardCut: 100_000_000,
            unbondingPeriod: 7,
            numActiveOrchestrators: 100,
            paramsChangeDelay: 1,
            unlockPeriod: 2,
            ticketValidityPeriod: 2,
            reserveShares: 100,
            disputes: IDisputeManager.Params({
                deposit: 100 ether,
                statuteOfLimitations: 2,
                verdictPeriod: 2,
                vetoWindow: 2,
                quorum: 2,
                maxSlashCutPpb: 100_000_000,
                challengerRewardCutPpb: 500_000_000,
                rateLimitWindow: 10,
                rateLimitAmount: 1_000_000 ether
            }),
            reputationDecay: 20_000_000,
            reputationPassPoints: 1 ether,
            reputationPenalty: 900_000_000,
            votingDelay: 1,
            votingPeriod: 10,
            proposalThreshold: 100 ether,
            quorum: 333_300,
            quota: 500_000,
            timelockDelay: 2 days,
            handOverToGovernance: true
        });
    }

    /// @notice Deploys and wires the suite. The caller must be `config.admin` (it configures roles).
    /// The TicketBroker pays fees into the BondingManager, whose `creditFees` is FEE_CREDITOR's.
    function deployProtocol(DeployConfig memory config) internal returns (Deployment memory d) {
        d.manager = new AccessManager(config.admin);
        d.token = new LivepeerToken(address(d.manager), config.genesisRecipient, config.genesisSupply);
        d.minter = new Minter(
            address(d.manager),
            d.token,
            config.treasury,
            config.inflation,
            config.inflationChange,
            config.targetBondingRate,
            config.treasuryRewardCut
        );
        d.rounds = new RoundsManager(address(d.manager), IMinter(address(d.minter)), config.roundLength);
        d.bonding = new BondingManager(
            address(d.manager),
            d.token,
            IMinter(address(d.minter)),
            IRoundsManager(address(d.rounds)),
            config.unbondingPeriod,
            config.numActiveOrchestrators,
            config.paramsChangeDelay
        );

        _restrict(d.manager, address(d.token), LivepeerToken.mint.selector, Roles.MINTER);
        d.manager.grantRole(Roles.MINTER, address(d.minter), 0);
        _restrict(d.manager, address(d.minter), Minter.startRound.selector, Roles.ROUND_INITIALIZER);
        d.manager.grantRole(Roles.ROUND_INITIALIZER, address(d.rounds), 0);
        // Round starts skip the authority's check (initializeRound is paid every round).
        d.minter.setRoundInitializer(address(d.rounds));
        _restrict(d.manager, address(d.minter), Minter.mintReward.selector, Roles.REWARDER);
        d.manager.grantRole(Roles.REWARDER, address(d.bonding), 0);
        _restrict(d.manager, address(d.bonding), BondingManager.creditFees.selector, Roles.FEE_CREDITOR);
        _restrict(d.manager, address(d.bonding), BondingManager.slash.selector, Roles.SLASHER);
        _restrict(d.manager, address(d.bonding), BondingManager.freezeMoves.selector, Roles.SLASHER);
        d.minter.setStakeTotals(d.bonding);

        d.broker = new TicketBroker(
            address(d.manager),
            IRoundsManager(address(d.rounds)),
            config.unlockPeriod,
            config.ticketValidityPeriod,
            config.reserveShares
        );
        d.registry = new CapabilityRegistry();
        d.manager.grantRole(Roles.FEE_CREDITOR, address(d.broker), 0);
        // The broker's fee credits skip the authority's check (the hot path of every winning ticket).
        d.bonding.setTrustedFeeCreditor(address(d.broker));
        d.broker.setFeeCreditor(d.bonding);
        // -------- disputes and reputation (the capability registry is the ranking's price oracle)
        d.reputation = new Reputation(
            address(d.manager),
            IBondingManager(address(d.bonding)),
            IRoundsManager(address(d.rounds)),
            IPriceOracle(address(d.registry)),
            config.reputationDecay,
            config.reputationPassPoints,
            config.reputationPenalty
        );
        d.disputes = new DisputeManager(
            address(d.manager),
            d.token,
            IBondingManager(address(d.bonding)),
            IRoundsManager(address(d.rounds)),
            IReputation(address(d.reputation)),
            config.disputes
        );
        d.manager.grantRole(Roles.SLASHER, address(d.disputes), 0);
        _restrict(d.manager, address(d.reputation), Reputation.recordPasses.selector, Roles.REPUTATION_WRITER);
        _restrict(d.manager, address(d.reputation), Reputation.penalize.selector, Roles.REPUTATION_WRITER);
        d.manager.grantRole(Roles.REPUTATION_WRITER, address(d.disputes), 0);
        _restrict(d.manager, address(d.disputes), DisputeManager.veto.selector, Roles.ARBITRATOR);
        d.manager.grantRole(Roles.ARBITRATOR, config.admin, 0);

        // Other deployment steps go above this line: the hand-over to governance comes last.
        _deployGovernance(config, d);
    }

    /// @notice Governance, then (with `handOverToGovernance`) the hand-over: the timelock becomes
    /// the authority's only admin and the Minter's treasury, and `config.admin` keeps nothing.
    /// The timelock is administered by itself alone: the governor proposes, cancels and executes.
    function _deployGovernance(DeployConfig memory config, Deployment memory d) internal {
        d.votes = new BondingVotes(d.bonding);
        d.timelock =
            new TimelockController(config.timelockDelay, new address[](0), new address[](0), config.admin);
        d.governor = new LivepeerGovernor(
            d.votes,
            d.timelock,
            LivepeerGovernor.Settings({
                votingDelay: SafeCast.toUint48(config.votingDelay),
                votingPeriod: SafeCast.toUint32(config.votingPeriod),
                proposalThreshold: config.proposalThreshold,
                quorum: config.quorum,
                quota: config.quota
            })
        );
        d.timelock.grantRole(d.timelock.PROPOSER_ROLE(), address(d.governor));
        d.timelock.grantRole(d.timelock.CANCELLER_ROLE(), address(d.governor));
        d.timelock.grantRole(d.timelock.EXECUTOR_ROLE(), address(d.governor));
        d.timelock.renounceRole(d.timelock.DEFAULT_ADMIN_ROLE(), config.admin);

        if (!config.handOverToGovernance) return;
        d.minter.setTreasury(address(d.timelock));
        // The arbitrator (who may veto a guilty verdict) is governance too.
        d.manager.grantRole(Roles.ARBITRATOR, address(d.timelock), 0);
        d.manager.renounceRole(Roles.ARBITRATOR, config.admin);
        d.manager.grantRole(d.manager.ADMIN_ROLE(), address(d.timelock), 0);
        d.manager.renounceRole(d.manager.ADMIN_ROLE(), config.admin);
    }

    function _restrict(AccessManager manager, address target, bytes4 selector, uint64 role) private {
        bytes4[] memory selectors = new bytes4[](1);
        selectors[0] = selector;
        manager.setTargetFunctionRole(target, selectors, role);
    }
}
