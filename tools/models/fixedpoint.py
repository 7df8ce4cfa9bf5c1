"""gemmlowp's int32 fixed point and LiteRT's int8 reference SOFTMAX, in plain Python integers.

A readable model of google/gemmlowp fixedpoint/fixedpoint.h (16e8662c) and LiteRT's
tflite/kernels/internal/reference/softmax.h, for SPEC-NOTES.md and spec_check.py; the Rust
executor implements the same steps. A value of FixedPoint<int32, I> is its raw int32 here; the
integer-bit count I is tracked by the caller.
"""

import math

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1


def wrap32(x: int) -> int:
    return (x + (1 << 31)) % (1 << 32) - (1 << 31)


def srdhm(a: int, b: int) -> int:
    """SaturatingRoundingDoublingHighMul: the raw product of two fixed-point values."""
    if a == b == INT32_MIN:
        return INT32_MAX
    v = a * b + ((1 << 30) if a * b >= 0 else 1 - (1 << 30))
    return v // (1 << 31) if v >= 0 else -((-v) // (1 << 31))  # C: truncates toward zero


def rdbpot(x: int, e: int) -> int:
    """RoundingDivideByPOT: x / 2^e rounded half away from zero."""
    mask = (1 << e) - 1
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> e) + (1 if (x & mask) > threshold else 0)


def mul_pot(x: int, e: int) -> int:
    """SaturatingRoundingMultiplyByPOT<e>: saturating left shift, or rounding right shift."""
    if e < 0:
        return rdbpot(x, -e)
    if e == 0:
        return x
    threshold = (1 << (31 - e)) - 1
    if x > threshold:
        return INT32_MAX
    if x < -threshold:
        return INT32_MIN
    return x << e


def rescale(x: int, bits_src: int, bits_dst: int) -> int:
    return mul_pot(x, bits_src - bits_dst)


def rounding_half_sum(a: int, b: int) -> int:
    s = a + b
    s += 1 if s >= 0 else -1
    return s // 2 if s >= 0 else -((-s) // 2)


def one(bits: int) -> int:
    """FixedPoint<int32, bits>::One(): 1.0, or INT32_MAX when 1.0 is not representable."""
    return INT32_MAX if bits == 0 else 1 << (31 - bits)


def exp_on_interval_between_negative_one_quarter_and_0_excl(a: int) -> int:
    """exp(a) for a in [-1/4, 0), Q0.31 in and out (Taylor series around -1/8)."""
    constant_term = 1895147668  # exp(-1/8)
    constant_1_over_3 = 715827883
    x = wrap32(a + (1 << 28))  # + 1/8
    x2 = srdhm(x, x)
    x3 = srdhm(x2, x)
    x4 = srdhm(x2, x2)
    x4_over_4 = mul_pot(x4, -2)
    poly = mul_pot(wrap32(srdhm(wrap32(x4_over_4 + x3), constant_1_over_3) + x2), -1)
    return wrap32(constant_term + srdhm(constant_term, wrap32(x + poly)))


BARREL = [
    (-2, 1672461947),
    (-1, 1302514674),
    (0, 790015084),
    (1, 290630308),
    (2, 39332535),
    (3, 720401),
    (4, 242),
]  # exp(-2^e) in Q0.31


def exp_on_negative_values(a: int, integer_bits: int) -> int:
    """exp(a) for a <= 0 given in Q(integer_bits).(31 - integer_bits); result in Q0.31."""
    fractional_bits = 31 - integer_bits
    one_quarter = 1 << (fractional_bits - 2)
    a_mod = wrap32((a & (one_quarter - 1)) - one_quarter)
    result = exp_on_interval_between_negative_one_quarter_and_0_excl(
        rescale(a_mod, integer_bits, 0)
    )
    remainder = wrap32(a_mod - a)
    for exponent, multiplier in BARREL:
        if integer_bits > exponent and remainder & (1 << (fractional_bits + exponent)):
            result = srdhm(result, multiplier)
    if integer_bits > 5 and a < -(1 << (36 - integer_bits)):
        result = 0
    return one(0) if a == 0 else result


def one_over_one_plus_x_for_x_in_0_1(a: int) -> int:
    """1 / (1 + a) for a in [0, 1), Q0.31 (Newton-Raphson in Q2.29)."""
    half_denominator = rounding_half_sum(a, one(0))
    x = wrap32(1515870810 + srdhm(half_denominator, -1010580540))  # 48/17 - 32/17 d
    for _ in range(3):
        one_minus = wrap32(one(2) - srdhm(half_denominator, x))
        x = wrap32(x + rescale(srdhm(x, one_minus), 4, 2))
    return rescale(x, 1, 0)  # ExactMulByPot<-1> then Rescale<0>


