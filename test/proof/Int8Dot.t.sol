// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {Int8Dot} from "../../contracts/proof/Int8Dot.sol";

contract DotCaller {
    function dot(bytes calldata a, bytes calldata b) external pure returns (int256, int256, int256) {
        return Int8Dot.dot(a, b);
    }
}

/// @notice The packed dot product against a byte-by-byte loop (the Rust differential test compares
/// it with the verifier; this one runs with forge's fuzzer).
contract Int8DotTest is Test {
    DotCaller internal caller = new DotCaller();

    function _naive(bytes memory a, bytes memory b) internal pure returns (int256 ab, int256 sa, int256 sb) {
        for (uint256 i; i < a.length; ++i) {
            int256 x = int8(uint8(a[i]));
            int256 y = int8(uint8(b[i]));
            ab += x * y;
            sa += x;
            sb += y;
        }
        // int32 wrapping, as the reference accumulates
        ab = int256(int32(int64(ab)));
        sa = int256(int32(int64(sa)));
        sb = int256(int32(int64(sb)));
    }

    function testFuzz_dotMatchesTheByteLoop(bytes memory a, bytes32 seed) public view {
        bytes memory b = new bytes(a.length);
        for (uint256 i; i < a.length; ++i) {
            b[i] = keccak256(abi.encode(seed, i))[0];
        }
        (int256 ab, int256 sa, int256 sb) = caller.dot(a, b);
        (int256 nab, int256 nsa, int256 nsb) = _naive(a, b);
        assertEq(ab, nab, "dot");
        assertEq(sa, nsa, "sum a");
        assertEq(sb, nsb, "sum b");
    }
}
