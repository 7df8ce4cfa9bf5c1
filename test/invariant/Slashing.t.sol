// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BondingFixture} from "../fixtures/BondingFixture.sol";
import {SlashingHandler} from "./handlers/SlashingHandler.sol";

/// Issue 14's properties 1, 3, 4 and 5 as invariants, against an attacker who mixes bonding
/// operations, moves, transfers, repeated receipts for a few jobs, accomplice challengers (the
/// orchestrator's own second account among them), verdicts, security-council vetoes, finalizations,
/// executions and round advances. Deployed with the hand-over, so the veto is the council's.
/// Short windows: statute 2, verdicts 2, veto 2 rounds; a rate limit of 3 rounds that binds.
/// forge-config: default.invariant.runs = 32
/// forge-config: default.invariant.depth = 80
/// forge-config: deep.invariant.runs = 400
/// forge-config: deep.invariant.depth = 256
contract SlashingInvariantTest is BondingFixture {
    SlashingHandler internal handler;

    uint256 internal constant RATE_LIMIT = 400 ether;

    function setUp() public override {
        handOver = true;
        super.setUp();
        address[] memory orchs = new address[](3);
        uint256[] memory keys = new uint256[](3);
        address[] memory dels = new address[](3);
        address[] memory verifiers = new address[](3);
        for (uint256 i; i < 3; ++i) {
            (orchs[i], keys[i]) = makeAddrAndKey(string.concat("orch", vm.toString(i)));
            // orch0 starts with no own stake (property 5's last edge: no own cut, no commission).
            _registerOrchestrator(orchs[i], 100_000, 500_000, i * 1_000 ether);
            dels[i] = makeAddr(string.concat("delegator", vm.toString(i)));
            _bond(dels[i], 1_500 ether, orchs[i]);
            verifiers[i] = makeAddr(string.concat("verifier", vm.toString(i)));
        }
        vm.startPrank(address(timelock));
        for (uint256 i; i < 3; ++i) {
            disputes.setVerifier(verifiers[i], true);
        }
        disputes.setDeposit(10 ether);
        disputes.setMaxSlashCut(200_000_000); // 20% per offense
        disputes.setSlashRateLimit(3, RATE_LIMIT); // binds: a full cut is up to ~1,000 LPT
        vm.stopPrank();

        handler = new SlashingHandler(
            bonding, lens, token, rounds, disputes, securityCouncil, orchs, keys, dels, verifiers
        );
        token.transfer(address(handler), token.balanceOf(address(this)));
        handler.nextRound();
        handler.start();

        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](16);
        selectors[0] = SlashingHandler.nextRound.selector;
        selectors[1] = SlashingHandler.nextRound.selector; // rounds often: windows get crossed
        selectors[2] = SlashingHandler.bond.selector;
        selectors[3] = SlashingHandler.unbond.selector;
        selectors[4] = SlashingHandler.rebond.selector;
        selectors[5] = SlashingHandler.withdraw.selector;
        selectors[6] = SlashingHandler.transferBond.selector;
        selectors[7] = SlashingHandler.claim.selector;
        selectors[8] = SlashingHandler.openDispute.selector;
        selectors[9] = SlashingHandler.openConflict.selector;
        selectors[10] = SlashingHandler.vote.selector;
        selectors[11] = SlashingHandler.finalize.selector;
        selectors[12] = SlashingHandler.veto.selector;
        selectors[13] = SlashingHandler.executeSlash.selector;
        selectors[14] = SlashingHandler.executeSlash.selector;
        selectors[15] = SlashingHandler.nextRound.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// (1) No escape: no lock liable to an offense left its pool before that offense's slash, every
    /// position in a slashed pool lost at least the fraction, and every lock paid out exactly its
    /// value after the slashes that concern it.
    function invariant_noEscape() public view {
        assertEq(handler.ghostEscapes(), 0, "a liable lock left its pool before the slash");
        assertEq(handler.ghostUndercuts(), 0, "a position kept more than 1 - fraction");
        assertEq(handler.ghostLockMismatches(), 0, "a lock paid out other than its slashed value");
    }

    /// (3) One offense, one slash: the LPT cut per (orchestrator, job id) stays within maxSlashCut of
    /// the snapshot, however many receipts named the job.
    function invariant_oneOffenseOneSlash() public view {
        SlashingHandler.OffenseCut[] memory cuts = handler.offenseCuts();
        for (uint256 i; i < cuts.length; ++i) {
            assertEq(cuts[i].executions, 1, "an offense was slashed twice");
            // A lock's lazy cut rounds up (its value rounds down): a wei per lock cut, as for the
            // rate limit (found by the deep run: 300 LPT + 1 wei against a 300 LPT cap).
            assertLe(
                cuts[i].cut,
                cuts[i].cap + cuts[i].locksCut,
                "an offense was cut beyond maxSlashCut * snapshot"
            );
        }
    }

    /// (4) Caps count everything: the LPT cut per rate-limit window (bonded plus locks) stays within
    /// the limit (a wei per lock cut for rounding, as documented).
    function invariant_rateLimitCountsLocks() public view {
        SlashingHandler.WindowCut[] memory cuts = handler.windowCuts();
        for (uint256 i; i < cuts.length; ++i) {
            assertLe(cuts[i].cut, RATE_LIMIT + cuts[i].locksCut, "a window cut beyond its limit");
        }
    }

    /// (5) Slashing never pays the slashed side: an orchestrator with its accomplice challengers
    /// (its second account and a buddy) never holds more LPT than it started with plus what came
    /// in from outside the group; and every execution of a dispute the group opened against its own
    /// orchestrator leaves the group strictly behind, by at least the deposit fee
    /// (ownLoss - reward + fee >= ownLoss / 2 + fee > 0), zero own stake included.
    function invariant_slashingNeverPays() public view {
        assertEq(handler.ghostPairNotBehind(), 0, "an accomplice slash left the group not strictly behind");
        for (uint256 g = 1; g <= handler.groupCount(); ++g) {
            assertLe(
                handler.groupWealth(g),
                handler.baseline(g) + handler.inflow(g) - handler.outflow(g),
                "an orchestrator and its accomplices gained"
            );
        }
    }

    /// A short pseudo-random run (the handler's own calls, 120 of them) reaches executed slashes:
    /// the invariants above are not checked vacuously.
    function test_shortRunExecutesSlashes() public {
        uint256 seed = 14;
        for (uint256 step; step < 120; ++step) {
            seed = uint256(keccak256(abi.encode(seed)));
            uint256 a = seed >> 8;
            uint256 b = seed >> 72;
            uint256 c = seed >> 136;
            uint256 op = seed % 12;
            if (op < 2) handler.nextRound();
            else if (op == 2) handler.bond(a, b, c);
            else if (op == 3) handler.unbond(a, c);
            else if (op == 4) handler.rebond(a, b, c % 2 == 0);
            else if (op == 5) handler.withdraw(a);
            else if (op == 6) handler.transferBond(a, b, c);
            else if (op == 7) handler.openDispute(a, b, c, seed >> 200);
            else if (op == 8) handler.openConflict(a, b, c, seed >> 200);
            else if (op == 9) handler.vote(a, b, c);
            else if (op == 10) handler.veto(a);
            else handler.executeSlash(a);
        }
        assertGt(handler.executed(), 0, "no slash executed");
        invariant_noEscape();
        invariant_oneOffenseOneSlash();
        invariant_rateLimitCountsLocks();
        invariant_slashingNeverPays();
    }

    /// Call summary (`-vv`): how often disputes open, execute and are vetoed.
    function afterInvariant() public {
        emit log_named_uint("disputes opened", handler.opened());
        emit log_named_uint("  of which conflicts", handler.conflicts());
        emit log_named_uint("slashes executed", handler.executed());
        emit log_named_uint("  opened by the orchestrator's accomplices", handler.accompliceSlashes());
        emit log_named_uint("    of which with no own stake in its pool", handler.zeroOwnAccompliceSlashes());
        emit log_named_uint("vetoed", handler.vetoed());
        emit log_named_uint("finalized (draws)", handler.finalized());
        emit log_named_uint("executions that waited (rate limit)", handler.ghostRateLimited());
        emit log_named_uint("repeat disputes refused", handler.ghostRepeatRefused());
        emit log_named_uint("held exits refused", handler.ghostHeldRefused());
        emit log_named_uint("locks that left a pool", handler.exits());
        emit log_named_uint("moves", handler.moves());
    }
}
