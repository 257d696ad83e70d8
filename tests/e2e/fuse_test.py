#!/usr/bin/env python3
"""End-to-end test of the kiln-fuse plugin: models whose subgraphs it fuses, compiled by
kilnc (-O2 loads the plugin), run by kiln-run and compared with onnxruntime.

    fuse_test.py --kilnc K --kiln-run R --work DIR [--models convbn,bert,gpt2]

Models:
  convbn  Conv (no bias) + BatchNormalization + Relu, Conv + per-channel Mul + Add +
          Clip, Flatten, 2-D MatMul + Add(bias) + Relu, 2-D MatMul + Add + tanh-form GELU;
  bert    bench/zoo bert --small with batch fixed to 1 (static shapes, so attention fuses);
  gpt2    bench/zoo gpt2 --small with batch fixed to 1 (causal Where mask -> is_causal).
Each model must (1) report at least the listed counts among the kiln-fuse passes'
counters (kilnc --kiln-stats, printed by the compile itself), and (2) match onnxruntime
with zoo_test.py's tolerance: max |k - o| <= 1e-3 * max(1, max |o|).
"""
import argparse
import os
import re
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import zoo_test  # noqa: E402  (compare, file_name_for, first_error, generate, ort_session)

generate = zoo_test.generate

EXPECT = {
    "convbn": {"conv-batchnorm": 1, "conv-mul": 1, "conv-bias": 1, "matmul-bias-to-gemm": 2,
               "gelu-tanh": 1, "bias-with-activation": 3},
    "bert": {"layer-norm": 5, "gelu-erf": 2, "attention": 2},
    "gpt2": {"layer-norm": 5, "gelu-tanh": 2, "attention": 2, "attention-causal": 2},
}


