// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessManaged} from "@openzeppelin/contracts/access/manager/IAccessManaged.sol";
import {AccessManager} from "@openzeppelin/contracts/access/manager/AccessManager.sol";
import {Roles} from "../../../contracts/access/Roles.sol";
import {IBondingManager} from "../../../contracts/interfaces/IBondingManager.sol";
import {IDisputeManager} from "../../../contracts/interfaces/IDisputeManager.sol";
import {DisputeManager} from "../../../contracts/verification/DisputeManager.sol";
import {GovernanceFixture} from "../../fixtures/GovernanceFixture.sol";

/// @notice Property 7 of issue 14, end to end: the suite deployed by the real plan with its default
/// parameters and handed over to governance; verifiers appointed by a governance proposal; a wrongful
/// guilty verdict on an honest orchestrator; the security council vetoes it inside the veto window,
/// which governance's own path (voting delay + voting period + timelock) cannot reach.
contract SlashingVetoTest is GovernanceFixture {
    address internal honest;
    uint256 internal honestKey;
    address internal challenger = makeAddr("challenger");
    address[3] internal verifiers;

    bytes32 internal constant OUTPUT = keccak256("the honest output");

    function setUp() public override {
        super.setUp();
        // Governance appoints three verifiers (quorum 2 by default).
        Proposal memory p;
        p.targets = new address[](3);
        p.values = new uint256[](3);
        p.calldatas = new bytes[](3);
        for (uint256 i; i < 3; ++i) {
            verifiers[i] = makeAddr(string.concat("verifier", vm.toString(i)));
            p.targets[i] = address(disputes);
            p.calldatas[i] = abi.encodeCall(DisputeManager.setVerifier, (verifiers[i], true));
        }
        p.description = "appoint three verifiers";
        _pass(p);
        assertTrue(disputes.isVerifier(verifiers[2]));

        (honest, honestKey) = makeAddrAndKey("honest orchestrator");
        _registerOrchestrator(honest, 100_000, 500_000, 1_000 ether);
        _bond(makeAddr("its delegator"), 2_000 ether, honest);
        _fund(challenger, 1_000 ether);
        vm.prank(challenger);
        token.approve(address(disputes), type(uint256).max);
        _nextRound();
    }

    function _wrongfulGuilty() internal returns (uint256 id) {
        IDisputeManager.Receipt memory r = IDisputeManager.Receipt({
            orchestrator: honest,
            jobId: keccak256("job"),
            modelId: keccak256("model"),
            inputHash: keccak256("input"),
            paramsHash: keccak256("params"),
            outputHash: OUTPUT,
            commitmentRoot: keccak256("layers"),
            round: rounds.currentRound()
        });
        (uint8 v, bytes32 rr, bytes32 s) = vm.sign(honestKey, disputes.receiptDigest(r));
        vm.prank(challenger);
        id = disputes.openDispute(r, abi.encodePacked(rr, s, v));
        // Two verifiers err: the output was right.
        vm.prank(verifiers[0]);
        disputes.submitVerdict(id, keccak256("a wrong reference"), 0);
        vm.prank(verifiers[1]);
        disputes.submitVerdict(id, keccak256("a wrong reference"), 0);
        assertEq(uint8(disputes.getDispute(id).status), uint8(IDisputeManager.Status.Guilty));
    }

    /// The council vetoes the wrongful verdict in the window's last round: nothing is slashed, the
    /// deposit goes back, the pool's locks are free and the offense can no longer be executed.
    function test_property7_councilVetoesAWrongfulVerdictAfterDeploy() public {
        uint256 id = _wrongfulGuilty();
        uint256 vetoEnd = disputes.getDispute(id).vetoEndRound;

        // Governance's own path cannot veto in time: a proposal made now is executable only after
        // its voting delay and period (in blocks) and the timelock, long after the window closed.
        uint256 governanceEarliest =
            rounds.roundAt(block.number + governor.votingDelay() + governor.votingPeriod() + 1);
        assertGt(governanceEarliest, vetoEnd, "the timelock alone could not veto in time");
        // Nobody else can veto.
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, stranger));
        disputes.veto(id);

        while (rounds.currentRound() + 1 < vetoEnd) {
            _nextRound();
        }
        uint256 stake = bonding.delegatedStake(honest);
        uint256 challengerBalance = token.balanceOf(challenger);
        vm.prank(securityCouncil);
        disputes.veto(id);

        assertEq(uint8(disputes.getDispute(id).status), uint8(IDisputeManager.Status.Vetoed));
        assertEq(bonding.delegatedStake(honest), stake, "nothing slashed");
        assertEq(token.balanceOf(challenger), challengerBalance + 100 ether, "deposit returned");
        assertEq(lens.getPool(honest).pendingDisputes, 0, "its locks are free");
        _nextRound();
        vm.expectRevert(
            abi.encodeWithSelector(IDisputeManager.WrongStatus.selector, id, IDisputeManager.Status.Vetoed)
        );
        disputes.executeSlash(id, address(0), address(0));
    }

    /// Governance removes the council through the AccessManager: it can veto no more.
    function test_property7_governanceRevokesTheCouncil() public {
        Proposal memory p = _single(
            address(manager),
            0,
            abi.encodeCall(AccessManager.revokeRole, (Roles.ARBITRATOR, securityCouncil)),
            "revoke the council"
        );
        _pass(p);
        uint256 id = _wrongfulGuilty();
        vm.prank(securityCouncil);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, securityCouncil)
        );
        disputes.veto(id);
        // Unvetoed, the verdict executes after the window.
        for (uint256 i; i < disputes.vetoWindow(); ++i) {
            _nextRound();
        }
        disputes.executeSlash(id, address(0), address(0));
        assertEq(uint8(disputes.getDispute(id).status), uint8(IDisputeManager.Status.Executed));
        assertLt(bonding.delegatedStake(honest), 3_000 ether);
    }
}
