#!/usr/bin/env python3
"""End-to-end test of 4-bit weights: `kilnc --quantize=int4-weights` and ORT's MatMulNBits.

    quantize_int4_test.py --kilnc K --kiln-run R --work DIR [--models mlp,bert,gpt2]

For each zoo model (bench/zoo/generate.py --small): compile it in f32 and with
--quantize=int4-weights --quantize-report=FILE.json --kiln-stats (block size 32, and 128 for
BERT), run both with kiln-run on the same inputs (zoo_test's, batch 2) and require, for every
output,

    cosine(int4, f32) >= 0.98          (the accuracy goal of issue 13 for int4 weights)

that the report lists at least the expected quantized layers (MLP: fc1 and fc2, fc3 being under the size threshold; BERT:
its 12 projections and the word embeddings; GPT-2: its 8 projections, the LM head and the
token embeddings; the smaller tables stay f32), and that the backend kept every quantized MatMul/Gemm
weight 4-bit (the `int4-weights` counter of --kiln-stats: no dequantization at run time).
The library sizes are printed (the size goal is measured on the full-size models by
bench/precision_bench.py).

Then a MatMulNBits model (ORT's 4-bit weight-only MatMul, 4 bits, block 32, packed zero
points; and without zero points) against ONNX Runtime at 1e-4, also on the 4-bit kernel;
and the bad uses, each a nonzero exit with a clear error and no output file: a block size
that is not a power of two, --block-size without int4-weights, nothing to quantize.
"""
import argparse
import json
import os
import re
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import zoo_test  # noqa: E402
from quantize_dynamic_test import check_bad_cases, compile_model, cosine, run_lib  # noqa: E402

MIN_COSINE = 0.98
BATCH = 2
# model -> (quantized layers expected at least, MatMul/Gemm among them, block sizes)
EXPECTED = {"mlp": (2, 2, [32]), "bert": (13, 12, [32, 128]), "gpt2": (10, 9, [32])}


def stats_of(stderr):
    return {m.group(2): int(m.group(1)) for m in re.finditer(r"\(S\)\s+(\d+)\s+([\w-]+)", stderr)}


def save_feeds(work, inputs):
    feeds = {}
    for key, value in inputs.items():
        feeds[key] = os.path.join(work, zoo_test.file_name_for(key))
        np.save(feeds[key], value)
    return feeds


def check_model(args, name, problems):
    work = os.path.join(args.work, name)
    os.makedirs(work, exist_ok=True)
    path = zoo_test.generate.generate(name, work, small=True)
    inputs = zoo_test.generate.make_inputs(name, BATCH, np.random.default_rng(1234 + BATCH),
                                           small=True)
    feeds = save_feeds(work, inputs)
    f32_lib = os.path.join(work, "f32.so")
    proc = compile_model(args, path, f32_lib, [])
    if proc.returncode:
        problems.append(f"{name}: f32 compile: {zoo_test.first_error(proc.stderr)}")
        return
    run_lib(args, f32_lib, feeds, os.path.join(work, "out-f32"))
    want_layers, want_products, blocks = EXPECTED[name]
    for block in blocks:
        lib, report = os.path.join(work, f"int4-{block}.so"), os.path.join(work, f"int4-{block}.json")
        proc = compile_model(args, path, lib, ["--quantize=int4-weights", f"--block-size={block}",
                                               f"--quantize-report={report}", "--kiln-stats"])
        if proc.returncode:
            problems.append(f"{name}: int4 compile: {zoo_test.first_error(proc.stderr)}")
            continue
        layers = json.load(open(report))["layers"]
        quantized = [l for l in layers if l["quantized"]]
        products = [l for l in quantized if l["op"] in ("MatMul", "Gemm")]
        if len(quantized) < want_layers or len(products) < want_products:
            problems.append(f"{name}: {len(quantized)} layers ({len(products)} MatMul/Gemm) "
                            f"quantized, expected at least {want_layers} ({want_products})")
        packed = stats_of(proc.stderr).get("int4-weights", 0)
        if packed < len(products):
            problems.append(f"{name}: {packed} contractions on 4-bit weights for "
                            f"{len(products)} quantized MatMul/Gemm")
        out_dir = os.path.join(work, f"out-int4-{block}")
        try:
            run_lib(args, lib, feeds, out_dir)
        except RuntimeError as e:
            problems.append(f"{name}: {e}")
            continue
        sizes = f"library {os.path.getsize(lib)} bytes, f32 {os.path.getsize(f32_lib)}"
        for out in sorted(os.listdir(os.path.join(work, "out-f32"))):
            ref = np.load(os.path.join(work, "out-f32", out))
            got = np.load(os.path.join(out_dir, out))
            cos = cosine(got, ref)
            status = "ok" if cos >= MIN_COSINE else "FAIL"
            print(f"[{name}] block {block} {out}: cosine int4 vs f32 = {cos:.5f} "
                  f"({len(quantized)} layers quantized, {packed} on 4-bit kernels; {sizes}) {status}")
            if cos < MIN_COSINE:
                problems.append(f"{name}: block {block}: {out}: cosine {cos:.5f} < {MIN_COSINE}")


