"""Random-weight single-op and few-op int8 models, one per op (and variant) of issue 18's list.

    python op_models.py [--seed S] [--only NAME ...]

Writes out/ops/<name>.tflite. Each model is a tf.function over float inputs with seeded random
constants, converted by the standard full-integer int8 converter with a seeded random
representative dataset. Two-input ops get inputs of different ranges, so their scales differ and
the kernels must rescale (the interesting part of ADD, MUL, CONCATENATION, BATCH_MATMUL).
"""

import argparse
import os

# isort: skip_file
# (common sets the thread and determinism settings before TensorFlow loads)
import common
import numpy as np
import tensorflow as tf

F = tf.float32


def const(rng, *shape, scale=0.5):
    return tf.constant(rng.normal(0, scale, shape).astype(np.float32))


def models(rng):
    """name -> (function, [(input shape, dtype, (low, high))]); bounds drive the calibration."""
    w = lambda *s, scale=0.5: const(rng, *s, scale=scale)
    fc_w, fc_b = w(16, 24, scale=0.3), w(24, scale=0.1)
    fc3_w, fc3_b = w(16, 12, scale=0.3), w(12, scale=0.1)
    conv_w, conv_b = w(3, 3, 4, 8, scale=0.3), w(8, scale=0.1)
    conv2_w = w(3, 3, 4, 6, scale=0.3)
    dw_w, dw_b = w(3, 3, 6, 2, scale=0.3), w(12, scale=0.1)
    tc_w, tc_b = w(3, 3, 4, 8, scale=0.3), w(4, scale=0.1)
    add_c, mul_c = w(1, 1, 1, 8), w(1, 1, 1, 8)
    table = w(20, 16)
    ln_g, ln_b = 1 + w(32, scale=0.1), w(32, scale=0.1)
    r = (-1.0, 1.0)
    r3 = (-3.0, 3.0)
    r4 = (-4.0, 4.0)

    def ln(x):
        mu = tf.reduce_mean(x, -1, keepdims=True)
        var = tf.reduce_mean(tf.square(x - mu), -1, keepdims=True)
        return (x - mu) * tf.math.rsqrt(var + 1e-5) * ln_g + ln_b

    return {
        "fully_connected": (
            lambda x: tf.nn.relu(tf.matmul(x, fc_w) + fc_b),
            [((1, 16), F, r)],
        ),
        "fully_connected_3d": (
            lambda x: tf.einsum("bsi,io->bso", x, fc3_w) + fc3_b,
            [((1, 8, 16), F, r)],
        ),
        "batch_matmul": (
            lambda a, b: tf.matmul(a, b),
            [((1, 2, 8, 16), F, r), ((1, 2, 16, 8), F, r3)],
        ),
        "batch_matmul_adj_y": (
            lambda a, b: tf.matmul(a, b, transpose_b=True),
            [((1, 2, 8, 16), F, r), ((1, 2, 8, 16), F, r3)],
        ),
        "conv2d": (
            lambda x: tf.nn.relu6(tf.nn.conv2d(x, conv_w, 1, "SAME") + conv_b),
            [((1, 12, 12, 4), F, r)],
        ),
        "conv2d_stride2_valid": (
            lambda x: tf.nn.conv2d(x, conv2_w, 2, "VALID"),
            [((1, 13, 11, 4), F, r)],
        ),
        "depthwise_conv2d": (
            lambda x: tf.nn.relu(tf.nn.depthwise_conv2d(x, dw_w, [1, 1, 1, 1], "SAME") + dw_b),
            [((1, 10, 10, 6), F, r)],
        ),
        "transpose_conv": (
            lambda x: tf.nn.conv2d_transpose(x, tc_w, [1, 12, 12, 4], 2, "SAME") + tc_b,
            [((1, 6, 6, 8), F, r)],
        ),
        "resize_bilinear": (
            lambda x: tf.image.resize(x, (10, 14), "bilinear"),
            [((1, 5, 7, 3), F, r)],
        ),
        "resize_bilinear_align_corners": (
            lambda x: tf.compat.v1.image.resize_bilinear(x, (9, 13), align_corners=True),
            [((1, 5, 7, 3), F, r)],
        ),
        "resize_nearest": (
            lambda x: tf.image.resize(x, (10, 14), "nearest"),
            [((1, 5, 7, 3), F, r)],
        ),
        "add": (lambda a, b: a + b, [((1, 4, 4, 8), F, r), ((1, 4, 4, 8), F, r3)]),
        "add_const_broadcast": (lambda a: tf.nn.relu(a + add_c), [((1, 4, 4, 8), F, r)]),
        "mul": (lambda a, b: a * b, [((1, 4, 4, 8), F, r), ((1, 4, 4, 8), F, r3)]),
        "mul_const_broadcast": (lambda a: a * mul_c, [((1, 4, 4, 8), F, r)]),
        "concatenation": (
            lambda a, b: tf.concat([a, b], -1),
            [((1, 4, 4, 3), F, r), ((1, 4, 4, 5), F, r3)],
        ),
        "reshape": (lambda x: tf.reshape(x * 2.0, (1, 16, 8)), [((1, 4, 4, 8), F, r)]),
        "transpose": (lambda x: tf.transpose(x, (0, 2, 1, 3)), [((1, 4, 6, 8), F, r)]),
        "gather": (lambda ids: tf.gather(table, ids), [((1, 6), tf.int32, (0, 20))]),
        "softmax": (lambda x: tf.nn.softmax(x, -1), [((1, 4, 10), F, r4)]),
        "logistic": (lambda x: tf.sigmoid(x), [((1, 64), F, r4)]),
        "tanh": (lambda x: tf.tanh(x), [((1, 64), F, r4)]),
        "gelu": (lambda x: tf.nn.gelu(x, approximate=False), [((1, 64), F, r4)]),
        "gelu_tanh_approx": (lambda x: tf.nn.gelu(x, approximate=True), [((1, 64), F, r4)]),
        "mean_spatial": (
            lambda x: tf.reduce_mean(x, (1, 2), keepdims=True),
            [((1, 6, 6, 8), F, r)],
        ),
        "mean_last_axis": (lambda x: tf.reduce_mean(x, -1, keepdims=True), [((1, 8, 32), F, r)]),
        "layer_norm": (ln, [((1, 8, 32), F, r3)]),
    }


def sample(rng, inputs):
    xs = []
    for shape, dtype, (lo, hi) in inputs:
        if dtype == tf.int32:
            xs.append(rng.integers(lo, hi, shape).astype(np.int32))
        else:
            xs.append(rng.uniform(lo, hi, shape).astype(np.float32))
    return xs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--only", nargs="*")
    args = ap.parse_args()
    common.seed_everything(args.seed)
    rng = np.random.default_rng(args.seed)
    for name, (fn, inputs) in models(rng).items():
        if args.only and name not in args.only:
            continue
        specs = [tf.TensorSpec(s, d) for s, d, _ in inputs]
        concrete = tf.function(fn).get_concrete_function(*specs)
        cal = np.random.default_rng(args.seed + 1)
        reps = [sample(cal, inputs) for _ in range(64)]
        path = os.path.join(common.OUT, "ops", f"{name}.tflite")
        data = common.fn_to_int8_tflite(concrete, lambda reps=reps: iter(reps), path)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
