#!/usr/bin/env python3
"""End-to-end test of QDQ models (quantized elsewhere) on Kiln's 8-bit kernels.

    qdq_import_test.py --kilnc K --kiln-run R --work DIR

Each model is quantized by ONNX Runtime's own `quantize_static` (QuantFormat.QDQ, uint8
activations, int8 weights) on 8 calibration samples: the zoo's MLP and small BERT per
channel, the MLP per tensor, and a small CNN (quantize_dynamic_test's: Conv, BatchNorm,
Relu, a strided Conv, a depthwise Conv, Gemm) per channel. Kiln compiles the QDQ model as
shipped and must

  * match the QDQ model as written (ONNX Runtime without graph optimizations: each
    DequantizeLinear, then the f32 op): cosine >= 0.9999 and max |diff| at most two steps
    of the output's quantization (the QDQ models end in QuantizeLinear/DequantizeLinear,
    so outputs are multiples of the output scale) or as far as ORT's own fused 8-bit
    kernels land from it (4 steps on BERT), and
  * compute every contraction that reads a quantized activation and a constant quantized
    weight on its 8-bit operands (`qdq-contractions` of --kiln-stats: MLP 3, BERT 12, CNN
    3; the depthwise Conv stays f32 with its weight folded at compile time).
"""
import argparse
import os
import re
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import zoo_test  # noqa: E402
from quantize_dynamic_test import build_cnn, cosine, run_lib  # noqa: E402

MIN_COSINE = 0.9999
MAX_STEPS = 2.0
BATCH = 2
# (label, model, per_channel, contractions expected on 8-bit operands)
CASES = [("mlp", "mlp", True, 3), ("mlp per tensor", "mlp", False, 3),
         ("bert", "bert", True, 12), ("cnn", "cnn", True, 3)]


def stats_of(stderr):
    return {m.group(2): int(m.group(1)) for m in re.finditer(r"\(S\)\s+(\d+)\s+([\w-]+)", stderr)}


def inputs_for(model, batch, seed):
    rng = np.random.default_rng(seed)
    if model == "cnn":
        return {"x": rng.standard_normal((batch, 16, 16, 16)).astype(np.float32)}
    return zoo_test.generate.make_inputs(model, batch, rng, small=True)


def quantize(model, path, out, per_channel):
    from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                          quantize_static)

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.samples = iter([inputs_for(model, 1, 100 + i) for i in range(8)])

        def get_next(self):
            return next(self.samples, None)

    quantize_static(path, out, Reader(), quant_format=QuantFormat.QDQ, per_channel=per_channel,
                    weight_type=QuantType.QInt8, activation_type=QuantType.QUInt8)


def output_scale(qdq_path):
    """The scale of the model output's last DequantizeLinear (None when there is none)."""
    import onnx
    from onnx import numpy_helper
    m = onnx.load(qdq_path)
    inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    out = m.graph.output[0].name
    for node in m.graph.node:
        if node.op_type == "DequantizeLinear" and node.output[0] == out:
            return float(inits[node.input[1]].reshape(-1)[0])
    return None


def check(args, label, model, per_channel, want, problems):
    import onnxruntime as ort
    work = os.path.join(args.work, label.replace(" ", "_"))
    os.makedirs(work, exist_ok=True)
    if model == "cnn":
        import onnx
        path = build_cnn(os.path.join(work, "cnn.onnx"))
        m = onnx.load(path)
        m.ir_version = 8  # what this ORT's quantizer reads
        onnx.save(m, path)
    else:
        path = zoo_test.generate.generate(model, work, small=True)
    qdq = os.path.join(work, "qdq.onnx")
    quantize(model, path, qdq, per_channel)
    lib = os.path.join(work, "qdq.so")
    proc = subprocess.run([args.kilnc, qdq, "-o", lib, "--kiln-stats"], capture_output=True,
                          text=True)
    if proc.returncode:
        problems.append(f"{label}: compile: {zoo_test.first_error(proc.stderr)}")
        return
    imported = stats_of(proc.stderr).get("qdq-contractions", 0)
    if imported < want:
        problems.append(f"{label}: {imported} contractions on 8-bit operands, expected {want}")
    inputs = inputs_for(model, BATCH, 7)
    feeds = {}
    for key, value in inputs.items():
        feeds[key] = os.path.join(work, zoo_test.file_name_for(key))
        np.save(feeds[key], value)
    out_dir = os.path.join(work, "out")
    try:
        run_lib(args, lib, feeds, out_dir)
    except RuntimeError as e:
        problems.append(f"{label}: {e}")
        return
    # The reference: the QDQ model as written (ORT without graph optimizations computes
    # each DequantizeLinear and the f32 product); ORT's optimized session (its own fused
    # 8-bit kernels) rounds differently, and how far it lands from the reference is allowed.
    plain = ort.SessionOptions()
    plain.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    ref = ort.InferenceSession(qdq, plain, providers=["CPUExecutionProvider"]).run(None, inputs)[0]
    fused = ort.InferenceSession(qdq, providers=["CPUExecutionProvider"]).run(None, inputs)[0]
    got = np.load(os.path.join(out_dir, sorted(os.listdir(out_dir))[0]))
    cos = cosine(got, ref)
    diff = float(np.max(np.abs(got.astype(np.float64) - ref)))
    ort_diff = float(np.max(np.abs(fused.astype(np.float64) - ref)))
    scale = output_scale(qdq)
    allowed = max(MAX_STEPS * scale, ort_diff) if scale else ort_diff
    ok = cos >= MIN_COSINE and diff <= allowed + 1e-6
    steps = f"{diff / scale:.1f} output steps" if scale else "no output scale"
    print(f"[{label}] vs the QDQ model as written: cosine {cos:.6f}, max |diff| {diff:.3g} "
          f"({steps}; ORT's fused kernels {ort_diff:.3g}); {imported} contractions on 8-bit "
          f"operands {'ok' if ok else 'FAIL'}")
    if not ok:
        problems.append(f"{label}: cosine {cos:.6f}, max |diff| {diff:.3g} > {allowed:.3g}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kilnc", required=True)
    ap.add_argument("--kiln-run", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    problems = []
    for label, model, per_channel, want in CASES:
        check(args, label, model, per_channel, want, problems)
    for p in problems:
        print("FAIL:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
