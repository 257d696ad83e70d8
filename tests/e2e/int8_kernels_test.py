#!/usr/bin/env python3
"""End-to-end test of the 8-bit contractions: MatMulInteger and ConvInteger models compiled
by kilnc twice, for this machine (the AVX-512 VNNI kernel of kiln-lower-contractions where
the CPU has it, which --kiln-stats must then report; where it also has AMX-INT8 that
library runs twice, on the AMX tiles and with KILN_DISABLE_AMX on vpdpbusd) and for
--target-cpu=x86-64-v3 (the i32 register tiles), run by kiln-run and compared with
onnxruntime bit-exactly (int32).

    int8_kernels_test.py --kilnc K --kiln-run R --work DIR [--models a,b]

Models (u8 and i8 operands in every combination, values over the whole 8-bit range):
  matmul_u8i8    constant i8 B, no zero points, dynamic M, odd K (37), N = 50;
  matmul_u8u8    constant u8 B: a_zero_point an input, b_zero_point a constant (what ORT's
                 dynamic quantization writes), K = 64, N = 40;
  matmul_dynamic DynamicQuantizeLinear -> MatMulInteger, as ORT's quantize_dynamic writes
                 it (the quantization is fused into A's widening);
  matmul_i8i8    both operands inputs (B interleaved at run time), both zero points
                 inputs, K = 30, N = 19, and an i8 x u8 product of inputs;
  matmul_rows    a per-column b_zero_point (1-D; ORT has no per-row a_zero_point), a batched
                 [2, 3, M, K] x [K, N] and a [2, M, K] x [2, K, N] product;
  conv_u8u8      3x3 pad 1 (K = 27), 1x1 and 3x3 stride 2 convolutions with x_zero_point an
                 input and a constant w_zero_point, on two image sizes (dynamic H, W);
  conv_dequantized  DynamicQuantizeLinear -> ConvInteger -> Cast -> Mul by the scales, as
                 ORT's quantize_dynamic writes a convolution (the dequantization fused into
                 the kernel as its epilogue; float output, still bit-exact);
  qlinear_chain  two padded QLinearConvs (u8 x i8): the first one's requantization is its
                 kernel's epilogue, stored into the second one's padded input;
  conv_mixed     i8 x i8 and u8 x i8 convolutions with and without zero points, asymmetric
                 pads, a grouped convolution (ORT has no per-channel w_zero_point);
  conv_nhwc      convolutions the layout plugin makes channels-last MatMulIntegers (static
                 image, 16 channels, dynamic batch run at 1 and 3): 7x7 stride 2 pad 3, 3x3
                 dilation 2 with asymmetric pads, 3x2 SAME_UPPER stride (2, 1), 1x1 stride
                 2, 1x1 u8 x u8; and a 3-channel 3x3 stride-2 stem, which stays NCHW.
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
import zoo_test  # noqa: E402  (file_name_for, first_error, ort_session)

ONNX_TYPE = {np.uint8: TensorProto.UINT8, np.int8: TensorProto.INT8, np.float32: TensorProto.FLOAT}


class Graph:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.inputs, self.outputs, self.n = [], [], [], [], 0

    def name(self, prefix):
        self.n += 1
        return f"{prefix}{self.n}"

    def rand(self, dtype, shape):
        if dtype == np.float32:
            return self.rng.standard_normal(shape).astype(np.float32)
        info = np.iinfo(dtype)
        return self.rng.integers(info.min, info.max + 1, shape, dtype=dtype)

    def const(self, dtype, shape):
        name = self.name("c")
        self.inits.append(numpy_helper.from_array(self.rand(dtype, shape), name))
        return name

    def input(self, dtype, shape):
        name = self.name("in")
        self.inputs.append((name, dtype, shape))
        return name

    def node(self, op, inputs, outputs=1, output=True, **attrs):
        """A node; a single result is a graph output unless `output` is false."""
        outs = [self.name(op.lower()) for _ in range(outputs)]
        self.nodes.append(helper.make_node(op, inputs, outs, **attrs))
        if outputs == 1:
            if output:
                self.outputs.append(outs[0])
            return outs[0]
        return outs

    def save(self, path):
        graph = helper.make_graph(
            self.nodes, "g",
            [helper.make_tensor_value_info(n, ONNX_TYPE[t], s) for n, t, s in self.inputs],
            [onnx.ValueInfoProto(name=o) for o in self.outputs],
            self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
        # The outputs' types and shapes (with symbolic dims), which the model checker wants.
        onnx.save(onnx.shape_inference.infer_shapes(model, strict_mode=True), path)

    def feeds(self, sizes):
        """Random inputs, symbolic dims taken from `sizes`."""
        return {n: self.rand(t, [sizes.get(d, d) for d in s]) for n, t, s in self.inputs}


U8, I8 = np.uint8, np.int8


def matmul_u8i8(g):
    g.node("MatMulInteger", [g.input(U8, ["m", 37]), g.const(I8, [37, 50])])
    return [{"m": 5}, {"m": 17}], 1


def matmul_u8u8(g):
    a, az = g.input(U8, ["m", 64]), g.input(U8, [])
    g.node("MatMulInteger", [a, g.const(U8, [64, 40]), az, g.const(U8, [])])
    return [{"m": 9}, {"m": 1}], 1


def matmul_dynamic(g):
    q, _, zero = g.node("DynamicQuantizeLinear", [g.input(np.float32, ["m", 96])], outputs=3)
    g.node("MatMulInteger", [q, g.const(U8, [96, 70]), zero, g.const(U8, [])])
    return [{"m": 3}, {"m": 10}], 1


def matmul_i8i8(g):
    g.node("MatMulInteger", [g.input(I8, ["m", 30]), g.input(I8, [30, 19]), g.input(I8, []),
                             g.input(I8, [])])
    g.node("MatMulInteger", [g.input(I8, ["m", 30]), g.input(U8, [30, 19])])
    return [{"m": 7}, {"m": 16}], 2


def matmul_rows(g):
    m = 6
    g.node("MatMulInteger", [g.input(U8, [m, 21]), g.const(U8, [21, 33]), g.input(U8, []),
                             g.const(U8, [33])])
    g.node("MatMulInteger", [g.input(U8, [2, 3, "m", 24]), g.const(I8, [24, 20]), g.input(U8, [])])
    g.node("MatMulInteger", [g.input(U8, [2, "m", 13]), g.input(I8, [2, 13, 18])])
    return [{"m": 5}, {"m": 8}], 2


def conv_u8u8(g):
    x, xz = g.input(U8, [1, 3, "h", "w"]), g.input(U8, [])
    g.node("ConvInteger", [x, g.const(U8, [8, 3, 3, 3]), xz, g.const(U8, [])], pads=[1, 1, 1, 1])
    g.node("ConvInteger", [x, g.const(U8, [20, 3, 1, 1]), xz, g.const(U8, [])])
    g.node("ConvInteger", [x, g.const(U8, [5, 3, 3, 3]), xz, g.const(U8, [])],
           strides=[2, 2], pads=[1, 1, 1, 1])
    y = g.input(U8, [2, 16, 9, 9])
    g.node("ConvInteger", [y, g.const(U8, [24, 16, 3, 3]), g.input(U8, []), g.const(U8, [])])
    return [{"h": 12, "w": 12}, {"h": 7, "w": 19}], 4


def conv_dequantized(g):
    q, scale, zero = g.node("DynamicQuantizeLinear", [g.input(np.float32, [1, 4, "h", 9])],
                            outputs=3)
    acc = g.node("ConvInteger", [q, g.const(U8, [6, 4, 3, 3]), zero, g.const(U8, [])],
                 pads=[1, 1, 1, 1], output=False)
    g.inits.append(numpy_helper.from_array(np.array(0.0123, np.float32), "w_scale"))
    both = g.node("Mul", [scale, "w_scale"], output=False)
    g.node("Mul", [g.node("Cast", [acc], to=TensorProto.FLOAT, output=False), both])
    return [{"h": 7}, {"h": 16}], 1


def qlinear_chain(g):
    def f32(value):
        name = g.name("s")
        g.inits.append(numpy_helper.from_array(np.array(value, np.float32), name))
        return name
    for shape in ([1, 8, 10, "w"], [1, 8, 6, 7]):  # dynamic and static image sizes
        y = g.node("QLinearConv", [g.input(U8, shape), f32(0.02), g.const(U8, []),
                                   g.const(I8, [16, 8, 3, 3]), f32(0.003), g.const(I8, []),
                                   f32(0.05), g.const(U8, [])],
                   pads=[1, 1, 1, 1], output=False)
        g.node("QLinearConv", [y, f32(0.05), g.const(U8, []), g.const(I8, [8, 16, 3, 3]),
                               f32(0.002), g.const(I8, []), f32(0.04), g.const(U8, [])],
               pads=[1, 1, 1, 1])
    return [{"w": 12}, {"w": 33}], 4


def conv_mixed(g):
    x = g.input(I8, [1, 4, 10, 11])
    g.node("ConvInteger", [x, g.const(I8, [6, 4, 3, 3]), g.input(I8, []), g.const(I8, [])],
           pads=[1, 0, 1, 2])
    g.node("ConvInteger", [x, g.const(I8, [6, 4, 2, 2])])
    u = g.input(U8, [1, 4, 10, 11])
    g.node("ConvInteger", [u, g.const(I8, [7, 4, 3, 3]), g.input(U8, []), g.const(I8, [])])
    g.node("ConvInteger", [u, g.const(I8, [6, 2, 3, 3]), g.input(U8, [])], group=2)
    return [{}], 1


def conv_nhwc(g):
    # Static image, dynamic batch: each becomes a channels-last MatMulInteger (the layout
    # plugin's ConvIntegerNhwc.cpp), which --kiln-stats must report.
    # (A 3-channel stem stays channels-first.)
    x, xz = g.input(U8, ["n", 16, 14, 13]), g.input(U8, [])
    g.node("ConvInteger", [x, g.const(I8, [16, 16, 7, 7]), xz, g.const(I8, [])],
           strides=[2, 2], pads=[3, 3, 3, 3])
    g.node("ConvInteger", [x, g.const(I8, [6, 16, 3, 3]), xz], dilations=[2, 2],
           pads=[2, 1, 2, 3])
    g.node("ConvInteger", [x, g.const(I8, [5, 16, 3, 2]), xz], auto_pad="SAME_UPPER",
           strides=[2, 1])
    g.node("ConvInteger", [x, g.const(I8, [12, 16, 1, 1]), xz], strides=[2, 2])
    g.node("ConvInteger", [x, g.const(U8, [10, 16, 1, 1]), xz, g.const(U8, [])])
    stem = g.input(U8, ["n", 3, 14, 13])
    g.node("ConvInteger", [stem, g.const(I8, [8, 3, 3, 3]), xz], strides=[2, 2])
    return [{"n": 1}, {"n": 3}], 6, {"pointwise-conv-integer": 1, "windowed-conv-integer": 4}


MODELS = {f.__name__: f for f in
          (matmul_u8i8, matmul_u8u8, matmul_dynamic, matmul_i8i8, matmul_rows, conv_u8u8,
           conv_dequantized, qlinear_chain, conv_mixed, conv_nhwc)}


def has_vnni():
    try:
        with open("/proc/cpuinfo") as f:
            return "avx512_vnni" in f.read()
    except OSError:
        return False


def stats_of(stderr):
    return {m.group(2): int(m.group(1)) for m in re.finditer(r"\(S\)\s+(\d+)\s+([\w-]+)", stderr)}


def has_amx():
    try:
        with open("/proc/cpuinfo") as f:
            return "amx_int8" in f.read()
    except OSError:
        return False


def check_run(args, lib, work, label, sizes, feeds, sess, env):
    """Runs `lib` on `feeds` and compares each output with ORT's bit-exactly."""
    problems = []
    out_dir = os.path.join(work, "out-" + label)
    os.makedirs(out_dir, exist_ok=True)
    cmd = [args.kiln_run, lib, "--output-dir", out_dir, "--threads", "2"]
    for k, v in feeds.items():
        p = os.path.join(work, zoo_test.file_name_for(k))
        np.save(p, v)
        cmd += ["--input", f"{k}={p}"]
    run_proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if run_proc.returncode:
        return [f"{label} run {sizes}: {zoo_test.first_error(run_proc.stderr + run_proc.stdout)}"]
    for o, expected in zip(sess.get_outputs(), sess.run(None, feeds)):
        got = np.load(os.path.join(out_dir, zoo_test.file_name_for(o.name)))
        if got.dtype != expected.dtype or got.shape != expected.shape:
            problems.append(f"{label} {sizes} {o.name}: {got.dtype}{got.shape} != "
                            f"{expected.dtype}{expected.shape}")
        elif not np.array_equal(got, expected):
            bad = np.argwhere(got != expected)
            i = tuple(bad[0])
            problems.append(f"{label} {sizes} {o.name}: {len(bad)} values differ, first "
                            f"at {i}: {got[i]} != {expected[i]}")
    return problems


