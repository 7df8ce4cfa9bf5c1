"""Procedural scenes of one or two shapes with their captions, and the fixed-vocabulary tokenizer.

Every caption has exactly one picture (fixed layout per relation, no jitter), so a small model can
learn the whole grammar: "a red circle", "a red circle above a blue square", "... left of ...".
The vocabulary and token order are the model's input contract; `VOCAB` is its one definition.
"""

import itertools
import json
import pathlib

import numpy as np

# The tokenizer's one definition, shared with the verifier's Rust port (verifier::demo).
_TOKENIZER = json.loads((pathlib.Path(__file__).parent / "vocab.json").read_text())

SIZE = 32  # image side in pixels
MAX_TOKENS = _TOKENIZER["max_tokens"]  # "a red circle left of a blue square"
SUPERSAMPLE = 4  # anti-aliased edges: draw at 4x, average down

COLOURS = {
    "red": (0.92, 0.12, 0.10),
    "green": (0.10, 0.75, 0.20),
    "blue": (0.12, 0.30, 0.95),
    "yellow": (0.98, 0.85, 0.10),
}
SHAPES = ("circle", "square", "triangle")
# relation words -> (centre of the first shape, centre of the second), in (x, y) pixels.
RELATIONS = {
    "above": ((16, 8.5), (16, 23.5)),
    "below": ((16, 23.5), (16, 8.5)),
    "left of": ((8.5, 16), (23.5, 16)),
    "right of": ((23.5, 16), (8.5, 16)),
}
BACKGROUND = (0.08, 0.08, 0.10)

# Token 0 pads; unknown words are refused, not mapped, so a typo is an error, not a picture.
RELATION_WORDS = ["above", "below", "left", "right"]
VOCAB = _TOKENIZER["vocab"]
assert VOCAB == ["<pad>", "a", "an", "of", "and"] + list(COLOURS) + list(SHAPES) + RELATION_WORDS
WORD_ID = {w: i for i, w in enumerate(VOCAB)}


def tokenize(caption: str) -> np.ndarray:
    """Word ids of `caption`, padded with 0 to MAX_TOKENS; raises ValueError on unknown words."""
    words = caption.lower().replace(",", " ").split()
    unknown = [w for w in words if w not in WORD_ID]
    if unknown:
        raise ValueError(f"unknown words {unknown}; vocabulary: {VOCAB[1:]}")
    if len(words) > MAX_TOKENS:
        raise ValueError(f"{len(words)} words, at most {MAX_TOKENS}")
    ids = [WORD_ID[w] for w in words] + [0] * (MAX_TOKENS - len(words))
    return np.array(ids, dtype=np.int32)


def _mask(shape: str, cx: float, cy: float, r: float) -> np.ndarray:
    n = SIZE * SUPERSAMPLE
    ys, xs = np.mgrid[0:n, 0:n]
    x = (xs + 0.5) / SUPERSAMPLE
    y = (ys + 0.5) / SUPERSAMPLE
    if shape == "circle":
        m = (x - cx) ** 2 + (y - cy) ** 2 <= r * r
    elif shape == "square":
        s = r * 0.85
        m = (np.abs(x - cx) <= s) & (np.abs(y - cy) <= s)
    else:  # triangle, apex up
        top, bottom = cy - r, cy + r * 0.8
        half = (y - top) / (bottom - top) * r
        m = (y >= top) & (y <= bottom) & (np.abs(x - cx) <= half)
    return m.reshape(SIZE, SUPERSAMPLE, SIZE, SUPERSAMPLE).mean(axis=(1, 3))


def render(objects) -> np.ndarray:
    """A float32 [SIZE, SIZE, 3] image in [0, 1] of `objects`: (colour, shape, cx, cy, radius)."""
    img = np.broadcast_to(np.array(BACKGROUND, np.float32), (SIZE, SIZE, 3)).copy()
    for colour, shape, cx, cy, r in objects:
        a = _mask(shape, cx, cy, r)[..., None]
        img = img * (1 - a) + np.array(COLOURS[colour], np.float32) * a
    return img.astype(np.float32)


def scenes():
    """Every (caption, image): 12 single objects and 12*11*4 ordered pairs of distinct objects."""
    objects = list(itertools.product(COLOURS, SHAPES))
    out = []
    for colour, shape in objects:
        out.append((f"a {colour} {shape}", render([(colour, shape, 16, 16.5, 10)])))
    for (c1, s1), (c2, s2) in itertools.permutations(objects, 2):
        for rel, (p1, p2) in RELATIONS.items():
            caption = f"a {c1} {s1} {rel} a {c2} {s2}"
            out.append((caption, render([(c1, s1, *p1, 6.5), (c2, s2, *p2, 6.5)])))
    return out


def dataset():
    """(tokens int32 [N, MAX_TOKENS], images float32 [N, SIZE, SIZE, 3], captions)."""
    pairs = scenes()
    tokens = np.stack([tokenize(c) for c, _ in pairs])
    images = np.stack([im for _, im in pairs])
    return tokens, images, [c for c, _ in pairs]


def render_caption(caption: str) -> np.ndarray:
    """The ground-truth picture of one caption of the grammar; KeyError for any other text."""
    if not hasattr(render_caption, "table"):
        render_caption.table = dict(scenes())
    return render_caption.table[" ".join(caption.lower().split())]
