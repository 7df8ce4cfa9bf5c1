"""Re-derives int8 outputs from SPEC-NOTES.md's arithmetic and compares them with LiteRT's.

    python spec_check.py [--cases N]        (needs only ai-edge-litert and numpy)

Each check runs a model of out/ops/ on LiteRT's reference kernels with seeded random inputs and
recomputes the op's output in plain Python integers (or float64 where the kernel uses it):

1. FULLY_CONNECTED: the reference kernel requantizes in float64, `round(acc * s_in * s_w / s_out)`,
   not with the Q31 multiplier; the Q31 derivation is counted too, to show the difference is real.
2. CONV_2D (SAME stride 1 with RELU6, VALID stride 2), ADD and MUL (inputs of different scales),
   BATCH_MATMUL (plain and adj_y), MEAN (last axis; axes 1, 2): Q31 multipliers with gemmlowp's
   double rounding, the build the ai-edge-litert wheel uses (TFLITE_SINGLE_ROUNDING off); single
   rounding is counted too. RESIZE_BILINEAR (half-pixel; align-corners): 10-bit fixed point.
   SOFTMAX: gemmlowp's fixed-point exp and reciprocal (fixedpoint.py). SOFTMAX, BATCH_MATMUL and
   RSQRT (fixed-point Newton-Raphson), and ADD, SUB, SQUARED_DIFFERENCE, MUL, MEAN (broadcasting,
   constant operands) inside the tiny transformer, on its own tensors.
3. The 256-entry tables of LOGISTIC, TANH and GELU (both forms), which LiteRT builds in float32
   at Prepare time (LUTPopulateInt8), rebuilt in numpy float32 (erfc: float64 rounded to float32).

Exits non-zero when a derivation that SPEC-NOTES.md states does not reproduce LiteRT's bytes.
"""

import argparse
import math
import os
import sys

import numpy as np
from ai_edge_litert.interpreter import OpResolverType

import fixedpoint
import oracle

HERE = os.path.dirname(os.path.abspath(__file__))
I8 = (-128, 127)


def quantize_multiplier(m: float):
    """QuantizeMultiplier (quantization_util.cc): m = q * 2^(shift - 31), q in [2^30, 2^31)."""
    if m == 0:
        return 0, 0
    frac, shift = math.frexp(m)
    q = round_away(frac * (1 << 31))
    if q == 1 << 31:
        q //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    return q, shift


def round_away(v: float) -> int:
    """C's round()/TfLiteRound: half away from zero."""
    return math.floor(abs(v) + 0.5) * (1 if v >= 0 else -1)


def srdhm(a: int, b: int) -> int:
    """gemmlowp SaturatingRoundingDoublingHighMul on int32."""
    if a == b == -(1 << 31):
        return (1 << 31) - 1
    v = a * b + ((1 << 30) if a * b >= 0 else 1 - (1 << 30))
    return v // (1 << 31) if v >= 0 else -((-v) // (1 << 31))  # C: truncates toward zero


def rdbpot(x: int, e: int) -> int:
    """gemmlowp RoundingDivideByPOT: round half away from zero."""
    mask = (1 << e) - 1
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> e) + (1 if (x & mask) > threshold else 0)


def mbqm_double(x, q, shift):
    """MultiplyByQuantizedMultiplier, double rounding (the wheel's build)."""
    return rdbpot(srdhm(x * (1 << max(shift, 0)), q), max(-shift, 0))


def mbqm_single(x, q, shift):
    """MultiplyByQuantizedMultiplier with TFLITE_SINGLE_ROUNDING (not the wheel's build)."""
    total = 31 - shift
    return (x * q + (1 << (total - 1))) >> total


def clamp(v, lo, hi):
    return min(max(v, lo), hi)


def details(it, i):
    d = it._get_tensor_details(i, 0)
    return d["quantization"], d["quantization_parameters"]["scales"]


def act_range(act, scale, zp):
    """CalculateActivationRangeQuantizedImpl: bounds quantized in float32."""
    q = lambda f: zp + round_away(float(np.float32(f) / np.float32(scale)))
    if act == "RELU":
        return max(-128, q(0)), 127
    if act == "RELU6":
        return max(-128, q(0)), min(127, q(6))
    return I8


