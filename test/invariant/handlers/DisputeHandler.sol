// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BondingLens} from "../../../contracts/bonding/BondingLens.sol";
import {IExtsload} from "../../../contracts/interfaces/IExtsload.sol";
import {Pool, UnbondingLock} from "../../../contracts/bonding/BondingTypes.sol";
import {Test} from "forge-std/Test.sol";
import {IBondingManager} from "../../../contracts/interfaces/IBondingManager.sol";
import {IDisputeManager} from "../../../contracts/interfaces/IDisputeManager.sol";
import {BondingManager} from "../../../contracts/bonding/BondingManager.sol";
import {LivepeerToken} from "../../../contracts/token/LivepeerToken.sol";
import {RoundsManager} from "../../../contracts/rounds/RoundsManager.sol";
import {DisputeManager} from "../../../contracts/verification/DisputeManager.sol";

/// Mixes bonding (bond, unbond, rebond, withdraw, reward, new rounds) with disputes (open, votes,
/// finalize, veto, execute) over two orchestrators whose keys it holds. Calls are guarded to be
/// valid under the move rules of issue 14 (a lock held by a pending dispute against its pool waits;
/// a slash the rate-limit window cannot take whole waits for the next window). Ghosts: LPT burned
/// (deposits of innocent and draw disputes, slash burns, lock cuts) and minted
/// (rewards), each measured from what moved, not from the contracts' own reports; and a flag set
/// when any account ends a slash with more than it had, or loses more than its share.
contract DisputeHandler is Test {
    struct Lock {
        address owner;
        uint256 id;
    }

    BondingManager internal immutable bonding;
    BondingLens internal immutable lens;
    LivepeerToken internal immutable token;
    RoundsManager internal immutable rounds;
    DisputeManager internal immutable disputes;

    address[] public orchestrators;
    uint256[] internal orchKeys;
    address[] public delegators;
    address[] internal verifiers;
    address public challenger = makeAddr("challenger");
    address public immutable arbitrator;
    Lock[] internal locks;
    uint256[] public openIds;

    uint256 public ghostMinted;
    uint256 public ghostBurned;
    bool public ghostSlashGainedOrOvercut;
    uint256 public slashes;
    uint256 internal jobNonce;

    constructor(
        BondingManager bonding_,
        LivepeerToken token_,
        RoundsManager rounds_,
        DisputeManager disputes_,
        address[] memory orchestrators_,
        uint256[] memory orchKeys_,
        address[] memory delegators_,
        address[] memory verifiers_,
        address arbitrator_
    ) {
        arbitrator = arbitrator_;
        (bonding, token, rounds, disputes) = (bonding_, token_, rounds_, disputes_);
        lens = new BondingLens(IExtsload(address(bonding_)));
        (orchestrators, orchKeys, delegators, verifiers) =
        (orchestrators_, orchKeys_, delegators_, verifiers_);
    }

    function fundChallenger() external {
        token.transfer(challenger, 1_000_000 ether);
        vm.prank(challenger);
        token.approve(address(disputes), type(uint256).max);
    }

    function accounts() public view returns (address[] memory all) {
        all = new address[](orchestrators.length + delegators.length);
        for (uint256 i; i < orchestrators.length; ++i) {
            all[i] = orchestrators[i];
        }
        for (uint256 i; i < delegators.length; ++i) {
            all[orchestrators.length + i] = delegators[i];
        }
    }

    function rawLocked() external view returns (uint256 total) {
        for (uint256 i; i < locks.length; ++i) {
            total += lens.getUnbondingLock(locks[i].owner, locks[i].id).amount;
        }
    }

    function heldDeposits() external view returns (uint256 total) {
        for (uint256 id = 1; id <= disputes.disputeCount(); ++id) {
            IDisputeManager.Dispute memory d = disputes.getDispute(id);
            if (d.status == IDisputeManager.Status.Open || d.status == IDisputeManager.Status.Guilty) {
                total += d.deposit;
            }
        }
    }

    // ------------------------------------------------------------ bonding

    function nextRound() public {
        vm.roll(rounds.currentRoundStartBlock() + rounds.roundLength());
        rounds.initializeRound();
    }

    function bond(uint256 seed, uint256 orchSeed, uint256 amount) external {
        address account = accounts()[seed % (orchestrators.length + delegators.length)];
        address to = orchestrators[orchSeed % orchestrators.length];
        amount = bound(amount, 1, 10_000 ether);
        address current = lens.getDelegator(account).delegate;
        if (current != address(0) && current != to) to = current; // keep positions simple
        bool isOrch = account == orchestrators[0] || account == orchestrators[1];
        if (isOrch) to = account;
        token.transfer(account, amount);
        vm.startPrank(account);
        token.approve(address(bonding), amount);
        bonding.bond(amount, to, IBondingManager.Hints(address(0), address(0), address(0), address(0)));
        vm.stopPrank();
    }

    function unbond(uint256 seed, uint256 amount) external {
        address account = accounts()[seed % (orchestrators.length + delegators.length)];
        uint256 stake = lens.pendingStake(account);
        if (stake == 0 || lens.getDelegator(account).delegate == address(0)) return;
        amount = bound(amount, 1, stake);
        vm.prank(account);
        uint256 id = bonding.unbond(amount, address(0), address(0));
        locks.push(Lock(account, id));
    }

    function withdrawOrRebond(uint256 lockSeed, bool rebondIt) external {
        if (locks.length == 0) return;
        uint256 index = lockSeed % locks.length;
        Lock memory l = locks[index];
        UnbondingLock memory lock = lens.getUnbondingLock(l.owner, l.id);
        uint256 supply = token.totalSupply();
        uint256 received;
        address to = lens.getDelegator(l.owner).delegate;
        if (to == address(0)) to = lock.orchestrator;
        // Out of its pool (withdrawn or rebonded elsewhere) only while no pending dispute holds it.
        if (!rebondIt || to != lock.orchestrator) {
            Pool memory pool = lens.getPool(lock.orchestrator);
            if (pool.pendingDisputes != 0 && lock.createdRound >= pool.disputedFrom) return;
            if (rebondIt && rounds.currentRound() < lock.withdrawRound) return;
        }
        if (rebondIt) {
            uint256 before = lens.pendingStake(l.owner);
            vm.prank(l.owner);
            try bonding.rebond(
                l.id, to, IBondingManager.Hints(address(0), address(0), address(0), address(0))
            ) {}
            catch (bytes memory err) {
                // A dust lock slashed to nothing has nothing to bond (found by the deep run): the
                // rebond is refused with ZeroAmount and moves nothing; withdrawing still clears it.
                assertEq(
                    bytes4(err), IBondingManager.ZeroAmount.selector, "only an empty lock refuses a rebond"
                );
                assertEq(token.totalSupply(), supply, "a refused rebond burns nothing");
                return;
            }
            received = lens.pendingStake(l.owner) - before;
        } else {
            if (rounds.currentRound() < lock.withdrawRound) return;
            uint256 before = token.balanceOf(l.owner);
            vm.prank(l.owner);
            bonding.withdrawStake(l.id);
            received = token.balanceOf(l.owner) - before;
        }
        ghostBurned += lock.amount - received;
        if (supply - token.totalSupply() != lock.amount - received) ghostSlashGainedOrOvercut = true;
        locks[index] = locks[locks.length - 1];
        locks.pop();
    }

    function reward(uint256 orchSeed) external {
        address o = orchestrators[orchSeed % orchestrators.length];
        if (!bonding.isActiveOrchestrator(o) || lens.getPool(o).lastRewardRound >= rounds.currentRound()) {
            return;
        }
        uint256 supply = token.totalSupply();
        vm.prank(o);
        bonding.reward(o, address(0), address(0));
        ghostMinted += token.totalSupply() - supply;
    }

    // ------------------------------------------------------------ disputes

    function openDispute(uint256 orchSeed, uint256 ageSeed) external {
        uint256 i = orchSeed % orchestrators.length;
        address o = orchestrators[i];
        // An empty pool is disputable too (its locks are liable); one with nothing liable is not.
        if (bonding.delegatedStake(o) + bonding.unbondingStake(o) == 0) return;
        uint256 round = rounds.currentRound();
        uint256 age = ageSeed % (disputes.statuteOfLimitations() + 1);
        IDisputeManager.Receipt memory r = IDisputeManager.Receipt({
            orchestrator: o,
            jobId: keccak256(abi.encode(++jobNonce)),
            modelId: keccak256("model"),
            inputHash: keccak256("input"),
            paramsHash: keccak256("params"),
            outputHash: keccak256("claimed"),
            commitmentRoot: keccak256("root"),
            round: round > age ? round - age : round
        });
        (uint8 v, bytes32 rr, bytes32 s) = vm.sign(orchKeys[i], disputes.receiptDigest(r));
        vm.prank(challenger);
        openIds.push(disputes.openDispute(r, abi.encodePacked(rr, s, v)));
    }

    function vote(uint256 idSeed, uint256 verifierSeed, uint256 outcome) external {
        if (openIds.length == 0) return;
        uint256 id = openIds[idSeed % openIds.length];
        IDisputeManager.Dispute memory d = disputes.getDispute(id);
        address verifier = verifiers[verifierSeed % verifiers.length];
        if (
            d.status != IDisputeManager.Status.Open || rounds.currentRound() >= d.deadlineRound
                || disputes.hasVoted(id, verifier)
        ) return;
        bytes32 referenceHash =
            outcome % 3 == 0 ? bytes32(0) : outcome % 3 == 1 ? d.claimedOutputHash : keccak256("x");
        uint256 supply = token.totalSupply();
        vm.prank(verifier);
        disputes.submitVerdict(id, referenceHash, 1);
        IDisputeManager.Status status = disputes.getDispute(id).status;
        // Innocent or draw: the deposit is burned (holding a pool for nothing costs the opener).
        if (status == IDisputeManager.Status.Innocent || status == IDisputeManager.Status.Draw) {
            ghostBurned += d.deposit;
            if (supply - token.totalSupply() != d.deposit) ghostSlashGainedOrOvercut = true;
        }
    }

    function finalize(uint256 idSeed) external {
        if (openIds.length == 0) return;
        uint256 id = openIds[idSeed % openIds.length];
        IDisputeManager.Dispute memory d = disputes.getDispute(id);
        if (d.status != IDisputeManager.Status.Open || rounds.currentRound() < d.deadlineRound) return;
        uint256 supply = token.totalSupply();
        disputes.finalize(id); // a draw: the deposit is burned
        ghostBurned += d.deposit;
        if (supply - token.totalSupply() != d.deposit) ghostSlashGainedOrOvercut = true;
    }

    function veto(uint256 idSeed) external {
        if (openIds.length == 0) return;
        uint256 id = openIds[idSeed % openIds.length];
        IDisputeManager.Dispute memory d = disputes.getDispute(id);
        if (d.status != IDisputeManager.Status.Guilty || rounds.currentRound() >= d.vetoEndRound) return;
        vm.prank(arbitrator);
        disputes.veto(id);
    }

    function executeSlash(uint256 idSeed) external {
        if (openIds.length == 0) return;
        uint256 id = openIds[idSeed % openIds.length];
        IDisputeManager.Dispute memory d = disputes.getDispute(id);
        if (d.status != IDisputeManager.Status.Guilty || rounds.currentRound() < d.vetoEndRound) return;
        if (_rateLimited(d)) return;

        address[] memory all = accounts();
        uint256[] memory before = new uint256[](all.length);
        for (uint256 i; i < all.length; ++i) {
            before[i] = lens.pendingStake(all[i]);
        }
        uint256 supply = token.totalSupply();
        uint256 stake = bonding.delegatedStake(d.orchestrator);
        uint256 challengerBefore = token.balanceOf(challenger);
        disputes.executeSlash(id, address(0), address(0));
        ++slashes;

        uint256 slashed = stake - bonding.delegatedStake(d.orchestrator);
        // The guilty deposit burn: a share of the deposit, rounded up, burned beside the slash.
        uint256 fee = (uint256(d.deposit) * disputes.guiltyDepositBurnPpb() + 1e9 - 1) / 1e9;
        uint256 reward = token.balanceOf(challenger) + fee - challengerBefore - d.deposit;
        ghostBurned += slashed - reward + fee;
        if (supply - token.totalSupply() != slashed - reward + fee) ghostSlashGainedOrOvercut = true;
        if (reward > slashed / 2) ghostSlashGainedOrOvercut = true;
        if (slashed > uint256(d.snapshotStake) * disputes.maxSlashCutPpb() / 1e9) {
            ghostSlashGainedOrOvercut = true;
        }
        for (uint256 i; i < all.length; ++i) {
            uint256 afterwards = lens.pendingStake(all[i]);
            if (afterwards > before[i]) ghostSlashGainedOrOvercut = true;
            // Nobody loses more than the maximal cut of what it had (plus a wei of rounding).
            if (before[i] - afterwards > before[i] * disputes.maxSlashCutPpb() / 1e9 + 1) {
                ghostSlashGainedOrOvercut = true;
            }
        }
    }

    /// Whether executing `d` now would wait for the next rate-limit window: the full cut (of what is
    /// liable, within the snapshot) does not fit what is left and the window was already used.
    function _rateLimited(IDisputeManager.Dispute memory d) internal view returns (bool) {
        uint256 liable = bonding.delegatedStake(d.orchestrator) + bonding.unbondingStake(d.orchestrator);
        uint256 snapshot = d.snapshotStake;
        uint256 cut = (snapshot < liable ? snapshot : liable) * disputes.maxSlashCutPpb() / 1e9;
        uint256 left = disputes.slashCapacityLeft();
        return cut > left && left < disputes.rateLimitAmount();
    }
}
