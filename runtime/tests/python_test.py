"""Tests the ctypes binding: python_test.py LIBKILN_RUNTIME ADD_MODEL STATIC_MODEL [KILNC WORK].

With KILNC and WORK (and the onnx package), also compiles a model with a rank-0
input and one with an optional input, and runs them through the binding.
"""

import os
import subprocess
import sys

import numpy as np

os.environ["KILN_RUNTIME_LIB"] = sys.argv[1]
import kiln_runtime as kr  # noqa: E402

add_path, static_path = sys.argv[2], sys.argv[3]

assert "model ABI 4" in kr.version(), kr.version()
assert kr.devices() == ["host"], kr.devices()
model = kr.Model(add_path)
assert model.device == "host", model.device
assert [i.name for i in model.inputs] == ["a", "b"], model.inputs
assert model.inputs[0].shape == (-1, 4) and model.inputs[0].dim_params == ("N", "")

for threads in (1, 2):
    session = kr.Session(model, num_threads=threads)
    assert session.num_threads == threads
    assert session.device == "host", session.device
    for batch in (1, 8):
        a = np.arange(batch * 4, dtype=np.float32).reshape(batch, 4)
        b = np.full((batch, 4), 0.25, dtype=np.float32)
        y = session.run({"a": a, "b": b})["y"]
        np.testing.assert_array_equal(y, a + b)

# A sequence input and output (models/sequence_model.c: 2 * x for each x, reversed), as
# lists of arrays; a wrong element rank is refused before the run.
sequence_path = os.environ.get("KILN_TEST_SEQUENCE_MODEL")
if sequence_path:
    seq_session = kr.Session(kr.Model(sequence_path), num_threads=1)
    xs = [np.ones((1, 2), np.float32), np.arange(3, dtype=np.float32).reshape(3, 1)]
    ys = seq_session.run({"xs": xs})["ys"]
    assert [y.shape for y in ys] == [(3, 1), (1, 2)], ys
    np.testing.assert_array_equal(ys[0], 2 * xs[1])
    assert seq_session.run({"xs": []})["ys"] == []
    try:
        seq_session.run({"xs": [np.ones(3, np.float32)]})
        raise AssertionError("a rank-1 element was accepted")
    except kr.KilnError as e:
        assert "rank 1" in str(e), e

# Non-contiguous input: the binding copies it.
big = np.arange(32, dtype=np.float32).reshape(4, 8)
y = session.run({"a": big[:, ::2], "b": big[:, 1::2]})["y"]
np.testing.assert_array_equal(y, big[:, ::2] + big[:, 1::2])

try:
    session.run({"a": np.zeros((2, 4), np.int64), "b": np.zeros((2, 4), np.float32)})
    raise AssertionError("expected a dtype error")
except kr.KilnError as e:
    assert e.code == "INVALID_ARGUMENT", e
    assert "input 'a': expected dtype float32, got int64" in e.message, e.message


def expect_error(feeds, code, text, sess=None):
    """run() raises KilnError with the runtime's (or the binding's) status."""
    try:
        (sess or session).run(feeds)
    except kr.KilnError as e:
        assert e.code == code and text in e.message, (feeds, e.code, e.message)
        return
    raise AssertionError(f"expected {code}: {text}")


ok_b = np.zeros((2, 4), np.float32)
expect_error({"a": np.zeros((2, 5), np.float32), "b": ok_b}, "INVALID_ARGUMENT", "input 'a'")
expect_error({"a": np.zeros((2, 4, 1), np.float32), "b": ok_b}, "INVALID_ARGUMENT", "input 'a'")
expect_error({"a": np.float32(1), "b": ok_b}, "INVALID_ARGUMENT", "input 'a'")  # rank 0
expect_error({"a": 1.5, "b": ok_b}, "INVALID_ARGUMENT", "input 'a'")  # float64 rank 0
expect_error({"a": ["x"], "b": ok_b}, "UNIMPLEMENTED", "input 'a': numpy dtype <U1")
expect_error({"a": np.array([object()]), "b": ok_b}, "UNIMPLEMENTED", "dtype object")
expect_error({"a": [[1.0], [1.0, 2.0]], "b": ok_b}, "INVALID_ARGUMENT", "input 'a': not an array")
expect_error({"b": ok_b}, "INVALID_ARGUMENT", "missing input 'a'")
expect_error({"a": ok_b, "b": ok_b, "c": ok_b}, "INVALID_ARGUMENT", "unknown inputs ['c']")
# Big-endian data is converted, not refused.
y = session.run({"a": np.arange(8, dtype=">f4").reshape(2, 4), "b": ok_b})["y"]
np.testing.assert_array_equal(y, np.arange(8, dtype=np.float32).reshape(2, 4))

