"""Dumps what a .tflite holds: ops (with versions and builtin options), tensors, quantization.

    python tflite_inspect.py MODEL.tflite [--json] [--tensors]

Named tflite_inspect, not inspect: a script's folder comes first on sys.path, and a file called
inspect.py would shadow the standard library's module for numpy and everything else.
Reads the flatbuffer with the schema module that ai-edge-litert ships (no TensorFlow needed).
"""

import argparse
import collections
import hashlib
import json
import struct
import sys

import numpy as np
from ai_edge_litert import schema_py_generated as fb


def _names(cls):
    return {v: k for k, v in vars(cls).items() if not k.startswith("_") and isinstance(v, int)}


OPS = _names(fb.BuiltinOperator)
TYPES = _names(fb.TensorType)
# builtin option fields whose ints are enums: name them so the reader needn't look them up.
ENUM_FIELDS = {
    "fusedActivationFunction": _names(fb.ActivationFunctionType),
    "padding": _names(fb.Padding),
    "weightsFormat": _names(fb.FullyConnectedOptionsWeightsFormat),
    "quantizedBiasType": TYPES,
}


def _value(k, v):
    if k in ENUM_FIELDS and isinstance(v, (int, np.integer)):
        return ENUM_FIELDS[k].get(int(v), int(v))
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, (np.integer, np.floating)):
        return v.item()
    if isinstance(v, bytes):
        return v.decode(errors="replace")
    return v


def _options(obj):
    if obj is None:
        return {}
    return {k: _value(k, v) for k, v in vars(obj).items()}


def _quant(q):
    if q is None or q.scale is None or len(q.scale) == 0:
        return None
    scale = np.asarray(q.scale, np.float32)
    zp = np.asarray(q.zeroPoint if q.zeroPoint is not None else [0], np.int64)
    out = {"scale": scale.tolist(), "zero_point": zp.tolist(), "axis": int(q.quantizedDimension)}
    if len(scale) > 1:
        out["per_channel"] = True
    return out


def _macs(op, tensors):
    """Multiply-accumulates of the matrix ops (0 for the rest): the 'int ops' of a benchmark."""
    shape = lambda i: tensors[i]["shape"]
    size = lambda i: int(np.prod(shape(i))) if shape(i) else 1
    name, ins, out = op["op"], op["inputs"], op["outputs"][0]
    if name == "FULLY_CONNECTED":
        return size(out) * shape(ins[1])[-1]
    if name == "CONV_2D":
        _, kh, kw, ci = shape(ins[1])
        return size(out) * kh * kw * ci
    if name == "DEPTHWISE_CONV_2D":
        return size(out) * shape(ins[1])[1] * shape(ins[1])[2]
    if name == "TRANSPOSE_CONV":
        co, kh, kw, _ = shape(ins[1])
        return size(ins[2]) * co * kh * kw
    if name == "BATCH_MATMUL":
        k = shape(ins[0])[-2] if op["options"].get("adjX") else shape(ins[0])[-1]
        return size(out) * k
    return 0


