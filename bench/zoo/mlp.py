"""`mlp`: 784 -> 512 -> 256 -> 10 classifier (logits, no Softmax), as torch.onnx.export writes
an nn.Sequential of Linear/ReLU: Gemm(transB=1) + Relu. Input `input` [batch, 784] float32,
output `logits` [batch, 10]."""
import numpy as np
from onnx import TensorProto

from graph_builder import BATCH, GraphBuilder, check

SIZES = [784, 512, 256, 10]


def build(small=False):
    g = GraphBuilder(seed=1)
    x = g.input("input", TensorProto.FLOAT, [BATCH, SIZES[0]])
    for i, (fin, fout) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        g.push(f"fc{i + 1}")
        x = g.gemm(x, f"fc{i + 1}", fin, fout)
        g.pop()
        if i + 2 < len(SIZES):
            g.push(f"relu{i + 1}")
            x = g.op("Relu", [x])
            g.pop()
    g.rename_last_output("logits")
    g.output("logits", TensorProto.FLOAT, [BATCH, SIZES[-1]])
    return check(g.model(doc="mlp 784-512-256-10"))


def make_inputs(batch, rng, small=False):
    return {"input": rng.standard_normal((batch, SIZES[0])).astype(np.float32)}
