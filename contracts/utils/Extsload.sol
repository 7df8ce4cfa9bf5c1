// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IExtsload} from "../interfaces/IExtsload.sol";

/// @title Extsload
/// @notice Exposes the inheriting contract's storage word by word, so its views can live in lenses
/// and libraries (BondingSlots) instead of in its own size-limited code.
abstract contract Extsload is IExtsload {
    /// @inheritdoc IExtsload
    function extsload(bytes32 slot) external view returns (bytes32 value) {
        assembly ("memory-safe") {
            value := sload(slot)
        }
    }

    /// @inheritdoc IExtsload
    function extsload(bytes32 startSlot, uint256 nSlots) external view returns (bytes32[] memory values) {
        values = new bytes32[](nSlots);
        for (uint256 i; i < nSlots; ++i) {
            bytes32 value;
            assembly ("memory-safe") {
                value := sload(add(startSlot, i))
            }
            values[i] = value;
        }
    }
}
