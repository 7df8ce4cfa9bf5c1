// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title ILivepeerToken
/// @notice LPT: an ERC-20 with EIP-2612 permit that only the Minter mints and anyone burns.
interface ILivepeerToken is IERC20 {
    /// @notice Mints `amount` LPT to `to`. Restricted to the Minter by the protocol's authority.
    function mint(address to, uint256 amount) external;

    /// @notice Burns `amount` of the caller's LPT.
    function burn(uint256 amount) external;
}
