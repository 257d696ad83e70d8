#!/usr/bin/env python3
"""End-to-end test of `kilnc --winograd` (3x3 stride-1 convolutions as Winograd
F(2x2, 3x3), passes/OnnxToLinalg/NN/ConvWinograd.cpp): each model is compiled with
--winograd, must report its Winograd convolutions (kilnc --kiln-stats) and match ORT at
zoo_test.py's tolerance on every input shape (conv_kernels_test.py's run()).

    winograd_test.py --kilnc K --kiln-run R --work DIR [--models a,b]

Models (each: a ResNet basic block, BatchNormalization folded, residual Add, Relu; a 3x3
conv with asymmetric pads (1, 0, 1, 2); a 3x3 conv of 16 channels, below the threshold,
kept direct):
  block    at 40x36, batch 2;
  odd      at 33x29 (odd sizes: the last tile row and column half outside the image);
  dynamic  on dynamic H and W, at 33x29 and 24x40.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import conv_kernels_test  # noqa: E402  (run and the command line, shared)
from conv_kernels_test import Graph  # noqa: E402


def block(g, x):
    y = g.op("Relu", [g.bn(g.conv(x, 32, 48, 3, bias=False), 48)])
    y = g.bn(g.conv(y, 48, 32, 3, bias=False), 32)
    x = g.op("Relu", [g.op("Add", [x, y])])
    # Asymmetric pads: OH = H, OW = W + 1.
    w = g.init(g.rng.standard_normal((40, 32, 3, 3)) / 17.0)
    z = g.op("Conv", [x, w], kernel_shape=[3, 3], pads=[1, 0, 1, 2])
    # 16 input channels: below the threshold, a direct convolution.
    return g.conv(g.conv(g.op("Relu", [z]), 40, 16, 1), 16, 16, 3)


def block_model(path):
    g = Graph(41)
    g.save(path, [("x", [2, 32, 40, 36])], [block(g, "x")])
    # Transposes: the graph input and the residual Add that reads it stay NCHW.
    return [{"x": [2, 32, 40, 36]}], {"winograd": 3}, 4


def odd_model(path):
    g = Graph(42)
    g.save(path, [("x", [1, 32, 33, 29])], [block(g, "x")])
    return [{"x": [1, 32, 33, 29]}], {"winograd": 3}, 4


def dynamic_model(path):
    g = Graph(43)
    g.save(path, [("x", [1, 32, "H", "W"])], [block(g, "x")])
    return [{"x": [1, 32, 33, 29]}, {"x": [1, 32, 24, 40]}], {"winograd": 3}, 4


MODELS = {"block": block_model, "odd": odd_model, "dynamic": dynamic_model}

if __name__ == "__main__":
    sys.exit(conv_kernels_test.main(MODELS, __doc__, kilnc_args=["--winograd"]))
