// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Roles} from "../../contracts/access/Roles.sol";
import {IBondingManager} from "../../contracts/interfaces/IBondingManager.sol";
import {ProtocolTest} from "./ProtocolTest.sol";

/// @notice The suite plus helpers to act as orchestrators, delegators, the ticket broker (fees)
/// and the slasher. This contract holds the genesis supply and, unless the suite was handed over to
/// governance (`handOver`), the authority's admin.
abstract contract BondingFixture is ProtocolTest {
    address internal feeCreditor = makeAddr("feeCreditor");
    address internal slasher = makeAddr("slasher");

    function setUp() public virtual override {
        super.setUp();
        vm.startPrank(_admin());
        manager.grantRole(Roles.FEE_CREDITOR, feeCreditor, 0);
        manager.grantRole(Roles.SLASHER, slasher, 0);
        vm.stopPrank();
        vm.deal(feeCreditor, 1_000_000 ether);
    }

    function _noHints() internal pure returns (IBondingManager.Hints memory) {
        return IBondingManager.Hints(address(0), address(0), address(0), address(0));
    }

    function _fund(address account, uint256 amount) internal {
        token.transfer(account, amount);
        vm.prank(account);
        token.approve(address(bonding), type(uint256).max);
    }

    /// Registers `orchestrator` with the given cuts (ppm) and self-bonds `selfStake`.
    function _registerOrchestrator(
        address orchestrator,
        uint256 rewardCut,
        uint256 feeShare,
        uint256 selfStake
    ) internal {
        _fund(orchestrator, selfStake);
        vm.startPrank(orchestrator);
        bonding.registerOrchestrator(rewardCut, feeShare);
        if (selfStake != 0) bonding.bond(selfStake, orchestrator, _noHints());
        vm.stopPrank();
    }

    function _bond(address delegator, uint256 amount, address orchestrator) internal {
        _fund(delegator, amount);
        vm.prank(delegator);
        bonding.bond(amount, orchestrator, _noHints());
    }

    function _reward(address orchestrator) internal {
        vm.prank(orchestrator);
        bonding.reward(orchestrator, address(0), address(0));
    }

    function _creditFees(address orchestrator, uint256 amount) internal {
        vm.prank(feeCreditor);
        bonding.creditFees{value: amount}(orchestrator);
    }

    function _claim(address delegator) internal {
        uint256 round = rounds.currentRound();
        vm.prank(delegator);
        bonding.claimEarnings();
    }
}