def run(args, name):
    work = os.path.join(args.work, name)
    os.makedirs(work, exist_ok=True)
    path = os.path.join(work, name + ".onnx")
    g = Graph(sum(map(ord, name)))
    # (input sizes, least VNNI contractions[, least count of other --kiln-stats lines])
    shape_sets, min_vnni, *more = MODELS[name](g)
    min_stats = more[0] if more else {}
    g.save(path)
    sess = zoo_test.ort_session(path, 1)
    problems = []
    targets = [("x86-64-v3", ["--target-cpu=x86-64-v3"], 0)]
    if has_vnni():
        targets.insert(0, ("vnni", [], min_vnni))
    for label, flags, want in targets:
        lib = os.path.join(work, f"{name}-{label}.so")
        proc = subprocess.run([args.kilnc, path, "-o", lib, "--kiln-stats"] + flags,
                              capture_output=True, text=True)
        if proc.returncode:
            problems.append(f"{label} compile: {zoo_test.first_error(proc.stderr)}")
            continue
        stats = stats_of(proc.stderr)
        got_vnni = stats.get("int8-contractions", 0)
        if got_vnni < want:
            problems.append(f"{label}: {got_vnni} VNNI contractions, expected at least {want}")
        for stat, least in min_stats.items():
            if stats.get(stat, 0) < least:
                problems.append(f"{label}: {stats.get(stat, 0)} {stat}, expected at least {least}")
        # Where the CPU has AMX the VNNI library runs on the tiles, and again with
        # KILN_DISABLE_AMX on its vpdpbusd fallback.
        runs = [(label, None)]
        if label == "vnni" and has_amx():
            runs = [("vnni-amx", None), ("vnni-no-amx", dict(os.environ, KILN_DISABLE_AMX="1"))]
        for sizes in shape_sets:
            feeds = g.feeds(sizes)
            for run_label, env in runs:
                problems += check_run(args, lib, work, run_label, sizes, feeds, sess, env)
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kilnc", required=True)
    ap.add_argument("--kiln-run", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--models", default=",".join(MODELS))
    args = ap.parse_args()
    failures = 0
    for name in args.models.split(","):
        problems = run(args, name)
        failures += bool(problems)
        print(f"[{name}] {'FAIL ' + '; '.join(problems) if problems else 'PASS'}", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
