"""Models exported in half precision (fp16 weights and activations throughout) compile and
match ONNX Runtime; their MatMul, Gemm, Conv and ConvTranspose run in f32
(kiln-widen-half-contractions) with every tensor between ops kept in fp16.

Tolerance: max |kiln - ort| <= 2e-2 * max(1, max |ort|) (fp16 has 11 significant bits; both
engines round each op's result to fp16, and the last bit may differ where an f32 sum sits
next to a rounding boundary).

Usage: half_models_test.py KILNC KILN_RUN WORK_DIR"""
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

F16 = TensorProto.FLOAT16


def init(rng, name, shape, scale):
    return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float16), name)


def mlp(rng):
    """MatMul + bias + Relu, Gemm (transB), Softmax: a classifier head on [batch, 64]."""
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["h"], name="/fc1/MatMul"),
        helper.make_node("Add", ["h", "b1"], ["hb"], name="/fc1/Add"),
        helper.make_node("Relu", ["hb"], ["r"], name="/relu"),
        helper.make_node("Gemm", ["r", "w2", "b2"], ["logits"], name="/fc2/Gemm", transB=1),
        helper.make_node("Softmax", ["logits"], ["y"], name="/softmax", axis=-1),
    ]
    inits = [init(rng, "w1", (64, 128), 0.125), init(rng, "b1", (128,), 0.1),
             init(rng, "w2", (10, 128), 0.09), init(rng, "b2", (10,), 0.1)]
    graph = helper.make_graph(nodes, "mlp16", [helper.make_tensor_value_info("x", F16, ["batch", 64])],
                              [helper.make_tensor_value_info("y", F16, ["batch", 10])], inits)
    return graph, {"x": rng.standard_normal((3, 64)).astype(np.float16)}


def cnn(rng):
    """Conv + Relu, depthwise Conv, MaxPool, ConvTranspose, GlobalAveragePool, Gemm on
    [batch, 3, H, W] with dynamic H and W."""
    nodes = [
        helper.make_node("Conv", ["x", "c1w", "c1b"], ["c1"], name="/conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="/relu1"),
        helper.make_node("Conv", ["r1", "dww"], ["dw"], name="/dw", group=16, pads=[1, 1, 1, 1]),
        helper.make_node("MaxPool", ["dw"], ["p"], name="/pool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("ConvTranspose", ["p", "ctw"], ["up"], name="/up", strides=[2, 2]),
        helper.make_node("GlobalAveragePool", ["up"], ["g"], name="/gap"),
        helper.make_node("Flatten", ["g"], ["f"], name="/flatten"),
        helper.make_node("Gemm", ["f", "fcw", "fcb"], ["y"], name="/fc", transB=1),
    ]
    inits = [init(rng, "c1w", (16, 3, 3, 3), 0.2), init(rng, "c1b", (16,), 0.1),
             init(rng, "dww", (16, 1, 3, 3), 0.3), init(rng, "ctw", (16, 8, 2, 2), 0.25),
             init(rng, "fcw", (5, 8), 0.3), init(rng, "fcb", (5,), 0.1)]
    graph = helper.make_graph(nodes, "cnn16",
                              [helper.make_tensor_value_info("x", F16, ["batch", 3, "h", "w"])],
                              [helper.make_tensor_value_info("y", F16, ["batch", 5])], inits)
    return graph, {"x": rng.standard_normal((2, 3, 20, 28)).astype(np.float16)}


def check(kilnc, kiln_run, work, name, graph, feeds):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    folder = os.path.join(work, name)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "model.onnx")
    onnx.save(model, path)
    so = os.path.join(folder, "model.so")
    r = subprocess.run([kilnc, path, "-o", so], capture_output=True, text=True)
    if r.returncode != 0:
        return f"{name}: kilnc exit {r.returncode}: {r.stderr.strip()}"
    args = [kiln_run, so, "--threads", "1", "--output-dir", folder]
    for k, v in feeds.items():
        np.save(os.path.join(folder, k + ".npy"), v)
        args += ["--input", f"{k}={folder}/{k}.npy"]
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        return f"{name}: kiln-run exit {r.returncode}: {r.stderr.strip()}"
    got = np.load(os.path.join(folder, "y.npy"))
    want = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, feeds)[0]
    if got.dtype != np.float16 or got.shape != want.shape:
        return f"{name}: got {got.dtype}{list(got.shape)}, want float16{list(want.shape)}"
    diff = float(np.max(np.abs(got.astype(np.float32) - want.astype(np.float32))))
    tol = 2e-2 * max(1.0, float(np.max(np.abs(want.astype(np.float32)))))
    print(f"{name}: max |kiln - ort| {diff:.3g} (tolerance {tol:.3g})")
    return None if diff <= tol else f"{name}: max diff {diff:.3g} > {tol:.3g}"


def main():
    kilnc, kiln_run, work = sys.argv[1:4]
    rng = np.random.default_rng(0)
    failures = [f for f in (check(kilnc, kiln_run, work, n, *build(rng))
                            for n, build in (("mlp16", mlp), ("cnn16", cnn))) if f]
    for f in failures:
        print("FAIL", f)
    print(f"{2 - len(failures)} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