def run_check(name, cases, derive, variants):
    """Runs out/ops/<name>.tflite; returns {variant: differing elements}, element count."""
    it = oracle.make(os.path.join(HERE, "out", "ops", f"{name}.tflite"), OpResolverType.BUILTIN_REF)
    op = it._get_ops_details()[0]
    rng = np.random.default_rng(7)
    wrong = {v: 0 for v in variants}
    total = 0
    for _ in range(cases):
        xs = oracle.random_inputs(it, rng)
        oracle.run(it, xs)
        got = it.get_tensor(op["outputs"][0])
        for v in variants:
            wrong[v] += int(np.count_nonzero(derive(it, op, xs, v) != got))
        total += got.size
    return wrong, total


def fully_connected(it, op, xs, variant):
    (s_in, zp_in), _ = details(it, op["inputs"][0])
    (s_out, zp_out), _ = details(it, op["outputs"][0])
    _, s_w = details(it, op["inputs"][1])
    w = it.get_tensor(op["inputs"][1]).astype(np.int64)
    b = it.get_tensor(op["inputs"][2]).astype(np.int64)
    acc = (xs[0].astype(np.int64).reshape(-1, w.shape[1]) - zp_in) @ w.T + b
    lo, hi = act_range("RELU", s_out, zp_out)  # out/ops/fully_connected has a fused RELU
    out = np.empty(acc.shape, np.int64)
    for (r, c), a in np.ndenumerate(acc):
        m = float(np.float64(s_in) * np.float64(s_w[c]) / np.float64(s_out))
        if variant == "float64":
            v = round_away(float(a) * m)
        else:
            v = mbqm_double(int(a), *quantize_multiplier(m))
        out[r, c] = clamp(v + zp_out, lo, hi)
    return out.astype(np.int8).reshape(it.get_tensor(op["outputs"][0]).shape)


def conv2d(stride, padding, act):
    def derive(it, op, xs, variant):
        (s_in, zp_in), _ = details(it, op["inputs"][0])
        (s_out, zp_out), _ = details(it, op["outputs"][0])
        _, s_w = details(it, op["inputs"][1])
        w = it.get_tensor(op["inputs"][1]).astype(np.int64)  # [O, KH, KW, I]
        b = it.get_tensor(op["inputs"][2]).astype(np.int64)
        x = xs[0][0].astype(np.int64) - zp_in  # [H, W, I]; padding contributes 0
        out_shape = it.get_tensor(op["outputs"][0]).shape
        oh, ow = out_shape[1], out_shape[2]
        o, kh, kw, _ = w.shape
        if padding == "SAME":
            ph = max((oh - 1) * stride + kh - x.shape[0], 0) // 2
            pw = max((ow - 1) * stride + kw - x.shape[1], 0) // 2
        else:
            ph = pw = 0
        xp = np.pad(x, ((ph, kh), (pw, kw), (0, 0)))
        lo, hi = act_range(act, s_out, zp_out)
        mbqm = mbqm_double if variant == "double" else mbqm_single
        mults = [
            quantize_multiplier(float(np.float64(s_in) * np.float64(s) / np.float64(s_out)))
            for s in s_w
        ]
        out = np.empty(out_shape[1:], np.int64)
        for yy in range(oh):
            for xx in range(ow):
                patch = xp[yy * stride : yy * stride + kh, xx * stride : xx * stride + kw]
                acc = np.einsum("hwi,ohwi->o", patch, w) + b
                for c in range(o):
                    out[yy, xx, c] = clamp(mbqm(int(acc[c]), *mults[c]) + zp_out, lo, hi)
        return out.astype(np.int8)[None]

    return derive


def _binary(xs):
    a, b = np.broadcast_arrays(xs[0], xs[1])
    return a.reshape(-1).tolist(), b.reshape(-1).tolist(), a.shape


def add_like(left_shift, combine):
    """add.cc / sub.cc / squared_difference.cc Prepare: inputs shifted left, three multipliers."""

    def derive(it, op, xs, variant):
        (s1, z1), _ = details(it, op["inputs"][0])
        (s2, z2), _ = details(it, op["inputs"][1])
        (so, zo), _ = details(it, op["outputs"][0])
        mbqm = mbqm_double if variant == "double" else mbqm_single
        tm = float(2 * max(np.float32(s1), np.float32(s2)))
        m1, m2 = quantize_multiplier(float(s1) / tm), quantize_multiplier(float(s2) / tm)
        if combine == "sqdiff":
            mo = quantize_multiplier(tm * tm / ((1 << (2 * left_shift)) * float(so)))
        else:
            mo = quantize_multiplier(tm / ((1 << left_shift) * float(so)))
        a, b, shape = _binary(xs)
        out = []
        for x, y in zip(a, b):
            ra = mbqm((x - z1) << left_shift, *m1)
            rb = mbqm((y - z2) << left_shift, *m2)
            raw = {"add": ra + rb, "sub": ra - rb, "sqdiff": (ra - rb) * (ra - rb)}[combine]
            out.append(clamp(mbqm(raw, *mo) + zo, *I8))
        return np.array(out, np.int8).reshape(shape)

    return derive


