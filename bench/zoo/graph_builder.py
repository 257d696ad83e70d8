"""Shared helpers for the Kiln model zoo: a small graph builder that writes ONNX graphs the
way PyTorch's TorchScript-based exporter (torch.onnx.export, opset 17, eval mode, constant
folding on) writes them.

Conventions copied from the exporter:
  * node names are the module path: "/layer1/layer1.0/conv1/Conv"; a node's single output is
    "<node name>_output_0";
  * parameters keep their state-dict names ("fc.weight") when used as-is; parameters the
    exporter rewrote by constant folding (BatchNorm folded into a Conv, a Linear weight
    transposed for MatMul) get anonymous names "onnx::Conv_123", "onnx::MatMul_456";
  * scalars and small shape vectors are Constant nodes ("/Constant_3_output_0");
  * opset 17 forms: Unsqueeze/Split/Slice/Clip take axes/split/bounds as inputs, ReduceMean
    takes axes as an attribute.

Every model module exposes `build(small=False) -> onnx.ModelProto` and
`make_inputs(batch, rng, small=False) -> dict[name, np.ndarray]`.
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
IR_VERSION = 8
BATCH = "batch"  # the symbolic batch dimension on every input and output

_NP_TO_ONNX = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.int64): TensorProto.INT64,
               np.dtype(np.bool_): TensorProto.BOOL, np.dtype(np.int32): TensorProto.INT32}


class GraphBuilder:
    """Accumulates nodes, initializers, inputs and outputs of one exporter-style graph."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.inputs, self.outputs = [], [], [], []
        self._names = set()
        self._counter = {}
        self._onnx_id = 100  # exporter's anonymous value numbering ("onnx::Conv_100")
        self.scope = []

    # ----- naming ---------------------------------------------------------------------------
    def _unique(self, base):
        n = self._counter.get(base, 0)
        self._counter[base] = n + 1
        return base if n == 0 else f"{base}_{n}"

    def node_name(self, op):
        prefix = "/" + "/".join(self.scope) + "/" if self.scope else "/"
        return self._unique(prefix + op)

    def push(self, *parts):
        """Enters a module scope: push("layer1", "layer1.0") -> "/layer1/layer1.0/..."."""
        self.scope.extend(parts)
        return self

    def pop(self, n=1):
        del self.scope[len(self.scope) - n:]

    # ----- values -----------------------------------------------------------------------------
    def input(self, name, elem_type, shape):
        self.inputs.append(helper.make_tensor_value_info(name, elem_type, shape))
        return name

    def output(self, name, elem_type, shape):
        self.outputs.append(helper.make_tensor_value_info(name, elem_type, shape))

    def init(self, array, name=None, op=None):
        """Adds an initializer; anonymous "onnx::<op>_<n>" name when `name` is None."""
        if name is None:
            name = f"onnx::{op or 'Const'}_{self._onnx_id}"
            self._onnx_id += 1
        assert name not in self._names, name
        self._names.add(name)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def const(self, value, dtype=np.float32):
        """A Constant node holding `value` (a scalar stays rank 0, as the exporter writes it)."""
        arr = np.array(value, dtype=dtype)
        name = self.node_name("Constant")
        out = name + "_output_0"
        self.nodes.append(helper.make_node("Constant", [], [out], name=name,
                                           value=numpy_helper.from_array(arr)))
        return out

    def op(self, op_type, inputs, n_out=1, **attrs):
        """Appends a node; returns its output name (or a list when n_out > 1)."""
        name = self.node_name(op_type)
        outs = [f"{name}_output_{i}" for i in range(n_out)]
        self.nodes.append(helper.make_node(op_type, list(inputs), outs, name=name, **attrs))
        return outs[0] if n_out == 1 else outs

    def rename_last_output(self, new_name):
        """Gives the last node's output a graph-output name (the exporter does the same)."""
        self.nodes[-1].output[0] = new_name
        return new_name

    # ----- random weights ---------------------------------------------------------------------
    def normal(self, shape, std):
        return (self.rng.standard_normal(shape) * std).astype(np.float32)

    def uniform(self, shape, lo, hi):
        return self.rng.uniform(lo, hi, shape).astype(np.float32)

    # ----- composite layers in exporter form -------------------------------------------------
    def conv_bn(self, x, cin, cout, k, stride=1, group=1, bn_gain=(0.5, 1.0)):
        """Conv2d(bias=False) + BatchNorm2d folded into one Conv with weight and bias, the way
        eval-mode export with constant folding writes it. He-initialised conv weight; random
        BN statistics (gamma drawn from `bn_gain`)."""
        fan_in = cin // group * k * k
        w = self.normal((cout, cin // group, k, k), np.sqrt(2.0 / fan_in))
        gamma = self.uniform((cout,), *bn_gain)
        beta = self.normal((cout,), 0.05)
        mean = self.normal((cout,), 0.05)
        var = self.uniform((cout,), 0.8, 1.2)
        scale = gamma / np.sqrt(var + 1e-5)
        wf = (w * scale[:, None, None, None]).astype(np.float32)
        bf = (beta - mean * scale).astype(np.float32)
        wn = self.init(wf, op="Conv")
        bn = self.init(bf, op="Conv")
        p = k // 2
        return self.op("Conv", [x, wn, bn], dilations=[1, 1], group=group,
                       kernel_shape=[k, k], pads=[p, p, p, p], strides=[stride, stride])

    def conv_then_bn(self, x, prefix, cin, cout, k, stride=1, group=1, bn_gain=(0.5, 1.0)):
        """Conv2d(bias=False) followed by its own BatchNormalization node, as exporters write it
        without constant folding (torch.onnx.export(do_constant_folding=False), TF-converted
        and training-mode graphs): state-dict names "<prefix>.weight", "<bn prefix>.running_mean"
        and so on, where `prefix` is a pair ("conv1", "bn1")."""
        conv_name, bn_name = prefix
        fan_in = cin // group * k * k
        w = self.init(self.normal((cout, cin // group, k, k), np.sqrt(2.0 / fan_in)), conv_name + ".weight")
        p = k // 2
        self.push(conv_name.split(".")[-1])
        y = self.op("Conv", [x, w], dilations=[1, 1], group=group, kernel_shape=[k, k],
                    pads=[p, p, p, p], strides=[stride, stride])
        self.pop()
        gamma = self.init(self.uniform((cout,), *bn_gain), bn_name + ".weight")
        beta = self.init(self.normal((cout,), 0.05), bn_name + ".bias")
        mean = self.init(self.normal((cout,), 0.05), bn_name + ".running_mean")
        var = self.init(self.uniform((cout,), 0.8, 1.2), bn_name + ".running_var")
        self.push(bn_name.split(".")[-1])
        y = self.op("BatchNormalization", [y, gamma, beta, mean, var], epsilon=1e-5, momentum=0.9)
        self.pop()
        return y

    def gelu(self, x):
        """nn.GELU() as the exporter writes it below opset 20: x * 0.5 * (1 + erf(x / sqrt 2))."""
        d = self.op("Div", [x, self.const(1.4142135381698608)])
        e = self.op("Erf", [d])
        a = self.op("Add", [e, self.const(1.0)])
        m = self.op("Mul", [x, a])
        return self.op("Mul", [m, self.const(0.5)])

    def gemm(self, x, prefix, fin, fout):
        """nn.Linear on a 2-D input: Gemm(alpha=1, beta=1, transB=1) with state-dict names."""
        w = self.init(self.normal((fout, fin), np.sqrt(1.0 / fin)), prefix + ".weight")
        b = self.init(self.normal((fout,), 0.02), prefix + ".bias")
        return self.op("Gemm", [x, w, b], alpha=1.0, beta=1.0, transB=1)

    def linear(self, x, prefix, fin, fout, std=None):
        """nn.Linear on an N-D input: MatMul with the folded, transposed weight
        ("onnx::MatMul_N", shape [fin, fout]) then Add(bias, matmul) (bias first, as exported)."""
        std = np.sqrt(1.0 / fin) if std is None else std
        w = self.init(self.normal((fin, fout), std), op="MatMul")
        b = self.init(self.normal((fout,), 0.02), prefix + ".bias")
        self.push(prefix.split(".")[-1])
        mm = self.op("MatMul", [x, w])
        y = self.op("Add", [b, mm])
        self.pop()
        return y

    def layer_norm(self, x, prefix, dim, eps):
        """LayerNorm decomposed exactly as the exporter writes it below opset 17's native op:
        ReduceMean, Sub, Pow(2), ReduceMean, Add eps, Sqrt, Div, Mul gain, Add bias."""
        g = self.init(np.ones((dim,), np.float32), prefix + ".weight")
        b = self.init(self.normal((dim,), 0.02), prefix + ".bias")
        self.push(prefix.split(".")[-1])
        mean = self.op("ReduceMean", [x], axes=[-1], keepdims=1)
        d = self.op("Sub", [x, mean])
        sq = self.op("Pow", [d, self.const(2.0)])
        var = self.op("ReduceMean", [sq], axes=[-1], keepdims=1)
        ve = self.op("Add", [var, self.const(eps)])
        sd = self.op("Sqrt", [ve])
        n = self.op("Div", [d, sd])
        y = self.op("Add", [self.op("Mul", [n, g]), b])
        self.pop()
        return y

    def dim(self, x, axis):
        """Shape -> Gather(axis) -> Unsqueeze: the exporter's x.size(axis) as a 1-D tensor."""
        shape = self.op("Shape", [x])
        g = self.op("Gather", [shape, self.const(axis, np.int64)], axis=0)
        return self.op("Unsqueeze", [g, self.const([0], np.int64)])

    def reshape_dynamic(self, x, batch_of, seq_of, tail):
        """x.view(x.size(0), x.size(1), *tail) with the Shape->Gather->Unsqueeze->Concat shape."""
        parts = [self.dim(batch_of, 0), self.dim(seq_of, 1), self.const(list(tail), np.int64)]
        shape = self.op("Concat", parts, axis=0)
        return self.op("Reshape", [x, shape])

    # ----- image classifiers ------------------------------------------------------------------
    def image_input(self, image_size):
        """The CNNs' input: `input` [batch, 3, image_size, image_size]."""
        return self.input("input", TensorProto.FLOAT, [BATCH, 3, image_size, image_size])

    def global_pool(self, x, scope=None):
        """GlobalAveragePool (in module `scope`, if any) then Flatten(axis=1)."""
        if scope:
            self.push(scope)
        x = self.op("GlobalAveragePool", [x])
        if scope:
            self.pop()
        return self.op("Flatten", [x], axis=1)

    def logits_output(self, classes=1000):
        """The last node's output becomes the graph output `output` [batch, classes]."""
        self.rename_last_output("output")
        self.output("output", TensorProto.FLOAT, [BATCH, classes])

    # ----- finish -----------------------------------------------------------------------------
    def model(self, graph_name="main_graph", doc=""):
        graph = helper.make_graph(self.nodes, graph_name, self.inputs, self.outputs, self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name="pytorch", producer_version="2.1.0",
                                  ir_version=IR_VERSION, doc_string=doc)
        return model


def image_inputs(batch, rng, image_size):
    """Random N(0, 1) images for image_input()."""
    return {"input": rng.standard_normal((batch, 3, image_size, image_size)).astype(np.float32)}


def check(model):
    """onnx.checker full check (strict shape inference) for models under the 2 GiB limit."""
    onnx.checker.check_model(model, full_check=True)
    return model