try:
    kr.Model("/nonexistent.so")
    raise AssertionError("expected NOT_FOUND")
except kr.KilnError as e:
    assert e.code == "NOT_FOUND", e

relu = kr.Session(kr.Model(static_path), num_threads=1)
out = relu.run({"x": np.array([[-1, 2, -3], [4, 5, -6]], np.float32)})
np.testing.assert_array_equal(out["y"], [[0, 2, 0], [4, 5, 0]])
assert out["positives"].shape == () and out["positives"] == 3

# Rank-0 inputs, on a model kilnc compiles: y = s * x, z = s + s (rank 0 out too).
if len(sys.argv) > 5:
    kilnc, work = sys.argv[4:6]
    from onnx import TensorProto, helper, save
    os.makedirs(work, exist_ok=True)
    graph = helper.make_graph(
        [helper.make_node("Mul", ["s", "x"], ["y"]), helper.make_node("Add", ["s", "s"], ["z"])],
        "scalar", [helper.make_tensor_value_info("s", TensorProto.FLOAT, []),
                   helper.make_tensor_value_info("x", TensorProto.FLOAT, [3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3]),
         helper.make_tensor_value_info("z", TensorProto.FLOAT, [])])
    onnx_path, lib = os.path.join(work, "scalar.onnx"), os.path.join(work, "scalar.so")
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), onnx_path)
    subprocess.run([kilnc, onnx_path, "-o", lib], check=True)
    scalar_model = kr.Model(lib)
    assert [i.shape for i in scalar_model.inputs] == [(), (3,)], scalar_model.inputs
    scalar = kr.Session(scalar_model, num_threads=1)
    x = np.array([1, 2, 3], np.float32)
    for s in (np.float32(2.5), np.array(2.5, np.float32)):
        out = scalar.run({"s": s, "x": x})
        np.testing.assert_array_equal(out["y"], x * 2.5)
        assert out["z"].shape == () and out["z"] == 5.0, out["z"]
    expect_error({"s": np.array([2.5], np.float32), "x": x}, "INVALID_ARGUMENT", "input 's'",
                 scalar)
    expect_error({"s": 2.5, "x": x}, "INVALID_ARGUMENT", "input 's'", scalar)  # float64
    print("python binding, rank-0 inputs: OK")

    # An optional input (ONNX optional<tensor>): None leaves it absent. The model
    # returns whether x is present and its element (an error when it is absent).
    opt_type = helper.make_optional_type_proto(
        helper.make_tensor_type_proto(TensorProto.FLOAT, [3]))
    graph = helper.make_graph(
        [helper.make_node("OptionalHasElement", ["x"], ["present"])],
        "optional", [helper.make_value_info("x", opt_type)],
        [helper.make_tensor_value_info("present", TensorProto.BOOL, [])])
    onnx_path, lib = os.path.join(work, "optional.onnx"), os.path.join(work, "optional.so")
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]), onnx_path)
    subprocess.run([kilnc, onnx_path, "-o", lib], check=True)
    optional = kr.Session(kr.Model(lib), num_threads=1)
    assert bool(optional.run({"x": None})["present"]) is False
    assert bool(optional.run({"x": x})["present"]) is True
    expect_error({"s": None, "x": x}, "INVALID_ARGUMENT",
                 "input 's' (index 0): tensor is NULL, but only an optional input may be absent",
                 scalar)
    print("python binding, optional inputs: OK")
print("python binding: OK")
