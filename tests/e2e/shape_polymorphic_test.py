"""Models whose spatial sizes or ranks are only known at run time, as real exporters write them.

Each model is compiled once with its dynamic dims left dynamic and run at several sizes with
kiln-run; ONNX Runtime is the reference (tolerance 1e-4 relative to max(1, max |ort|)):

  * Conv with dynamic H and W: 1x1, strided, dilated, depthwise, and auto_pad SAME with a
    stride > 1 (pads computed at run time from the size);
  * Conv -> MaxPool/AveragePool -> Conv (the pool runs on NHWC between the NHWC
    convolutions): pads, SAME, count_include_pad 0 and 1, ceil_mode on a fixed size;
  * pools on dynamic H and W with ceil_mode (max; average as PaddleOCR's ResNet_vd
    shortcuts write it, 2x2 stride 2, padding not counted; counted pads), auto_pad SAME
    with a stride > 1 (as tf2onnx writes pools; pads and divisors computed at run time),
    and LpPool, also alone (NCHW);
  * ConvTranspose with dynamic H and W: strides, pads, output_padding, dilations, groups,
    SAME_UPPER / SAME_LOWER (text detectors' upsampling heads);
  * Resize by constant scales of a dynamic-size image (detectors' feature pyramids), and to
    sizes computed from another tensor's Shape;
  * an If on a rank check (`if x.dim() == 3`, torch.jit export) whose branches return
    different ranks, and an If on a run-time value with same-rank branches;
  * an If on a run-time size (`x.squeeze(-1)` exported: squeeze when the last dim is 1)
    followed by a Gemm that only the squeezed rank fits (silero-vad's decoder): compiled
    for the valid branch; an input that takes the other returns an error, as in ORT.

Usage: shape_polymorphic_test.py --kilnc KILNC --kiln-run KILN_RUN --work DIR
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

TOL = 1e-4
rng = np.random.default_rng(11)


def model(nodes, inputs, outputs, inits=(), opset=17):
    graph = helper.make_graph(nodes, "g", inputs, outputs,
                              [numpy_helper.from_array(v, k) for k, v in inits])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def f32_info(name, dims):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, dims)


def conv_transpose(name, channels, group, attrs):
    w = rng.standard_normal((channels, 4 // group, 3, 3)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    node = helper.make_node("ConvTranspose", ["X", "W", "B"], ["Y"], name="/up", **attrs)
    return name, model([node], [f32_info("X", ["N", channels, "H", "W"])],
                       [f32_info("Y", ["N", 4, "OH", "OW"])], [("W", w), ("B", b)])


def conv(name, kernel, attrs):
    w = rng.standard_normal((6, 3, kernel, kernel)).astype(np.float32)
    b = rng.standard_normal(6).astype(np.float32)
    node = helper.make_node("Conv", ["X", "W", "B"], ["Y"], name="/conv", **attrs)
    return name, model([node], [f32_info("X", ["N", 3, "H", "W"])],
                       [f32_info("Y", ["N", 6, "OH", "OW"])], [("W", w), ("B", b)])


def conv_depthwise(name, attrs):
    w = rng.standard_normal((3, 1, 3, 3)).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    node = helper.make_node("Conv", ["X", "W", "B"], ["Y"], name="/dw", group=3, **attrs)
    return name, model([node], [f32_info("X", ["N", 3, "H", "W"])],
                       [f32_info("Y", ["N", 3, "OH", "OW"])], [("W", w), ("B", b)])


def conv_pool(name, pool, attrs, dims=("N", 3, "H", "W")):
    """Conv -> pool -> Conv: the layout plugin runs the pool on NHWC (kiln.pool_nhwc)."""
    w1 = rng.standard_normal((8, 3, 3, 3)).astype(np.float32)
    w2 = rng.standard_normal((4, 8, 1, 1)).astype(np.float32)
    nodes = [helper.make_node("Conv", ["X", "W1"], ["a"], name="/c1", pads=[1, 1, 1, 1]),
             helper.make_node(pool, ["a"], ["p"], name="/pool", **attrs),
             helper.make_node("Conv", ["p", "W2"], ["Y"], name="/c2")]
    return name, model(nodes, [f32_info("X", list(dims))], [f32_info("Y", ["N", 4, "OH", "OW"])],
                       [("W1", w1), ("W2", w2)])


def pool_alone(name, pool, attrs, opset=17):
    """One pool on NCHW (no convolution to run it channels-last)."""
    nodes = [helper.make_node(pool, ["X"], ["Y"], name="/pool", **attrs)]
    return name, model(nodes, [f32_info("X", ["N", 3, "H", "W"])],
                       [f32_info("Y", ["N", 3, "OH", "OW"])], opset=opset)


def cases():
    yield conv_pool("pool_max_k3s2", "MaxPool", dict(kernel_shape=[3, 3], strides=[2, 2],
                                                     pads=[1, 1, 1, 1]))
    yield conv_pool("pool_avg_exclude_pad", "AveragePool",
                    dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1], count_include_pad=0))
    yield conv_pool("pool_avg_include_pad", "AveragePool",
                    dict(kernel_shape=[3, 2], strides=[2, 2], pads=[1, 0, 1, 1],
                         count_include_pad=1))
    yield conv_pool("pool_max_same_upper", "MaxPool",
                    dict(kernel_shape=[5, 5], auto_pad="SAME_UPPER"))
    yield conv_pool("pool_max_ceil_static", "MaxPool",
                    dict(kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1), dims=(1, 3, 9, 13))
    yield conv_pool("pool_max_ceil_dynamic", "MaxPool",
                    dict(kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1))
    yield conv_pool("pool_avg_ceil_exclude_pad", "AveragePool",
                    dict(kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1, count_include_pad=0))
    yield conv_pool("pool_avg_same_upper_stride2", "AveragePool",
                    dict(kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER"))
    yield pool_alone("pool_alone_avg_ceil_include_pad", "AveragePool",
                     dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1,
                          count_include_pad=1))
    yield pool_alone("pool_alone_avg_same_lower_stride2", "AveragePool",
                     dict(kernel_shape=[2, 3], strides=[2, 2], auto_pad="SAME_LOWER"))
    yield pool_alone("pool_alone_max_same_upper_stride2", "MaxPool",
                     dict(kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER"))
    yield pool_alone("pool_alone_lp_ceil", "LpPool",
                     dict(kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1, p=2), opset=18)
    yield conv("conv_3x3_stride2", 3, dict(strides=[2, 2], pads=[1, 1, 1, 1]))
    yield conv("conv_3x3_same_upper_stride2", 3, dict(strides=[2, 2], auto_pad="SAME_UPPER"))
    yield conv("conv_4x4_same_lower_stride3", 4, dict(strides=[3, 2], auto_pad="SAME_LOWER"))
    yield conv_depthwise("conv_depthwise_stride2", dict(strides=[2, 2], pads=[1, 1, 1, 1]))
    yield conv_depthwise("conv_depthwise_same_stride2", dict(strides=[2, 2], auto_pad="SAME_UPPER"))
    yield conv_depthwise("conv_depthwise_same", dict(auto_pad="SAME_LOWER"))
    yield conv("conv_1x1", 1, {})
    yield conv("conv_3x3_dilated", 3, dict(dilations=[2, 1], pads=[2, 1, 2, 1]))
    yield conv("conv_5x5_same", 5, dict(auto_pad="SAME_UPPER"))
    yield conv_transpose("convt_stride2_pads", 4, 1,
                         dict(strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1]))
    yield conv_transpose("convt_group_dilation", 4, 2,
                         dict(strides=[2, 1], dilations=[2, 1], group=2))
    yield conv_transpose("convt_same_upper", 2, 1, dict(strides=[2, 2], auto_pad="SAME_UPPER"))
    yield conv_transpose("convt_same_lower", 2, 1, dict(strides=[3, 2], auto_pad="SAME_LOWER"))
    scales = np.array([1, 1, 2, 2], np.float32)
    yield "resize_scales", model(
        [helper.make_node("Resize", ["X", "", "scales"], ["Y"], name="/resize", mode="nearest")],
        [f32_info("X", ["N", 3, "H", "W"])], [f32_info("Y", ["N", 3, "OH", "OW"])],
        [("scales", scales)], opset=13)
    yield "resize_to_shape_of", model(
        [helper.make_node("Shape", ["R"], ["rs"], name="/shape"),
         helper.make_node("Resize", ["X", "", "", "rs"], ["Y"], name="/resize", mode="linear",
                          coordinate_transformation_mode="half_pixel")],
        [f32_info("X", ["N", 3, "H", "W"]), f32_info("R", ["N", 3, "RH", "RW"])],
        [f32_info("Y", ["N", 3, "RH", "RW"])], opset=13)
    axes = np.array([0], np.int64)
    then_branch = helper.make_graph(
        [helper.make_node("Squeeze", ["X", "axes"], ["sq"])], "then", [], [f32_info("sq", None)])
    else_branch = helper.make_graph(
        [helper.make_node("Identity", ["X"], ["id"])], "else", [], [f32_info("id", None)])
    yield "if_rank_check", model(
        [helper.make_node("Shape", ["X"], ["s"]), helper.make_node("Size", ["s"], ["r"]),
         helper.make_node("Equal", ["r", "three"], ["c"]),
         helper.make_node("If", ["c"], ["Y"], name="/if", then_branch=then_branch,
                          else_branch=else_branch)],
        [f32_info("X", [1, "T", 8])], [f32_info("Y", ["T", 8])],
        [("axes", axes), ("three", np.array(3, np.int64))])
    neg = helper.make_graph([helper.make_node("Neg", ["X"], ["n"])], "neg", [],
                            [f32_info("n", ["T", 8])])
    keep = helper.make_graph([helper.make_node("Identity", ["X"], ["k"])], "keep", [],
                             [f32_info("k", ["T", 8])])
    yield "if_runtime", model(
        [helper.make_node("ReduceSum", ["X"], ["sum"], keepdims=0),
         helper.make_node("Greater", ["sum", "zero"], ["c"]),
         helper.make_node("If", ["c"], ["Y"], name="/if", then_branch=neg, else_branch=keep)],
        [f32_info("X", ["T", 8])], [f32_info("Y", ["T", 8])],
        [("zero", np.array(0, np.float32))])

    w = rng.standard_normal((8, 4)).astype(np.float32)
    squeeze = helper.make_graph(
        [helper.make_node("Squeeze", ["X", "last"], ["sq"])], "squeeze", [], [f32_info("sq", None)])
    identity = helper.make_graph(
        [helper.make_node("Identity", ["X"], ["id"])], "identity", [], [f32_info("id", None)])
    yield "if_squeeze_gemm", model(
        [helper.make_node("Shape", ["X"], ["s"]),
         helper.make_node("Gather", ["s", "minus1"], ["t"], axis=0),
         helper.make_node("Equal", ["t", "one"], ["c"]),
         helper.make_node("If", ["c"], ["h"], name="/if", then_branch=squeeze,
                          else_branch=identity),
         helper.make_node("Gemm", ["h", "W"], ["Y"], name="/gemm")],
        [f32_info("X", ["N", 8, "T"])], [f32_info("Y", ["N", 4])],
        [("last", np.array([-1], np.int64)), ("minus1", np.array(-1, np.int64)),
         ("one", np.array(1, np.int64)), ("W", w)])


SIZES = {
    "convt": [{"X": (1, None, 5, 7)}, {"X": (2, None, 8, 3)}],
    "conv_": [{"X": (1, 3, 9, 13)}, {"X": (2, 3, 6, 5)}],
    "resize_scales": [{"X": (1, 3, 5, 7)}, {"X": (2, 3, 10, 4)}],
    "resize_to_shape_of": [{"X": (1, 3, 5, 7), "R": (1, 3, 9, 12)},
                           {"X": (1, 3, 8, 8), "R": (1, 3, 3, 5)}],
    "if_rank_check": [{"X": (1, 4, 8)}, {"X": (1, 9, 8)}],
    "pool_max_ceil_static": [{"X": (1, 3, 9, 13)}],
    "pool_": [{"X": (1, 3, 9, 13)}, {"X": (2, 3, 6, 5)}],
    "if_runtime": [{"X": (3, 8)}, {"X": (6, 8)}],
    "if_squeeze_gemm": [{"X": (2, 8, 1)}, {"X": (5, 8, 1)}],
}
# Sizes ONNX Runtime refuses at run time too: kiln-run must return an error, not crash.
REFUSED = {
    "if_squeeze_gemm": [{"X": (2, 8, 3)}],
}


def feeds_for(name, m, table=SIZES):
    key = next((k for k in table if name.startswith(k)), None)
    for sizes in table.get(key, []):
        feeds = {}
        for inp in m.graph.input:
            shape = list(sizes[inp.name])
            if shape[1] is None:
                shape[1] = inp.type.tensor_type.shape.dim[1].dim_value
            feeds[inp.name] = rng.standard_normal(shape).astype(np.float32)
        yield feeds


def run(name, m, kilnc, kiln_run, work):
    import onnxruntime as ort
    folder = os.path.join(work, name)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "model.onnx")
    onnx.save(m, path)
    so = os.path.join(folder, "model.so")
    r = subprocess.run([kilnc, path, "-o", so], capture_output=True, text=True)
    if r.returncode != 0:
        return [f"kilnc: {r.stderr.strip()}"]
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    errors = []
    for i, feeds in enumerate(feeds_for(name, m)):
        want = sess.run(None, feeds)[0]
        args = [kiln_run, so, "--threads", "1", "--output-dir", folder]
        for k, v in feeds.items():
            np.save(os.path.join(folder, f"{k}{i}.npy"), v)
            args += ["--input", f"{k}={folder}/{k}{i}.npy"]
        r = subprocess.run(args, capture_output=True, text=True)
        if r.returncode != 0:
            errors.append(f"sizes {i}: kiln-run: {r.stderr.strip()}")
            continue
        got = np.load(os.path.join(folder, "Y.npy"))
        if got.shape != want.shape:
            errors.append(f"sizes {i}: shape {got.shape}, want {want.shape}")
            continue
        diff = float(np.max(np.abs(got - want))) if want.size else 0.0
        if diff > TOL * max(1.0, float(np.max(np.abs(want)))):
            errors.append(f"sizes {i}: max |kiln - ort| = {diff:.3g}")
    for i, feeds in enumerate(feeds_for(name, m, REFUSED)):
        args = [kiln_run, so, "--threads", "1"]
        for k, v in feeds.items():
            np.save(os.path.join(folder, f"{k}_refused{i}.npy"), v)
            args += ["--input", f"{k}={folder}/{k}_refused{i}.npy"]
        r = subprocess.run(args, capture_output=True, text=True)
        if r.returncode <= 0 or "model" not in r.stderr:
            errors.append(f"refused sizes {i}: want an error status, got exit code "
                          f"{r.returncode}: {r.stderr.strip()}")
    return errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kilnc", required=True)
    ap.add_argument("--kiln-run", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    failures = 0
    for name, m in cases():
        errors = run(name, m, args.kilnc, args.kiln_run, args.work)
        print(f"{'FAIL' if errors else 'ok  '} {name}" + "".join(f"\n     {e}" for e in errors))
        failures += bool(errors)
    print(f"{failures} shape-polymorphic models failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
