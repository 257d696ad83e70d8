#!/usr/bin/env python3
"""Writes bench/models/example_cnn.onnx: the small model the README's first command compiles.

A two-layer CNN classifier for 3x32x32 images with a symbolic batch dimension `N`, written
the way PyTorch's exporter writes it (Conv/Relu/MaxPool, then `x.view(x.size(0), -1)` as a
Shape-Gather-Unsqueeze-Concat-Reshape subgraph, then Gemm). Random weights, fixed seed.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def build():
    rng = np.random.default_rng(0)

    def init(name, shape, scale=0.1):
        return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)

    inits = [
        init("conv1.weight", (8, 3, 3, 3)), init("conv1.bias", (8,)),
        init("conv2.weight", (16, 8, 3, 3)), init("conv2.bias", (16,)),
        init("fc.weight", (10, 16 * 8 * 8)), init("fc.bias", (10,)),
        numpy_helper.from_array(np.array(0, np.int64), "zero"),
        numpy_helper.from_array(np.array([-1], np.int64), "minus_one"),
    ]
    nodes = [
        helper.make_node("Conv", ["input", "conv1.weight", "conv1.bias"], ["c1"], name="/conv1/Conv",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="/relu1/Relu"),
        helper.make_node("MaxPool", ["r1"], ["p1"], name="/pool1/MaxPool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "conv2.weight", "conv2.bias"], ["c2"], name="/conv2/Conv",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]),
        helper.make_node("Relu", ["c2"], ["r2"], name="/relu2/Relu"),
        helper.make_node("MaxPool", ["r2"], ["p2"], name="/pool2/MaxPool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Shape", ["p2"], ["shape"], name="/Shape"),
        helper.make_node("Gather", ["shape", "zero"], ["batch"], name="/Gather", axis=0),
        helper.make_node("Unsqueeze", ["batch", "axes0"], ["batch1"], name="/Unsqueeze"),
        helper.make_node("Concat", ["batch1", "minus_one"], ["new_shape"], name="/Concat", axis=0),
        helper.make_node("Reshape", ["p2", "new_shape"], ["flat"], name="/Reshape"),
        helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"], name="/fc/Gemm",
                         alpha=1.0, beta=1.0, transB=1),
    ]
    inits.append(numpy_helper.from_array(np.array([0], np.int64), "axes0"))
    graph = helper.make_graph(
        nodes, "main_graph",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, 32, 32])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="kiln-example", ir_version=8)
    onnx.checker.check_model(model, full_check=True)
    return model


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "models",
                                                            "example_cnn.onnx")
    onnx.save(build(), out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
