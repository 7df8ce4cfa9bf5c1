// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Roles} from "../../contracts/access/Roles.sol";
import {IStakeTotals} from "../../contracts/interfaces/IStakeTotals.sol";
import {ProtocolTest} from "../fixtures/ProtocolTest.sol";
import {SupplyHandler} from "./handlers/SupplyHandler.sol";

/// Reports the LPT held by a vault address as the bonded total.
contract VaultTotals is IStakeTotals {
    address internal immutable tokenAddress;
    address internal immutable vault;

    constructor(address token_, address vault_) {
        (tokenAddress, vault) = (token_, vault_);
    }

    function totalBonded() public view returns (uint256) {
        return TokenLike(tokenAddress).balanceOf(vault);
    }

    function checkpointTotalBonded() external view returns (uint256) {
        return totalBonded();
    }
}

interface TokenLike {
    function balanceOf(address) external view returns (uint256);
}

/// LPT supply only ever grows by exactly what the Minter reports, and each round's reward mints stay
/// within the round's allowance.
/// forge-config: deep.invariant.runs = 400
/// forge-config: deep.invariant.depth = 256
contract SupplyInvariantTest is ProtocolTest {
    SupplyHandler internal handler;
    uint256 internal genesisSupply;

    function setUp() public override {
        super.setUp();
        address rewarder = makeAddr("rewarder");
        address vault = makeAddr("vault");
        handler = new SupplyHandler(token, minter, rounds, rewarder, vault);
        manager.grantRole(Roles.REWARDER, rewarder, 0);
        minter.setStakeTotals(new VaultTotals(address(token), vault));
        genesisSupply = token.totalSupply();
        token.transfer(address(handler), genesisSupply);
        targetContract(address(handler));
    }

    function invariant_supplyGrowsOnlyByReportedMint() public view {
        assertEq(
            minter.totalMinted(), handler.ghostReportedMint(), "totalMinted equals the sum of mint events"
        );
        assertEq(token.totalSupply(), genesisSupply + handler.ghostReportedMint() - handler.ghostBurned());
    }

    function invariant_roundRewardsWithinAllowance() public view {
        assertLe(minter.currentMintedRewards(), minter.currentRewardTokens());
    }

    function invariant_treasuryOwedIsMintable() public {
        uint256 owed = minter.treasuryOwed();
        uint256 supply = token.totalSupply();
        minter.mintTreasury();
        assertEq(token.totalSupply(), supply + owed);
    }

    function invariant_inflationIsAFraction() public view {
        assertLe(minter.inflation(), 1e9);
    }
}
