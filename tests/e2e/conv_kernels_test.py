#!/usr/bin/env python3
"""End-to-end test of the CNN code paths: the layout plugin keeping blocks NHWC
(kiln-sink-transposes, BatchNormalization as Mul + Add) and the depthwise kernel of
kiln-lower-contractions. Each model is compiled by kilnc (-O2), run by kiln-run at every
listed input shape and compared with onnxruntime (zoo_test.py's tolerance), and must
report at least the listed counters (kilnc --kiln-stats) and keep at most the listed
number of full-size Transposes (those between NCHW graph inputs/outputs and NHWC).

    conv_kernels_test.py --kilnc K --kiln-run R --work DIR [--models a,b]

Models:
  depthwise  3x3, 5x5, stride 2, dilation 2 and pad variants, C = 7, 16, 24, 40 (not
             always a multiple of the vector width), bias + Relu/HardSwish epilogues;
  dynamic    a 3x3 stem and a strided depthwise conv on dynamic H and W (two sizes);
  resnet     a bottleneck block: 1x1/3x3/1x1 convs, residual Sum, Relu, MaxPool head,
             GlobalAveragePool + Flatten + Gemm;
  densenet   pre-activation blocks: Concat, then a BatchNormalization with no Conv
             before it, Relu, Conv, AveragePool transition;
  convtranspose  ConvTranspose (group 1: tap products as a contraction, then the gather):
             2x2 stride 2 (DBNet's upsampling), 3x3 stride 2 with pads and output_padding,
             a dilated 3x3, with and without bias, on dynamic H and W (two sizes);
  pools      MaxPool and AveragePool between NHWC convs on the depthwise kernel's register
             tiles (kiln-lower-contractions' "pools"): stride 2 with pads, dilation 2,
             count_include_pad 0 and 1, C = 19 (not a multiple of the vector
             width), on dynamic H and W (two sizes, batch 1 and 2);
  mobile     squeeze-excite (GlobalAveragePool, 1x1 convs, HardSigmoid, Mul by the
             [N, C, 1, 1] scale), HardSwish, Split along C, Resize x2 + Concat, Pad,
             Softmax over C, ReduceMean over H and W.
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
import zoo_test  # noqa: E402  (compare, file_name_for, first_error, ort_session)


class Graph:
    """A small ONNX graph builder: convs with random weights, named values."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.n = [], [], 0

    def name(self, prefix):
        self.n += 1
        return f"{prefix}{self.n}"

    def init(self, arr, dtype=np.float32):
        name = self.name("w")
        self.inits.append(numpy_helper.from_array(np.asarray(arr, dtype), name))
        return name

    def op(self, op_type, inputs, outputs=1, **attrs):
        outs = [self.name(op_type.lower()) for _ in range(outputs)]
        self.nodes.append(helper.make_node(op_type, inputs, outs, **attrs))
        return outs[0] if outputs == 1 else outs

    def conv(self, x, cin, cout, k, stride=1, pad=None, dilation=1, group=1, bias=True):
        pad = (k // 2) * dilation if pad is None else pad
        w = self.init(self.rng.standard_normal((cout, cin // group, k, k)) / np.sqrt(cin // group * k * k))
        inputs = [x, w] + ([self.init(self.rng.standard_normal(cout) * 0.1)] if bias else [])
        return self.op("Conv", inputs, kernel_shape=[k, k], strides=[stride, stride],
                       pads=[pad] * 4, dilations=[dilation, dilation], group=group)

    def bn(self, x, c):
        params = [self.rng.uniform(0.5, 1.5, c), self.rng.standard_normal(c) * 0.1,
                  self.rng.standard_normal(c) * 0.1, self.rng.uniform(0.5, 1.5, c)]
        return self.op("BatchNormalization", [x] + [self.init(p) for p in params])

    def save(self, path, inputs, outputs):
        graph = helper.make_graph(
            self.nodes, "g",
            [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs],
            [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in outputs],
            self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        model.ir_version = 8
        # Graph outputs need a type with a shape (of any rank): take the inferred ones.
        done = onnx.shape_inference.infer_shapes(model).graph
        inferred = {v.name: v for v in list(done.value_info) + list(done.output)}
        for out in model.graph.output:
            out.CopyFrom(inferred[out.name])
        onnx.save(model, path)


def depthwise_model(path):
    g = Graph(1)
    outs = []
    for c, hw, k, s, d, act in [(16, 20, 3, 1, 1, "Relu"), (24, 17, 3, 2, 1, "HardSwish"),
                                (40, 13, 5, 2, 1, "Relu"), (7, 11, 3, 1, 2, None)]:
        x = f"x{c}"
        y = g.conv(x, c, c, k, stride=s, dilation=d, group=c)
        if act:
            y = g.op(act, [y])
        outs.append(((x, [1, c, hw, hw + 3]), y))
    g.save(path, [i for i, _ in outs], [o for _, o in outs])
    return [{n: s for (n, s), _ in outs}], {"depthwise": 4}, 8


def dynamic_model(path):
    g = Graph(2)
    y = g.op("Relu", [g.conv("x", 3, 24, 3)])
    y = g.op("Relu", [g.conv(y, 24, 24, 3, stride=2, group=24)])
    g.save(path, [("x", [1, 3, "H", "W"])], [y])
    return [{"x": [1, 3, 37, 53]}, {"x": [1, 3, 64, 64]}], {"depthwise": 1}, 2


def resnet_model(path):
    g = Graph(3)
    x = g.op("Relu", [g.bn(g.conv("x", 3, 16, 7, stride=2, bias=False), 16)])
    x = g.op("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    for _ in range(2):
        y = g.op("Relu", [g.bn(g.conv(x, 16, 8, 1, bias=False), 8)])
        y = g.op("Relu", [g.bn(g.conv(y, 8, 8, 3, bias=False), 8)])
        y = g.bn(g.conv(y, 8, 16, 1, bias=False), 16)
        x = g.op("Relu", [g.op("Sum", [x, y])])
    x = g.op("Flatten", [g.op("GlobalAveragePool", [x])])
    y = g.op("Gemm", [x, g.init(g.rng.standard_normal((10, 16)) * 0.3)], transB=1)
    g.save(path, [("x", [1, 3, 64, 64])], [y])
    return [{"x": [1, 3, 64, 64]}], {"batchnorm-affine": 0}, 1


def densenet_model(path):
    g = Graph(4)
    x = g.conv("x", 3, 8, 3)
    c = 8
    for _ in range(3):
        y = g.op("Relu", [g.bn(x, c)])
        y = g.conv(y, c, 4, 3)
        x = g.op("Concat", [x, y], axis=1)
        c += 4
    x = g.op("Relu", [g.bn(x, c)])
    x = g.op("AveragePool", [g.conv(x, c, 8, 1)], kernel_shape=[2, 2], strides=[2, 2])
    g.save(path, [("x", [1, 3, 32, 32])], [x])
    return [{"x": [1, 3, 32, 32]}], {"batchnorm-affine": 4}, 2


def pools_model(path):
    g = Graph(7)
    y = g.op("Relu", [g.conv("x", 3, 19, 3)])
    y = g.op("MaxPool", [y], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    y = g.op("AveragePool", [g.conv(y, 19, 19, 1)], kernel_shape=[3, 3], pads=[1, 1, 1, 1],
             count_include_pad=0)
    y = g.op("MaxPool", [g.conv(y, 19, 19, 1)], kernel_shape=[3, 3], dilations=[2, 2],
             pads=[2, 2, 2, 2])
    y = g.op("AveragePool", [g.conv(y, 19, 19, 1)], kernel_shape=[5, 5], strides=[2, 2],
             pads=[2, 2, 2, 2], count_include_pad=1)
    y = g.conv(y, 19, 8, 1)
    g.save(path, [("x", ["N", 3, "H", "W"])], [y])
    return [{"x": [1, 3, 37, 53]}, {"x": [2, 3, 64, 64]}], {"pools": 5}, 2


def mobile_model(path):
    g = Graph(5)
    x = g.op("HardSwish", [g.conv("x", 3, 16, 3, stride=2)])
    x = g.op("HardSwish", [g.conv(x, 16, 16, 3, group=16)])
    # Squeeze-excite: the scale is [N, C, 1, 1].
    s = g.op("GlobalAveragePool", [x])
    s = g.op("Relu", [g.conv(s, 16, 4, 1)])
    s = g.op("HardSigmoid", [g.conv(s, 4, 16, 1)])
    x = g.op("Mul", [x, s])
    a, b = g.op("Split", [x, g.init([8, 8], np.int64)], outputs=2, axis=1)
    b = g.op("Relu", [g.conv(b, 8, 8, 3, stride=2)])
    up = g.op("Resize", [b, "", g.init([1, 1, 2, 2])], mode="nearest")
    x = g.op("Concat", [a, up], axis=1)
    x = g.op("Pad", [x, g.init([0, 0, 1, 2, 0, 0, 1, 0], np.int64)], mode="reflect")
    x = g.conv(x, 16, 12, 3, pad=0)
    p = g.op("Softmax", [x], axis=1)
    m = g.op("ReduceMean", [x], axes=[2, 3], keepdims=0)
    g.save(path, [("x", [1, 3, 32, 32])], [p, m])
    return [{"x": [1, 3, 32, 32]}], {"depthwise": 1}, 2


def convtranspose_model(path):
    g = Graph(6)
    y = g.op("Relu", [g.conv("x", 3, 8, 3)])

    def deconv(x, cin, cout, k, stride, pads=(0, 0, 0, 0), out_pad=(0, 0), dilation=1, bias=True):
        w = g.init(g.rng.standard_normal((cin, cout, k, k)) / np.sqrt(cin * k * k))
        inputs = [x, w] + ([g.init(g.rng.standard_normal(cout) * 0.1)] if bias else [])
        return g.op("ConvTranspose", inputs, kernel_shape=[k, k], strides=[stride, stride],
                    pads=list(pads), output_padding=list(out_pad), dilations=[dilation, dilation])

    a = deconv(y, 8, 6, 2, 2)
    b = deconv(y, 8, 5, 3, 2, pads=(1, 1, 1, 1), out_pad=(1, 0), bias=False)
    c = deconv(y, 8, 4, 3, 1, pads=(2, 2, 2, 2), dilation=2)
    g.save(path, [("x", [1, 3, "H", "W"])], [a, b, c])
    return [{"x": [1, 3, 9, 13]}, {"x": [1, 3, 16, 16]}], {"contractions": 4}, 4


MODELS = {"depthwise": depthwise_model, "dynamic": dynamic_model, "resnet": resnet_model,
          "densenet": densenet_model, "convtranspose": convtranspose_model, "pools": pools_model,
          "mobile": mobile_model}


def stats_of(stderr):
    return {m.group(2): int(m.group(1)) for m in re.finditer(r"\(S\)\s+(\d+)\s+([\w-]+)", stderr)}


def full_size_transposes(kilnc, path):
    """Transposes left after the layout plugin, except those of one-element dims."""
    proc = subprocess.run([kilnc, path, "--emit=mlir", "-o", "-"], capture_output=True, text=True)
    count = 0
    for line in proc.stdout.splitlines():
        m = re.search(r'"onnx.Transpose".*-> tensor<([0-9x]+)xf32>', line)
        if m and sum(int(d) > 1 for d in m.group(1).split("x")) > 1:
            count += 1
    return count


def run(args, name, models):
    """Compiles models[name] (a builder: path -> (input shape sets, least kiln-stats
    counters, most full-size Transposes left)), checks its counters and Transposes, and
    compares it with ORT on every shape set; returns the problems found."""
    work = os.path.join(args.work, name)
    os.makedirs(work, exist_ok=True)
    path = os.path.join(work, name + ".onnx")
    shapes, expect, max_transposes = models[name](path)
    lib = os.path.join(work, name + ".so")
    proc = subprocess.run([args.kilnc, path, "-o", lib, "--kiln-stats"] + args.kilnc_args,
                          capture_output=True, text=True)
    if proc.returncode:
        return [f"compile: {zoo_test.first_error(proc.stderr)}"]
    problems = []
    stats = stats_of(proc.stderr)
    missing = {k: v for k, v in expect.items() if stats.get(k, 0) < v}
    if missing:
        problems.append(f"counters below {missing}: {stats}")
    transposes = full_size_transposes(args.kilnc, path)
    if transposes > max_transposes:
        problems.append(f"{transposes} full-size Transposes left (at most {max_transposes})")
    sess = zoo_test.ort_session(path, 1)
    rng = np.random.default_rng(0)
    for shape_set in shapes:
        feeds = {n: rng.standard_normal(s).astype(np.float32) for n, s in shape_set.items()}
        out_dir = os.path.join(work, "out")
        os.makedirs(out_dir, exist_ok=True)
        cmd = [args.kiln_run, lib, "--output-dir", out_dir, "--threads", "2"]
        for k, v in feeds.items():
            p = os.path.join(work, zoo_test.file_name_for(k))
            np.save(p, v)
            cmd += ["--input", f"{k}={p}"]
        run_proc = subprocess.run(cmd, capture_output=True, text=True)
        if run_proc.returncode:
            problems.append(f"run {shape_set}: {zoo_test.first_error(run_proc.stderr + run_proc.stdout)}")
            continue
        for o, want in zip(sess.get_outputs(), sess.run(None, feeds)):
            got = np.load(os.path.join(out_dir, zoo_test.file_name_for(o.name)))
            _, _, prob = zoo_test.compare(got, want)
            if prob:
                problems.append(f"{shape_set} {o.name}: {prob}")
    return problems


def main(models=None, description=__doc__, kilnc_args=()):
    """The command line of this test and of the ones that reuse it with their own models
    (`kilnc_args`: flags every compile gets)."""
    models = models or MODELS
    ap = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kilnc", required=True)
    ap.add_argument("--kiln-run", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--models", default=",".join(models))
    args = ap.parse_args()
    args.kilnc_args = list(kilnc_args)
    failures = 0
    for name in args.models.split(","):
        problems = run(args, name, models)
        failures += bool(problems)
        print(f"[{name}] {'FAIL ' + '; '.join(problems) if problems else 'PASS'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
