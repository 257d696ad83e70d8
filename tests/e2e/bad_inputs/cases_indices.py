"""Run-time index and integer-arithmetic errors: data-dependent indices (Gather,
GatherElements, GatherND, ScatterElements, ScatterND, Scatter) in range, negative in range
(valid in ONNX), and out of range (positive, negative, huge, INT64_MIN); integer Div and Mod
by zero; a BERT-like embedding lookup with an out-of-vocabulary token id. Where ORT refuses
the inputs Kiln must return an error naming the node, its op type, the bad index and the
axis size, never crash.

INT_MIN / -1 is not here: ONNX Runtime 1.23 itself dies of SIGFPE on it (and on
INT_MIN % -1), so it cannot be the reference; tests/e2e/int_overflow_test.py checks
Kiln's wrapping result against numpy instead."""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper

from harness import Case

_DT = {np.float32: TensorProto.FLOAT, np.int32: TensorProto.INT32, np.int64: TensorProto.INT64}


def _save(model, folder):
    """Saves `model` with its output shapes inferred (kilnc wants ranked outputs)."""
    model.ir_version = 8
    model = onnx.shape_inference.infer_shapes(model)
    path = os.path.join(folder, "model.onnx")
    onnx.save(model, path)
    return path


def _model(op, inputs, attrs=None, opset=17, out_type=TensorProto.FLOAT, node="n"):
    """One-node model: `inputs` is [(name, numpy dtype, shape)]; output Y of unknown shape."""
    def build(folder):
        graph = helper.make_graph(
            [helper.make_node(op, [n for n, _, _ in inputs], ["Y"], name=node, **(attrs or {}))],
            op.lower(),
            [helper.make_tensor_value_info(n, _DT[t], s) for n, t, s in inputs],
            [helper.make_tensor_value_info("Y", out_type, None)])
        return _save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)]),
                     folder)
    return build


def _embedding(vocab=100, hidden=8):
    """BERT's word-embedding lookup: Gather(weight[vocab, hidden], input_ids[batch, seq])."""
    def build(folder):
        weight = np.arange(vocab * hidden, dtype=np.float32).reshape(vocab, hidden) / 100
        graph = helper.make_graph(
            [helper.make_node("Gather", ["word_embeddings", "input_ids"], ["Y"],
                              name="/embeddings/word_embeddings/Gather")],
            "embedding",
            [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"])],
            [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)],
            [helper.make_tensor("word_embeddings", TensorProto.FLOAT, weight.shape,
                                weight.flatten())])
        return _save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
                     folder)
    return build


_rng = np.random.default_rng(0)
_X53 = _rng.standard_normal((5, 3)).astype(np.float32)
_X34 = _rng.standard_normal((3, 4)).astype(np.float32)
_I64_MIN = np.iinfo(np.int64).min

_gather = _model("Gather", [("X", np.float32, [5, 3]), ("I", np.int64, [None])], {"axis": 0},
                 node="/g/Gather")
_gather32 = _model("Gather", [("X", np.float32, [3, 4]), ("I", np.int32, [2])], {"axis": 1},
                   node="/g32/Gather")
_gather_el = _model("GatherElements", [("X", np.float32, [3, 4]), ("I", np.int64, [3, 2])],
                    {"axis": 1}, node="/ge/GatherElements")
_gather_nd = _model("GatherND", [("X", np.float32, [5, 3]), ("I", np.int64, [2, 2])],
                    node="/gnd/GatherND")
_scatter_el = _model("ScatterElements", [("X", np.float32, [3, 4]), ("I", np.int64, [2, 2]),
                                         ("U", np.float32, [2, 2])], {"axis": 0},
                     node="/se/ScatterElements")
_scatter_nd = _model("ScatterND", [("X", np.float32, [5, 3]), ("I", np.int64, [2, 1]),
                                   ("U", np.float32, [2, 3])], node="/snd/ScatterND")
_scatter_old = _model("Scatter", [("X", np.float32, [3, 4]), ("I", np.int64, [2, 2]),
                                  ("U", np.float32, [2, 2])], {"axis": 1}, opset=10,
                      node="/s/Scatter")


def _div(op, dtype):
    t = _DT[dtype]
    return _model(op, [("A", dtype, [4]), ("B", dtype, [4])], out_type=t, node=f"/d/{op}")


def _ints(dtype, *values):
    return np.array(values, dtype=dtype)


_U22 = np.ones((2, 2), np.float32)
_U23 = np.ones((2, 3), np.float32)
_IDS = np.array([[101, 7, 2023, 99, 0, 102]], np.int64) % 100

