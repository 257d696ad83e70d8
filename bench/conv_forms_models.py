#!/usr/bin/env python3
"""Writes single-layer models of the convolution and pooling forms the shape sweep lacks
(grouped 2-D convs, 3-D pools, 3-D ConvTranspose), each with an input folder, for
bench/paired_ab.py (two Kiln builds, paired) and bench/conv_forms_models.py --ort
(Kiln against ONNX Runtime, alternating, one thread):

    python3 bench/conv_forms_models.py --out /tmp/forms
    build/bin/kilnc /tmp/forms/g32.onnx -o /tmp/forms/g32.so
    python3 bench/paired_ab.py --inputs /tmp/forms/g32.inputs A.so B.so
    python3 bench/conv_forms_models.py --out /tmp/forms --ort --build build g32 maxpool3d

Models (fp32, batch 1, random weights):
  g32          ResNeXt-50 layer1 3x3 conv, 128->128 @56, group 32 (4 channels a group)
  g8           RegNet-style 3x3 conv, 256->256 @28, group 8
  g2           AlexNet conv2 5x5, 96->256 @27, group 2
  maxpool3d    3x3x3 stride 2 pad 1 MaxPool on 1x64x16x56x56 (NCDHW in and out)
  avgpool3d    2x2x2 stride 2 AveragePool on 1x64x16x56x56
  convt3d      ConvTranspose 2x2x2 stride 2, 64->32 @8x28x28 (3-D U-Net upsampling)
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def save(folder, name, nodes, inits, shape):
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("X", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(onnx.shape_inference.infer_shapes(model), os.path.join(folder, name + ".onnx"))
    inputs = os.path.join(folder, name + ".inputs")
    os.makedirs(inputs, exist_ok=True)
    np.save(os.path.join(inputs, "X.npy"), np.random.default_rng(1).standard_normal(shape).astype(np.float32))


def write_models(folder):
    rng = np.random.default_rng(0)

    def weight(name, shape):
        return numpy_helper.from_array((rng.standard_normal(shape) * 0.1).astype(np.float32), name)

    for name, cin, cout, hw, k, group in [("g32", 128, 128, 56, 3, 32), ("g8", 256, 256, 28, 3, 8),
                                          ("g2", 96, 256, 27, 5, 2)]:
        conv = helper.make_node("Conv", ["X", "W", "B"], ["Y"], kernel_shape=[k, k], pads=[k // 2] * 4,
                                group=group)
        save(folder, name, [conv], [weight("W", (cout, cin // group, k, k)), weight("B", (cout,))],
             [1, cin, hw, hw])
    save(folder, "maxpool3d", [helper.make_node("MaxPool", ["X"], ["Y"], kernel_shape=[3, 3, 3],
                                                strides=[2, 2, 2], pads=[1] * 6)], [], [1, 64, 16, 56, 56])
    save(folder, "avgpool3d", [helper.make_node("AveragePool", ["X"], ["Y"], kernel_shape=[2, 2, 2],
                                                strides=[2, 2, 2])], [], [1, 64, 16, 56, 56])
    save(folder, "convt3d", [helper.make_node("ConvTranspose", ["X", "W"], ["Y"], kernel_shape=[2, 2, 2],
                                              strides=[2, 2, 2])], [weight("W", (64, 32, 2, 2, 2))],
         [1, 64, 8, 28, 28])


def time_against_ort(folder, build, names, runs):
    import onnxruntime as ort
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import benchlib  # noqa: E402
    open_kiln, _ = benchlib.kiln_opener(build, 1)
    print("| model | ORT ms | Kiln ms | ORT/Kiln | max diff |\n|---|---:|---:|---:|---:|")
    for name in names:
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        sess = ort.InferenceSession(os.path.join(folder, name + ".onnx"), so,
                                    providers=["CPUExecutionProvider"])
        x = np.load(os.path.join(folder, name + ".inputs", "X.npy"))
        kiln = open_kiln(os.path.join(folder, name + ".so"))
        want, got = sess.run(None, {"X": x})[0], kiln.run({"X": x})["Y"]
        t_ort, t_kiln = [], []
        for _ in range(runs):  # alternating, so drifts in load hit both
            t = time.perf_counter()
            sess.run(None, {"X": x})
            t_ort.append(time.perf_counter() - t)
            t = time.perf_counter()
            kiln.run({"X": x})
            t_kiln.append(time.perf_counter() - t)
        o, k = statistics.median(t_ort) * 1e3, statistics.median(t_kiln) * 1e3
        print(f"| {name} | {o:.2f} | {k:.2f} | {o / k:.2f} | {np.abs(got - want).max():.1e} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="folder for NAME.onnx and NAME.inputs/")
    ap.add_argument("--ort", action="store_true",
                    help="time the compiled NAME.so of each named model against ONNX Runtime")
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if args.ort:
        time_against_ort(args.out, args.build, args.names, args.runs)
    else:
        write_models(args.out)


if __name__ == "__main__":
    main()
