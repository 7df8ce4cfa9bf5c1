"""Trains the demo's text-to-image model on procedural scenes and converts it to LiteRT int8.

    python train_text2img.py [--epochs N] [--seed S]

Writes out/text2img.tflite (int32 token ids [1, 8] in, int8 RGB [1, 32, 32, 3] out: the final
logistic's fixed quantization, scale 1/256 and zero point -128, so a pixel byte is q + 128) and
out/text2img-samples.png (float Keras model above, int8 LiteRT reference kernels below).
"""

import argparse
import os
import time

# isort: skip_file
# (common sets the thread and determinism settings before TensorFlow loads)
import common
import numpy as np
import tensorflow as tf
from PIL import Image

import scenes

SAMPLE_PROMPTS = [
    "a red circle above a blue square",
    "a blue square above a red circle",
    "a green triangle left of a yellow circle",
    "a yellow square right of a green circle",
    "a blue triangle below a red triangle",
    "a green circle",
    "a yellow triangle",
    "a red square left of a blue circle",
]


def build(batch_size=None) -> tf.keras.Model:
    """Word ids -> embedding -> MLP -> 4x4 grid -> transpose conv, resize + conv -> 32x32 RGB."""
    L = tf.keras.layers
    tok = L.Input((scenes.MAX_TOKENS,), batch_size=batch_size, dtype="int32", name="tokens")
    x = common.Gather(len(scenes.VOCAB), 32, name="embed")(tok)  # GATHER
    x = L.Flatten()(x)  # word order matters ("red above blue" vs "blue above red")
    x = L.Dense(256, activation="relu", name="fc1")(x)
    x = L.Dense(4 * 4 * 64, activation="relu", name="fc2")(x)
    x = L.Reshape((4, 4, 64))(x)
    x = L.Conv2DTranspose(48, 4, strides=2, padding="same", activation="relu", name="up8")(x)
    x = L.UpSampling2D(2, interpolation="bilinear", name="resize16")(x)
    x = L.Conv2D(32, 3, padding="same", activation="relu", name="conv16")(x)
    x = L.Resizing(32, 32, interpolation="nearest", name="resize32")(x)
    x = L.DepthwiseConv2D(3, padding="same", activation="relu", name="dw32")(x)
    x = L.Conv2D(24, 1, activation="relu", name="mix32")(x)
    img = L.Conv2D(3, 3, padding="same", activation="sigmoid", name="rgb")(x)
    return tf.keras.Model(tok, img, name="text2img")


def grid(rows, scale=6) -> Image.Image:
    """Rows of float [32, 32, 3] images in [0, 1] -> one upscaled PNG with 2 px gaps."""
    h, w = rows[0][0].shape[:2]
    out = np.ones((len(rows) * (h + 2), len(rows[0]) * (w + 2), 3), np.float32)
    for r, row in enumerate(rows):
        for c, im in enumerate(row):
            out[r * (h + 2) : r * (h + 2) + h, c * (w + 2) : c * (w + 2) + w] = im
    pil = Image.fromarray((np.clip(out, 0, 1) * 255).round().astype(np.uint8))
    return pil.resize((pil.width * scale, pil.height * scale), Image.NEAREST)


def run_tflite(path, tokens):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    it = Interpreter(path, experimental_op_resolver_type=OpResolverType.BUILTIN_REF, num_threads=1)
    it.allocate_tensors()
    inp, out = it.get_input_details()[0], it.get_output_details()[0]
    scale, zp = out["quantization"]
    imgs = []
    for t in tokens:
        it.set_tensor(inp["index"], t[None])
        it.invoke()
        imgs.append((it.get_tensor(out["index"])[0].astype(np.float32) - zp) * scale)
    return imgs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=300)
    ap.add_argument("--seed", type=int, default=18)
    args = ap.parse_args()
    common.seed_everything(args.seed)

    tokens, images, captions = scenes.dataset()
    print(f"{len(captions)} captions, vocabulary {len(scenes.VOCAB)}")
    model = build()
    steps = args.epochs * int(np.ceil(len(tokens) / 32))
    lr = tf.keras.optimizers.schedules.CosineDecay(1e-3, steps, alpha=0.02)
    model.compile(tf.keras.optimizers.Adam(lr), loss="mse")
    t0 = time.time()
    model.fit(tokens, images, batch_size=32, epochs=args.epochs, shuffle=True, verbose=2)
    print(f"trained in {time.time() - t0:.0f} s, {model.count_params()} parameters")

    infer = build(batch_size=1)  # static batch 1: static shapes in the .tflite
    infer.set_weights(model.get_weights())

    def representative():
        for t in tokens[::3]:
            yield [t[None]]

    path = os.path.join(common.OUT, "text2img.tflite")
    data = common.to_int8_tflite(infer, representative, path)
    print(f"wrote {path} ({len(data)} bytes)")

    sample = np.stack([scenes.tokenize(p) for p in SAMPLE_PROMPTS])
    truth = [scenes.render_caption(p) for p in SAMPLE_PROMPTS]
    fl = list(model.predict(sample, verbose=0))
    q = run_tflite(path, sample)
    mse = float(np.mean([(a - b) ** 2 for a, b in zip(q, truth)]))
    print(f"int8 vs ground truth MSE on the samples: {mse:.5f}")
    grid([truth, fl, q]).save(os.path.join(common.OUT, "text2img-samples.png"))
    for p in SAMPLE_PROMPTS:
        print("sample:", p)


if __name__ == "__main__":
    main()
