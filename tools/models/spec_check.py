"""Re-derives int8 outputs from SPEC-NOTES.md's arithmetic and compares them with LiteRT's.

    python spec_check.py [--cases N]

1. FULLY_CONNECTED with per-channel weights (out/ops/fully_connected.tflite, fused RELU) is computed
with numpy under both MultiplyByQuantizedMultiplier variants LiteRT can be built with (double
rounding, the default; single rounding, TFLITE_SINGLE_ROUNDING=1) and compared with the reference
kernels' bytes, so the notes say which one the shipped interpreter uses, by evidence.
2. The 256-entry tables of int8 LOGISTIC, TANH and GELU (both forms), which LiteRT builds at
Prepare time in float32 (LUTPopulateInt8), rebuilt here in numpy float32 (erfc: Python's double
erfc rounded to float32) and compared with LiteRT's output for every one of the 256 inputs: how
fragile a table rebuilt by another libm is.
"""

import argparse
import math
import os

import numpy as np
from ai_edge_litert.interpreter import OpResolverType

import oracle

HERE = os.path.dirname(os.path.abspath(__file__))


def quantize_multiplier(m: float):
    """QuantizeMultiplier (quantization_util.cc): m = q * 2^(shift - 31), q in [2^30, 2^31)."""
    if m == 0:
        return 0, 0
    frac, shift = math.frexp(m)
    q = round(frac * (1 << 31))  # std::round: half away from zero; frac > 0 here
    if q == 1 << 31:
        q //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    return q, shift


def srdhm(a: int, b: int) -> int:
    """gemmlowp SaturatingRoundingDoublingHighMul on int32."""
    if a == b == -(1 << 31):
        return (1 << 31) - 1
    ab = a * b
    nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
    v = ab + nudge
    return v // (1 << 31) if v >= 0 else -((-v) // (1 << 31))  # C++: truncates toward zero


def rdbpot(x: int, e: int) -> int:
    """gemmlowp RoundingDivideByPOT: round half away from zero."""
    mask = (1 << e) - 1
    rem = x & mask
    thr = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> e) + (1 if rem > thr else 0)


def mbqm_double(x, q, shift):
    left, right = max(shift, 0), max(-shift, 0)
    return rdbpot(srdhm(x * (1 << left), q), right)


def mbqm_single(x, q, shift):
    total = 31 - shift
    return (x * q + (1 << (total - 1))) >> total


def fully_connected(it, op, x, mbqm):
    t = lambda i: it._get_tensor_details(i, 0)  # noqa: E731
    w_i, b_i = op["inputs"][1], op["inputs"][2]
    w, b = it.get_tensor(w_i).astype(np.int64), it.get_tensor(b_i).astype(np.int64)
    s_in, zp_in = t(op["inputs"][0])["quantization"]
    s_out, zp_out = t(op["outputs"][0])["quantization"]
    s_w = t(w_i)["quantization_parameters"]["scales"]
    acc = (x.astype(np.int64).reshape(1, -1) + (-zp_in)) @ w.T + b  # filter zero point is 0
    out = np.empty(acc.shape, np.int64)
    for c in range(acc.shape[1]):
        q, shift = quantize_multiplier(float(np.float64(s_in) * np.float64(s_w[c]) / np.float64(s_out)))
        out[0, c] = mbqm(int(acc[0, c]), q, shift) + zp_out
    return np.clip(out, max(zp_out, -128), 127).astype(np.int8)  # fused RELU: max(zp_out, .)


def lut(fn, s_in, zp_in, s_out, zp_out):
    """LUTPopulateInt8 in float32: q(x) = clamp(round(f(s_in * (x - zp_in)) * (1 / s_out)) + zp)."""
    f32 = np.float32
    x = np.arange(-128, 128)
    deq = f32(s_in) * (x - zp_in).astype(f32)
    y = np.array([fn(f32(v)) for v in deq], f32) * (f32(1) / f32(s_out))
    r = np.sign(y) * np.floor(np.abs(y) + f32(0.5))  # TfLiteRound: half away from zero
    return np.clip(r.astype(np.int64) + zp_out, -128, 127).astype(np.int8)


def _gelu(v):
    return np.float32(0.5) * v * np.float32(math.erfc(float(v * np.float32(-math.sqrt(0.5)))))


def _gelu_tanh(v):
    f = np.float32
    k = f(2 / math.sqrt(math.pi) * math.sqrt(0.5))
    return f(0.5) * v * (f(1) + np.tanh(k * (v + f(0.044715) * v * v * v)))


LUTS = {
    "logistic": lambda v: np.float32(1) / (np.float32(1) + np.exp(-v)),
    "tanh": np.tanh,
    "gelu": _gelu,
    "gelu_tanh_approx": _gelu_tanh,
}


def check_luts():
    bad = 0
    for name, fn in LUTS.items():
        it = oracle.make(os.path.join(HERE, "out", "ops", f"{name}.tflite"), OpResolverType.BUILTIN_REF)
        i, o = it.get_input_details()[0], it.get_output_details()[0]
        n = int(np.prod(i["shape"]))
        xs = np.arange(-128, 128).astype(np.int8)
        got = []
        for k in range(0, 256, n):
            it.set_tensor(i["index"], xs[k : k + n].reshape(i["shape"]))
            it.invoke()
            got.append(it.get_tensor(o["index"]).reshape(-1))
        got = np.concatenate(got)
        (s_in, zp_in), (s_out, zp_out) = i["quantization"], o["quantization"]
        want = lut(fn, s_in, zp_in, s_out, zp_out)
        diff = np.flatnonzero(want != got)
        bad += len(diff)
        print(f"{name.upper()} table (numpy float32): {len(diff)} of 256 entries differ"
              + (f" at inputs {(diff - 128).tolist()}" if len(diff) else ""))
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=200)
    args = ap.parse_args()
    path = os.path.join(HERE, "out", "ops", "fully_connected.tflite")
    it = oracle.make(path, OpResolverType.BUILTIN_REF)
    op = it._get_ops_details()[0]
    rng = np.random.default_rng(1)
    wrong = {"double": 0, "single": 0}
    for _ in range(args.cases):
        (x,) = oracle.random_inputs(it, rng)
        oracle.run(it, [x])
        got = it.get_tensor(op["outputs"][0])
        wrong["double"] += int(np.count_nonzero(fully_connected(it, op, x, mbqm_double) != got))
        wrong["single"] += int(np.count_nonzero(fully_connected(it, op, x, mbqm_single) != got))
    n = args.cases * got.size
    for k, v in wrong.items():
        print(f"FULLY_CONNECTED, {k} rounding: {v} of {n} elements differ from LiteRT's reference")
    bad_tables = check_luts()
    if wrong["single"]:
        raise SystemExit("the single-rounding derivation does not reproduce LiteRT")
    if bad_tables:
        raise SystemExit("a float32 table differs from LiteRT's: SPEC-NOTES.md's claim is wrong")


if __name__ == "__main__":
    main()