def pack_bits(q, bits):
    per = 8 // bits
    q = q.reshape(*q.shape[:-1], -1, per).astype(np.uint16)
    return sum(q[..., j] << (j * bits) for j in range(per)).astype(np.uint8)


def matmul_nbits_model(path, k, n, block, zero_points, rng):
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    blocks = -(-k // block)
    q = rng.integers(0, 16, (n, blocks, block)).astype(np.uint8)
    inits = [numpy_helper.from_array(pack_bits(q, 4).reshape(n, blocks, block // 2), "B"),
             numpy_helper.from_array((rng.random((n, blocks)) * 0.1 + 0.01).astype(np.float32),
                                     "scales")]
    inputs = ["A", "B", "scales"]
    if zero_points:
        zq = rng.integers(0, 16, (n, blocks + blocks % 2)).astype(np.uint8)
        inits.append(numpy_helper.from_array(pack_bits(zq, 4), "zero_points"))
        inputs.append("zero_points")
    node = helper.make_node("MatMulNBits", inputs, ["Y"], domain="com.microsoft", name="mmnb",
                            K=k, N=n, bits=4, block_size=block)
    graph = helper.make_graph([node], "nbits",
                              [helper.make_tensor_value_info("A", TensorProto.FLOAT, ["m", k])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["m", n])],
                              inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid("com.microsoft", 1)],
                              ir_version=8)
    onnx.save(model, path)


def check_matmul_nbits(args, problems):
    import onnxruntime as ort
    work = os.path.join(args.work, "nbits")
    os.makedirs(work, exist_ok=True)
    rng = np.random.default_rng(5)
    for label, k, n, zero_points in [("zero points", 80, 40, True), ("no zero points", 64, 48, False)]:
        path = os.path.join(work, f"{label.replace(' ', '_')}.onnx")
        matmul_nbits_model(path, k, n, 32, zero_points, rng)
        a = rng.standard_normal((5, k)).astype(np.float32)
        ref = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"A": a})[0]
        lib = path[:-5] + ".so"
        proc = compile_model(args, path, lib, ["--kiln-stats"])
        if proc.returncode:
            problems.append(f"MatMulNBits ({label}): {zoo_test.first_error(proc.stderr)}")
            continue
        if stats_of(proc.stderr).get("int4-weights", 0) < 1:
            problems.append(f"MatMulNBits ({label}): not on the 4-bit kernel")
        feeds = save_feeds(work, {"A": a})
        out_dir = path[:-5] + "-out"
        run_lib(args, lib, feeds, out_dir)
        got = np.load(os.path.join(out_dir, os.listdir(out_dir)[0]))
        err = float(np.max(np.abs(got - ref)) / max(1.0, float(np.max(np.abs(ref)))))
        print(f"[MatMulNBits] {label}: max error vs ORT {err:.2e}")
        if err > 1e-4:
            problems.append(f"MatMulNBits ({label}): error {err:.2e} against ORT")


def check_bad_uses(args, problems):
    work = os.path.join(args.work, "bad")
    os.makedirs(work, exist_ok=True)
    path = zoo_test.generate.generate("mlp", work, small=True)
    cases = [
        ("block size", ["--quantize=int4-weights", "--block-size=48"], "must be 16, 32, 64, 128 or 256"),
        ("block size without int4", ["--quantize=int8-dynamic", "--block-size=32"],
         "--block-size needs --quantize=int4-weights"),
        ("nothing to quantize", ["--quantize=int4-weights",
                                 "--quantize-exclude=/fc1/Gemm,/fc2/Gemm,/fc3/Gemm"],
         "nothing to quantize"),
    ]
    check_bad_cases(args, path, work, cases, problems)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kilnc", required=True)
    ap.add_argument("--kiln-run", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--models", default="mlp,bert,gpt2")
    args = ap.parse_args()
    problems = []
    for name in [m for m in args.models.split(",") if m]:
        check_model(args, name, problems)
    check_matmul_nbits(args, problems)
    check_bad_uses(args, problems)
    for p in problems:
        print("FAIL:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
