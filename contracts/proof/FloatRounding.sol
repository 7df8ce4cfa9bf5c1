// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {FixedPoint} from "./FixedPoint.sol";

/// @title FloatRounding
/// @notice The few places where LiteRT's reference kernels compute in IEEE floating point,
/// emulated exactly in integers: FULLY_CONNECTED's float64 requantization, RESIZE_NEAREST's f32
/// source index, and the f32 bound of a fused RELU6. An IEEE result is the exact value rounded
/// to the format's significant bits, nearest with ties to even; every operation here is one exact
/// integer product or quotient followed by that rounding.
library FloatRounding {
    /// @notice A float64 significand that is not below 2^53.
    error BadSignificand(uint256 significand);
    /// @notice A size outside what the f32 emulation covers exactly (resize axes below 2^23).
    error BadSize(uint256 size);

    /// @notice Bits needed to write `x` (0 for 0).
    function bitLength(uint256 x) internal pure returns (uint256 n) {
        if (x >> 128 != 0) (x, n) = (x >> 128, 128);
        if (x >> 64 != 0) (x, n) = (x >> 64, n + 64);
        if (x >> 32 != 0) (x, n) = (x >> 32, n + 32);
        if (x >> 16 != 0) (x, n) = (x >> 16, n + 16);
        if (x >> 8 != 0) (x, n) = (x >> 8, n + 8);
        while (x != 0) (x, n) = (x >> 1, n + 1);
    }

    /// @notice `x` rounded to `bits` significant bits, nearest, ties to even; `sticky` says that
    /// `x` is an inexact quotient whose true value lies strictly above it (a remainder was
    /// dropped), which turns an apparent tie into "above half". Returns `m` and `e` with the
    /// rounded value `m * 2^e` (`e >= 0`, relative to `x`'s units).
    function roundEven(uint256 x, uint256 bits, bool sticky) internal pure returns (uint256 m, uint256 e) {
        uint256 len = bitLength(x);
        if (len <= bits) return (x, 0);
        e = len - bits;
        m = x >> e;
        uint256 rest = x & ((uint256(1) << e) - 1);
        uint256 half = uint256(1) << (e - 1);
        if (rest > half || (rest == half && (sticky || m & 1 == 1))) m += 1;
    }

    /// @notice FULLY_CONNECTED's reference requantization `round_half_away(f64(acc) * m)`,
    /// clamped to int32 as the reference does, for `m = significand * 2^exponent` (an f64 has
    /// `significand < 2^53`). `acc * significand` is exact (< 2^84); IEEE rounds it to 53 bits;
    /// then the binary point is placed and the result rounded half away from zero.
    /// @dev A subnormal product would round with fewer bits, but it is below 2^-1022 and rounds to
    /// 0 either way; an infinite one saturates, as the clamp does.
    function fcRequant(int256 acc, uint256 significand, int256 exponent) internal pure returns (int256) {
        if (significand >> 53 != 0) revert BadSignificand(significand);
        if (acc == 0 || significand == 0) return 0;
        uint256 mag = uint256(acc < 0 ? -acc : acc) * significand;
        (uint256 m, uint256 e) = roundEven(mag, 53, false);
        int256 point = exponent + int256(e); // value = m * 2^point, m < 2^54
        uint256 r;
        if (point >= 0) {
            r = point > 40 ? type(uint64).max : m << uint256(point);
        } else if (point < -60) {
            r = 0; // m * 2^point < 2^-6 rounds to 0
        } else {
            uint256 n = uint256(-point);
            r = (m >> n) + ((m >> (n - 1)) & 1); // + 1 when the dropped part is at least a half
        }
        int256 v = r > uint256(FixedPoint.INT32_MAX) + 1 ? int256(2 ** 32) : int256(r);
        v = acc < 0 ? -v : v;
        if (v > FixedPoint.INT32_MAX) return FixedPoint.INT32_MAX;
        if (v < FixedPoint.INT32_MIN) return FixedPoint.INT32_MIN;
        return v;
    }

    /// @notice The f32 quotient `a / b` of two integers below 2^24 (both exact in f32), as
    /// `m * 2^-e` with m of 24 bits (0 when `a` is 0).
    function f32Div(uint256 a, uint256 b) internal pure returns (uint256 m, uint256 e) {
        if (a == 0) return (0, 0);
        // 2^60 / 2^24 leaves at least 36 quotient bits: enough for 24 plus round and sticky
        uint256 num = a << 60;
        (uint256 q, uint256 up) = roundEven(num / b, 24, num % b != 0);
        // value = q * 2^up / 2^60; a carry to 2^24 stays exact
        return (q, 60 - up);
    }

    /// @notice RESIZE_NEAREST_NEIGHBOR's source index along one axis (`GetNearestNeighbor`):
    /// `scale = f32(in) / f32(out)` (align_corners: `(in-1)/(out-1)`), `s = f32(y + offset) *
    /// scale` (offset 0.5 with half_pixel_centers), `floor(s)` (align_corners: round half away),
    /// at most `in - 1`.
    function nearestIndex(uint256 y, uint256 input, uint256 output, bool align, bool halfPixel)
        internal
        pure
        returns (uint256)
    {
        if (input == 0 || input >> 23 != 0) revert BadSize(input);
        if (output == 0 || output >> 23 != 0) revert BadSize(output);
        if (y >> 23 != 0) revert BadSize(y);
        (uint256 sm, uint256 se) = align && output > 1 ? f32Div(input - 1, output - 1) : f32Div(input, output);
        // y + 0.5 = (2y + 1) / 2 is exact in f32 below 2^23; the product is rounded to 24 bits
        (uint256 ym, uint256 ye) = halfPixel ? (2 * y + 1, uint256(1)) : (y, uint256(0));
        (uint256 pm, uint256 pe) = roundEven(ym * sm, 24, false);
        // s = pm * 2^pe / 2^(se + ye)
        uint256 down = se + ye;
        uint256 idx;
        if (pe >= down) {
            idx = pm << (pe - down);
        } else {
            uint256 n = down - pe;
            idx = n > 255 ? 0 : pm >> n;
            if (align && n <= 255 && (pm >> (n - 1)) & 1 == 1) idx += 1;
        }
        return idx > input - 1 ? input - 1 : idx;
    }

    /// @notice `CalculateActivationRangeQuantized` for int8 (act 0 NONE, 1 RELU, 2 RELU6): the
    /// bounds `zp + round_half_away(f / scale)` with the quotient in f32 (`scaleBits`: the f32's
    /// bits), the cast to int32 and the add saturating as in the reference.
    function activationRange(uint8 act, uint32 scaleBits, int256 zp)
        internal
        pure
        returns (int256 lo, int256 hi)
    {
        if (act == 0) return (-128, 127);
        // 0 / scale is 0 (or NaN, cast to 0): the lower bound is the zero point
        lo = zp > -128 ? zp : int256(-128);
        hi = 127;
        if (act == 2) {
            int256 six = zp + sixOver(scaleBits);
            if (six > FixedPoint.INT32_MAX) six = FixedPoint.INT32_MAX;
            if (six < FixedPoint.INT32_MIN) six = FixedPoint.INT32_MIN;
            if (six < hi) hi = six;
        }
    }

    /// @notice `(6.0f / scale).round() as i32` (f32 division, saturating cast, NaN to 0).
    function sixOver(uint32 scaleBits) internal pure returns (int256) {
        bool neg = scaleBits >> 31 == 1;
        uint256 expBits = (scaleBits >> 23) & 0xff;
        uint256 frac = scaleBits & 0x7fffff;
        if (expBits == 0xff) return 0; // 6 / inf = 0; 6 / NaN = NaN, cast to 0
        if (expBits == 0 && frac == 0) return neg ? FixedPoint.INT32_MIN : FixedPoint.INT32_MAX;
        // scale = sig * 2^(exp - 150) (subnormal: frac * 2^-149)
        uint256 sig = expBits == 0 ? frac : frac | (1 << 23);
        int256 scaleExp = expBits == 0 ? int256(-149) : int256(expBits) - 150;
        uint256 num = uint256(6) << 80;
        (uint256 q, uint256 up) = roundEven(num / sig, 24, num % sig != 0);
        // 6 / scale = q * 2^(up - 80 - scaleExp); f32 overflow is infinity, which saturates
        int256 point = int256(up) - 80 - scaleExp;
        uint256 r;
        if (point >= 0) {
            r = point > 40 ? type(uint64).max : q << uint256(point);
        } else if (point < -30) {
            r = 0;
        } else {
            uint256 n = uint256(-point);
            r = (q >> n) + ((q >> (n - 1)) & 1);
        }
        int256 v = r > 2 ** 32 ? int256(2 ** 32) : int256(r);
        v = neg ? -v : v;
        if (v > FixedPoint.INT32_MAX) return FixedPoint.INT32_MAX;
        if (v < FixedPoint.INT32_MIN) return FixedPoint.INT32_MIN;
        return v;
    }
}
