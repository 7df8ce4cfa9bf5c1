// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Roles} from "../../contracts/access/Roles.sol";
import {IBondingManager} from "../../contracts/interfaces/IBondingManager.sol";
import {IDisputeManager} from "../../contracts/interfaces/IDisputeManager.sol";
import {IElementJudge, IProofGame} from "../../contracts/interfaces/IProofGame.sol";
import {ProofGameDenseJudge} from "./ProofGameDenseJudge.sol";
import {ProofGameFixture} from "./ProofGameFixture.sol";
import {ProofGameTrees} from "./ProofGameTrees.sol";

/// Whole games over real trees: who wins, the timeouts, and every refused move.
contract ProofGameTest is ProofGameFixture {
    using ProofGameTrees for ProofGameTrees.Sparse;

    /// Byte 100 of op 1's output: chunk 3, byte 4.
    uint256 internal constant CHEAT = 100;

    // ------------------------------------------------------------ outcomes

    /// A cheating orchestrator answers every move honestly about its own tree and still loses at
    /// the final step; after the veto window its pool is slashed and the challenger paid.
    function test_cheatingOrchestratorLosesAtTheFinalStep() public {
        _commit(CHEAT);
        uint256 balance = token.balanceOf(challenger);
        uint256 id = _openGame(1);
        assertEq(token.balanceOf(challenger), balance - DEPOSIT, "the deposit is the DisputeManager's");
        assertTrue(disputes.getDispute(id).byProof);
        _bisect(id, CHEAT / 32, CHEAT % 32);
        IProofGame.Game memory g = proofGame.getGame(id);
        assertEq(g.chunkIndex, 3);
        assertEq(g.byteIndex, 4);
        IProofGame.FinalStep memory step = _finalStep(id);
        vm.expectEmit(address(proofGame));
        emit IProofGame.Recomputed(
            id, CHEAT, int8(uint8(committed[1][CHEAT])), int8(uint8(outputs[1][CHEAT]))
        );
        vm.prank(challenger);
        proofGame.finish(id, step);
        assertEq(uint256(_gameStatus(id)), uint256(IDisputeManager.Status.Guilty));

        uint256 stake = bonding.delegatedStake(orch);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDisputeManager.VetoWindowOpen.selector, id, disputes.getDispute(id).vetoEndRound
            )
        );
        disputes.executeSlash(id, address(0), address(0));
        _passVetoWindow();
        disputes.executeSlash(id, address(0), address(0));
        assertLt(bonding.delegatedStake(orch), stake, "slashed");
        assertGt(
            token.balanceOf(challenger), balance - DEPOSIT / 10, "deposit back less the fee, plus a reward"
        );
    }

    /// An honest orchestrator beats a challenger that lies about the reference: the recomputed
    /// byte matches, the deposit is burned, the offense is disputable again.
    function test_honestOrchestratorBeatsALyingChallenger() public {
        _commit(type(uint256).max);
        uint256 supply = token.totalSupply();
        uint256 id = _openGame(1);
        _bisect(id, 5, 17);
        IProofGame.FinalStep memory step = _finalStep(id);
        vm.prank(orch);
        proofGame.finish(id, step);
        assertEq(uint256(_gameStatus(id)), uint256(IDisputeManager.Status.Innocent));
        assertEq(token.totalSupply(), supply - DEPOSIT, "the deposit is burned");
        assertEq(uint256(proofGame.getGame(id).phase), uint256(IProofGame.Phase.Settled));
    }

    /// The padding past an output's length is zero by the spec: a byte there recomputes to zero.
    function test_paddingByteRecomputesToZero() public {
        _commit(type(uint256).max);
        uint256 id = _openGame(1);
        _bisect(id, 6, 20); // 200 bytes: chunk 6 holds 8 bytes, byte 20 is padding
        IProofGame.FinalStep memory step = _finalStep(id);
        vm.prank(orch);
        proofGame.finish(id, step);
        assertEq(uint256(_gameStatus(id)), uint256(IDisputeManager.Status.Innocent));
    }

    /// A one-chunk output (depth 0): the orchestrator reveals the chunk itself.
    function test_oneChunkLayer() public {
        _commit(type(uint256).max);
        committed[0][7] = bytes1(uint8(committed[0][7]) ^ 1);
        _commit2();
        uint256 id = _openGame(0);
        _bisect(id, 0, 7);
        IProofGame.FinalStep memory step = _finalStep(id);
        vm.prank(challenger);
        proofGame.finish(id, step);
        assertEq(uint256(_gameStatus(id)), uint256(IDisputeManager.Status.Guilty));
    }

    /// Op 1 recomputed on the orchestrator's own (cheated) op-0 output: consistent, so a
    /// challenger that skips the first diverging op loses.
    function test_judgedOnTheOrchestratorsOwnInputs() public {
        _commit(type(uint256).max);
        committed[0][3] = bytes1(uint8(committed[0][3]) ^ 1);
        committed[1] = _run(1, committed[0]);
        _commit2();
        uint256 id = _openGame(1);
        _bisect(id, 0, 0);
        IProofGame.FinalStep memory step = _finalStep(id);
        vm.prank(orch);
        proofGame.finish(id, step);
        assertEq(uint256(_gameStatus(id)), uint256(IDisputeManager.Status.Innocent));
    }

    // ------------------------------------------------------------ timeouts

    function test_orchestratorSilentLoses() public {
        _commit(type(uint256).max);
        uint256 id = _openGame(1);
        uint256 deadline = proofGame.getGame(id).deadline;
        vm.roll(deadline);
        vm.expectRevert(abi.encodeWithSelector(IProofGame.WindowOpen.selector, id, deadline));
        proofGame.timeout(id);
        vm.roll(deadline + 1);
        vm.expectEmit(address(proofGame));
        emit IProofGame.GameSettled(id, true, IProofGame.Ending.OrchestratorSilent);
        vm.prank(stranger);
        proofGame.timeout(id);
        assertEq(uint256(_gameStatus(id)), uint256(IDisputeManager.Status.Guilty));
    }

    function test_challengerSilentLoses() public {
        _commit(CHEAT);
        uint256 id = _openGame(1);
        _reveal(id);
        _passWindow();
        vm.expectEmit(address(proofGame));
        emit IProofGame.GameSettled(id, false, IProofGame.Ending.ChallengerSilent);
        proofGame.timeout(id);
        assertEq(uint256(_gameStatus(id)), uint256(IDisputeManager.Status.Innocent));
    }

    /// Silence at the final step is the orchestrator's: the challenger moved last.
    function test_silenceAtTheFinalStepIsTheOrchestrators() public {
        _commit(type(uint256).max);
        uint256 id = _openGame(1);
        _bisect(id, 2, 2);
        _passWindow();
        proofGame.timeout(id);
        assertEq(uint256(_gameStatus(id)), uint256(IDisputeManager.Status.Guilty));
    }

    // ------------------------------------------------------------ depth

    /// A depth other than the one the op's output length gives never opens a game (it would
    /// leave the orchestrator no valid reveal).
    function test_wrongDepthIsRefusedAtOpen() public {
        _commit(CHEAT);
        IProofGame.Opening memory o = _opening(1, 2, ProofGameTrees.rootOf(outputs[1]));
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IProofGame.WrongDepth.selector, 2, 3));
        proofGame.open(o);
    }

    /// A node opening that is not the op's (another layer's node) is refused by the judge.
    function test_anotherOpsNodeIsRefusedAtOpen() public {
        _commit(CHEAT);
        IProofGame.Opening memory o = _opening(1, 3, ProofGameTrees.rootOf(outputs[1]));
        o.nodeOpening = _opening(0, 3, ProofGameTrees.rootOf(outputs[1])).nodeOpening;
        vm.prank(challenger);
        vm.expectRevert();
        proofGame.open(o);
    }

    function test_rightDepthCannotBeDisproved() public {
        _commit(CHEAT);
        uint256 id = _openGame(1);
        bytes memory modelOpening = _finalStep(id).opening;
        vm.prank(orch);
        vm.expectRevert(abi.encodeWithSelector(IProofGame.DepthIsRight.selector, id, 3));
        proofGame.disproveDepth(id, modelOpening);
    }

    // ------------------------------------------------------------ liability

    /// The pool's locks from the offense round on stay held for the whole game, past the unbonding
    /// period, and are released when it settles.
    function test_stakeStaysHeldForTheWholeGame() public {
        _commit(type(uint256).max);
        proofGame.setMoveWindow(2_000);
        uint256 offense = rounds.currentRound();
        vm.prank(alice);
        bonding.unbond(100 ether, address(0), address(0));
        uint256 id = _openGame(1);
        for (uint256 i; i < 8; ++i) {
            _nextRound();
        }
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.LockHeld.selector, orch, 0, offense));
        bonding.withdrawStake(0);
        _bisect(id, 1, 1);
        IProofGame.FinalStep memory step = _finalStep(id);
        vm.prank(orch);
        proofGame.finish(id, step);
        vm.prank(alice);
        bonding.withdrawStake(0);
    }

    /// A proven fault can still be vetoed: the circuit breaker for a faulty judge.
    function test_provenFaultCanBeVetoed() public {
        _commit(type(uint256).max);
        uint256 id = _openGame(1);
        _passWindow();
        proofGame.timeout(id);
        uint256 balance = token.balanceOf(challenger);
        disputes.veto(id); // this test holds ARBITRATOR (no hand-over)
        assertEq(token.balanceOf(challenger), balance + DEPOSIT);
    }

    // ------------------------------------------------------------ refused moves

    function test_open_refusesBadOpenings() public {
        _commit(CHEAT);
        IProofGame.Opening memory o = _opening(1, 3, ProofGameTrees.rootOf(outputs[1]));
        IProofGame.Opening memory bad = _opening(1, 3, o.claimedRoot);
        vm.startPrank(challenger);
        vm.expectRevert(IProofGame.NoDisagreement.selector);
        proofGame.open(bad);
        bad = _opening(1, 33, o.referenceRoot);
        vm.expectRevert(abi.encodeWithSelector(IProofGame.DepthTooLarge.selector, 33, 32));
        proofGame.open(bad);
        bad = _opening(1, 3, o.referenceRoot);
        bad.proof[0] = keccak256("wrong sibling");
        vm.expectRevert(abi.encodeWithSelector(IProofGame.InvalidLayerRoot.selector, 1));
        proofGame.open(bad);
        bad = _opening(1, 3, o.referenceRoot);
        bad.layer = 0; // op 1's root is not op 0's
        vm.expectRevert(abi.encodeWithSelector(IProofGame.InvalidLayerRoot.selector, 0));
        proofGame.open(bad);
        bad = _opening(1, 3, o.referenceRoot);
        bad.claimedRoot = bytes32(0); // the commitment's padding leaf
        bad.layer = 2;
        bad.proof = _layerRoots().proof(3);
        vm.expectRevert(abi.encodeWithSelector(IProofGame.InvalidLayerRoot.selector, 2));
        proofGame.open(bad);
        bad = _opening(1, 3, o.referenceRoot);
        bad.signature = _signReceipt(uint256(keccak256("not the orchestrator")), receipt);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.InvalidReceiptSignature.selector, orch));
        proofGame.open(bad);
        uint256 id = proofGame.open(o);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDisputeManager.ReceiptAlreadyDisputed.selector, disputes.receiptDigest(receipt)
            )
        );
        proofGame.open(o);
        vm.stopPrank();
        assertEq(id, 1);
    }

    function test_open_needsAJudge() public {
        _commit(CHEAT);
        proofGame.setJudge(IElementJudge(address(0)));
        IProofGame.Opening memory o = _opening(1, 3, ProofGameTrees.rootOf(outputs[1]));
        vm.prank(challenger);
        vm.expectRevert(IProofGame.NoJudge.selector);
        proofGame.open(o);
    }

    function test_reveal_refusesBadMoves() public {
        _commit(CHEAT);
        uint256 id = _openGame(1);
        bytes32[] memory words = _revealWords(id, committed[1]);
        bytes32[] memory two = new bytes32[](2);
        vm.startPrank(orch);
        vm.expectRevert(abi.encodeWithSelector(IProofGame.WrongWidth.selector, 4, 2));
        proofGame.reveal(id, two);
        words[2] = keccak256("a node of another tree");
        vm.expectRevert(abi.encodeWithSelector(IProofGame.NotTheChildren.selector, id));
        proofGame.reveal(id, words);
        words = _revealWords(id, outputs[1]); // the reference tree's nodes are not its own
        vm.expectRevert(abi.encodeWithSelector(IProofGame.NotTheChildren.selector, id));
        proofGame.reveal(id, words);
        vm.expectRevert(abi.encodeWithSelector(IProofGame.NotYourTurn.selector, id, IProofGame.Phase.Reveal));
        proofGame.pick(id, words, 0, 0);
        vm.stopPrank();
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IProofGame.NotYourTurn.selector, id, IProofGame.Phase.Reveal));
        proofGame.reveal(id, words);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IProofGame.NotAParty.selector, id, stranger));
        proofGame.reveal(id, words);
        words = _revealWords(id, committed[1]);
        uint256 deadline = proofGame.getGame(id).deadline;
        vm.roll(deadline + 1);
        vm.prank(orch);
        vm.expectRevert(abi.encodeWithSelector(IProofGame.MoveTooLate.selector, id, deadline));
        proofGame.reveal(id, words);
    }

    function test_pick_refusesBadMoves() public {
        _commit(CHEAT);
        uint256 id = _openGame(1);
        bytes32[] memory words = _reveal(id);
        vm.prank(orch);
        vm.expectRevert(abi.encodeWithSelector(IProofGame.NotYourTurn.selector, id, IProofGame.Phase.Pick));
        proofGame.reveal(id, words); // a replayed reveal
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IProofGame.NotAParty.selector, id, stranger));
        proofGame.pick(id, words, 1, 0);
        vm.prank(orch);
        vm.expectRevert(abi.encodeWithSelector(IProofGame.NotYourTurn.selector, id, IProofGame.Phase.Pick));
        proofGame.pick(id, words, 1, 0);
        vm.startPrank(challenger);
        bytes32[] memory forged = new bytes32[](4);
        forged[1] = words[1];
        vm.expectRevert(abi.encodeWithSelector(IProofGame.NotRevealed.selector, id));
        proofGame.pick(id, forged, 1, 0);
        vm.expectRevert(abi.encodeWithSelector(IProofGame.ChildOutOfRange.selector, 4, 4));
        proofGame.pick(id, words, 4, 0);
        proofGame.pick(id, words, 1, 0);
        vm.expectRevert(abi.encodeWithSelector(IProofGame.NotYourTurn.selector, id, IProofGame.Phase.Reveal));
        proofGame.pick(id, words, 1, 0); // a replayed pick
        vm.stopPrank();
        words = _reveal(id); // the two chunks under the picked node
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IProofGame.ByteOutOfRange.selector, 32));
        proofGame.pick(id, words, 1, 32);
    }

    function test_finish_refusesBadSteps() public {
        _commit(CHEAT);
        uint256 id = _openGame(1);
        _bisect(id, 3, 4);
        IProofGame.FinalStep memory step = _finalStep(id);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IProofGame.NotAParty.selector, id, stranger));
        proofGame.finish(id, step);
        // The reference op-0 output is not the orchestrator's committed one.
        step.rootProofs[0][0] = keccak256("wrong sibling");
        vm.prank(orch);
        vm.expectRevert(abi.encodeWithSelector(IProofGame.InvalidInputRoot.selector, 1));
        proofGame.finish(id, step);
        step.rootProofs = new bytes32[][](0);
        vm.prank(orch);
        vm.expectRevert(abi.encodeWithSelector(IProofGame.ProofCountMismatch.selector, 1, 0));
        proofGame.finish(id, step);
        // An opening of another row is refused by the judge.
        step = _finalStep(id);
        ProofGameDenseJudge.Opening memory o = abi.decode(step.opening, (ProofGameDenseJudge.Opening));
        o.row = rows[1][0];
        step.opening = abi.encode(o);
        vm.prank(orch);
        vm.expectRevert(abi.encodeWithSelector(ProofGameDenseJudge.BadRow.selector, CHEAT));
        proofGame.finish(id, step);
        step = _finalStep(id);
        vm.prank(orch);
        vm.expectRevert(abi.encodeWithSelector(IProofGame.NotYourTurn.selector, id, IProofGame.Phase.Final));
        proofGame.reveal(id, new bytes32[](1));
    }

    function test_settledGameRefusesEverything() public {
        _commit(CHEAT);
        uint256 id = _openGame(1);
        _passWindow();
        proofGame.timeout(id);
        bytes32[] memory words = _revealWords(id, committed[1]);
        vm.prank(orch);
        vm.expectRevert(abi.encodeWithSelector(IProofGame.GameOver.selector, id));
        proofGame.reveal(id, words);
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IProofGame.GameOver.selector, id));
        proofGame.pick(id, words, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IProofGame.GameOver.selector, id));
        proofGame.timeout(id);
        vm.expectRevert(abi.encodeWithSelector(IProofGame.UnknownGame.selector, id + 1));
        proofGame.timeout(id + 1);
    }

    // ------------------------------------------------------------ the DisputeManager's hooks

    function test_proofDisputeTakesNoVerdicts() public {
        _commit(CHEAT);
        uint256 id = _openGame(1);
        vm.prank(verifiers[0]);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.DecidedByProof.selector, id));
        disputes.submitVerdict(id, HONEST_OUTPUT, 1);
        for (uint256 i; i < 3; ++i) {
            _nextRound();
        }
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.DecidedByProof.selector, id));
        disputes.finalize(id);
    }

    function test_hooksAreTheGamesAlone() public {
        // Wired by the deploy plan: the hooks to PROOF_GAME, held by the game.
        assertEq(
            manager.getTargetFunctionRole(address(disputes), disputes.openForProof.selector), Roles.PROOF_GAME
        );
        assertEq(
            manager.getTargetFunctionRole(address(disputes), disputes.settleByProof.selector),
            Roles.PROOF_GAME
        );
        (bool member,) = manager.hasRole(Roles.PROOF_GAME, address(proofGame));
        assertTrue(member);
        _commit(CHEAT);
        bytes memory sig = _signReceipt(orchKey, receipt);
        vm.prank(challenger);
        vm.expectRevert(_unauthorized(challenger));
        disputes.openForProof(receipt, sig, challenger);
        uint256 committee = _open(); // an ordinary dispute
        vm.prank(challenger);
        vm.expectRevert(_unauthorized(challenger));
        disputes.settleByProof(committee, true);
        vm.prank(address(proofGame));
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.NotAProofDispute.selector, committee));
        disputes.settleByProof(committee, true);
    }

    // ------------------------------------------------------------ whole-tensor proofs

    /// The committed input root is not the root of the input the receipt hashes: guilty at once.
    function test_proveInputRoot_guiltyAtOnce() public {
        _commit(type(uint256).max);
        bytes32 wrongRoot = ProofGameTrees.rootOf(_bytes("another input", 64));
        _recommit(wrongRoot, ProofGameTrees.rootOf(committed[1]));
        bytes memory sig = _signReceipt(orchKey, receipt);
        bytes32[] memory proof = _roots(wrongRoot, ProofGameTrees.rootOf(committed[1])).proof(0);
        vm.startPrank(challenger);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProofGame.NotTheReceiptsTensor.selector, keccak256(outputs[0]), receipt.inputHash
            )
        );
        proofGame.proveInputRoot(receipt, sig, outputs[0], wrongRoot, proof);
        vm.expectRevert(abi.encodeWithSelector(IProofGame.InvalidInputRoot.selector, 0));
        proofGame.proveInputRoot(receipt, sig, input, keccak256("not committed"), proof);
        vm.expectEmit(address(proofGame));
        emit IProofGame.GameSettled(1, true, IProofGame.Ending.InputRootMismatch);
        uint256 id = proofGame.proveInputRoot(receipt, sig, input, wrongRoot, proof);
        vm.stopPrank();
        assertEq(uint256(_gameStatus(id)), uint256(IDisputeManager.Status.Guilty));
    }

    function test_proveInputRoot_refusesARightRoot() public {
        _commit(type(uint256).max);
        bytes memory sig = _signReceipt(orchKey, receipt);
        bytes32 inputRoot = ProofGameTrees.rootOf(input);
        bytes32[] memory proof = _layerRoots().proof(0);
        vm.prank(challenger);
        vm.expectRevert(IProofGame.NoDisagreement.selector);
        proofGame.proveInputRoot(receipt, sig, input, inputRoot, proof);
    }

    /// The receipt's output hash is not the hash of the last op's committed output: guilty at once.
    function test_proveOutputRoot_guiltyAtOnce() public {
        _commit(CHEAT); // commits the cheated output ...
        receipt.outputHash = keccak256(outputs[1]); // ... but signs the honest output's hash
        bytes memory sig = _signReceipt(orchKey, receipt);
        ProofGameTrees.Sparse memory c = _layerRoots();
        bytes32 lastRoot = ProofGameTrees.rootOf(committed[1]);
        bytes32[] memory proof = c.proof(2);
        bytes32[] memory next = c.proof(3);
        vm.startPrank(challenger);
        // Op 0's output is not the last: leaf 2 is not padding.
        bytes32 op0Root = ProofGameTrees.rootOf(committed[0]);
        bytes32[] memory op0Proof = c.proof(1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IProofGame.NotTheReceiptsTensor.selector, keccak256(committed[0]), receipt.outputHash
            )
        );
        proofGame.proveOutputRoot(receipt, sig, committed[0], 1, op0Root, op0Proof, proof);
        vm.expectRevert(abi.encodeWithSelector(IProofGame.NotTheLastLayer.selector, 1));
        proofGame.proveOutputRoot(receipt, sig, outputs[1], 1, op0Root, op0Proof, proof);
        uint256 id = proofGame.proveOutputRoot(receipt, sig, outputs[1], 2, lastRoot, proof, next);
        vm.stopPrank();
        assertEq(uint256(_gameStatus(id)), uint256(IDisputeManager.Status.Guilty));
    }

    function _roots(bytes32 inputRoot, bytes32 lastRoot)
        internal
        view
        returns (ProofGameTrees.Sparse memory)
    {
        bytes32[] memory layerRoots = new bytes32[](3);
        layerRoots[0] = inputRoot;
        layerRoots[1] = ProofGameTrees.rootOf(committed[0]);
        layerRoots[2] = lastRoot;
        return ProofGameTrees.fromWords(layerRoots);
    }

    function _recommit(bytes32 inputRoot, bytes32 lastRoot) internal {
        receipt.commitmentRoot = _roots(inputRoot, lastRoot).root();
    }

    // ------------------------------------------------------------ the judge

    /// Requantization pinned on values worked by hand (TFLite's rounding: ties away from zero
    /// in the high multiply, then a rounding shift).
    function test_judgeRequantizes() public view {
        assertEq(judge.requantize(100, 1 << 30, 0), 50); // x 0.5
        assertEq(judge.requantize(101, 1 << 30, 0), 51); // 50.5 rounds up
        assertEq(judge.requantize(1_000, 1 << 30, -2), 125); // x 0.5 / 4
        assertEq(judge.requantize(1_001, 1 << 30, -2), 125); // 500.5 -> 501, / 4 = 125.25
        assertEq(judge.requantize(-1_000, 1 << 30, -3), -63); // -500 / 8 = -62.5, rounds away from zero
        assertEq(judge.requantize(3, 1 << 30, 2), 6); // x 4 first, then x 0.5
    }

    /// Re-commits the receipt over `committed` as it is now (after a test changed it).
    function _commit2() internal {
        bytes memory out0 = committed[0];
        bytes memory out1 = committed[1];
        _commit(type(uint256).max);
        committed[0] = out0;
        committed[1] = out1;
        bytes32[] memory layerRoots = new bytes32[](3);
        layerRoots[0] = ProofGameTrees.rootOf(input);
        layerRoots[1] = ProofGameTrees.rootOf(out0);
        layerRoots[2] = ProofGameTrees.rootOf(out1);
        receipt.outputHash = keccak256(out1);
        receipt.commitmentRoot = ProofGameTrees.rootOf(abi.encodePacked(layerRoots));
    }
}
