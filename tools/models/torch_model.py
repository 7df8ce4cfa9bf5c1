"""A tiny PyTorch model converted to LiteRT int8 by Google's PyTorch tools, two ways.

    python torch_model.py [--seed S]      (in the venv of requirements-torch.txt: ~6.6 GB)

The model (random weights, seeded): conv 3x3 -> GELU -> depthwise conv 3x3 -> ReLU -> mean over
the image -> layer norm -> linear -> softmax, on a float NCHW [1, 3, 16, 16] image.

1. PT2E (`torch.export`, `prepare_pt2e` with litert-torch's symmetric per-channel int8
   quantizer, calibration, `convert_pt2e`, `litert_torch.convert`): out/torch_tiny_pt2e.tflite.
   Layer norm and softmax stay float32 between DEQUANTIZE/QUANTIZE: not full-integer.
2. `litert_torch.convert` to a float .tflite, then ai-edge-quantizer's static a8w8 recipe
   (int8 activations per tensor, int8 weights per channel), calibrated on the same kind of
   inputs: out/torch_tiny.tflite.
"""

import argparse
import os
import tempfile

import ai_edge_quantizer as aeq
import litert_torch
import numpy as np
import torch
from ai_edge_litert.interpreter import Interpreter
from ai_edge_quantizer import recipe as aeq_recipe
from litert_torch.quantize import pt2e_quantizer
from litert_torch.quantize.quant_config import QuantConfig
from torch import nn
from torchao.quantization.pt2e import quantize_pt2e

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "out")


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.norm = nn.LayerNorm(8)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        x = torch.relu(self.dw(nn.functional.gelu(self.conv(x))))
        x = self.norm(x.mean(dim=(2, 3)))
        return torch.softmax(self.fc(x), dim=-1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=18)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    model = Tiny().eval()
    sample = (torch.rand(1, 3, 16, 16) * 2 - 1,)

    m = torch.export.export(model, sample).module()
    quantizer = pt2e_quantizer.PT2EQuantizer().set_global(
        pt2e_quantizer.get_symmetric_quantization_config(is_per_channel=True)
    )
    m = quantize_pt2e.prepare_pt2e(m, quantizer)
    for _ in range(64):  # calibration
        m(torch.rand(1, 3, 16, 16) * 2 - 1)
    m = quantize_pt2e.convert_pt2e(m, fold_quantize=False)
    edge = litert_torch.convert(m, sample, quant_config=QuantConfig(pt2e_quantizer=quantizer))
    path = os.path.join(OUT, "torch_tiny_pt2e.tflite")
    edge.export(path)
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")

    with tempfile.TemporaryDirectory() as d:
        float_path = os.path.join(d, "float.tflite")
        litert_torch.convert(model, sample).export(float_path)
        qt = aeq.Quantizer(float_path)
        qt.load_quantization_recipe(aeq_recipe.static_wi8_ai8())
        it = Interpreter(float_path)
        ((sig, info),) = it.get_signature_list().items()
        name = info["inputs"][0]
        rng = np.random.default_rng(args.seed)
        cal = [{name: rng.uniform(-1, 1, (1, 3, 16, 16)).astype(np.float32)} for _ in range(64)]
        result = qt.quantize(qt.calibrate({sig: cal}))
        path = os.path.join(OUT, "torch_tiny.tflite")
        result.export_model(path, overwrite=True)
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
