"""The outside oracle: runs a .tflite through LiteRT's reference kernels and writes every tensor.

    python oracle.py MODEL.tflite --out DIR [--cases N] [--seed S] [--input FILE ...] [--compare]

Interpreter: ai-edge-litert's, `OpResolverType.BUILTIN_REF` (the plain integer reference kernels,
no XNNPACK delegate), `experimental_preserve_all_tensors=True`, one thread.

Output format ("litert-oracle/1"), for a Rust test to compare layer by layer:

    DIR/manifest.json
      format          "litert-oracle/1"
      model           file name; model_sha256: sha256 of the .tflite bytes
      litert          ai-edge-litert version; resolver: "BUILTIN_REF"
      inputs/outputs  the subgraph's input and output tensor indices
      tensors         {"<index>": {name, dtype ("int8", "int32", ...), shape, scale[], zero_point[],
                       axis}} for every tensor written (graph inputs and every op's outputs)
      ops             in execution order: {node, op, inputs, outputs} (tensor indices, -1 = none)
      cases           [{dir, seed}]; seed is null for inputs given with --input
      optimized       (with --compare) per case, per op: how the optimized kernels differ
    DIR/case-000/t<index>.bin   the tensor's raw bytes: little-endian, row-major (C order), exactly
                                shape-product * dtype-size bytes; graph inputs included.

Random inputs (seeded, numpy PCG64): int8/uint8/int16 tensors uniform over the whole type range;
int32 tensors feeding a GATHER's indices uniform over [0, rows of the gathered table); float32
uniform over [-1, 1). Any other input needs --input (raw bytes, same layout as above, one file per
graph input in order).

--compare also runs the same inputs through the optimized kernels without delegates
(BUILTIN_WITHOUT_DEFAULT_DELEGATES, every op's output) and with the default XNNPACK delegate
(BUILTIN, graph outputs only: a delegate's inner tensors are not kept) and prints, per op,
"identical" or how many elements differ and by how much, marking ops whose inputs already
differed (an inherited difference, not necessarily the kernel's own).
"""

import argparse
import hashlib
import json
import os
import sys
from importlib import metadata

import numpy as np
from ai_edge_litert.interpreter import Interpreter, OpResolverType

FORMAT = "litert-oracle/1"


def make(path, resolver, preserve=True):
    it = Interpreter(
        path,
        experimental_op_resolver_type=resolver,
        experimental_preserve_all_tensors=preserve,
        num_threads=1,
    )
    it.allocate_tensors()
    return it


def gather_rows(it):
    """{tensor index: rows} for tensors used as a GATHER's indices (the token-id inputs)."""
    out = {}
    for op in it._get_ops_details():
        if op["op_name"] == "GATHER":
            params, indices = op["inputs"][0], op["inputs"][1]
            out[int(indices)] = int(it._get_tensor_details(params, 0)["shape"][0])
    return out


def random_inputs(it, rng):
    rows = gather_rows(it)
    xs = []
    for d in it.get_input_details():
        shape, dtype = tuple(d["shape"]), np.dtype(d["dtype"])
        if d["index"] in rows:
            xs.append(rng.integers(0, rows[d["index"]], shape, dtype=dtype))
        elif dtype.kind in "iu" and dtype.itemsize <= 2:
            info = np.iinfo(dtype)
            xs.append(rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True))
        elif dtype == np.float32:
            xs.append(rng.uniform(-1, 1, shape).astype(np.float32))
        else:
            raise SystemExit(f"input {d['name']!r} ({dtype}{list(shape)}): give it with --input")
    return xs


def file_inputs(it, files):
    details = it.get_input_details()
    if len(files) != len(details):
        raise SystemExit(f"{len(files)} --input files for {len(details)} graph inputs")
    xs = []
    for d, f in zip(details, files):
        dtype, shape = np.dtype(d["dtype"]), tuple(d["shape"])
        with open(f, "rb") as fh:
            raw = fh.read()
        want = int(np.prod(shape)) * dtype.itemsize
        if len(raw) != want:
            raise SystemExit(f"{f}: {len(raw)} bytes, input {d['name']!r} needs {want}")
        xs.append(np.frombuffer(raw, dtype.newbyteorder("<")).reshape(shape).astype(dtype))
    return xs


def run(it, xs):
    for d, x in zip(it.get_input_details(), xs):
        it.set_tensor(d["index"], x)
    it.invoke()


def written(it):
    """Tensor indices to write: graph inputs, then each op's outputs in execution order."""
    idx = [d["index"] for d in it.get_input_details()]
    for op in it._get_ops_details():
        idx += [int(t) for t in op["outputs"] if t >= 0]
    return idx


