// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BondingManager} from "../../contracts/bonding/BondingManager.sol";
import {RoundsManager} from "../../contracts/rounds/RoundsManager.sol";
import {TicketBroker} from "../../contracts/payments/TicketBroker.sol";
import {Minter} from "../../contracts/token/Minter.sol";
import {IFeeCreditor} from "../../contracts/interfaces/IFeeCreditor.sol";
import {IStakeTotals} from "../../contracts/interfaces/IStakeTotals.sol";
import {IPriceOracle} from "../../contracts/interfaces/IPriceOracle.sol";
import {DisputeManager} from "../../contracts/verification/DisputeManager.sol";
import {Reputation} from "../../contracts/verification/Reputation.sol";
import {ProofGame} from "../../contracts/verification/ProofGame.sol";
import {IElementJudge} from "../../contracts/interfaces/IProofGame.sol";
import {Roles} from "../../contracts/access/Roles.sol";
import {GovernanceFixture} from "../fixtures/GovernanceFixture.sol";

/// After deployment nobody but the timelock holds a privilege: every parameter setter of every
/// contract rejects a stranger and the deployer, and accepts the timelock (a passed proposal).
contract GovernancePermissionsTest is GovernanceFixture {
    struct Call {
        address target;
        bytes data;
    }

    /// Every governed setter, with a valid argument.
    function _setters() internal returns (Call[] memory c) {
        c = new Call[](33);
        c[0] = Call(address(bonding), abi.encodeCall(BondingManager.setUnbondingPeriod, (5)));
        c[1] = Call(address(bonding), abi.encodeCall(BondingManager.setParamsChangeDelay, (2)));
        c[2] = Call(address(bonding), abi.encodeCall(BondingManager.setRewardBounty, (1000)));
        c[3] = Call(address(bonding), abi.encodeCall(BondingManager.setNumActiveOrchestrators, (50)));
        c[4] = Call(address(minter), abi.encodeCall(Minter.setInflationChange, (1)));
        c[5] = Call(address(minter), abi.encodeCall(Minter.setTargetBondingRate, (1)));
        c[6] = Call(address(minter), abi.encodeCall(Minter.setTreasuryRewardCut, (1)));
        c[7] = Call(address(minter), abi.encodeCall(Minter.setTreasury, (address(timelock))));
        c[8] = Call(address(minter), abi.encodeCall(Minter.setStakeTotals, (IStakeTotals(address(bonding)))));
        c[9] = Call(address(rounds), abi.encodeCall(RoundsManager.setRoundLength, (50)));
        c[10] = Call(
            address(broker), abi.encodeCall(TicketBroker.setFeeCreditor, (IFeeCreditor(address(bonding))))
        );
        c[11] = Call(address(broker), abi.encodeCall(TicketBroker.setUnlockPeriod, (3)));
        c[12] = Call(address(broker), abi.encodeCall(TicketBroker.setTicketValidityPeriod, (3)));
        c[13] = Call(address(broker), abi.encodeCall(TicketBroker.setReserveShares, (10)));
        c[14] =
            Call(address(disputes), abi.encodeCall(DisputeManager.setVerifier, (makeAddr("verifier"), true)));
        c[15] = Call(address(disputes), abi.encodeCall(DisputeManager.setQuorum, (3)));
        c[16] = Call(address(disputes), abi.encodeCall(DisputeManager.setDeposit, (1 ether)));
        c[17] = Call(address(disputes), abi.encodeCall(DisputeManager.setStatuteOfLimitations, (3)));
        c[18] = Call(address(disputes), abi.encodeCall(DisputeManager.setVerdictPeriod, (3)));
        c[19] = Call(address(disputes), abi.encodeCall(DisputeManager.setVetoWindow, (3)));
        c[20] = Call(address(disputes), abi.encodeCall(DisputeManager.setMaxSlashCut, (50_000_000)));
        c[21] = Call(address(disputes), abi.encodeCall(DisputeManager.setChallengerRewardCut, (100_000_000)));
        c[22] = Call(address(disputes), abi.encodeCall(DisputeManager.setSlashRateLimit, (5, 1 ether)));
        c[23] = Call(
            address(reputation), abi.encodeCall(Reputation.setPriceOracle, (IPriceOracle(address(registry))))
        );
        c[24] = Call(address(reputation), abi.encodeCall(Reputation.setDecay, (1)));
        c[25] = Call(address(reputation), abi.encodeCall(Reputation.setPassPoints, (2)));
        c[26] = Call(address(reputation), abi.encodeCall(Reputation.setPenalty, (3)));
        c[27] = Call(
            address(reputation),
            abi.encodeCall(Reputation.setWeights, (500_000_000, 250_000_000, 250_000_000))
        );
        c[28] =
            Call(address(bonding), abi.encodeCall(BondingManager.setTrustedFeeCreditor, (address(broker))));
        c[29] = Call(address(minter), abi.encodeCall(Minter.setRoundInitializer, (address(rounds))));
        c[30] = Call(address(disputes), abi.encodeCall(DisputeManager.setGuiltyDepositBurn, (1)));
        c[31] = Call(address(proofGame), abi.encodeCall(ProofGame.setJudge, (IElementJudge(address(1)))));
        c[32] = Call(address(proofGame), abi.encodeCall(ProofGame.setMoveWindow, (600)));
    }

    function test_noKeyButTheTimelock() public view {
        uint64 admin = manager.ADMIN_ROLE();
        (bool deployerIsAdmin,) = manager.hasRole(admin, address(this));
        (bool timelockIsAdmin,) = manager.hasRole(admin, address(timelock));
        assertFalse(deployerIsAdmin, "the deployer renounced the authority's admin");
        assertTrue(timelockIsAdmin, "the timelock is the admin");
        assertFalse(timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), address(this)), "no timelock admin key");
        assertTrue(timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), address(timelock)), "self-administered");
        assertTrue(timelock.hasRole(timelock.PROPOSER_ROLE(), address(governor)));
        assertTrue(timelock.hasRole(timelock.CANCELLER_ROLE(), address(governor)));
        assertTrue(timelock.hasRole(timelock.EXECUTOR_ROLE(), address(governor)));
        assertFalse(timelock.hasRole(timelock.EXECUTOR_ROLE(), address(0)), "execution through the governor");
        assertFalse(timelock.hasRole(timelock.PROPOSER_ROLE(), address(this)));
        assertEq(minter.treasury(), address(timelock));
        (bool deployerArbitrates,) = manager.hasRole(Roles.ARBITRATOR, address(this));
        (bool timelockArbitrates,) = manager.hasRole(Roles.ARBITRATOR, address(timelock));
        assertFalse(deployerArbitrates, "the arbitrator is governance, not the deployer");
        assertTrue(timelockArbitrates);
        (bool councilArbitrates,) = manager.hasRole(Roles.ARBITRATOR, securityCouncil);
        assertTrue(councilArbitrates, "the security council vetoes in time");
        assertEq(governor.timelock(), address(timelock));
        assertEq(address(governor.token()), address(votes));
    }

    function test_everySetter_rejectsStrangerAndDeployer_acceptsTimelock() public {
        Call[] memory c = _setters();
        for (uint256 i; i < c.length; ++i) {
            assertEq(
                manager.getTargetFunctionRole(c[i].target, bytes4(c[i].data)), manager.ADMIN_ROLE(), "admin's"
            );
            address[2] memory outsiders = [stranger, address(this)];
            for (uint256 k; k < 2; ++k) {
                vm.prank(outsiders[k]);
                (bool ok, bytes memory ret) = c[i].target.call(c[i].data);
                assertFalse(ok, "outsider rejected");
                assertEq(ret, _unauthorized(outsiders[k]));
            }
            vm.prank(address(timelock));
            (bool done,) = c[i].target.call(c[i].data);
            assertTrue(done, "the timelock sets it");
        }
    }

    /// Every `set...` function of the AccessManaged contracts is in the list above (read from the
    /// compiled ABIs), so a new setter without a test fails here.
    function test_setterListIsComplete() public {
        Call[] memory c = _setters();
        string[7] memory names = [
            "BondingManager",
            "Minter",
            "RoundsManager",
            "TicketBroker",
            "DisputeManager",
            "Reputation",
            "ProofGame"
        ];
        for (uint256 n; n < names.length; ++n) {
            string memory json = vm.readFile(string.concat("out/", names[n], ".sol/", names[n], ".json"));
            string[] memory sigs = vm.parseJsonKeys(json, ".methodIdentifiers");
            for (uint256 s; s < sigs.length; ++s) {
                bytes memory sig = bytes(sigs[s]);
                if (sig.length < 4 || sig[0] != "s" || sig[1] != "e" || sig[2] != "t" || uint8(sig[3]) > 0x5a)
                {
                    continue; // not set + capital letter
                }
                bytes4 selector = bytes4(keccak256(sig));
                // AccessManaged's own: only the authority calls it (AccessManager.updateAuthority,
                // the admin's, so the timelock's): a migration to a new authority is governed too.
                if (selector == bytes4(keccak256("setAuthority(address)"))) continue;
                // An orchestrator's own cuts, not a protocol parameter.
                if (selector == BondingManager.setOrchestratorParams.selector) continue;
                bool listed;
                for (uint256 i; i < c.length; ++i) {
                    if (bytes4(c[i].data) == selector) listed = true;
                }
                assertTrue(listed, string.concat(names[n], ".", sigs[s], " is not in the governed list"));
            }
        }
    }

    /// The authority itself: only the timelock reconfigures roles.
    function test_authority_onlyTimelockConfigures() public {
        vm.expectRevert(
            abi.encodeWithSignature("AccessManagerUnauthorizedAccount(address,uint64)", address(this), 0)
        );
        manager.grantRole(1, address(this), 0);
        vm.prank(address(timelock));
        manager.grantRole(42, stranger, 0);
        (bool member,) = manager.hasRole(42, stranger);
        assertTrue(member);
    }

    function test_setterThroughAProposal() public {
        _pass(_single(address(minter), 0, abi.encodeCall(Minter.setTreasuryRewardCut, (5)), "cut"));
        assertEq(minter.treasuryRewardCut(), 5);
    }
}
