// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {Roles} from "../../../contracts/access/Roles.sol";
import {ProtocolTest} from "../../fixtures/ProtocolTest.sol";

contract LivepeerTokenTest is ProtocolTest {
    function test_metadataAndGenesis() public view {
        assertEq(token.name(), "Livepeer Token");
        assertEq(token.symbol(), "LPT");
        assertEq(token.decimals(), 18);
        assertEq(token.totalSupply(), config.genesisSupply);
        assertEq(token.balanceOf(address(this)), config.genesisSupply);
        assertEq(token.authority(), address(manager));
    }

    function test_mint_byMinterRole() public {
        vm.prank(address(minter));
        token.mint(stranger, 5 ether);
        assertEq(token.balanceOf(stranger), 5 ether);
        assertEq(token.totalSupply(), config.genesisSupply + 5 ether);
    }

    function test_mint_revertsForAnyoneButTheMinter() public {
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(stranger));
        token.mint(stranger, 1);

        // Not even the authority's admin mints directly.
        vm.expectRevert(_unauthorized(address(this)));
        token.mint(address(this), 1);
        assertEq(token.totalSupply(), config.genesisSupply);
    }

    function test_mint_followsTheRoleNotTheAddress() public {
        manager.grantRole(Roles.MINTER, stranger, 0);
        vm.prank(stranger);
        token.mint(stranger, 1);
        assertEq(token.balanceOf(stranger), 1);

        manager.revokeRole(Roles.MINTER, address(minter));
        vm.prank(address(minter));
        vm.expectRevert(_unauthorized(address(minter)));
        token.mint(stranger, 1);
    }

    function test_burn() public {
        token.burn(1 ether);
        assertEq(token.totalSupply(), config.genesisSupply - 1 ether);
        assertEq(token.balanceOf(address(this)), config.genesisSupply - 1 ether);
    }

    function test_burn_revertsAboveBalance() public {
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, stranger, 0, 1)
        );
        token.burn(1);
    }

    function test_permit() public {
        (address owner, uint256 key) = makeAddrAndKey("owner");
        token.transfer(owner, 10 ether);
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(
                    "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
                ),
                owner,
                stranger,
                3 ether,
                token.nonces(owner),
                deadline
            )
        );
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);

        token.permit(owner, stranger, 3 ether, deadline, v, r, s);
        assertEq(token.allowance(owner, stranger), 3 ether);
        assertEq(token.nonces(owner), 1);

        // The same signature cannot be replayed: the nonce moved on.
        vm.expectPartialRevert(ERC20Permit.ERC2612InvalidSigner.selector);
        token.permit(owner, stranger, 3 ether, deadline, v, r, s);
    }
}