def tensor_meta(it, i):
    d = it._get_tensor_details(i, 0)
    q = d["quantization_parameters"]
    return {
        "name": d["name"],
        "dtype": np.dtype(d["dtype"]).name,
        "shape": [int(s) for s in d["shape"]],
        "scale": [float(s) for s in q["scales"]],
        "zero_point": [int(z) for z in q["zero_points"]],
        "axis": int(q["quantized_dimension"]),
    }


def diff(a, b):
    if a.shape != b.shape:
        return f"shape {list(a.shape)} vs {list(b.shape)}"
    n = int(np.count_nonzero(a != b))
    if n == 0:
        return "identical"
    d = np.abs(a.astype(np.int64) - b.astype(np.int64)) if a.dtype.kind in "iu" else np.abs(a - b)
    return f"{n} of {a.size} elements differ (max |diff| {d.max()})"


def compare(path, ref, xs, ops):
    """Per op: the optimized kernels (no delegate) against the reference; then XNNPACK outputs."""
    opt = make(path, OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    run(opt, xs)
    report = []
    differing = set()  # tensors whose bytes already differ: later diffs may only be inherited
    for op in ops:
        inherited = any(t in differing for t in op["inputs"])
        for t in op["outputs"]:
            if t >= 0:
                verdict = diff(ref.get_tensor(t), opt.get_tensor(t))
                if verdict != "identical":
                    differing.add(t)
                r = {"node": op["node"], "op": op["op"], "tensor": t, "optimized": verdict}
                r["inputs_identical"] = not inherited
                report.append(r)
    xnn = make(path, OpResolverType.BUILTIN, preserve=False)
    run(xnn, xs)
    for d in ref.get_output_details():
        verdict = diff(ref.get_tensor(d["index"]), xnn.get_tensor(d["index"]))
        r = {"node": None, "op": "graph output", "tensor": d["index"], "xnnpack": verdict}
        report.append(r)
    return report


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--out", required=True, help="directory to write (created)")
    ap.add_argument("--cases", type=int, default=1, help="random input sets (default 1)")
    ap.add_argument("--seed", type=int, default=0, help="first seed; case k uses seed + k")
    ap.add_argument("--input", nargs="+", help="raw input files instead of random inputs")
    ap.add_argument("--compare", action="store_true", help="diff the optimized kernels too")
    args = ap.parse_args()

    try:
        with open(args.model, "rb") as f:
            data = f.read()
        ref = make(args.model, OpResolverType.BUILTIN_REF)
    except (OSError, ValueError, RuntimeError) as e:
        print(f"{args.model}: LiteRT cannot load it: {e}", file=sys.stderr)
        sys.exit(2)
    ops = [
        {
            "node": int(op["index"]),
            "op": op["op_name"],
            "inputs": [int(t) for t in op["inputs"]],
            "outputs": [int(t) for t in op["outputs"]],
        }
        for op in ref._get_ops_details()
    ]
    idx = written(ref)
    manifest = {
        "format": FORMAT,
        "model": os.path.basename(args.model),
        "model_sha256": hashlib.sha256(data).hexdigest(),
        "litert": metadata.version("ai-edge-litert"),
        "resolver": "BUILTIN_REF",
        "inputs": [int(d["index"]) for d in ref.get_input_details()],
        "outputs": [int(d["index"]) for d in ref.get_output_details()],
        "tensors": {str(i): tensor_meta(ref, i) for i in idx},
        "ops": ops,
        "cases": [],
    }
    if args.compare:
        manifest["optimized"] = []
    cases = [(None, file_inputs(ref, args.input))] if args.input else []
    for k in range(0 if args.input else args.cases):
        seed = args.seed + k
        cases.append((seed, random_inputs(ref, np.random.default_rng(seed))))
    for k, (seed, xs) in enumerate(cases):
        case = f"case-{k:03d}"
        os.makedirs(os.path.join(args.out, case), exist_ok=True)
        try:
            run(ref, xs)
        except (RuntimeError, ValueError) as e:  # e.g. RSQRT of a negative, an id out of range
            sys.exit(f"{args.model}: {case} (seed {seed}) fails in LiteRT: {e}")
        for i in idx:
            t = np.ascontiguousarray(ref.get_tensor(i))
            t.astype(t.dtype.newbyteorder("<")).tofile(os.path.join(args.out, case, f"t{i}.bin"))
        manifest["cases"].append({"dir": case, "seed": seed})
        if args.compare:
            rep = compare(args.model, ref, xs, ops)
            manifest["optimized"].append(rep)
            for r in rep:
                kind = "optimized" if "optimized" in r else "xnnpack"
                where = f"node {r['node']} {r['op']}" if r["node"] is not None else r["op"]
                note = "" if r.get("inputs_identical", True) else " (its inputs already differ)"
                print(f"{case} {where} -> t{r['tensor']}: {kind} {r[kind]}{note}")
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print(f"{args.model}: {len(ops)} ops, {len(idx)} tensors x {len(cases)} cases -> {args.out}")


if __name__ == "__main__":
    main()
