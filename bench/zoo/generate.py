#!/usr/bin/env python3
"""Kiln model zoo: writes exporter-style ONNX models with random weights (fixed seeds).

    python3 bench/zoo/generate.py OUT_DIR [--models mlp,resnet50,...] [--small] [--image-size N]

writes OUT_DIR/<model>.onnx for each model (default: all but the decoders with a KV cache,
gpt2_decoder, which are generated when named). Every model is opset 17, has a
symbolic batch dimension `batch` on every input and output, and passes
onnx.checker.check_model(full_check=True). --small selects the CI variants of the
transformers (2 layers, vocab 1000); --image-size changes the CNNs' input resolution
(default 224). Nothing is downloaded; see each module's docstring for what it models.
"""
import argparse
import importlib
import os
import sys
import time

import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

MODELS = ["mlp", "resnet50", "resnet18", "mobilenetv2", "mobilenetv3", "wav2vec2", "bert", "gpt2"]  # the default set
# Step-by-step decoders with a KV cache (past/present inputs and outputs), for continuous
# batching (docs/continuous-batching.md): generated when named, not by default.
DECODERS = ["gpt2_decoder"]
KNOWN = MODELS + DECODERS
CNNS = {"resnet50", "resnet18", "mobilenetv2", "mobilenetv3"}  # take --image-size


def module(name):
    if name not in KNOWN:
        raise SystemExit(f"unknown model '{name}' (known: {', '.join(KNOWN)})")
    return importlib.import_module(name)


def _kwargs(name, image_size):
    return {"image_size": image_size} if name in CNNS and image_size else {}


def build(name, small=False, image_size=None):
    return module(name).build(small=small, **_kwargs(name, image_size))


def make_inputs(name, batch, rng, small=False, image_size=None):
    return module(name).make_inputs(batch, rng, small=small, **_kwargs(name, image_size))


def generate(name, out_dir, small=False, image_size=None):
    """Builds `name` and writes OUT_DIR/<name>.onnx; returns the path."""
    model = build(name, small, image_size)
    path = os.path.join(out_dir, name + ".onnx")
    onnx.save_model(model, path)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--small", action="store_true", help="CI-sized transformer variants")
    ap.add_argument("--image-size", type=int, default=None, help="CNN input resolution (224)")
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    for name in [m for m in args.models.split(",") if m]:
        t = time.time()
        path = generate(name, args.out_dir, args.small, args.image_size)
        print(f"{path}: {os.path.getsize(path) / 2**20:.1f} MiB in {time.time() - t:.1f} s")


if __name__ == "__main__":
    main()
