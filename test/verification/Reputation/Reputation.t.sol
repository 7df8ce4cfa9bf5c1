// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IPriceOracle} from "../../../contracts/interfaces/IPriceOracle.sol";
import {IReputation} from "../../../contracts/interfaces/IReputation.sol";
import {DecayMath} from "../../../contracts/libraries/DecayMath.sol";
import {BondingFixture} from "../../fixtures/BondingFixture.sol";

/// A stand-in for the capability registry: prices set by the test.
contract PriceOracleStub is IPriceOracle {
    mapping(address => mapping(bytes32 => uint256)) internal _prices;
    mapping(address => mapping(bytes32 => bool)) internal _offered;

    function setPrice(address orchestrator, bytes32 modelId, uint256 price) external {
        _prices[orchestrator][modelId] = price;
        _offered[orchestrator][modelId] = true;
    }

    function priceOf(address orchestrator, bytes32 modelId) external view returns (uint256, bool) {
        return (_prices[orchestrator][modelId], _offered[orchestrator][modelId]);
    }
}

contract ReputationTest is BondingFixture {
    bytes32 internal constant MODEL = keccak256("sdxl");
    PriceOracleStub internal oracle = new PriceOracleStub();
    address internal writer = makeAddr("writer");
    address internal a = makeAddr("a");
    address internal b = makeAddr("b");
    address internal c = makeAddr("c");

    function setUp() public override {
        super.setUp();
        manager.grantRole(7, writer, 0); // REPUTATION_WRITER
        reputation.setPriceOracle(oracle);
    }

    function _record(address orchestrator, uint256 passes) internal {
        vm.prank(writer);
        reputation.recordPasses(orchestrator, passes);
    }

    function test_passesAddPoints() public {
        _record(a, 3);
        assertEq(reputation.scoreOf(a), 3 ether);
        _record(a, 2);
        assertEq(reputation.scoreOf(a), 5 ether);
    }

    function test_decaysPerRound() public {
        _record(a, 100);
        _nextRound();
        assertEq(reputation.scoreOf(a), 98 ether, "2% a round");
        _nextRound();
        assertEq(reputation.scoreOf(a), 96.04 ether);
        // Lazy: writing folds the decay in.
        _record(a, 1);
        assertEq(reputation.scoreOf(a), 97.04 ether);
        assertEq(reputation.storedScore(a).round, rounds.currentRound());
    }

    function test_decay_longIdleVanishes() public {
        _record(a, 1_000_000);
        vm.roll(block.number + ROUND_LENGTH * 100_000);
        assertEq(reputation.scoreOf(a), 0);
    }

    function testFuzz_powDown_matchesRepeatedMultiplication(uint256 keepPpb, uint8 n) public pure {
        keepPpb = bound(keepPpb, 0, 1e9);
        uint256 keep = keepPpb * 1e9;
        uint256 naive = 1e18;
        for (uint256 i; i < n; ++i) {
            naive = naive * keep / 1e18;
        }
        uint256 fast = DecayMath.powDown(keep, n);
        // Both round down at every step; they differ by at most one unit per multiplication.
        assertApproxEqAbs(fast, naive, 2 * uint256(n) + 1);
        assertLe(fast, n == 0 ? 1e18 : keep);
    }

    function test_penalizeCutsNinetyPercent() public {
        _record(a, 10);
        vm.prank(writer);
        reputation.penalize(a);
        assertEq(reputation.scoreOf(a), 1 ether);
    }

    function test_writesAreRestricted() public {
        vm.startPrank(stranger);
        vm.expectRevert(_unauthorized(stranger));
        reputation.recordPasses(a, 1);
        vm.expectRevert(_unauthorized(stranger));
        reputation.penalize(a);
        vm.expectRevert(_unauthorized(stranger));
        reputation.setWeights(1e9, 0, 0);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(IReputation.InvalidWeights.selector, 1, 2, 3));
        reputation.setWeights(1, 2, 3);
        vm.expectRevert(abi.encodeWithSelector(IReputation.InvalidPpb.selector, 1e9));
        reputation.setDecay(1e9);
    }

    function test_rank_weighsStakePriceAndReputation() public {
        _registerOrchestrator(a, 0, 0, 4_000 ether);
        _registerOrchestrator(b, 0, 0, 2_000 ether);
        _registerOrchestrator(c, 0, 0, 1_000 ether);
        oracle.setPrice(a, MODEL, 200);
        oracle.setPrice(b, MODEL, 100);
        // c does not offer the model.
        _record(b, 10);
        _record(a, 5);

        address[] memory candidates = new address[](3);
        (candidates[0], candidates[1], candidates[2]) = (c, a, b);
        IReputation.Ranked[] memory list = reputation.rank(candidates, MODEL);
        assertEq(list.length, 2, "only those that offer the model");
        // a: 0.4 * 1 + 0.3 * 0.5 + 0.3 * 0.5 = 0.70; b: 0.4 * 0.5 + 0.3 * 1 + 0.3 * 1 = 0.80
        assertEq(list[0].orchestrator, b);
        assertEq(list[0].score, 800_000_000);
        assertEq(list[1].orchestrator, a);
        assertEq(list[1].score, 700_000_000);
        assertEq(list[1].stake, 4_000 ether);
        assertEq(list[1].price, 200);
        assertEq(list[1].reputation, 5 ether);

        // Stake alone: a first.
        reputation.setWeights(1e9, 0, 0);
        list = reputation.rankActive(MODEL);
        assertEq(list[0].orchestrator, a);
        assertEq(list[1].orchestrator, b);
    }

    function test_rank_needsAnOracle() public {
        reputation.setPriceOracle(IPriceOracle(address(0)));
        vm.expectRevert(IReputation.NoPriceOracle.selector);
        reputation.rank(new address[](0), MODEL);
    }
}
