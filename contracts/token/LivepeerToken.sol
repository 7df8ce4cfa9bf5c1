// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ILivepeerToken} from "../interfaces/ILivepeerToken.sol";

/// @title LivepeerToken
/// @notice LPT. The genesis supply is minted once at construction; afterwards only the holder of
/// the authority's MINTER role (the Minter contract) can mint. Anyone may burn their own tokens.
contract LivepeerToken is ILivepeerToken, ERC20, ERC20Burnable, ERC20Permit, AccessManaged {
    /// @param authority The protocol's AccessManager.
    /// @param genesisRecipient Receives the genesis supply.
    /// @param genesisSupply LPT minted at construction, before any role exists.
    constructor(address authority, address genesisRecipient, uint256 genesisSupply)
        ERC20("Livepeer Token", "LPT")
        ERC20Permit("Livepeer Token")
        AccessManaged(authority)
    {
        _mint(genesisRecipient, genesisSupply);
    }

    /// @inheritdoc ILivepeerToken
    function mint(address to, uint256 amount) external restricted {
        _mint(to, amount);
    }

    /// @inheritdoc ILivepeerToken
    function burn(uint256 amount) public override(ERC20Burnable, ILivepeerToken) {
        super.burn(amount);
    }
}
