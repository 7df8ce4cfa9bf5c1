// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// The protocol's single authority is OpenZeppelin's AccessManager, deployed as is. Importing it
// here puts it in the `contracts/` build, so the generated Rust bindings include it.
import {AccessManager} from "@openzeppelin/contracts/access/manager/AccessManager.sol";
