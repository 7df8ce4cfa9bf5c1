// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {console} from "forge-std/console.sol";
import {Vm} from "forge-std/Vm.sol";
import {BondingFixture} from "../fixtures/BondingFixture.sol";
import {GasTargets} from "./GasTargets.sol";

/// What a bonding operation pays for vote checkpointing, isolated from the rest of its gas: the
/// storage writes of the operation (recorded with `vm.startStateDiffRecording`) into the four
/// history mappings that exist only for past votes (`roundHistory`, `positionCheckpoints`,
/// `delegateCheckpoints`, `bondedTotalHistory`), each priced as EIP-2929/2200 price it in a fresh
/// transaction: 2,100 to touch the cold slot, plus 20,000 to fill an empty slot, 2,900 to change a
/// filled one, 100 to rewrite the same value. Fields the history keeps inside structs written anyway
/// (a position's previous claim round, a pool's previous round) cost next to nothing and are not
/// counted. Issue 5 asks for at most ~20k per operation: one fresh slot (22,100) at most.
///
/// Recording state diffs turns off forge's per-call transaction isolation, which would distort the
/// gas rows: a scenario runs once measuring gas, and once more with `metering` on for this table.
abstract contract CheckpointMeter is BondingFixture {
    // BondingManager's storage slots of the history mappings (`forge inspect BondingManager
    // storageLayout`); `_checkMeterLayout` fails if they move.
    uint256 internal constant ROUND_HISTORY_SLOT = 13;
    uint256 internal constant POSITION_CHECKPOINTS_SLOT = 14;
    uint256 internal constant DELEGATE_CHECKPOINTS_SLOT = 15;
    uint256 internal constant BONDED_TOTAL_HISTORY_SLOT = 16;
    uint256 internal constant ONE_FRESH_SLOT = 22_100;

    struct CheckpointRow {
        string operation;
        uint256 gas;
        uint256 freshSlots;
    }

    CheckpointRow[] internal checkpointRows;
    address[] internal meterAccounts;
    bool internal metering;

    /// Starts recording the next call; `accounts` are those whose history it may write.
    function _startMeter(address[] memory accounts) internal {
        if (!metering) return;
        delete meterAccounts;
        for (uint256 i; i < accounts.length; ++i) {
            meterAccounts.push(accounts[i]);
        }
        vm.startStateDiffRecording();
    }

    /// Stops recording and adds the row `operation` (also to the snapshot, as `checkpoint_<op>`).
    function _stopMeter(string memory operation) internal {
        if (!metering) return;
        Vm.AccountAccess[] memory accesses = vm.stopAndReturnStateDiff();
        bytes32[] memory slots = new bytes32[](64);
        bytes32[] memory originals = new bytes32[](64);
        bytes32[] memory finals = new bytes32[](64);
        uint256 count;
        for (uint256 i; i < accesses.length; ++i) {
            Vm.StorageAccess[] memory s = accesses[i].storageAccesses;
            for (uint256 j; j < s.length; ++j) {
                if (s[j].account != address(bonding) || !s[j].isWrite || s[j].reverted) continue;
                uint256 k;
                while (k < count && slots[k] != s[j].slot) ++k;
                if (k == count) {
                    slots[k] = s[j].slot;
                    originals[k] = s[j].previousValue;
                    ++count;
                }
                finals[k] = s[j].newValue;
            }
        }
        uint256 gasCost;
        uint256 fresh;
        for (uint256 k; k < count; ++k) {
            if (!_isHistorySlot(slots[k])) continue;
            bool filled = originals[k] == 0 && finals[k] != 0;
            if (filled) ++fresh;
            gasCost += 2_100 + (filled ? 20_000 : originals[k] != finals[k] ? 2_900 : 100);
        }
        vm.snapshotValue("BondingScenario", string.concat("checkpoint_", operation), gasCost);
        checkpointRows.push(CheckpointRow(operation, gasCost, fresh));
    }

    /// Stops recording, ignoring what was recorded.
    function _discardMeter() internal {
        if (metering) vm.stopAndReturnStateDiff();
    }

    function _isHistorySlot(bytes32 slot) internal view returns (bool) {
        uint256 current = rounds.currentRound();
        for (uint256 r; r <= current; ++r) {
            if (slot == keccak256(abi.encode(r, BONDED_TOTAL_HISTORY_SLOT))) return true;
            for (uint256 i; i < meterAccounts.length; ++i) {
                address a = meterAccounts[i];
                if (
                    slot == _slotOf(ROUND_HISTORY_SLOT, a, r)
                        || slot == _slotOf(POSITION_CHECKPOINTS_SLOT, a, r)
                        || slot == _slotOf(DELEGATE_CHECKPOINTS_SLOT, a, r)
                ) return true;
            }
        }
        return false;
    }

    /// The slot of `mapping(address => mapping(uint256 => T))` at `base`, entry [key][round].
    function _slotOf(uint256 base, address key, uint256 round) internal pure returns (bytes32) {
        return keccak256(abi.encode(round, keccak256(abi.encode(key, base))));
    }

    /// The slot constants still point at the mappings: an entry the getters show is where we look.
    function _checkMeterLayout(address orchestrator, address delegator) internal view {
        (uint256 rf,,,) = lens.roundHistory(orchestrator, lens.getPool(orchestrator).prevPoolRound - 1);
        uint256 used = lens.getPool(orchestrator).prevPoolRound - 1;
        assertEq(
            uint96(uint256(vm.load(address(bonding), _slotOf(ROUND_HISTORY_SLOT, orchestrator, used)))), rf
        );
        uint256 claimed = lens.getDelegator(delegator).prevClaimRound - 1;
        (uint96 stake,,) = lens.positionCheckpoints(delegator, claimed);
        bytes32 word = vm.load(address(bonding), _slotOf(POSITION_CHECKPOINTS_SLOT, delegator, claimed));
        assertEq(uint96(uint256(word)), stake);
        uint256 totalRound = lens.bondedTotal().prevRound - 1;
        (uint128 value,,) = lens.bondedTotalHistory(totalRound);
        word = vm.load(address(bonding), keccak256(abi.encode(totalRound, BONDED_TOTAL_HISTORY_SLOT)));
        assertEq(uint128(uint256(word)), value);
    }

    function _printCheckpointTable() internal view {
        console.log("vote checkpointing per bonding op | gas | fresh slots | <= ~20k (one fresh slot)");
        for (uint256 i; i < checkpointRows.length; ++i) {
            CheckpointRow memory row = checkpointRows[i];
            console.log(
                string.concat(
                    row.operation,
                    " | ",
                    vm.toString(row.gas),
                    " | ",
                    vm.toString(row.freshSlots),
                    " | ",
                    row.gas <= ONE_FRESH_SLOT ? "yes" : "NO"
                )
            );
        }
        for (uint256 i; i < checkpointRows.length; ++i) {
            GasTargets.check(checkpointRows[i].operation, checkpointRows[i].gas, ONE_FRESH_SLOT);
        }
    }
}
