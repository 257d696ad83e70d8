"""Cases that check the suite itself judges both ways: a valid input must match ORT, and a
missing input must be an error. Each cell is small enough to run in a second."""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper

from harness import Case


def _add_model(dim_a, dim_b):
    def build(folder):
        graph = helper.make_graph(
            [helper.make_node("Add", ["A", "B"], ["Y"], name="add")], "add",
            [helper.make_tensor_value_info("A", TensorProto.FLOAT, dim_a),
             helper.make_tensor_value_info("B", TensorProto.FLOAT, dim_b)],
            [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None])])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        model.ir_version = 8
        path = os.path.join(folder, "model.onnx")
        onnx.save(model, path)
        return path
    return build


_rng = np.random.default_rng(0)
CASES = [
    Case("smoke_add_same_shape", _add_model([4], [4]), ort="ok",
         inputs={"A": _rng.standard_normal(4, dtype=np.float32),
                 "B": _rng.standard_normal(4, dtype=np.float32)}),
    Case("smoke_add_static_mismatch", _add_model([4], [3]), stage="compile", ort="error",
         error_contains=["add", "Add"]),
]


def _question_mark_dims(folder):
    """Paddle2ONNX's way of writing unknown dims: every one is '?', none shares a size."""
    graph = helper.make_graph(
        [helper.make_node("Relu", ["X"], ["Y"], name="relu")], "paddle_style",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["?", 3, "?", "?"])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["?", 3, "?", "?"])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = os.path.join(folder, "model.onnx")
    onnx.save(model, path)
    return path


CASES.append(Case("question_mark_dims_are_independent", _question_mark_dims, ort="ok",
                  inputs={"X": _rng.standard_normal((1, 3, 48, 192), dtype=np.float32)}))
