// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {BondingManager} from "../../../contracts/bonding/BondingManager.sol";
import {BondingSlots} from "../../../contracts/bonding/BondingSlots.sol";
import {
    Pool,
    RoundFactors,
    RoundHistory,
    BondedTotal,
    Totals,
    PositionCheckpoint,
    DelegateCheckpoint,
    Delegator,
    UnbondingLock,
    SlashRecord
} from "../../../contracts/bonding/BondingTypes.sol";
import {IVotesHook} from "../../../contracts/interfaces/IVotesHook.sol";
import {ILivepeerToken} from "../../../contracts/interfaces/ILivepeerToken.sol";
import {ProtocolTest} from "../../fixtures/ProtocolTest.sol";

/// @notice BondingSlots's slot numbers are the compiler's layout of the BondingManager: a reordered
/// or inserted declaration fails here instead of making the lens and the votes read garbage.
contract BondingSlotsTest is Test {
    string internal constant ARTIFACT = "out/BondingManager.sol/BondingManager.json";

    function test_slotsMatchTheCompilersLayout() public view {
        string memory json = vm.readFile(ARTIFACT);
        _expect(json, "_totals", BondingSlots.ACTIVE_TOTALS_SLOT, 0);
        _expect(json, "_totalBonded", BondingSlots.TOTAL_BONDED_SLOT, 0);
        _expect(json, "_pools", BondingSlots.POOLS_SLOT, 0);
        _expect(json, "_roundFactors", BondingSlots.ROUND_FACTORS_SLOT, 0);
        _expect(json, "_delegators", BondingSlots.DELEGATORS_SLOT, 0);
        _expect(json, "_locks", BondingSlots.LOCKS_SLOT, 0);
        _expect(json, "_slashes", BondingSlots.SLASHES_SLOT, 0);
        _expect(json, "_roundHistory", BondingSlots.ROUND_HISTORY_SLOT, 0);
        _expect(json, "_positionCheckpoints", BondingSlots.POSITION_CHECKPOINTS_SLOT, 0);
        _expect(json, "_delegateCheckpoints", BondingSlots.DELEGATE_CHECKPOINTS_SLOT, 0);
        _expect(json, "_bondedTotalHistory", BondingSlots.BONDED_TOTAL_HISTORY_SLOT, 0);
        _expect(json, "_nextLockId", BondingSlots.NEXT_LOCK_ID_SLOT, 0);
    }

    function _expect(string memory json, string memory label, uint256 slot, uint256 offset) internal view {
        for (uint256 i;; ++i) {
            string memory entry = string.concat(".storageLayout.storage[", vm.toString(i), "]");
            if (!vm.keyExistsJson(json, entry)) break;
            string memory name = vm.parseJsonString(json, string.concat(entry, ".label"));
            if (keccak256(bytes(name)) != keccak256(bytes(label))) continue;
            assertEq(vm.parseUint(vm.parseJsonString(json, string.concat(entry, ".slot"))), slot, label);
            assertEq(vm.parseJsonUint(json, string.concat(entry, ".offset")), offset, label);
            return;
        }
        revert(string.concat("no ", label, " in the BondingManager's storage layout"));
    }
}

/// @notice The BondingManager reading its own records the compiler's way, for comparison.
contract BondingStorageHarness is BondingManager {
    constructor(BondingManager real)
        BondingManager(
            address(0xdead),
            ILivepeerToken(address(real.token())),
            real.minter(),
            real.rounds(),
            real.unbondingPeriod(),
            1,
            real.paramsChangeDelay(),
            IVotesHook(address(0))
        )
    {}

    function pool(address o) external view returns (Pool memory) {
        return _pools[o];
    }

    function delegator(address a) external view returns (Delegator memory) {
        return _delegators[a];
    }

    function lock(address a, uint256 id) external view returns (UnbondingLock memory) {
        return _locks[a][id];
    }

    function history(address o, uint256 r) external view returns (RoundHistory memory) {
        return _roundHistory[o][r];
    }

    function factors(address o, uint256 r) external view returns (RoundFactors memory) {
        return _roundFactors[o][r];
    }

    function position(address a, uint256 r) external view returns (PositionCheckpoint memory) {
        return _positionCheckpoints[a][r];
    }

    function delegateAt(address a, uint256 r) external view returns (DelegateCheckpoint memory) {
        return _delegateCheckpoints[a][r];
    }

    function totalAt(uint256 r) external view returns (BondedTotal memory) {
        return _bondedTotalHistory[r];
    }

    function totals() external view returns (Totals memory) {
        return _totalBonded;
    }

    function slashAt(address o, uint256 i) external view returns (SlashRecord memory) {
        return _slashes[o][i];
    }
}