add = add_like(20, "add")


def mul(it, op, xs, variant):
    """mul.cc Prepare: multiplier s1 * s2 / so in float32, then widened."""
    (s1, z1), _ = details(it, op["inputs"][0])
    (s2, z2), _ = details(it, op["inputs"][1])
    (so, zo), _ = details(it, op["outputs"][0])
    mbqm = mbqm_double if variant == "double" else mbqm_single
    m = quantize_multiplier(float(np.float32(s1) * np.float32(s2) / np.float32(so)))
    a, b, shape = _binary(xs)
    out = [clamp(mbqm((x - z1) * (y - z2), *m) + zo, *I8) for x, y in zip(a, b)]
    return np.array(out, np.int8).reshape(shape)


def batch_matmul(it, op, xs, variant):
    """batch_matmul.cc: multiplier f64(f32(s_lhs * s_rhs)) / f64(s_out); options adj_y."""
    (sa, za), _ = details(it, op["inputs"][0])
    (sb, zb), _ = details(it, op["inputs"][1])
    (so, zo), _ = details(it, op["outputs"][0])
    mbqm = mbqm_double if variant == "double" else mbqm_single
    m = quantize_multiplier(float(np.float32(sa) * np.float32(sb)) / float(so))
    a = xs[0].astype(np.int64) - za
    b = xs[1].astype(np.int64) - zb
    if a.shape[-1] != b.shape[-2]:  # adj_y
        b = np.swapaxes(b, -1, -2)
    acc = a @ b
    out = np.vectorize(lambda v: clamp(mbqm(int(v), *m) + zo, *I8))(acc)
    return out.astype(np.int8)


def mean(axes):
    def derive(it, op, xs, variant):
        """reduce.h QuantizedMeanOrSum: the multiplier divided by N in integers."""
        (si, zi), _ = details(it, op["inputs"][0])
        (so, zo), _ = details(it, op["outputs"][0])
        mbqm = mbqm_double if variant == "double" else mbqm_single
        x = xs[0].astype(np.int64)
        n = int(np.prod([x.shape[a] for a in axes]))
        q, shift = quantize_multiplier(float(si) / float(so))
        k = min(n.bit_length() - 1, 32, 31 + shift)
        q, shift = (q << k) // n, shift - k
        sums = x.sum(axis=axes, keepdims=True) - zi * n
        out = np.vectorize(lambda v: clamp(mbqm(int(v), q, shift) + zo, *I8))(sums)
        return out.astype(np.int8)

    return derive


