// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {BondingFixture} from "../fixtures/BondingFixture.sol";
import {BondingHandler} from "./handlers/BondingHandler.sol";

/// The bonding contract's books always balance: what it holds covers every position, lock and fee;
/// each pool covers its delegators; the active set is ordered and bounded; totals agree.
/// Five orchestrators compete for three active places, six delegators move between them.
/// forge-config: default.invariant.runs = 24
/// forge-config: default.invariant.depth = 60
/// forge-config: deep.invariant.runs = 400
/// forge-config: deep.invariant.depth = 256
contract BondingInvariantTest is BondingFixture {
    BondingHandler internal handler;

    function setUp() public override {
        super.setUp();
        bonding.setNumActiveOrchestrators(3);
        address[] memory orchs = new address[](5);
        address[] memory dels = new address[](6);
        for (uint256 i; i < orchs.length; ++i) {
            orchs[i] = makeAddr(string.concat("orch", vm.toString(i)));
            // Distinct cuts, from keeping nothing to keeping everything.
            _registerOrchestrator(orchs[i], i * 250_000, 1_000_000 - i * 200_000, (i + 1) * 1_000 ether);
        }
        for (uint256 i; i < dels.length; ++i) {
            dels[i] = makeAddr(string.concat("delegator", vm.toString(i)));
        }
        handler = new BondingHandler(
            bonding, token, rounds, feeCreditor, slasher, orchs, dels, bonding.totalBonded()
        );
        token.transfer(address(handler), token.balanceOf(address(this)));
        handler.initializeRound(); // the orchestrators are active from here
        targetContract(address(handler));
    }

    /// (a) The LPT held covers every position (commission included) and every lock, and equals
    /// exactly what came in (bonds, reward mints) less what went out (withdrawals, slashes, burns).
    function invariant_lptCoversPositionsAndLocks() public view {
        uint256 owed = handler.lockedTotal();
        address[] memory all = handler.accounts();
        for (uint256 i; i < all.length; ++i) {
            owed += lens.pendingStake(all[i]);
        }
        uint256 balance = token.balanceOf(address(bonding));
        assertGe(balance, owed, "LPT held covers positions and locks");
        assertEq(
            balance,
            handler.ghostDeposited() + handler.ghostMinted() - handler.ghostWithdrawn()
                - handler.ghostSlashed() - handler.ghostBurned(),
            "LPT in minus LPT out"
        );
    }

    /// (b) Each pool covers its positions; what it holds beyond them is rounding dust. Per call, each
    /// position loses to the pool at most one unit of a factor and one floor: a reward floors the
    /// reward factor's increment (< V/rf <= V/1e18 wei for a position worth V), a slash floors the
    /// slash factor (< V/sf wei), and any call floors the stake of a position it claims (< 1 wei);
    /// the pool's own amounts round toward it (the slash's cut and the commission down, the
    /// positions' share of a reward up: < 1 wei each). As rf >= 1e18 >= sf, a call adds less than
    /// (positions) * (D/sf + 2) wei of dust, D the pool's stake at that call. The dust stays in the
    /// pool when its stake later leaves (an unbond takes exact amounts out of both), so the bound is
    /// on the most stake the pool ever held, not its stake now; dust shares rewards like stake, as
    /// that stake does. Eleven accounts: 11 * (calls + 1) * (maxDelegated/sf + 2) bounds it.
    function invariant_poolsCoverTheirDelegators() public view {
        address[] memory all = handler.accounts();
        uint256 calls = handler.calls();
        for (uint256 o; o < handler.orchestratorCount(); ++o) {
            address orch = handler.orchestrators(o);
            uint256 sum;
            for (uint256 i; i < all.length; ++i) {
                if (lens.getDelegator(all[i]).delegate == orch) sum += lens.pendingStake(all[i]);
            }
            uint256 delegated = bonding.delegatedStake(orch);
            assertLe(sum, delegated, "positions within the pool");
            uint256 maxDelegated = Math.max(handler.ghostMaxDelegated(orch), delegated);
            uint256 perCall = maxDelegated / lens.getPool(orch).slashFactor + 2;
            assertLe(delegated - sum, all.length * (calls + 1) * perCall, "dust bounded");
        }
    }

    /// (c) The list is sorted by stake, bounded, made of staked orchestrators; this round's active set
    /// is bounded too and its total is the stake its members had at the round's start.
    function invariant_activeSet() public view {
        address[] memory set = bonding.activeSet();
        uint256 max = bonding.numActiveOrchestrators();
        assertLe(set.length, max, "set within its size");
        for (uint256 i; i < set.length; ++i) {
            assertGt(bonding.delegatedStake(set[i]), 0, "members have stake");
            assertTrue(lens.getPool(set[i]).registered, "members are orchestrators");
            if (i > 0) {
                assertGe(bonding.delegatedStake(set[i - 1]), bonding.delegatedStake(set[i]), "sorted");
            }
        }
        uint256 active;
        for (uint256 o; o < handler.orchestratorCount(); ++o) {
            address orch = handler.orchestrators(o);
            if (!bonding.isActiveOrchestrator(orch)) continue;
            active++;
            // Its stake at the round's start, if the pool was used this round.
            _checkStakeStart(orch);
        }
        assertLe(active, max, "active this round within the size");
        assertEq(lens.totalActiveStake(), handler.ghostActiveStakeAtStart(), "total active stake");
    }

    /// (d) The ETH held covers every account's fees (commission included), and equals what was
    /// credited less what was withdrawn.
    function invariant_ethCoversFees() public view {
        uint256 owed;
        address[] memory all = handler.accounts();
        for (uint256 i; i < all.length; ++i) {
            owed += lens.pendingFees(all[i]);
        }
        assertGe(address(bonding).balance, owed, "ETH held covers fees");
        assertEq(address(bonding).balance, handler.ghostFeesCredited() - handler.ghostFeesWithdrawn());
    }

    /// (e) Nobody took out more than came in: withdrawals never exceed deposits plus minted rewards
    /// less slashes and burns, fee withdrawals never exceed fees credited.
    function invariant_noWithdrawalBeyondInflows() public view {
        assertLe(
            handler.ghostWithdrawn() + handler.ghostSlashed() + handler.ghostBurned(),
            handler.ghostDeposited() + handler.ghostMinted(),
            "LPT out <= LPT in"
        );
        assertLe(handler.ghostFeesWithdrawn(), handler.ghostFeesCredited(), "ETH out <= ETH in");
    }

    /// (e') Per account: nobody took out more than it put in plus what it earned, by the contract's
    /// own views at each reward, fee credit and slash; nor more than it put in plus every reward and
    /// fee of the pools it was in (a bound independent of the earnings arithmetic).
    function invariant_noAccountWithdrawsBeyondItsInflowsAndEarnings() public view {
        address[] memory all = handler.accounts();
        for (uint256 i; i < all.length; ++i) {
            address a = all[i];
            uint256 out = handler.ghostTakenOut(a);
            uint256 putIn = handler.ghostPutIn(a);
            assertLe(int256(out), int256(putIn) + handler.ghostEarned(a), "LPT out <= in + earned");
            assertLe(out, putIn + handler.ghostRewardCap(a), "LPT out <= in + pool rewards");
            uint256 feesOut = handler.ghostFeesTakenOut(a);
            assertLe(int256(feesOut), handler.ghostFeesEarned(a), "fees out <= fees earned");
            assertLe(feesOut, handler.ghostFeeCap(a), "fees out <= pool fees");
        }
    }

    /// (f) The bonded total is the sum of the pools.
    function invariant_totalBondedIsSumOfPools() public view {
        uint256 sum;
        for (uint256 o; o < handler.orchestratorCount(); ++o) {
            sum += bonding.delegatedStake(handler.orchestrators(o));
        }
        assertEq(bonding.totalBonded(), sum);
    }

    function _checkStakeStart(address orch) internal view {
        // A pool rolled into this round fixed its active stake at the round's start.
        if (lens.getPool(orch).poolRound == rounds.currentRound()) {
            assertLe(lens.getPool(orch).stakeStart, handler.ghostActiveStakeAtStart(), "stakeStart");
        }
    }
}
