// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IExtsload} from "../interfaces/IExtsload.sol";

/// @title BondingLens
/// @notice The BondingManager's views for wallets, keepers and auditors, read from its storage.
contract BondingLens {
    /// @notice The BondingManager read.
    IExtsload public immutable bonding;

    /// @param bonding_ The BondingManager to read.
    constructor(IExtsload bonding_) {
        bonding = bonding_;
    }
}
