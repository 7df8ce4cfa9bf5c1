// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IBondingManager} from "../../../contracts/interfaces/IBondingManager.sol";
import {IDisputeManager} from "../../../contracts/interfaces/IDisputeManager.sol";
import {DisputeFixture} from "../../fixtures/DisputeFixture.sol";

contract DisputeManagerTest is DisputeFixture {
    // ------------------------------------------------------------ opening

    function test_open_pullsDepositAndSnapshotsStake() public {
        IDisputeManager.Receipt memory r = _receipt();
        bytes32 digest = disputes.receiptDigest(r);
        vm.expectEmit(address(disputes));
        emit IDisputeManager.DisputeOpened(1, orch, challenger, digest, r.round, 4_000 ether, DEPOSIT, false);
        vm.expectEmit(address(disputes));
        emit IDisputeManager.DisputedReceipt(1, r);
        uint256 id = _open(r);

        assertEq(id, 1);
        IDisputeManager.Dispute memory d = disputes.getDispute(id);
        assertEq(uint256(d.status), uint256(IDisputeManager.Status.Open));
        assertEq(d.orchestrator, orch);
        assertEq(d.challenger, challenger);
        assertEq(d.snapshotStake, 4_000 ether);
        assertEq(d.deposit, DEPOSIT);
        assertEq(d.offenseRound, r.round);
        assertEq(d.deadlineRound, rounds.currentRound() + disputes.verdictPeriod());
        assertEq(d.claimedOutputHash, CHEATED_OUTPUT);
        assertTrue(disputes.disputedReceipts(digest));
        assertEq(token.balanceOf(address(disputes)), DEPOSIT);
        assertEq(token.balanceOf(challenger), 10_000 ether - DEPOSIT);
    }

    function test_receiptDigest_isEip712() public view {
        IDisputeManager.Receipt memory r = _receipt();
        bytes32 typeHash = keccak256(
            "Receipt(address orchestrator,bytes32 jobId,bytes32 modelId,bytes32 inputHash,bytes32 paramsHash,bytes32 outputHash,bytes32 commitmentRoot,uint256 round)"
        );
        bytes32 domain = keccak256(
            abi.encode(
                keccak256(
                    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
                ),
                keccak256("DisputeManager"),
                keccak256("1"),
                block.chainid,
                address(disputes)
            )
        );
        bytes32 structHash = keccak256(abi.encode(typeHash, r));
        assertEq(disputes.receiptHash(r), structHash);
        assertEq(disputes.receiptDigest(r), keccak256(abi.encodePacked("\x19\x01", domain, structHash)));
    }

    function test_open_acceptsAnAuthorizedSigner() public {
        (address hot, uint256 hotKey) = makeAddrAndKey("hot");
        vm.prank(orch);
        disputes.authorizeReceiptSigner(hot);
        IDisputeManager.Receipt memory r = _receipt();
        bytes memory sig = _signReceipt(hotKey, r);
        vm.prank(challenger);
        assertEq(disputes.openDispute(r, sig), 1);
    }

    function test_open_revokedSignerStillBindsEarlierRounds() public {
        (address hot, uint256 hotKey) = makeAddrAndKey("hot");
        vm.prank(orch);
        disputes.authorizeReceiptSigner(hot);
        IDisputeManager.Receipt memory early = _receipt();
        vm.prank(orch);
        disputes.revokeReceiptSigner(hot);
        _nextRound();
        IDisputeManager.Receipt memory late =
            _receipt(keccak256("job2"), CHEATED_OUTPUT, rounds.currentRound());

        bytes memory lateSig = _signReceipt(hotKey, late);
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.InvalidReceiptSignature.selector, orch));
        disputes.openDispute(late, lateSig);

        bytes memory earlySig = _signReceipt(hotKey, early);
        vm.prank(challenger);
        assertEq(disputes.openDispute(early, earlySig), 1, "rotating a key does not erase past receipts");
    }

    function test_open_withinStatute() public {
        IDisputeManager.Receipt memory r = _receipt();
        for (uint256 i; i < disputes.statuteOfLimitations(); ++i) {
            _nextRound();
        }
        assertEq(_open(r), 1, "the last round of the window is in");
    }

    /// Property 1: an empty pool is still disputable (its locks are liable).
    function test_open_emptyPoolStillDisputable() public {
        vm.prank(alice);
        bonding.unbond(3_000 ether, address(0), address(0));
        vm.prank(orch);
        bonding.unbond(1_000 ether, address(0), address(0));
        uint256 id = _open();
        assertEq(disputes.getDispute(id).snapshotStake, 4_000 ether, "the locks are the snapshot");
    }

    // ------------------------------------------------------------ bad input: each reverts, nothing moves

    function _balances() internal view returns (uint256[5] memory b) {
        b = [
            token.balanceOf(challenger),
            token.balanceOf(address(disputes)),
            bonding.delegatedStake(orch),
            token.totalSupply(),
            disputes.disputeCount()
        ];
    }

    function _assertUnchanged(uint256[5] memory before) internal view {
        uint256[5] memory afterwards = _balances();
        for (uint256 i; i < 5; ++i) {
            assertEq(afterwards[i], before[i], "nothing moves");
        }
    }

    function test_bad_forgedSignature() public {
        (, uint256 forgerKey) = makeAddrAndKey("forger");
        IDisputeManager.Receipt memory r = _receipt();
        bytes memory sig = _signReceipt(forgerKey, r);
        uint256[5] memory before = _balances();
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.InvalidReceiptSignature.selector, orch));
        disputes.openDispute(r, sig);
        // A valid signature over another receipt does not carry over either.
        bytes memory other = _signReceipt(orchKey, _receipt(keccak256("other"), CHEATED_OUTPUT, r.round));
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.InvalidReceiptSignature.selector, orch));
        disputes.openDispute(r, other);
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.InvalidReceiptSignature.selector, orch));
        disputes.openDispute(r, hex"1234");
        _assertUnchanged(before);
    }

    function test_bad_receiptOutsideWindow() public {
        IDisputeManager.Receipt memory old = _receipt();
        for (uint256 i; i <= disputes.statuteOfLimitations(); ++i) {
            _nextRound();
        }
        uint256 round = rounds.currentRound();
        bytes memory sig = _signReceipt(orchKey, old);
        uint256[5] memory before = _balances();
        vm.prank(challenger);
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeManager.ReceiptOutsideWindow.selector, old.round, round)
        );
        disputes.openDispute(old, sig);

        IDisputeManager.Receipt memory future = _receipt(keccak256("f"), CHEATED_OUTPUT, round + 1);
        sig = _signReceipt(orchKey, future);
        vm.prank(challenger);
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeManager.ReceiptOutsideWindow.selector, round + 1, round)
        );
        disputes.openDispute(future, sig);
        _assertUnchanged(before);
    }

    function test_bad_secondDisputeOnSameReceipt() public {
        IDisputeManager.Receipt memory r = _receipt();
        _open(r);
        bytes memory sig = _signReceipt(orchKey, r);
        uint256[5] memory before = _balances();
        vm.prank(challenger);
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeManager.ReceiptAlreadyDisputed.selector, disputes.receiptDigest(r))
        );
        disputes.openDispute(r, sig);
        _assertUnchanged(before);
    }

    function test_bad_verdictFromNonVerifier() public {
        uint256 id = _open();
        uint256[5] memory before = _balances();
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.NotVerifier.selector, stranger));
        disputes.submitVerdict(id, HONEST_OUTPUT, 1);

        // Nor through the batch path, signed by a non-verifier.
        (, uint256 strangerKey) = makeAddrAndKey("stranger");
        IDisputeManager.Verdict[] memory vs = new IDisputeManager.Verdict[](1);
        vs[0] = IDisputeManager.Verdict(HONEST_OUTPUT, 1);
        bytes[] memory sigs = new bytes[](1);
        sigs[0] = _signVerdict(strangerKey, id, vs[0]);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.NotVerifier.selector, stranger));
        disputes.submitVerdicts(id, vs, sigs);
        _assertUnchanged(before);
        assertEq(disputes.getDispute(id).guiltyVotes, 0);
    }

    function test_bad_doubleVerdict() public {
        uint256 id = _open();
        _vote(0, id, HONEST_OUTPUT);
        uint256[5] memory before = _balances();
        vm.prank(verifiers[0]);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.AlreadyVoted.selector, id, verifiers[0]));
        disputes.submitVerdict(id, CHEATED_OUTPUT, 0);

        // A signed verdict of the same verifier cannot vote again either.
        IDisputeManager.Verdict[] memory vs = new IDisputeManager.Verdict[](1);
        vs[0] = IDisputeManager.Verdict(HONEST_OUTPUT, 3);
        bytes[] memory sigs = new bytes[](1);
        sigs[0] = _signVerdict(verifierKeys[0], id, vs[0]);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.AlreadyVoted.selector, id, verifiers[0]));
        disputes.submitVerdicts(id, vs, sigs);
        _assertUnchanged(before);
        assertEq(disputes.getDispute(id).guiltyVotes, 1);
        assertEq(disputes.getDispute(id).innocentVotes, 0);
    }

    function test_bad_executeInsideVetoWindow() public {
        uint256 id = _openGuilty();
        uint256 end = disputes.getDispute(id).vetoEndRound;
        uint256[5] memory before = _balances();
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.VetoWindowOpen.selector, id, end));
        disputes.executeSlash(id, address(0), address(0));
        _nextRound();
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.VetoWindowOpen.selector, id, end));
        disputes.executeSlash(id, address(0), address(0));
        _assertUnchanged(before);
        assertEq(uint256(_status(id)), uint256(IDisputeManager.Status.Guilty));
    }

    // ------------------------------------------------------------ verdicts

    function test_guilty_thenExecute_slashesPaysAndBurns() public {
        uint256 id = _open();
        vm.expectEmit(address(disputes));
        emit IDisputeManager.VerdictSubmitted(id, verifiers[0], IDisputeManager.Vote.Guilty, HONEST_OUTPUT, 3);
        _vote(0, id, HONEST_OUTPUT);
        assertEq(uint256(_status(id)), uint256(IDisputeManager.Status.Open), "one vote is no quorum");
        vm.expectEmit(address(disputes));
        emit IDisputeManager.DisputeDecided(id, IDisputeManager.Status.Guilty, rounds.currentRound());
        _vote(1, id, HONEST_OUTPUT);
        assertEq(uint256(_status(id)), uint256(IDisputeManager.Status.Guilty));
        assertEq(disputes.getDispute(id).vetoEndRound, rounds.currentRound() + disputes.vetoWindow());

        vm.prank(address(disputes));
        reputation.recordPasses(orch, 10);
        _passVetoWindow();
        uint256 supply = token.totalSupply();
        uint256 repBefore = reputation.scoreOf(orch);

        // 10% of 4,000 LPT: 400 slashed; the challenger gets half of the orchestrator's own 100
        // (never the delegators' stake: property 5), 350 burned, and 10% of its deposit (the
        // default guilty deposit burn) burned too.
        vm.expectEmit(address(disputes));
        emit IDisputeManager.SlashExecuted(id, orch, 100_000_000, 400 ether, 50 ether, 350 ether);
        vm.expectEmit(address(disputes));
        emit IDisputeManager.DepositFeeBurned(id, DEPOSIT / 10);
        disputes.executeSlash(id, address(0), address(0));

        assertEq(uint256(_status(id)), uint256(IDisputeManager.Status.Executed));
        assertEq(lens.pendingStake(orch), 900 ether);
        assertEq(lens.pendingStake(alice), 2_700 ether);
        assertEq(bonding.delegatedStake(orch), 3_600 ether);
        assertEq(
            token.balanceOf(challenger),
            10_000 ether - DEPOSIT / 10 + 50 ether,
            "deposit less fee plus reward"
        );
        assertEq(token.balanceOf(address(disputes)), 0);
        assertEq(token.totalSupply(), supply - 350 ether - DEPOSIT / 10, "the rest and the fee are burned");
        assertEq(reputation.scoreOf(orch), repBefore / 10, "reputation cut by 90%");
        assertEq(disputes.slashCapacityLeft(), 1_000_000 ether - 400 ether);

        vm.expectRevert(
            abi.encodeWithSelector(IDisputeManager.WrongStatus.selector, id, IDisputeManager.Status.Executed)
        );
        disputes.executeSlash(id, address(0), address(0));
    }

    function test_innocent_burnsDeposit() public {
        uint256 id = _open(_receipt(keccak256("job1"), HONEST_OUTPUT, rounds.currentRound()));
        uint256 supply = token.totalSupply();
        _vote(0, id, HONEST_OUTPUT);
        _vote(2, id, HONEST_OUTPUT);
        assertEq(uint256(_status(id)), uint256(IDisputeManager.Status.Innocent));
        assertEq(token.totalSupply(), supply - DEPOSIT);
        assertEq(token.balanceOf(challenger), 10_000 ether - DEPOSIT);
        assertEq(bonding.delegatedStake(orch), 4_000 ether);
    }

    /// Property 2: a draw burns the deposit (holding the pool's locks costs the opener).
    function test_draw_byVotes_burnsDeposit() public {
        uint256 id = _open();
        _vote(0, id, bytes32(0));
        _vote(1, id, HONEST_OUTPUT);
        _vote(2, id, bytes32(0));
        assertEq(uint256(_status(id)), uint256(IDisputeManager.Status.Draw));
        assertEq(token.balanceOf(challenger), 10_000 ether - DEPOSIT);
        assertEq(disputes.getDispute(id).drawVotes, 2);
        assertEq(disputes.getDispute(id).guiltyVotes, 1);
    }

    function test_draw_byDeadline() public {
        uint256 id = _open();
        _vote(0, id, HONEST_OUTPUT);
        uint256 deadline = disputes.getDispute(id).deadlineRound;
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.VerdictPeriodNotOver.selector, id, deadline));
        disputes.finalize(id);
        for (uint256 i; i < disputes.verdictPeriod(); ++i) {
            _nextRound();
        }
        vm.prank(verifiers[1]);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.VerdictPeriodOver.selector, id, deadline));
        disputes.submitVerdict(id, HONEST_OUTPUT, 3);
        vm.prank(stranger);
        disputes.finalize(id);
        assertEq(uint256(_status(id)), uint256(IDisputeManager.Status.Draw));
        assertEq(token.balanceOf(challenger), 10_000 ether - DEPOSIT, "a draw keeps the deposit");
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeManager.WrongStatus.selector, id, IDisputeManager.Status.Draw)
        );
        disputes.finalize(id);
    }

    function test_verdict_onDecidedOrUnknownDispute() public {
        uint256 id = _openGuilty();
        vm.prank(verifiers[2]);
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeManager.WrongStatus.selector, id, IDisputeManager.Status.Guilty)
        );
        disputes.submitVerdict(id, HONEST_OUTPUT, 3);
        vm.prank(verifiers[2]);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.UnknownDispute.selector, 7));
        disputes.submitVerdict(7, HONEST_OUTPUT, 3);
    }

    function test_batch_decidesAndIgnoresTheRest() public {
        uint256 id = _open();
        IDisputeManager.Verdict[] memory vs = new IDisputeManager.Verdict[](3);
        bytes[] memory sigs = new bytes[](3);
        for (uint256 i; i < 3; ++i) {
            vs[i] = IDisputeManager.Verdict(HONEST_OUTPUT, 3);
            sigs[i] = _signVerdict(verifierKeys[i], id, vs[i]);
        }
        vm.prank(stranger);
        disputes.submitVerdicts(id, vs, sigs);
        assertEq(uint256(_status(id)), uint256(IDisputeManager.Status.Guilty));
        assertEq(disputes.getDispute(id).guiltyVotes, 2, "the third verdict is past the decision");
        assertFalse(disputes.hasVoted(id, verifiers[2]));
    }

    function test_batch_rejectsReplayOnAnotherDispute() public {
        uint256 id = _open();
        uint256 other = _open(_receipt(keccak256("job2"), CHEATED_OUTPUT, rounds.currentRound()));
        IDisputeManager.Verdict[] memory vs = new IDisputeManager.Verdict[](1);
        vs[0] = IDisputeManager.Verdict(HONEST_OUTPUT, 3);
        bytes[] memory sigs = new bytes[](1);
        sigs[0] = _signVerdict(verifierKeys[0], id, vs[0]);
        // Signed for `id`: on `other` it recovers to some unrelated address.
        vm.expectPartialRevert(IDisputeManager.NotVerifier.selector);
        disputes.submitVerdicts(other, vs, sigs);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.LengthMismatch.selector, 1, 0));
        disputes.submitVerdicts(id, vs, new bytes[](0));
    }

    // ------------------------------------------------------------ conflicts

    function test_conflict_isGuiltyAtOnce() public {
        IDisputeManager.Receipt memory a = _receipt(keccak256("job1"), HONEST_OUTPUT, rounds.currentRound());
        _nextRound();
        IDisputeManager.Receipt memory b = _receipt(keccak256("job1"), CHEATED_OUTPUT, rounds.currentRound());
        bytes memory sa = _signReceipt(orchKey, a);
        bytes memory sb = _signReceipt(orchKey, b);
        vm.prank(challenger);
        uint256 id = disputes.openConflictDispute(a, sa, b, sb);
        IDisputeManager.Dispute memory d = disputes.getDispute(id);
        assertEq(uint256(d.status), uint256(IDisputeManager.Status.Guilty));
        assertTrue(d.conflict);
        assertEq(d.offenseRound, b.round, "the later receipt completes the offense");
        assertTrue(disputes.disputedReceipts(disputes.receiptDigest(a)));
        assertTrue(disputes.disputedReceipts(disputes.receiptDigest(b)));

        _passVetoWindow();
        disputes.executeSlash(id, address(0), address(0));
        assertEq(bonding.delegatedStake(orch), 3_600 ether);
        assertEq(
            token.balanceOf(challenger),
            10_050 ether - DEPOSIT / 10,
            "half the orchestrator's own cut, less the guilty deposit burn"
        );
    }

    function test_conflict_rejectsNonConflicts() public {
        uint256 round = rounds.currentRound();
        IDisputeManager.Receipt memory a = _receipt(keccak256("job1"), HONEST_OUTPUT, round);
        IDisputeManager.Receipt memory sameOutput = _receipt(keccak256("job1"), HONEST_OUTPUT, round);
        sameOutput.commitmentRoot = keccak256("different root");
        IDisputeManager.Receipt memory otherJob = _receipt(keccak256("job2"), CHEATED_OUTPUT, round);
        IDisputeManager.Receipt memory otherOrch = _receipt(keccak256("job1"), CHEATED_OUTPUT, round);
        otherOrch.orchestrator = alice;
        bytes memory sa = _signReceipt(orchKey, a);
        IDisputeManager.Receipt[3] memory bs = [sameOutput, otherJob, otherOrch];
        for (uint256 i; i < 3; ++i) {
            bytes memory sb = _signReceipt(orchKey, bs[i]);
            vm.prank(challenger);
            vm.expectRevert(IDisputeManager.NotAConflict.selector);
            disputes.openConflictDispute(a, sa, bs[i], sb);
        }
        // A forged second receipt is no proof.
        IDisputeManager.Receipt memory b = _receipt(keccak256("job1"), CHEATED_OUTPUT, round);
        (, uint256 forgerKey) = makeAddrAndKey("forger");
        bytes memory forged = _signReceipt(forgerKey, b);
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.InvalidReceiptSignature.selector, orch));
        disputes.openConflictDispute(a, sa, b, forged);
        assertEq(disputes.disputeCount(), 0);
    }

    // ------------------------------------------------------------ veto

    function test_veto_overturnsAndReturnsDeposit() public {
        uint256 id = _openGuilty();
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(stranger));
        disputes.veto(id);
        vm.expectEmit(address(disputes));
        emit IDisputeManager.DisputeVetoed(id);
        disputes.veto(id); // this test contract is the admin, which holds ARBITRATOR
        assertEq(uint256(_status(id)), uint256(IDisputeManager.Status.Vetoed));
        assertEq(token.balanceOf(challenger), 10_000 ether);
        _passVetoWindow();
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeManager.WrongStatus.selector, id, IDisputeManager.Status.Vetoed)
        );
        disputes.executeSlash(id, address(0), address(0));
        assertEq(bonding.delegatedStake(orch), 4_000 ether);
    }

    function test_veto_closesWithTheWindow() public {
        uint256 id = _openGuilty();
        uint256 end = disputes.getDispute(id).vetoEndRound;
        _passVetoWindow();
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.VetoWindowClosed.selector, id, end));
        disputes.veto(id);
        uint256 open = _open(_receipt(keccak256("job2"), CHEATED_OUTPUT, rounds.currentRound()));
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeManager.WrongStatus.selector, open, IDisputeManager.Status.Open)
        );
        disputes.veto(open);
    }

    // ------------------------------------------------------------ caps and locks

    function test_slash_cappedBySnapshot() public {
        uint256 id = _openGuilty();
        _bond(makeAddr("late"), 4_000 ether, orch); // stake doubles after the opening
        _passVetoWindow();
        disputes.executeSlash(id, address(0), address(0));
        // At most 10% of the 4,000 snapshot: 400 of 8,000, i.e. 5% of everyone.
        assertEq(bonding.delegatedStake(orch), 7_600 ether);
        assertEq(lens.pendingStake(alice), 2_850 ether);
    }

    function test_slash_rateLimited() public {
        disputes.setSlashRateLimit(10, 100 ether);
        uint256 id = _openGuilty();
        uint256 id2 = _open(_receipt(keccak256("job2"), CHEATED_OUTPUT, rounds.currentRound()));
        _vote(0, id2, HONEST_OUTPUT);
        _vote(2, id2, HONEST_OUTPUT);
        _passVetoWindow();
        disputes.executeSlash(id, address(0), address(0));
        assertEq(bonding.delegatedStake(orch), 3_900 ether, "capped at the window's 100 LPT");
        assertEq(disputes.slashCapacityLeft(), 0);
        uint256 next = (rounds.currentRound() / 10 + 1) * 10;
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.SlashRateLimited.selector, next));
        disputes.executeSlash(id2, address(0), address(0));
        while (rounds.currentRound() < next) {
            _nextRound();
        }
        disputes.executeSlash(id2, address(0), address(0));
        // 100 LPT of 3,900 is no whole ppb: the fraction rounds down, by under 3,900 LPT / 1e9.
        assertGe(bonding.delegatedStake(orch), 3_800 ether);
        assertApproxEqAbs(bonding.delegatedStake(orch), 3_800 ether, 3_900 ether / 1e9);
    }

    function test_slash_cutsLocksFromTheOffenseRound() public {
        _nextRound();
        vm.prank(alice);
        bonding.unbond(1_000 ether, address(0), address(0)); // before the offense: spared
        _nextRound();
        uint256 id = _open(); // offense this round
        vm.prank(alice);
        bonding.unbond(1_000 ether, address(0), address(0)); // same round as the offense: cut
        _vote(0, id, HONEST_OUTPUT);
        _vote(1, id, HONEST_OUTPUT);
        _passVetoWindow();
        uint256 supply = token.totalSupply();
        disputes.executeSlash(id, address(0), address(0));
        // Bonded: 1,000 (orch) + 1,000 (alice) = 2,000; 10% = 200.
        assertEq(bonding.delegatedStake(orch), 1_800 ether);
        for (uint256 i; i < 7; ++i) {
            _nextRound();
        }
        vm.startPrank(alice);
        bonding.withdrawStake(0);
        bonding.withdrawStake(1);
        vm.stopPrank();
        assertEq(token.balanceOf(alice), 1_000 ether + 900 ether);
        // Burned: the bonded cut less the reward (half the orchestrator's own 100) + the lock's cut
        // + the guilty deposit burn (10% of the deposit).
        assertEq(token.totalSupply(), supply - 150 ether - 100 ether - DEPOSIT / 10);
    }

    // ------------------------------------------------------------ reputation and governance

    function test_attestSpotChecks() public {
        address[] memory orchs = new address[](2);
        orchs[0] = orch;
        orchs[1] = orch;
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.NotVerifier.selector, stranger));
        disputes.attestSpotChecks(orchs);
        // Property 10: one voice adds at most one pass per orchestrator and round.
        uint256 round = rounds.currentRound();
        vm.prank(verifiers[0]);
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeManager.AlreadyAttested.selector, verifiers[0], orch, round)
        );
        disputes.attestSpotChecks(orchs);
        orchs[1] = alice;
        vm.prank(verifiers[0]);
        disputes.attestSpotChecks(orchs);
        assertEq(reputation.scoreOf(orch), 1 ether);
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(stranger));
        reputation.recordPasses(orch, 1);
    }

    /// Property 10 across calls: a second attestation by one verifier in a round is refused, whatever
    /// it names (so no orchestrator gets a second pass from it); the next round it may attest again,
    /// and another verifier is not held by the first one's call.
    function test_attestSpotChecks_oncePerVerifierAndRound() public {
        address[] memory orchs = new address[](1);
        orchs[0] = orch;
        uint256 round = rounds.currentRound();
        vm.prank(verifiers[0]);
        disputes.attestSpotChecks(orchs);
        orchs[0] = alice;
        vm.prank(verifiers[0]);
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeManager.AttestedThisRound.selector, verifiers[0], round)
        );
        disputes.attestSpotChecks(orchs);
        orchs[0] = orch;
        vm.prank(verifiers[1]);
        disputes.attestSpotChecks(orchs);
        assertEq(reputation.scoreOf(orch), 2 ether);
        _nextRound();
        vm.prank(verifiers[0]);
        disputes.attestSpotChecks(orchs);
        assertGt(reputation.scoreOf(orch), 2 ether - 1);
    }

    function test_governance_settersAreRestrictedAndChecked() public {
        vm.startPrank(stranger);
        vm.expectRevert(_unauthorized(stranger));
        disputes.setVerifier(stranger, true);
        vm.expectRevert(_unauthorized(stranger));
        disputes.setQuorum(1);
        vm.expectRevert(_unauthorized(stranger));
        disputes.setDeposit(1);
        vm.expectRevert(_unauthorized(stranger));
        disputes.setMaxSlashCut(1);
        vm.expectRevert(_unauthorized(stranger));
        disputes.setSlashRateLimit(1, 1);
        vm.expectRevert(_unauthorized(stranger));
        disputes.setGuiltyDepositBurn(1);
        vm.stopPrank();

        vm.expectRevert(IDisputeManager.ZeroDeposit.selector);
        disputes.setDeposit(0);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.InvalidGuiltyDepositBurn.selector, 0));
        disputes.setGuiltyDepositBurn(0);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.InvalidGuiltyDepositBurn.selector, 1e9 + 1));
        disputes.setGuiltyDepositBurn(1e9 + 1);
        disputes.setGuiltyDepositBurn(1e9); // the whole deposit is within bounds
        assertEq(disputes.guiltyDepositBurnPpb(), 1e9);

        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.InvalidPpb.selector, 500_000_001));
        disputes.setChallengerRewardCut(500_000_001);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.InvalidPpb.selector, 1e9));
        disputes.setMaxSlashCut(1e9);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.InvalidPpb.selector, 0));
        disputes.setMaxSlashCut(0);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.InvalidQuorum.selector, 0));
        disputes.setQuorum(0);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.InvalidRounds.selector, 0));
        disputes.setVetoWindow(0);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.InvalidRounds.selector, 0));
        disputes.setStatuteOfLimitations(0);
        vm.expectRevert(abi.encodeWithSelector(IDisputeManager.InvalidRounds.selector, 0));
        disputes.setVerdictPeriod(0);
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeManager.VerifierUnchanged.selector, verifiers[0], true)
        );
        disputes.setVerifier(verifiers[0], true);

        assertEq(disputes.verifierCount(), 3);
        disputes.setVerifier(verifiers[0], false);
        assertEq(disputes.verifierCount(), 2);
        assertFalse(disputes.isVerifier(verifiers[0]));
        disputes.setQuorum(1);
        disputes.setDeposit(5 ether);
        uint256 id = _open();
        assertEq(disputes.getDispute(id).deposit, 5 ether);
        _vote(1, id, HONEST_OUTPUT);
        assertEq(uint256(_status(id)), uint256(IDisputeManager.Status.Guilty), "quorum of one");
    }

    // ------------------------------------------------------------ no escape by moving stake

    /// While a dispute can still slash, the pool's locks from the offense round on cannot be
    /// withdrawn or leave for another pool; moves leave through such locks; bonded stake may unbond.
    function test_open_holdsLocksOfThePool() public {
        address other = makeAddr("other orchestrator");
        _registerOrchestrator(other, 0, 0, 10 ether);
        uint256 offense = rounds.currentRound();
        vm.prank(alice);
        bonding.unbond(100 ether, address(0), address(0)); // lock 0, in the offense round
        uint256 id = _open();
        for (uint256 i; i < 8; ++i) {
            _nextRound();
        }
        bytes memory held = abi.encodeWithSelector(IBondingManager.LockHeld.selector, orch, 0, offense);
        vm.startPrank(alice);
        vm.expectRevert(held);
        bonding.withdrawStake(0);
        vm.expectRevert(held);
        bonding.rebond(0, other, _noHints());
        vm.expectRevert(abi.encodeWithSelector(IBondingManager.CrossPoolTransfer.selector, orch, other));
        bonding.transferBond(makeAddr("alice 2"), 1 ether, other, _noHints());
        vm.stopPrank();

        // A draw (the verdict period passed without a quorum) releases the locks.
        disputes.finalize(id);
        vm.prank(alice);
        bonding.withdrawStake(0);
        assertEq(token.balanceOf(alice), 100 ether);
    }

    function test_holdLocks_onlyTheSlasher() public {
        vm.startPrank(alice);
        vm.expectRevert(_unauthorized(alice));
        bonding.holdLocks(orch, 100);
        vm.expectRevert(_unauthorized(alice));
        bonding.releaseLocks(orch);
        vm.stopPrank();
    }
}