def get_reciprocal(x: int, integer_digits: int):
    """GetReciprocal (common.h): (1/x in Q0.31 scaled, num_bits_over_unit)."""
    headroom_plus_one = 32 - x.bit_length() if x > 0 else (32 if x == 0 else 0)
    num_bits_over_unit = integer_digits - headroom_plus_one
    shifted_minus_one = wrap32(((x << headroom_plus_one) & 0xFFFFFFFF) - (1 << 31))
    return one_over_one_plus_x_for_x_in_0_1(shifted_minus_one), num_bits_over_unit


def quantize_multiplier(m: float):
    frac, shift = math.frexp(m)
    q = math.floor(frac * (1 << 31) + 0.5)
    if q == 1 << 31:
        q //= 2
        shift += 1
    return q, shift


def softmax_params(beta: float, input_scale: float):
    """Prepare (activations.cc, kReference): (multiplier, left_shift, diff_min)."""
    real = min(beta * input_scale * (1 << 26), float((1 << 31) - 1))
    mult, left_shift = quantize_multiplier(real)
    radius = math.floor(31.0 * (1 << 26) / (1 << left_shift))
    return mult, left_shift, -radius


def softmax_int8(row, beta: float, input_scale: float):
    """One row of reference_ops::Softmax, int8 in and out (scale 1/256, zero point -128)."""
    mult, left_shift, diff_min = softmax_params(beta, input_scale)
    top = max(row)
    exps = []
    total = 0
    for x in row:
        d = x - top
        if d >= diff_min:
            e = exp_on_negative_values(srdhm(d * (1 << left_shift), mult), 5)
            total = wrap32(total + rescale(e, 0, 12))
            exps.append(e)
        else:
            exps.append(None)
    recip, bits_over_unit = get_reciprocal(total, 12)
    exponent = bits_over_unit + 31 - 8
    out = []
    for e in exps:
        if e is None:
            out.append(-128)
        else:
            out.append(max(-128, min(127, rdbpot(srdhm(recip, e), exponent) - 128)))
    return out


def mbqm(x: int, q: int, shift: int) -> int:
    """MultiplyByQuantizedMultiplier, double rounding (the ai-edge-litert wheel's build)."""
    return rdbpot(srdhm(wrap32(x * (1 << max(shift, 0))), q), max(-shift, 0))


def inv_sqrt_multiplier(x: int):
    """GetInvSqrtQuantizedMultiplierExp(x, reverse_shift=-1) (common.h): 1/sqrt(x) as (q, shift)."""
    if x <= 1:
        return INT32_MAX, 0
    shift = 11
    while x >= 1 << 29:
        x //= 4
        shift += 1
    pairs = ((32 - x.bit_length()) - 1) // 2 - 1
    shift -= pairs
    x <<= 2 * pairs
    half_input = mul_pot(x >> 1, -1)  # Q3.28
    half_three = (1 << 28) + (1 << 27)  # 1.5 in Q3.28
    v = 1 << 28  # 1.0
    for _ in range(5):  # Newton-Raphson: v = 1.5 v - x/2 v^3
        v3 = rescale(srdhm(srdhm(v, v), v), 9, 3)
        v = rescale(wrap32(srdhm(half_three, v) - srdhm(half_input, v3)), 6, 3)
    v = srdhm(v, 1518500250)  # * sqrt(2)/2 in Q0.31
    if shift < 0:
        v <<= -shift
        shift = 0
    return v, -shift


def rsqrt_int8(q: int, s_in: float, zp_in: int, s_out: float, zp_out: int) -> int:
    """RsqrtEvalQuantizedInt8 (elementwise.cc) for one element; ValueError below the zero point."""
    import numpy as np  # the multiplier is computed in float32 first, as in C++

    value = q - zp_in
    if value < 0:
        raise ValueError("Rsqrt is only defined for positive values")
    if value == 0:
        return 127
    m = 1.0 / float(np.sqrt(np.float32(s_in)) * np.float32(s_out))
    mult, shift = quantize_multiplier(m)
    inv_q, inv_shift = inv_sqrt_multiplier(value)
    data = mbqm(1, inv_q, inv_shift + 20)
    return max(-128, min(127, mbqm(data, mult, shift - 20) + zp_out))