def resize_bilinear(half_pixel, align_corners):
    def derive(it, op, xs, variant):
        """resize_bilinear.h ResizeBilinearInteger: 10-bit coordinates, 20-bit weights."""
        x = xs[0][0].astype(np.int64)
        ih, iw, _ = x.shape
        oh, ow = it.get_tensor(op["outputs"][0]).shape[1:3]

        def scale(i, o):
            if align_corners and o > 1:
                return ((1 << 10) * (i - 1) + (o - 1) // 2) // (o - 1)
            return ((1 << 10) * i + o // 2) // o

        def coords(v, sc, size):
            val = v * sc + sc // 2 - (1 << 9) if half_pixel else v * sc
            lo = max(int(val / (1 << 10)), 0)  # C division truncates
            hi = min(int((val + (1 << 10) - 1) / (1 << 10)), size - 1)
            return val, lo, hi

        sh, sw = scale(ih, oh), scale(iw, ow)
        out = np.empty((oh, ow, x.shape[2]), np.int64)
        for y in range(oh):
            vy, y0, y1 = coords(y, sh, ih)
            for xx in range(ow):
                vx, x0, x1 = coords(xx, sw, iw)
                fy, fx = vy - (1 << 10) * y0, vx - (1 << 10) * x0
                acc = (
                    x[y0, x0] * ((1 << 10) - fy) * ((1 << 10) - fx)
                    + x[y1, x0] * fy * ((1 << 10) - fx)
                    + x[y0, x1] * ((1 << 10) - fy) * fx
                    + x[y1, x1] * fy * fx
                )
                if variant == "double":
                    r = np.where(acc > 0, 1 << 19, -(1 << 19))
                    q = acc + r
                    out[y, xx] = np.sign(q) * (np.abs(q) >> 20)  # truncating division
                else:
                    out[y, xx] = (acc + (1 << 19)) >> 20
        return out.astype(np.int8)[None]

    return derive


def softmax(it, op, xs, variant):
    """reference_ops::Softmax (int8): gemmlowp fixed point, modelled in fixedpoint.py."""
    (s_in, _), _ = details(it, op["inputs"][0])
    x = xs[0]
    rows = [
        fixedpoint.softmax_int8(r.tolist(), 1.0, float(s_in)) for r in x.reshape(-1, x.shape[-1])
    ]
    return np.array(rows, np.int8).reshape(x.shape)


def rsqrt(it, op, xs, variant):
    """RSQRT (elementwise.cc): fixed-point inverse square root, modelled in fixedpoint.py."""
    (s_in, zp_in), _ = details(it, op["inputs"][0])
    (s_out, zp_out), _ = details(it, op["outputs"][0])
    x = xs[0]
    out = [fixedpoint.rsqrt_int8(int(q), s_in, zp_in, s_out, zp_out) for q in x.reshape(-1)]
    return np.array(out, np.int8).reshape(x.shape)


def check_in_model(name, derivers, cases):
    """The same derivations applied to ops inside a real model, on its preserved tensors."""
    path = os.path.join(HERE, "out", f"{name}.tflite")
    it = oracle.make(path, OpResolverType.BUILTIN_REF)
    rng = np.random.default_rng(11)
    wrong, total = {}, {}
    for _ in range(cases):
        oracle.run(it, oracle.random_inputs(it, rng))
        for op in it._get_ops_details():
            derive = derivers.get(op["op_name"])
            if derive is None:
                continue
            xs = [it.get_tensor(i) for i in op["inputs"]]
            got = it.get_tensor(op["outputs"][0])
            key = op["op_name"]
            wrong[key] = wrong.get(key, 0) + int(
                np.count_nonzero(derive(it, op, xs, "double") != got)
            )
            total[key] = total.get(key, 0) + got.size
    for key, n in wrong.items():
        print(f"{name} {key}: {total[key]} elements; differing from the derivation: {n}")
    return sum(wrong.values())


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
        path = os.path.join(HERE, "out", "ops", f"{name}.tflite")
        it = oracle.make(path, OpResolverType.BUILTIN_REF)
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
        diff = np.flatnonzero(lut(fn, s_in, zp_in, s_out, zp_out) != got)
        bad += len(diff)
        where = f" at inputs {(diff - 128).tolist()}" if len(diff) else ""
        print(f"{name.upper()} table (numpy float32): {len(diff)} of 256 entries differ{where}")
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=40)
    args = ap.parse_args()
    checks = [
        ("fully_connected", fully_connected, ("float64", "q31-double")),
        ("conv2d", conv2d(1, "SAME", "RELU6"), ("double", "single")),
        ("conv2d_stride2_valid", conv2d(2, "VALID", "NONE"), ("double", "single")),
        ("add", add, ("double", "single")),
        ("mul", mul, ("double", "single")),
        ("batch_matmul", batch_matmul, ("double", "single")),
        ("batch_matmul_adj_y", batch_matmul, ("double", "single")),
        ("mean_last_axis", mean((2,)), ("double", "single")),
        ("mean_spatial", mean((1, 2)), ("double", "single")),
        ("resize_bilinear", resize_bilinear(True, False), ("double", "single")),
        ("resize_bilinear_align_corners", resize_bilinear(False, True), ("double", "single")),
        ("softmax", softmax, ("gemmlowp",)),
    ]
    failed = []
    for name, derive, variants in checks:
        wrong, total = run_check(name, args.cases, derive, variants)
        line = ", ".join(f"{v}: {wrong[v]}" for v in variants)
        print(f"{name}: {total} elements; differing from LiteRT's reference by derivation: {line}")
        if wrong[variants[0]]:
            failed.append(name)
    in_model = {
        "SOFTMAX": softmax,
        "BATCH_MATMUL": batch_matmul,
        "RSQRT": rsqrt,
        "ADD": add,
        "SUB": add_like(20, "sub"),
        "SQUARED_DIFFERENCE": add_like(7, "sqdiff"),
        "MUL": mul,
        "MEAN": mean((2,)),
    }
    if check_in_model("tiny_transformer", in_model, 10):
        failed.append("tiny_transformer")
    if check_luts():
        failed.append("tables")
    if failed:
        sys.exit(f"SPEC-NOTES.md's derivation does not reproduce LiteRT for: {', '.join(failed)}")


if __name__ == "__main__":
    main()
