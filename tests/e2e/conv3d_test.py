#!/usr/bin/env python3
"""End-to-end test of 3-D convolution on the channels-last kernels: the layout plugin
makes each f32 3-D Conv an NDHWC kiln.conv_nhwc (counter ndhwc), which lowers to the
implicit-GEMM contraction (group 1 and grouped) or to the depthwise kernel. Each model is
compiled by kilnc (-O2), run by kiln-run at every listed input shape and compared with
onnxruntime within zoo_test.py's tolerance (max |kiln - ort| <= 1e-3 * max(1, max |ort|)),
and must report at least the listed counters (kilnc --kiln-stats).

    conv3d_test.py --kilnc K --kiln-run R --work DIR [--models a,b]

Models:
  forms     one Conv per form on its own input: 3x3x3 pad 1, 1x3x3 (spatial), 3x1x1
            (temporal), 1x1x1, 2x3x3 stride 2x2x1 with uneven pads, dilation 2x1x2,
            SAME_UPPER with stride 2, kernel 3x5x5 without pads, group 2 and group 4,
            depthwise 3x3x3 stride 2 and depthwise 3x1x1 dilated; with and without
            bias, channel counts that are and are not a multiple of the vector width,
            batch 2; Relu, Clip, Sigmoid and BatchNormalization epilogues;
  r2plus1d  an R(2+1)D residual block (1x3x3 spatial, BatchNorm, Relu, 3x1x1 temporal,
            BatchNorm, residual Add, Relu) between a strided 3x7x7 stem and MaxPool /
            AveragePool 3-D and a GlobalAveragePool head, on NDHWC throughout;
  dynamic   the same kinds of Conv (dense 3x3x3 strided, 1x3x3, 3x1x1, grouped,
            depthwise) on dynamic D, H and W, run at two sizes;
  grouped2d the grouped (not depthwise) 2-D and 1-D Convs, which take the same
            channels-last implicit GEMM with a group dim: ResNeXt's 32 groups of 4, 8
            groups of 16 with stride 2, 2 groups of a 5x5 with dilation, a grouped 1-D conv,
            and a 2-D block (1x1, grouped 3x3, 1x1, residual Add) on dynamic H and W.
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import conv_kernels_test  # noqa: E402  (run and the command line, shared)
from conv_kernels_test import Graph  # noqa: E402


def conv3d(g, x, cin, cout, k, stride=(1, 1, 1), pads=None, dilation=(1, 1, 1), group=1,
           bias=True, auto_pad=None):
    """A 3-D Conv with random weights; `pads` defaults to half the dilated kernel."""
    if pads is None and auto_pad is None:
        pads = [(kk // 2) * d for kk, d in zip(k, dilation)] * 2
    fan_in = cin // group * k[0] * k[1] * k[2]
    w = g.init(g.rng.standard_normal((cout, cin // group) + tuple(k)) / np.sqrt(fan_in))
    inputs = [x, w] + ([g.init(g.rng.standard_normal(cout) * 0.1)] if bias else [])
    attrs = dict(kernel_shape=list(k), strides=list(stride), dilations=list(dilation), group=group)
    if auto_pad:
        attrs["auto_pad"] = auto_pad
    else:
        attrs["pads"] = list(pads)
    return g.op("Conv", inputs, **attrs)


def forms_model(path):
    g = Graph(31)
    cases = [
        # n, cin, cout, dhw, kernel, stride, pads, dilation, group, bias, epilogue
        (1, 16, 32, (4, 10, 9), (3, 3, 3), (1, 1, 1), None, (1, 1, 1), 1, True, "Relu"),
        (2, 8, 24, (3, 9, 11), (1, 3, 3), (1, 1, 1), (0, 1, 1, 0, 1, 1), (1, 1, 1), 1, True, None),
        (1, 24, 16, (5, 7, 6), (3, 1, 1), (1, 1, 1), (1, 0, 0, 1, 0, 0), (1, 1, 1), 1, False, "Relu"),
        (1, 12, 20, (3, 5, 7), (1, 1, 1), (1, 1, 1), (0, 0, 0, 0, 0, 0), (1, 1, 1), 1, True, "Sigmoid"),
        (1, 5, 16, (6, 12, 9), (2, 3, 3), (2, 2, 1), (1, 0, 2, 0, 1, 1), (1, 1, 1), 1, True, None),
        (1, 8, 8, (7, 9, 10), (3, 3, 3), (1, 1, 1), (2, 1, 2, 2, 1, 2), (2, 1, 2), 1, True, "Clip"),
        (1, 6, 10, (5, 9, 8), (3, 3, 3), (2, 2, 2), "SAME_UPPER", (1, 1, 1), 1, True, None),
        (1, 4, 16, (5, 11, 12), (3, 5, 5), (1, 1, 1), (0, 0, 0, 0, 0, 0), (1, 1, 1), 1, True, "BN"),
        (1, 16, 32, (4, 8, 8), (3, 3, 3), (1, 1, 1), None, (1, 1, 1), 2, True, "Relu"),
        (1, 16, 8, (3, 7, 7), (1, 3, 3), (1, 2, 2), (0, 1, 1, 0, 1, 1), (1, 1, 1), 4, False, None),
        (1, 24, 24, (6, 9, 10), (3, 3, 3), (2, 2, 2), None, (1, 1, 1), 24, True, "Relu"),
        (2, 20, 20, (7, 5, 6), (3, 1, 1), (1, 1, 1), (2, 0, 0, 2, 0, 0), (2, 1, 1), 20, False, None),
    ]
    inputs, outs = [], []
    for i, (n, cin, cout, dhw, k, s, pads, d, group, bias, epi) in enumerate(cases):
        x = f"x{i}"
        inputs.append((x, [n, cin] + list(dhw)))
        if pads == "SAME_UPPER":
            y = conv3d(g, x, cin, cout, k, s, dilation=d, group=group, bias=bias,
                       auto_pad="SAME_UPPER")
        else:
            y = conv3d(g, x, cin, cout, k, s, pads, d, group, bias)
        if epi == "Clip":
            y = g.op("Clip", [y, g.init(0.0), g.init(0.5)])
        elif epi == "BN":
            y = g.bn(y, cout)
        elif epi:
            y = g.op(epi, [y])
        outs.append(y)
    g.save(path, inputs, outs)
    # Every Conv is NDHWC; 2 depthwise; the 10 others are contractions.
    return [{n: s for n, s in inputs}], {"ndhwc": len(cases), "depthwise": 2,
                                         "contractions": 10}, 2 * len(cases)


def r2plus1d_model(path):
    g = Graph(32)
    x = g.op("Relu", [g.bn(conv3d(g, "x", 3, 16, (3, 7, 7), (1, 2, 2), bias=False), 16)])
    x = g.op("MaxPool", [x], kernel_shape=[1, 3, 3], strides=[1, 2, 2], pads=[0, 1, 1, 0, 1, 1])
    for _ in range(2):
        y = g.op("Relu", [g.bn(conv3d(g, x, 16, 24, (1, 3, 3), bias=False), 24)])
        y = g.bn(conv3d(g, y, 24, 16, (3, 1, 1), bias=False), 16)
        x = g.op("Relu", [g.op("Add", [x, y])])
    x = g.op("AveragePool", [x], kernel_shape=[2, 2, 2], strides=[2, 2, 2])
    x = g.op("Flatten", [g.op("GlobalAveragePool", [x])])
    y = g.op("Gemm", [x, g.init(g.rng.standard_normal((10, 16)) * 0.3)], transB=1)
    g.save(path, [("x", [1, 3, 8, 32, 32])], [y])
    return [{"x": [1, 3, 8, 32, 32]}], {"ndhwc": 5, "contractions": 5}, 4


def dynamic_model(path):
    g = Graph(33)
    x = g.op("Relu", [conv3d(g, "x", 3, 16, (3, 3, 3), (1, 2, 2))])
    a = conv3d(g, x, 16, 24, (1, 3, 3))
    b = g.op("Relu", [conv3d(g, a, 24, 16, (3, 1, 1), bias=False)])
    c = conv3d(g, b, 16, 16, (3, 3, 3), group=4)
    e = g.op("Relu", [conv3d(g, c, 16, 16, (3, 3, 3), (2, 1, 1), group=16)])
    g.save(path, [("x", [1, 3, "D", "H", "W"])], [e, a])
    return ([{"x": [1, 3, 5, 17, 23]}, {"x": [1, 3, 8, 32, 32]}],
            {"ndhwc": 5, "depthwise": 1, "contractions": 4}, 4)


def grouped2d_model(path):
    g = Graph(34)
    outs, inputs = [], []
    for i, (cin, cout, hw, k, s, d, group) in enumerate([(128, 128, 14, 3, 1, 1, 32),
                                                         (128, 64, 15, 3, 2, 1, 8),
                                                         (24, 36, 13, 5, 1, 2, 2)]):
        x = f"x{i}"
        inputs.append((x, [1, cin, hw, hw + 2]))
        outs.append(g.op("Relu", [g.conv(x, cin, cout, k, stride=s, dilation=d, group=group)]))
    # 1-D: [N, C, L], 4 groups.
    w = g.init(g.rng.standard_normal((16, 4, 3)) / np.sqrt(12))
    inputs.append(("a", [2, 16, 40]))
    outs.append(g.op("Conv", ["a", w], kernel_shape=[3], pads=[1, 1], strides=[2], group=4))
    # A ResNeXt block on dynamic H and W.
    y = g.op("Relu", [g.conv("b", 32, 64, 1)])
    y = g.op("Relu", [g.conv(y, 64, 64, 3, group=16)])
    y = g.conv(y, 64, 32, 1)
    outs.append(g.op("Relu", [g.op("Add", ["b", y])]))
    g.save(path, inputs + [("b", [1, 32, "H", "W"])], outs)
    static = {n: s for n, s in inputs}
    return ([dict(static, b=[1, 32, 9, 11]), dict(static, b=[1, 32, 20, 16])],
            {"grouped-nhwc": 5, "contractions": 7}, 2 * 5 + 2)


MODELS = {"forms": forms_model, "r2plus1d": r2plus1d_model, "dynamic": dynamic_model,
          "grouped2d": grouped2d_model}


if __name__ == "__main__":
    sys.exit(conv_kernels_test.main(MODELS, __doc__))