def convbn_model(path):
    rng = np.random.default_rng(7)
    f32 = lambda a: np.asarray(a, np.float32)  # noqa: E731
    inits, nodes = [], []

    def init(name, arr):
        inits.append(numpy_helper.from_array(f32(arr), name))
        return name

    def const(name, arr):
        nodes.append(helper.make_node("Constant", [], [name], value=numpy_helper.from_array(f32(arr))))
        return name

    init("w1", rng.standard_normal((8, 3, 3, 3)) * 0.3)
    init("g", rng.uniform(0.5, 1.5, 8)), init("b", rng.standard_normal(8) * 0.1)
    init("m", rng.standard_normal(8) * 0.1), init("v", rng.uniform(0.5, 1.5, 8))
    init("w2", rng.standard_normal((4, 8, 1, 1)) * 0.3)
    init("b2", rng.standard_normal(4) * 0.1)
    const("scale", rng.uniform(0.5, 2.0, (4, 1, 1)))
    const("shift", rng.standard_normal((1, 4, 1, 1)) * 0.1)
    const("lo", 0.0), const("hi", 6.0)
    init("fc1", rng.standard_normal((4 * 8 * 8, 32)) * 0.05), init("fb1", rng.standard_normal(32) * 0.1)
    init("fc2", rng.standard_normal((32, 16)) * 0.2), init("fb2", rng.standard_normal(16) * 0.1)
    const("half", 0.5), const("three", 3.0), const("cubic", 0.044715)
    const("k", np.sqrt(2 / np.pi)), const("one", 1.0)
    nodes += [
        helper.make_node("Conv", ["x", "w1"], ["c1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c1", "g", "b", "m", "v"], ["bn"], epsilon=1e-5),
        helper.make_node("Relu", ["bn"], ["r1"]),
        helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"], kernel_shape=[1, 1]),
        helper.make_node("Mul", ["c2", "scale"], ["c2s"]),
        helper.make_node("Add", ["shift", "c2s"], ["c2b"]),
        helper.make_node("Clip", ["c2b", "lo", "hi"], ["r2"]),
        helper.make_node("Flatten", ["r2"], ["f"], axis=1),
        helper.make_node("MatMul", ["f", "fc1"], ["h1"]),
        helper.make_node("Add", ["fb1", "h1"], ["h1b"]),
        helper.make_node("Relu", ["h1b"], ["h1r"]),
        helper.make_node("MatMul", ["h1r", "fc2"], ["h2"]),
        helper.make_node("Add", ["h2", "fb2"], ["h"]),
        # tanh GELU: 0.5 * h * (1 + tanh(sqrt(2/pi) * (h + 0.044715 * h^3)))
        helper.make_node("Mul", ["half", "h"], ["gh"]),
        helper.make_node("Pow", ["h", "three"], ["g3"]),
        helper.make_node("Mul", ["cubic", "g3"], ["gc"]),
        helper.make_node("Add", ["h", "gc"], ["gi"]),
        helper.make_node("Mul", ["k", "gi"], ["gk"]),
        helper.make_node("Tanh", ["gk"], ["gt"]),
        helper.make_node("Add", ["one", "gt"], ["g1"]),
        helper.make_node("Mul", ["gh", "g1"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes, "convbn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 16])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, path)
    return {"x": rng.standard_normal((2, 3, 8, 8)).astype(np.float32)}


def static_zoo_model(name, path):
    """The zoo model at --small with its batch dimension fixed to 1."""
    src = generate.generate(name, os.path.dirname(path), True, 224)
    model = onnx.load(src)
    for vi in list(model.graph.input) + list(model.graph.output):
        d = vi.type.tensor_type.shape.dim[0]
        d.ClearField("dim_param")
        d.dim_value = 1
    onnx.save(model, path)
    return generate.make_inputs(name, 1, np.random.default_rng(1235), True, 224)


FUSE_PASSES = ("kiln-fold-constants", "kiln-fold-conv-bn", "kiln-fuse-bias", "kiln-fuse-layer-norm",
               "kiln-fuse-gelu", "kiln-fuse-attention")


def fuse_stats(stderr):
    """The kiln-fuse passes' non-zero counters in kilnc --kiln-stats output, as name -> count.
    The output lists each pass argument on a line of its own, then its counters as
    "  (S) <count> <name> - <description>"."""
    stats, current = {}, None
    for line in stderr.splitlines():
        if re.fullmatch(r"kiln-[\w-]+", line):
            current = line
            continue
        m = re.match(r"  \(S\) (\d+) ([\w-]+) - ", line)
        if m and current in FUSE_PASSES and int(m.group(1)):
            stats[m.group(2)] = stats.get(m.group(2), 0) + int(m.group(1))
    return stats


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kilnc", required=True)
    ap.add_argument("--kiln-run", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--models", default="convbn,bert,gpt2")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    failures = 0
    for name in args.models.split(","):
        work = os.path.join(args.work, name)
        os.makedirs(work, exist_ok=True)
        path = os.path.join(work, name + "_fuse.onnx")
        feeds = convbn_model(path) if name == "convbn" else static_zoo_model(name, path)
        lib = os.path.join(work, name + ".so")
        proc = subprocess.run([args.kilnc, path, "-o", lib, "--kiln-stats"], capture_output=True,
                              text=True)
        stats = fuse_stats(proc.stderr)
        missing = {k: v for k, v in EXPECT[name].items() if stats.get(k, 0) < v}
        if proc.returncode:
            print(f"[{name}] COMPILE FAIL {zoo_test.first_error(proc.stderr)}")
            failures += 1
            continue
        out_dir = os.path.join(work, "out")
        os.makedirs(out_dir, exist_ok=True)
        cmd = [args.kiln_run, lib, "--output-dir", out_dir, "--threads", "1"]
        for k, v in feeds.items():
            p = os.path.join(work, zoo_test.file_name_for(k))
            np.save(p, v)
            cmd += ["--input", f"{k}={p}"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode:
            print(f"[{name}] RUN FAIL {zoo_test.first_error(proc.stderr + proc.stdout)}")
            failures += 1
            continue
        sess = zoo_test.ort_session(path, 1)
        problems, worst = [], 0.0
        for o, want in zip(sess.get_outputs(), sess.run(None, feeds)):
            got = np.load(os.path.join(out_dir, zoo_test.file_name_for(o.name)))
            err, _, prob = zoo_test.compare(got, want)
            worst = max(worst, err)
            if prob:
                problems.append(f"{o.name}: {prob}")
        if missing:
            problems.append(f"fused less than expected: want at least {missing}")
        status = "FAIL" if problems else "PASS"
        failures += bool(problems)
        print(f"[{name}] {status} max abs err {worst:.3g}; kiln-fuse counters {stats} {'; '.join(problems)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