/// @notice BondingSlots unpacks every field as the compiler packs it: random words are stored in
/// every slot of every record, then the lens's decoding is compared with the compiler's own reads
/// (the harness's code run on the BondingManager's storage).
contract BondingSlotsDecodingTest is ProtocolTest {
    BondingStorageHarness internal harness;
    address internal constant WHO = address(0xA11CE);
    uint256 internal constant KEY = 7;

    function setUp() public override {
        super.setUp();
        BondingStorageHarness code = new BondingStorageHarness(bonding);
        harness = BondingStorageHarness(address(bonding));
        vm.etch(address(bonding), address(code).code);
    }

    function _fill(uint256 slot, uint256 n, uint256 seed) internal {
        for (uint256 i; i < n; ++i) {
            vm.store(address(bonding), bytes32(slot + i), keccak256(abi.encode(seed, i)));
        }
    }

    function _at(uint256 slot, uint256 key) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(key, slot)));
    }

    function testFuzz_everyFieldDecodesAsTheCompilerReadsIt(uint128 seed_) public {
        uint256 seed = seed_;
        uint256 who = uint160(WHO);
        _fill(_at(BondingSlots.POOLS_SLOT, who), 6, seed);
        _fill(_at(BondingSlots.DELEGATORS_SLOT, who), 2, seed + 1);
        _fill(_at(_at(BondingSlots.LOCKS_SLOT, who), KEY), 2, seed + 2);
        _fill(_at(_at(BondingSlots.ROUND_HISTORY_SLOT, who), KEY), 1, seed + 3);
        _fill(_at(_at(BondingSlots.ROUND_FACTORS_SLOT, who), KEY), 1, seed + 4);
        _fill(_at(_at(BondingSlots.POSITION_CHECKPOINTS_SLOT, who), KEY), 1, seed + 5);
        _fill(_at(_at(BondingSlots.DELEGATE_CHECKPOINTS_SLOT, who), KEY), 1, seed + 6);
        _fill(_at(BondingSlots.BONDED_TOTAL_HISTORY_SLOT, KEY), 1, seed + 7);
        _fill(BondingSlots.TOTAL_BONDED_SLOT, 1, seed + 8);
        _fill(_at(_at(BondingSlots.SLASHES_SLOT, who), KEY - 1), 1, seed + 9);

        assertEq(abi.encode(lens.getPool(WHO)), abi.encode(harness.pool(WHO)), "pool");
        assertEq(abi.encode(lens.getDelegator(WHO)), abi.encode(harness.delegator(WHO)), "delegator");
        assertEq(abi.encode(lens.getUnbondingLock(WHO, KEY)), abi.encode(harness.lock(WHO, KEY)), "lock");
        _compareRecords();
        Totals memory t = harness.totals();
        assertEq(
            abi.encode(lens.bondedTotal()), abi.encode(BondedTotal(t.bonded, t.round, t.prevRound)), "total"
        );
        assertEq(
            lens.poolSlashFactors(WHO, KEY), harness.slashAt(WHO, KEY - 1).slashFactorAfter, "slash factor"
        );
    }

    function _compareRecords() internal view {
        {
            (uint96 rf, uint96 stakeStart, uint32 prevRound, uint32 slashCount) = lens.roundHistory(WHO, KEY);
            RoundHistory memory h = harness.history(WHO, KEY);
            assertEq(abi.encode(rf, stakeStart, prevRound, slashCount), abi.encode(h), "history");
        }
        {
            (uint96 rf, uint160 ff) = lens.roundFactors(WHO, KEY);
            assertEq(abi.encode(rf, ff), abi.encode(harness.factors(WHO, KEY)), "factors");
        }
        {
            (uint96 stake, uint64 base, uint32 prev) = lens.positionCheckpoints(WHO, KEY);
            assertEq(abi.encode(stake, base, prev), abi.encode(harness.position(WHO, KEY)), "position");
        }
        {
            (address delegate, uint32 prev) = lens.delegateCheckpoints(WHO, KEY);
            assertEq(abi.encode(delegate, prev), abi.encode(harness.delegateAt(WHO, KEY)), "delegate");
        }
        {
            (uint128 value, uint32 round, uint32 prev) = lens.bondedTotalHistory(KEY);
            assertEq(abi.encode(value, round, prev), abi.encode(harness.totalAt(KEY)), "total history");
        }
    }
}
