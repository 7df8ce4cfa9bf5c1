"""Shared by the model scripts: determinism, and the one full-integer int8 conversion."""

import os
import random

# One thread, fixed seeds, deterministic kernels: the same script gives the same .tflite bytes
# (the machine is shared; TF's default of one thread per core also makes training nondeterministic).
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_DETERMINISTIC_OPS", "1")

import numpy as np
import tensorflow as tf
from tensorflow.python.framework.convert_to_constants import (
    convert_variables_to_constants_v2,
)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "out")


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    tf.keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)


def to_int8_tflite(model, representative, path: str) -> bytes:
    """A Keras model, batch fixed to 1, through `fn_to_int8_tflite`."""
    specs = [tf.TensorSpec([1, *i.shape[1:]], i.dtype) for i in model.inputs]
    fn = tf.function(lambda *xs: model(list(xs) if len(xs) > 1 else xs[0], training=False))
    return fn_to_int8_tflite(fn.get_concrete_function(*specs), representative, path)


def fn_to_int8_tflite(concrete, representative, path: str) -> bytes:
    """Full-integer int8 conversion with the standard converter; writes and returns the bytes.

    `concrete` is a tf.function's concrete function with static shapes (batch 1), so the converter
    folds shape arithmetic (SHAPE/STRIDED_SLICE/PACK) that a free batch dimension would keep.
    `representative` yields lists of input arrays, one per input. Float inputs and outputs become
    int8 (`inference_input_type`/`inference_output_type`); integer inputs (token ids) stay int32,
    as the converter leaves non-float inputs alone.
    """
    # Keras 3 variables are not frozen by the converter (READ_VARIABLE at calibration): freeze.
    frozen = convert_variables_to_constants_v2(concrete)
    converter = tf.lite.TFLiteConverter.from_concrete_functions([frozen])
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    data = converter.convert()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return data


class Gather(tf.keras.layers.Embedding):
    """An embedding that is one GATHER in LiteRT: Keras 3's `Embedding` wraps negative ids first
    (LESS, ADD, SELECT_V2 before the gather); token ids here are never negative."""

    def call(self, inputs):
        return tf.gather(self.embeddings, inputs)
