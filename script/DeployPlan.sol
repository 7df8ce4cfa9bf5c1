// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessManager} from "@openzeppelin/contracts/access/manager/AccessManager.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Roles} from "../contracts/access/Roles.sol";
import {BondingManager} from "../contracts/bonding/BondingManager.sol";
import {LivepeerGovernor} from "../contracts/governance/LivepeerGovernor.sol";
import {IDisputeManager} from "../contracts/interfaces/IDisputeManager.sol";
import {IFeeCreditor} from "../contracts/interfaces/IFeeCreditor.sol";
import {IStakeTotals} from "../contracts/interfaces/IStakeTotals.sol";
import {TicketBroker} from "../contracts/payments/TicketBroker.sol";
import {LivepeerToken} from "../contracts/token/LivepeerToken.sol";
import {Minter} from "../contracts/token/Minter.sol";
import {DisputeManager} from "../contracts/verification/DisputeManager.sol";
import {IElementJudge} from "../contracts/interfaces/IProofGame.sol";
import {Reputation} from "../contracts/verification/Reputation.sol";

/// @title DeployPlan
/// @notice The suite's one deployment sequence, as data: which contracts are created with which
/// constructor arguments, and which wiring calls follow, in order. It only plans (it is pure);
/// `ProtocolDeployer` (forge), `bindings::deploy` (Rust over RPC) and the simulator (revm) execute
/// the very same steps, so what is wired is decided here alone.
/// Every step is one transaction from `config.admin`. The creations come first, one after the
/// other, so their addresses follow from the admin's first nonce by the CREATE rule whether the
/// admin is an account (each step takes a nonce) or a contract (only creations do).
library DeployPlan {
    struct DeployConfig {
        address admin; // the deployer: the authority's admin until the hand-over
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
        Governance governance;
        // Whether the timelock takes the authority's admin and the Minter's treasury from `admin`.
        bool handOverToGovernance;
        // The fast arbitrator: may veto a guilty verdict inside the veto window (ARBITRATOR, beside
        // the timelock, which can revoke it). Zero: none.
        address securityCouncil;
    }

    /// @notice The governor's and the timelock's settings (a struct of their own: the Rust bindings
    /// encode structs of at most 24 fields).
    struct Governance {
        // In rounds: the governor counts blocks (its clock is the block number), and the deploy
        // converts these at the config's round length, so a caller changing the round length
        // keeps the same delay and period in rounds.
        uint256 votingDelayRounds;
        uint256 votingPeriodRounds;
        uint256 proposalThreshold; // LPT (wei) of votes
        uint256 quorum; // ppm of the total bonded stake
        uint256 quota; // ppm of for + against
        uint256 timelockDelay; // seconds
    }

    /// @notice Where each contract lands, in creation order.
    struct Addresses {
        address manager;
        address token;
        address minter;
        address rounds;
        address bonding;
        address lens;
        address broker;
        address registry;
        address reputation;
        address disputes;
        address votes;
        address timelock;
        address governor;
        address proofGame;
        address judge; // the proof game's element judge (LiteRtJudge), created last
    }

    /// @notice One transaction. A creation names its `artifact` (the contract's name) and carries
    /// its ABI-encoded constructor arguments in `data`, `target` being where it lands; a call
    /// (empty `artifact`) sends `data` to `target`.
    struct Step {
        string label;
        string artifact;
        address target;
        bytes data;
    }

    /// @notice Creations (15) + wiring (21) + the proof game's wiring (3) + the timelock's roles (4)
    /// + the hand-over (5, or 6 with a security council other than the deployer).
    uint256 internal constant MAX_STEPS = 49;

    /// @notice Blocks each side of a proof game has per move: about an hour at 12-second blocks, so
    /// a 2^20-chunk layer's game (20 moves and the final step) ends within about 1.1 rounds of
    /// 5,760 blocks while a keeper that restarts or meets a congested block still answers in time.
    uint256 internal constant PROOF_MOVE_WINDOW = 300;

    /// @notice The defaults (Livepeer's launch rates), `admin` receiving the genesis supply and the
    /// treasury cut.
    /// The governor's voting delay and period are whole rounds (1 and 10), converted to blocks at
    /// the config's round length when the governor is created.
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
                rateLimitAmount: 1_000_000 ether,
                // 10% of the deposit burned on a guilty verdict: an orchestrator and an accomplice
                // challenger end strictly behind after a slash even with no own cut (issue 14, 5).
                guiltyDepositBurnPpb: 100_000_000
            }),
            reputationDecay: 20_000_000,
            reputationPassPoints: 1 ether,
            reputationPenalty: 900_000_000,
            governance: Governance({
                votingDelayRounds: 1,
                votingPeriodRounds: 10,
                proposalThreshold: 100 ether,
                quorum: 333_300,
                quota: 500_000,
                timelockDelay: 2 days
            }),
            handOverToGovernance: true,
            securityCouncil: admin
        });
    }

    /// @notice The addresses of a deployment by `admin` whose first creation uses `firstNonce`.
    function addresses(address admin, uint256 firstNonce) internal pure returns (Addresses memory a) {
        uint256 n = firstNonce;
        a.manager = createAddress(admin, n++);
        a.token = createAddress(admin, n++);
        a.minter = createAddress(admin, n++);
        a.rounds = createAddress(admin, n++);
        a.bonding = createAddress(admin, n++);
        a.lens = createAddress(admin, n++);
        a.broker = createAddress(admin, n++);
        a.registry = createAddress(admin, n++);
        a.reputation = createAddress(admin, n++);
        a.disputes = createAddress(admin, n++);
        a.votes = createAddress(admin, n++);
        a.timelock = createAddress(admin, n++);
        a.governor = createAddress(admin, n++);
        a.proofGame = createAddress(admin, n++);
        a.judge = createAddress(admin, n);
    }

    /// @notice The whole sequence, hand-over to governance last.
    function steps(DeployConfig memory c, uint256 firstNonce) internal pure returns (Step[] memory s) {
        Addresses memory a = addresses(c.admin, firstNonce);
        s = new Step[](MAX_STEPS);
        uint256 n = _creations(s, c, a);
        n = _wiring(s, n, c, a);
        n = _proofGameWiring(s, n, a);
        n = _governance(s, n, c, a);
        // Other steps go above this line: the hand-over to governance comes last.
        if (c.handOverToGovernance) n = _handOver(s, n, c, a);
        assembly ("memory-safe") {
            mstore(s, n) // shrink to the steps written
        }
    }

    /// @notice The address a CREATE from `deployer` at `nonce` gives: keccak256(rlp([deployer, nonce])).
    function createAddress(address deployer, uint256 nonce) internal pure returns (address) {
        bytes memory rlpNonce;
        if (nonce == 0) {
            rlpNonce = hex"80";
        } else if (nonce < 0x80) {
            rlpNonce = abi.encodePacked(uint8(nonce));
        } else {
            uint256 len;
            for (uint256 v = nonce; v != 0; v >>= 8) {
                len++;
            }
            rlpNonce = abi.encodePacked(uint8(0x80 + len), bytes32(nonce << (256 - 8 * len)));
            assembly ("memory-safe") {
                mstore(rlpNonce, add(1, len)) // drop the padding
            }
        }
        // A list prefix (0xc0 + payload length), then the address as a 20-byte string (0x94).
        bytes memory list =
            abi.encodePacked(uint8(0xc0 + 21 + rlpNonce.length), uint8(0x94), deployer, rlpNonce);
        return address(uint160(uint256(keccak256(list))));
    }

    // ---------------------------------------------------------------- the steps

    /// The TicketBroker's fee credits go to the BondingManager; the capability registry is the
    /// reputation ranking's price oracle.
    function _creations(Step[] memory s, DeployConfig memory c, Addresses memory a)
        private
        pure
        returns (uint256 n)
    {
        n = _create(s, n, "AccessManager", a.manager, abi.encode(c.admin));
        n = _create(
            s, n, "LivepeerToken", a.token, abi.encode(a.manager, c.genesisRecipient, c.genesisSupply)
        );
        n = _create(
            s,
            n,
            "Minter",
            a.minter,
            abi.encode(
                a.manager,
                a.token,
                c.treasury,
                c.inflation,
                c.inflationChange,
                c.targetBondingRate,
                c.treasuryRewardCut
            )
        );
        n = _create(s, n, "RoundsManager", a.rounds, abi.encode(a.manager, a.minter, c.roundLength));
        n = _create(
            s,
            n,
            "BondingManager",
            a.bonding,
            abi.encode(
                a.manager,
                a.token,
                a.minter,
                a.rounds,
                c.unbondingPeriod,
                c.numActiveOrchestrators,
                c.paramsChangeDelay,
                a.votes
            )
        );
        n = _create(s, n, "BondingLens", a.lens, abi.encode(a.bonding));
        n = _create(
            s,
            n,
            "TicketBroker",
            a.broker,
            abi.encode(a.manager, a.rounds, c.unlockPeriod, c.ticketValidityPeriod, c.reserveShares)
        );
        n = _create(s, n, "CapabilityRegistry", a.registry, "");
        n = _create(
            s,
            n,
            "Reputation",
            a.reputation,
            abi.encode(
                a.manager,
                a.bonding,
                a.rounds,
                a.registry,
                c.reputationDecay,
                c.reputationPassPoints,
                c.reputationPenalty
            )
        );
        n = _create(
            s,
            n,
            "DisputeManager",
            a.disputes,
            abi.encode(a.manager, a.token, a.bonding, a.rounds, a.reputation, c.disputes)
        );
        n = _create(s, n, "BondingVotes", a.votes, abi.encode(a.bonding));
        // The timelock starts with `admin` as its admin, for the governor's roles (see _governance).
        n = _create(
            s,
            n,
            "TimelockController",
            a.timelock,
            abi.encode(c.governance.timelockDelay, new address[](0), new address[](0), c.admin)
        );
        n = _create(s, n, "LivepeerGovernor", a.governor, abi.encode(a.votes, a.timelock, _settings(c)));
        // The judge is the on-chain op library over the verifier's model commitment (created
        // next, at its planned address); governance may replace it (`setJudge`).
        n = _create(
            s,
            n,
            "ProofGame",
            a.proofGame,
            abi.encode(a.manager, a.disputes, IElementJudge(a.judge), PROOF_MOVE_WINDOW)
        );
        n = _create(s, n, "LiteRtJudge", a.judge, "");
    }

    /// The governor's settings, its delay and period in blocks at the config's round length.
    function _settings(DeployConfig memory c) private pure returns (LivepeerGovernor.Settings memory) {
        Governance memory g = c.governance;
        return LivepeerGovernor.Settings({
            votingDelay: SafeCast.toUint48(g.votingDelayRounds * c.roundLength),
            votingPeriod: SafeCast.toUint32(g.votingPeriodRounds * c.roundLength),
            proposalThreshold: g.proposalThreshold,
            quorum: g.quorum,
            quota: g.quota
        });
    }

    /// Each privileged function's role, and who holds it.
    function _wiring(Step[] memory s, uint256 n, DeployConfig memory c, Addresses memory a)
        private
        pure
        returns (uint256)
    {
        n = _restrict(
            s, n, "LivepeerToken.mint to MINTER", a, a.token, LivepeerToken.mint.selector, Roles.MINTER
        );
        n = _grant(s, n, "MINTER to the Minter", a, Roles.MINTER, a.minter);
        n = _restrict(
            s,
            n,
            "Minter.startRound to ROUND_INITIALIZER",
            a,
            a.minter,
            Minter.startRound.selector,
            Roles.ROUND_INITIALIZER
        );
        n = _grant(s, n, "ROUND_INITIALIZER to the RoundsManager", a, Roles.ROUND_INITIALIZER, a.rounds);
        // Round starts skip the authority's check (initializeRound is paid every round).
        n = _call(
            s,
            n,
            "set the Minter's round initializer",
            a.minter,
            abi.encodeCall(Minter.setRoundInitializer, (a.rounds))
        );
        n = _restrict(
            s, n, "Minter.mintReward to REWARDER", a, a.minter, Minter.mintReward.selector, Roles.REWARDER
        );
        n = _grant(s, n, "REWARDER to the BondingManager", a, Roles.REWARDER, a.bonding);
        n = _restrict(
            s,
            n,
            "BondingManager.creditFees to FEE_CREDITOR",
            a,
            a.bonding,
            BondingManager.creditFees.selector,
            Roles.FEE_CREDITOR
        );
        n = _restrict(
            s,
            n,
            "BondingManager.slash to SLASHER",
            a,
            a.bonding,
            BondingManager.slash.selector,
            Roles.SLASHER
        );
        n = _restrict(
            s,
            n,
            "BondingManager.holdLocks to SLASHER",
            a,
            a.bonding,
            BondingManager.holdLocks.selector,
            Roles.SLASHER
        );
        n = _restrict(
            s,
            n,
            "BondingManager.releaseLocks to SLASHER",
            a,
            a.bonding,
            BondingManager.releaseLocks.selector,
            Roles.SLASHER
        );
        n = _call(
            s,
            n,
            "set the Minter's stake totals to the BondingManager",
            a.minter,
            abi.encodeCall(Minter.setStakeTotals, (IStakeTotals(a.bonding)))
        );
        n = _grant(s, n, "FEE_CREDITOR to the TicketBroker", a, Roles.FEE_CREDITOR, a.broker);
        // The broker's fee credits skip the authority's check (the hot path of every winning ticket).
        n = _call(
            s,
            n,
            "trust the TicketBroker as fee creditor",
            a.bonding,
            abi.encodeCall(BondingManager.setTrustedFeeCreditor, (a.broker))
        );
        n = _call(
            s,
            n,
            "set the TicketBroker's fee creditor to the BondingManager",
            a.broker,
            abi.encodeCall(TicketBroker.setFeeCreditor, (IFeeCreditor(a.bonding)))
        );
        n = _grant(s, n, "SLASHER to the DisputeManager", a, Roles.SLASHER, a.disputes);
        n = _restrict(
            s,
            n,
            "Reputation.recordPasses to REPUTATION_WRITER",
            a,
            a.reputation,
            Reputation.recordPasses.selector,
            Roles.REPUTATION_WRITER
        );
        n = _restrict(
            s,
            n,
            "Reputation.penalize to REPUTATION_WRITER",
            a,
            a.reputation,
            Reputation.penalize.selector,
            Roles.REPUTATION_WRITER
        );
        n = _grant(s, n, "REPUTATION_WRITER to the DisputeManager", a, Roles.REPUTATION_WRITER, a.disputes);
        n = _restrict(
            s,
            n,
            "DisputeManager.veto to ARBITRATOR",
            a,
            a.disputes,
            DisputeManager.veto.selector,
            Roles.ARBITRATOR
        );
        return _grant(s, n, "ARBITRATOR to the admin", a, Roles.ARBITRATOR, c.admin);
    }

    /// The proof game alone opens and settles the disputes it decides (docs/proof-game.md).
    function _proofGameWiring(Step[] memory s, uint256 n, Addresses memory a) private pure returns (uint256) {
        n = _restrict(
            s,
            n,
            "DisputeManager.openForProof to PROOF_GAME",
            a,
            a.disputes,
            DisputeManager.openForProof.selector,
            Roles.PROOF_GAME
        );
        n = _restrict(
            s,
            n,
            "DisputeManager.settleByProof to PROOF_GAME",
            a,
            a.disputes,
            DisputeManager.settleByProof.selector,
            Roles.PROOF_GAME
        );
        return _grant(s, n, "PROOF_GAME to the ProofGame", a, Roles.PROOF_GAME, a.proofGame);
    }

    /// The timelock is administered by itself alone: the governor proposes, cancels and executes.
    function _governance(Step[] memory s, uint256 n, DeployConfig memory c, Addresses memory a)
        private
        pure
        returns (uint256)
    {
        bytes32[3] memory roles =
            [keccak256("PROPOSER_ROLE"), keccak256("CANCELLER_ROLE"), keccak256("EXECUTOR_ROLE")];
        string[3] memory labels = [
            "grant the timelock's PROPOSER_ROLE to the governor",
            "grant the timelock's CANCELLER_ROLE to the governor",
            "grant the timelock's EXECUTOR_ROLE to the governor"
        ];
        for (uint256 i; i < 3; i++) {
            n = _call(
                s, n, labels[i], a.timelock, abi.encodeCall(IAccessControl.grantRole, (roles[i], a.governor))
            );
        }
        return _call(
            s,
            n,
            "renounce the deployer's timelock admin",
            a.timelock,
            abi.encodeCall(IAccessControl.renounceRole, (bytes32(0), c.admin))
        );
    }

    /// The timelock becomes the authority's only admin, the arbitrator (who may veto a guilty
    /// verdict) and the Minter's treasury; `admin` keeps nothing.
    function _handOver(Step[] memory s, uint256 n, DeployConfig memory c, Addresses memory a)
        private
        pure
        returns (uint256)
    {
        n = _call(
            s,
            n,
            "set the Minter's treasury to the timelock",
            a.minter,
            abi.encodeCall(Minter.setTreasury, (a.timelock))
        );
        n = _grant(s, n, "ARBITRATOR to the timelock", a, Roles.ARBITRATOR, a.timelock);
        // The fast arbitrator: a veto must fit the veto window, which governance's own path does not.
        // A deployer that is the council keeps ARBITRATOR (and nothing else).
        if (c.securityCouncil != c.admin) {
            if (c.securityCouncil != address(0)) {
                n = _grant(s, n, "ARBITRATOR to the security council", a, Roles.ARBITRATOR, c.securityCouncil);
            }
            n = _call(
                s,
                n,
                "renounce the deployer's ARBITRATOR",
                a.manager,
                abi.encodeCall(AccessManager.renounceRole, (Roles.ARBITRATOR, c.admin))
            );
        }
        n = _grant(s, n, "the authority's admin to the timelock", a, Roles.ADMIN, a.timelock);
        return _call(
            s,
            n,
            "renounce the deployer's admin",
            a.manager,
            abi.encodeCall(AccessManager.renounceRole, (Roles.ADMIN, c.admin))
        );
    }

    // ---------------------------------------------------------------- step builders

    function _create(Step[] memory s, uint256 n, string memory artifact, address at, bytes memory args)
        private
        pure
        returns (uint256)
    {
        s[n] = Step({label: string.concat("deploy ", artifact), artifact: artifact, target: at, data: args});
        return n + 1;
    }

    function _call(Step[] memory s, uint256 n, string memory label, address target, bytes memory data)
        private
        pure
        returns (uint256)
    {
        s[n] = Step({label: label, artifact: "", target: target, data: data});
        return n + 1;
    }

    function _restrict(
        Step[] memory s,
        uint256 n,
        string memory what,
        Addresses memory a,
        address target,
        bytes4 selector,
        uint64 role
    ) private pure returns (uint256) {
        bytes4[] memory selectors = new bytes4[](1);
        selectors[0] = selector;
        return _call(
            s,
            n,
            string.concat("restrict ", what),
            a.manager,
            abi.encodeCall(AccessManager.setTargetFunctionRole, (target, selectors, role))
        );
    }

    function _grant(
        Step[] memory s,
        uint256 n,
        string memory what,
        Addresses memory a,
        uint64 role,
        address account
    ) private pure returns (uint256) {
        return _call(
            s,
            n,
            string.concat("grant ", what),
            a.manager,
            abi.encodeCall(AccessManager.grantRole, (role, account, 0))
        );
    }
}

/// @title DeployPlanner
/// @notice `DeployPlan` as external functions, for executors outside Solidity: the Rust bindings
/// call it with `eth_call` (its code put in place by a state override) and the simulator in revm.
contract DeployPlanner {
    /// @notice The default configuration with `admin` as deployer, genesis recipient and treasury.
    function defaultConfig(address admin) external pure returns (DeployPlan.DeployConfig memory) {
        return DeployPlan.defaultConfig(admin);
    }

    /// @notice Where each contract of a deployment by `admin` from `firstNonce` lands.
    function addresses(address admin, uint256 firstNonce)
        external
        pure
        returns (DeployPlan.Addresses memory)
    {
        return DeployPlan.addresses(admin, firstNonce);
    }

    /// @notice The steps of a deployment with `config` whose first creation uses `firstNonce`.
    function steps(DeployPlan.DeployConfig memory config, uint256 firstNonce)
        external
        pure
        returns (DeployPlan.Step[] memory)
    {
        return DeployPlan.steps(config, firstNonce);
    }
}