CASES = [
    # Gather: in range, negative in range, then every way out of range.
    Case("gather_in_range", _gather, ort="ok", inputs={"X": _X53, "I": _ints(np.int64, 0, 4, 2)}),
    Case("gather_negative_in_range", _gather, ort="ok",
         inputs={"X": _X53, "I": _ints(np.int64, -1, -5)}),
    Case("gather_out_of_range", _gather, inputs={"X": _X53, "I": _ints(np.int64, 1, 5)},
         error_contains=["/g/Gather", "Gather", "index 5", "axis 0 of size 5"]),
    Case("gather_negative_out_of_range", _gather, inputs={"X": _X53, "I": _ints(np.int64, -6)},
         error_contains=["/g/Gather", "index -6", "size 5"]),
    Case("gather_huge_index", _gather, inputs={"X": _X53, "I": _ints(np.int64, 0, 2**40)},
         error_contains=["/g/Gather", "index 1099511627776", "size 5"]),
    Case("gather_int64_min", _gather, inputs={"X": _X53, "I": _ints(np.int64, _I64_MIN, 0)},
         error_contains=["/g/Gather", f"index {_I64_MIN}", "size 5"]),
    Case("gather_int32_axis1_out_of_range", _gather32,
         inputs={"X": _X34, "I": _ints(np.int32, 3, 4)},
         error_contains=["/g32/Gather", "index 4", "axis 1 of size 4"]),
    Case("gather_int32_axis1_negative_in_range", _gather32, ort="ok",
         inputs={"X": _X34, "I": _ints(np.int32, -4, 3)}),
    # GatherElements
    Case("gather_elements_negative_in_range", _gather_el, ort="ok",
         inputs={"X": _X34, "I": np.array([[0, -1], [3, -4], [1, 2]], np.int64)}),
    Case("gather_elements_out_of_range", _gather_el,
         inputs={"X": _X34, "I": np.array([[0, 1], [4, 0], [1, 2]], np.int64)},
         error_contains=["/ge/GatherElements", "GatherElements", "index 4", "axis 1 of size 4"]),
    # GatherND: each component of an index tuple against its own axis.
    Case("gathernd_negative_in_range", _gather_nd, ort="ok",
         inputs={"X": _X53, "I": np.array([[4, -3], [-5, 2]], np.int64)}),
    Case("gathernd_out_of_range_second_axis", _gather_nd,
         inputs={"X": _X53, "I": np.array([[4, 2], [0, 3]], np.int64)},
         error_contains=["/gnd/GatherND", "GatherND", "index 3", "axis 1 of size 3"]),
    Case("gathernd_huge_index", _gather_nd,
         inputs={"X": _X53, "I": np.array([[2**40, 0], [0, 0]], np.int64)},
         error_contains=["/gnd/GatherND", "index 1099511627776", "axis 0 of size 5"]),
    # ScatterElements, ScatterND, Scatter (opset 10)
    Case("scatter_elements_negative_in_range", _scatter_el, ort="ok",
         inputs={"X": _X34, "I": np.array([[-1, 0], [1, -3]], np.int64), "U": _U22}),
    Case("scatter_elements_out_of_range", _scatter_el,
         inputs={"X": _X34, "I": np.array([[0, 3], [1, 2]], np.int64), "U": _U22},
         error_contains=["/se/ScatterElements", "ScatterElements", "index 3", "axis 0 of size 3"]),
    Case("scatter_elements_int64_min", _scatter_el,
         inputs={"X": _X34, "I": np.array([[0, _I64_MIN], [1, 2]], np.int64), "U": _U22},
         error_contains=["/se/ScatterElements", f"index {_I64_MIN}"]),
    Case("scatternd_in_range", _scatter_nd, ort="ok",
         inputs={"X": _X53, "I": np.array([[4], [-2]], np.int64), "U": _U23}),
    Case("scatternd_huge_index", _scatter_nd,
         inputs={"X": _X53, "I": np.array([[1], [2**40]], np.int64), "U": _U23},
         error_contains=["/snd/ScatterND", "ScatterND", "index 1099511627776", "size 5"]),
    Case("scatter_v10_out_of_range", _scatter_old,
         inputs={"X": _X34, "I": np.array([[0, -5], [1, 2]], np.int64), "U": _U22},
         # The opset upgrade turns Scatter into ScatterElements and drops the node name.
         error_contains=["Scatter", "index -5", "axis 1 of size 4"]),
    # Integer division and modulo.
    Case("div_int32_in_range", _div("Div", np.int32), ort="ok",
         inputs={"A": _ints(np.int32, 7, -7, 9, 0), "B": _ints(np.int32, 2, 2, -4, 5)}),
    Case("div_int32_by_zero", _div("Div", np.int32),
         inputs={"A": _ints(np.int32, 7, -7, 9, 0), "B": _ints(np.int32, 2, 0, -4, 5)},
         error_contains=["/d/Div", "Div", "division by zero"]),
    Case("div_int64_by_zero", _div("Div", np.int64),
         inputs={"A": _ints(np.int64, 7, -7, 9, 0), "B": _ints(np.int64, 0, 0, 0, 0)},
         error_contains=["/d/Div", "division by zero"]),
    Case("mod_int32_by_zero", _div("Mod", np.int32),
         inputs={"A": _ints(np.int32, 7, -7, 9, 0), "B": _ints(np.int32, 2, 3, 0, 5)},
         error_contains=["/d/Mod", "Mod", "division by zero"]),
    Case("mod_int64_in_range", _div("Mod", np.int64), ort="ok",
         inputs={"A": _ints(np.int64, 7, -7, 9, -9), "B": _ints(np.int64, 2, 3, -4, -1)}),
    # BERT's embedding lookup with a token id past the vocabulary.
    Case("bert_embedding_in_vocab", _embedding(), ort="ok", inputs={"input_ids": _IDS}),
    Case("bert_embedding_out_of_vocab", _embedding(),
         inputs={"input_ids": np.array([[101, 7, 2023, 99, 0, 102]], np.int64)},
         # The check reports the largest index when both ends are bad.
         error_contains=["/embeddings/word_embeddings/Gather", "Gather", "index 2023",
                         "axis 0 of size 100"]),
]
