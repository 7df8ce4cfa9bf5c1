// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BondingFixture} from "../fixtures/BondingFixture.sol";
import {DisputeHandler} from "./handlers/DisputeHandler.sol";

/// Bonding and disputes together: the bonding contract stays solvent, the dispute manager holds
/// exactly the deposits at stake, total supply moves only by minted rewards and measured burns,
/// and no slash leaves anyone with more than before or takes more than its share.
/// forge-config: default.invariant.runs = 24
/// forge-config: default.invariant.depth = 60
/// forge-config: deep.invariant.runs = 400
/// forge-config: deep.invariant.depth = 256
contract DisputesInvariantTest is BondingFixture {
    DisputeHandler internal handler;
    uint256 internal genesisSupply;

    function setUp() public override {
        super.setUp();
        address[] memory orchs = new address[](2);
        uint256[] memory keys = new uint256[](2);
        address[] memory dels = new address[](3);
        address[] memory verifiers = new address[](3);
        for (uint256 i; i < 2; ++i) {
            (orchs[i], keys[i]) = makeAddrAndKey(string.concat("orch", vm.toString(i)));
            _registerOrchestrator(orchs[i], 100_000, 500_000, (i + 1) * 1_000 ether);
        }
        for (uint256 i; i < 3; ++i) {
            dels[i] = makeAddr(string.concat("delegator", vm.toString(i)));
            verifiers[i] = makeAddr(string.concat("verifier", vm.toString(i)));
            disputes.setVerifier(verifiers[i], true);
        }
        disputes.setSlashRateLimit(5, 500 ether); // binds now and then
        handler =
            new DisputeHandler(bonding, token, rounds, disputes, orchs, keys, dels, verifiers, address(this));
        token.transfer(address(handler), token.balanceOf(address(this)));
        handler.fundChallenger();
        handler.nextRound();
        genesisSupply = token.totalSupply();
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](10);
        selectors[0] = DisputeHandler.nextRound.selector;
        selectors[1] = DisputeHandler.bond.selector;
        selectors[2] = DisputeHandler.unbond.selector;
        selectors[3] = DisputeHandler.withdrawOrRebond.selector;
        selectors[4] = DisputeHandler.reward.selector;
        selectors[5] = DisputeHandler.openDispute.selector;
        selectors[6] = DisputeHandler.vote.selector;
        selectors[7] = DisputeHandler.finalize.selector;
        selectors[8] = DisputeHandler.veto.selector;
        selectors[9] = DisputeHandler.executeSlash.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// The bonding contract holds at least every position and every lock (before their cuts).
    function invariant_bondingSolvent() public view {
        uint256 owed = handler.rawLocked();
        address[] memory all = handler.accounts();
        for (uint256 i; i < all.length; ++i) {
            owed += lens.pendingStake(all[i]);
        }
        assertGe(token.balanceOf(address(bonding)), owed);
    }

    /// The dispute manager holds exactly the deposits of open and guilty disputes.
    function invariant_disputesHoldDeposits() public view {
        assertEq(token.balanceOf(address(disputes)), handler.heldDeposits());
    }

    /// Supply: genesis + rewards minted - LPT burned, to the wei.
    function invariant_supplyDropsByBurns() public view {
        assertEq(token.totalSupply(), genesisSupply + handler.ghostMinted() - handler.ghostBurned());
    }

    /// No slash gave anyone stake, cut anyone beyond its share, or paid beyond the caps.
    function invariant_slashesAreFair() public view {
        assertFalse(handler.ghostSlashGainedOrOvercut());
    }

    /// Logs how often slashes ran (`-vv`), to see that the handler reaches them.
    function afterInvariant() public {
        emit log_named_uint("slashes executed", handler.slashes());
        emit log_named_uint("disputes opened", disputes.disputeCount());
    }
}