def describe(path):
    """The model as a plain dict: ops in the subgraph's order, tensors, a summary."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise ValueError("no TFL3 file identifier at bytes 4..8")
    model = fb.ModelT.InitFromPackedBuf(bytearray(data), 0)
    codes = []
    for oc in model.operatorCodes:
        code = max(int(oc.builtinCode), int(oc.deprecatedBuiltinCode))
        name = OPS.get(code, str(code))
        if code == fb.BuiltinOperator.CUSTOM:
            name = "CUSTOM:" + oc.customCode.decode()
        codes.append((name, int(oc.version)))
    subgraphs = []
    params = 0
    for sg in model.subgraphs:
        tensors = []
        for i, t in enumerate(sg.tensors):
            buf = model.buffers[t.buffer] if t.buffer < len(model.buffers) else None
            const = buf is not None and (
                (buf.data is not None and len(buf.data) > 0) or (buf.size or 0) > 0
            )
            shape = [] if t.shape is None else [int(s) for s in t.shape]
            if const:
                params += int(np.prod(shape)) if shape else 1
            tensors.append(
                {
                    "index": i,
                    "name": t.name.decode(),
                    "dtype": TYPES.get(t.type, t.type),
                    "shape": shape,
                    "shape_signature": None
                    if t.shapeSignature is None
                    else [int(s) for s in t.shapeSignature],
                    "constant": bool(const),
                    "quantization": _quant(t.quantization),
                }
            )
        ops = []
        for op in sg.operators:
            name, version = codes[op.opcodeIndex]
            opts = _options(op.builtinOptions)
            opts.update(_options(getattr(op, "builtinOptions2", None)))
            ops.append(
                {
                    "op": name,
                    "version": version,
                    "inputs": [int(x) for x in op.inputs],
                    "outputs": [int(x) for x in op.outputs],
                    "options": opts,
                }
            )
        subgraphs.append(
            {
                "inputs": [int(x) for x in sg.inputs],
                "outputs": [int(x) for x in sg.outputs],
                "tensors": tensors,
                "ops": ops,
            }
        )
    for sg in subgraphs:
        for op in sg["ops"]:
            op["macs"] = _macs(op, sg["tensors"])
    counts = collections.Counter(
        f"{o['op']} v{o['version']}" for sg in subgraphs for o in sg["ops"]
    )
    return {
        "file": path,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "schema_version": int(model.version),
        "parameters": params,
        "macs": sum(op["macs"] for sg in subgraphs for op in sg["ops"]),
        "op_counts": dict(sorted(counts.items())),
        "subgraphs": subgraphs,
    }


def _fmt_q(q):
    if q is None:
        return "-"
    if q.get("per_channel"):
        s = q["scale"]
        zps = sorted(set(q["zero_point"]))
        return f"per-channel axis {q['axis']} x{len(s)} scale [{min(s):.3g}..{max(s):.3g}] zp {zps}"
    return f"scale {q['scale'][0]:.6g} zp {q['zero_point'][0]}"


def print_text(d, show_tensors):
    print(
        f"{d['file']}: {d['bytes']} bytes, sha256 {d['sha256'][:16]}..., "
        f"{d['parameters']} parameters, {d['macs']} multiply-accumulates"
    )
    print("op counts: " + ", ".join(f"{k} x{v}" for k, v in d["op_counts"].items()))
    for si, sg in enumerate(d["subgraphs"]):
        t = sg["tensors"]

        def desc(i, t=t):
            if i < 0:
                return "(none)"
            x = t[i]
            kind = "const " if x["constant"] else ""
            return f"#{i} {kind}{x['dtype']}{x['shape']} {_fmt_q(x['quantization'])}"

        print(f"subgraph {si}: inputs {[desc(i) for i in sg['inputs']]}")
        print(f"            outputs {[desc(i) for i in sg['outputs']]}")
        for oi, op in enumerate(sg["ops"]):
            opts = ", ".join(f"{k}={v}" for k, v in op["options"].items())
            print(f"  [{oi}] {op['op']} v{op['version']}  {opts}")
            for i in op["inputs"]:
                print(f"        in  {desc(i)}")
            for i in op["outputs"]:
                print(f"        out {desc(i)}")
        if show_tensors:
            for x in t:
                print(f"  tensor {desc(x['index'])} '{x['name']}'")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--json", action="store_true", help="the whole description as JSON")
    ap.add_argument("--tensors", action="store_true", help="also list every tensor")
    args = ap.parse_args()
    try:
        d = describe(args.model)
    except (OSError, ValueError, IndexError, AttributeError, TypeError, struct.error) as e:
        print(f"{args.model}: not a readable .tflite: {e}", file=sys.stderr)
        sys.exit(2)
    if args.json:
        json.dump(d, sys.stdout, indent=1)
        print()
    else:
        print_text(d, args.tensors)


if __name__ == "__main__":
    main()
