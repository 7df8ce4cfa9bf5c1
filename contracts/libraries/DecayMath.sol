// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Units} from "./Units.sol";

/// @title DecayMath
/// @notice Geometric decay in 1e18 fixed point: a value that keeps `keep` (1e18 = all) per round.
library DecayMath {
    uint256 internal constant ONE = 1e18;

    /// @notice `keep ^ n` in 1e18 fixed point, by squaring: at most 2 * 32 multiplications for any
    /// uint32 round count. Each step rounds down, so the result never exceeds the exact power;
    /// once it reaches zero it stays zero (a long-idle score is simply gone).
    function powDown(uint256 keep, uint256 n) internal pure returns (uint256 result) {
        result = ONE;
        uint256 base = keep;
        while (n != 0 && result != 0) {
            if (n & 1 == 1) result = Math.mulDiv(result, base, ONE);
            n >>= 1;
            if (n != 0) base = Math.mulDiv(base, base, ONE);
        }
    }

    /// @notice `value` after `rounds` rounds of keeping `keepPpb` per round, rounded down.
    function decayDown(uint256 value, uint256 keepPpb, uint256 rounds) internal pure returns (uint256) {
        if (rounds == 0 || value == 0) return value;
        return Math.mulDiv(value, powDown(keepPpb * (ONE / Units.PPB), rounds), ONE);
    }
}
