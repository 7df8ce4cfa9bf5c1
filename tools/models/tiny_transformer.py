"""A tiny transformer (2 pre-LN blocks, 2 heads) trained briefly, converted to LiteRT int8.

    python tiny_transformer.py [--steps N] [--seed S]

Task: the scene captions of scenes.py with one word blanked (id 0); the model predicts every word
back (logits over the vocabulary at each position), so attention must carry the context.
Writes out/tiny_transformer.tflite: int32 token ids [1, 8] in, int8 logits [1, 8, 16] out.
Ops: GATHER, ADD, layer norm as MEAN/SQUARED_DIFFERENCE/RSQRT/SUB/MUL/ADD, FULLY_CONNECTED,
RESHAPE, TRANSPOSE, BATCH_MATMUL, MUL, SOFTMAX, GELU.
"""

import argparse
import os
import time

# isort: skip_file
# (common sets the thread and determinism settings before TensorFlow loads)
import common
import numpy as np
import tensorflow as tf

import scenes

D, HEADS, LAYERS, FF = 32, 2, 2, 64
T, V = scenes.MAX_TOKENS, len(scenes.VOCAB)


class TinyTransformer(tf.Module):
    def __init__(self, rng):
        super().__init__()

        def var(*shape, scale=None):
            s = scale if scale is not None else 1 / np.sqrt(shape[0])
            return tf.Variable(rng.normal(0, s, shape).astype(np.float32))

        self.emb = var(V, D, scale=0.5)
        self.pos = var(T, D, scale=0.1)
        self.blocks = []
        for _ in range(LAYERS):
            self.blocks.append(
                {
                    "ln1": (tf.Variable(tf.ones(D)), tf.Variable(tf.zeros(D))),
                    "qkv": [var(D, D) for _ in range(3)],
                    "o": var(D, D),
                    "ln2": (tf.Variable(tf.ones(D)), tf.Variable(tf.zeros(D))),
                    "ff1": (var(D, FF), tf.Variable(tf.zeros(FF))),
                    "ff2": (var(FF, D), tf.Variable(tf.zeros(D))),
                }
            )
        self.ln_f = (tf.Variable(tf.ones(D)), tf.Variable(tf.zeros(D)))
        self.head = var(D, V)

    @staticmethod
    def norm(x, gb):
        mu = tf.reduce_mean(x, -1, keepdims=True)
        var = tf.reduce_mean(tf.square(x - mu), -1, keepdims=True)
        return (x - mu) * tf.math.rsqrt(var + 1e-5) * gb[0] + gb[1]

    @staticmethod
    def heads(x, b):
        return tf.transpose(tf.reshape(x, (b, T, HEADS, D // HEADS)), (0, 2, 1, 3))

    def __call__(self, ids):
        b = tf.shape(ids)[0] if ids.shape[0] is None else ids.shape[0]
        x = tf.gather(self.emb, ids) + self.pos
        for blk in self.blocks:
            h = self.norm(x, blk["ln1"])
            q, k, v = (self.heads(tf.einsum("btd,de->bte", h, w), b) for w in blk["qkv"])
            att = tf.nn.softmax(tf.matmul(q, k, transpose_b=True) * (1 / np.sqrt(D // HEADS)), -1)
            o = tf.reshape(tf.transpose(tf.matmul(att, v), (0, 2, 1, 3)), (b, T, D))
            x = x + tf.einsum("btd,de->bte", o, blk["o"])
            h = self.norm(x, blk["ln2"])
            h = tf.nn.gelu(tf.einsum("btd,df->btf", h, blk["ff1"][0]) + blk["ff1"][1])
            x = x + tf.einsum("btf,fd->btd", h, blk["ff2"][0]) + blk["ff2"][1]
        return tf.einsum("btd,dv->btv", self.norm(x, self.ln_f), self.head)


def blanked(tokens, rng):
    """Each caption with one of its words set to 0."""
    out = tokens.copy()
    lengths = (tokens > 0).sum(1)
    pos = (rng.random(len(tokens)) * lengths).astype(int)
    out[np.arange(len(tokens)), pos] = 0
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--seed", type=int, default=18)
    args = ap.parse_args()
    common.seed_everything(args.seed)
    rng = np.random.default_rng(args.seed)
    tokens, _, _ = scenes.dataset()
    model = TinyTransformer(rng)
    opt = tf.keras.optimizers.Adam(2e-3)

    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(
                tf.keras.losses.sparse_categorical_crossentropy(y, model(x), from_logits=True)
            )
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    t0 = time.time()
    for s in range(args.steps):
        idx = rng.integers(0, len(tokens), 32)
        loss = step(tf.constant(blanked(tokens[idx], rng)), tf.constant(tokens[idx]))
        if s % 100 == 0 or s == args.steps - 1:
            print(f"step {s}: loss {float(loss):.4f}")
    params = sum(int(np.prod(v.shape)) for v in model.trainable_variables)
    print(f"trained in {time.time() - t0:.0f} s, {params} parameters")

    x = blanked(tokens, rng)
    acc = float(np.mean(np.argmax(model(tf.constant(x)).numpy(), -1) == tokens))
    print(f"float token accuracy on blanked captions: {acc:.3f}")

    concrete = tf.function(model.__call__).get_concrete_function(tf.TensorSpec([1, T], tf.int32))
    reps = [[x[i : i + 1]] for i in range(0, len(x), 4)]
    path = os.path.join(common.OUT, "tiny_transformer.tflite")
    data = common.fn_to_int8_tflite(concrete, lambda: iter(reps), path)
    print(f"wrote {path} ({len(data)} bytes)")

    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    it = Interpreter(path, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    it.allocate_tensors()
    i, o = it.get_input_details()[0]["index"], it.get_output_details()[0]["index"]
    hits = 0
    for row, want in zip(x[:200], tokens[:200]):
        it.set_tensor(i, row[None])
        it.invoke()
        hits += int(np.sum(np.argmax(it.get_tensor(o)[0], -1) == want))
    print(f"int8 (LiteRT reference) token accuracy: {hits / (200 * T):.3f}")


if __name__ == "__main__":
    main()
