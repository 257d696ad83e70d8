"""Tests the ctypes binding: python_test.py LIBKILN_RUNTIME ADD_MODEL STATIC_MODEL."""

import os
import sys

import numpy as np

os.environ["KILN_RUNTIME_LIB"] = sys.argv[1]
import kiln_runtime as kr  # noqa: E402

add_path, static_path = sys.argv[2], sys.argv[3]

assert "model ABI 2" in kr.version(), kr.version()
model = kr.Model(add_path)
assert [i.name for i in model.inputs] == ["a", "b"], model.inputs
assert model.inputs[0].shape == (-1, 4) and model.inputs[0].dim_params == ("N", "")

for threads in (1, 2):
    session = kr.Session(model, num_threads=threads)
    assert session.num_threads == threads
    for batch in (1, 8):
        a = np.arange(batch * 4, dtype=np.float32).reshape(batch, 4)
        b = np.full((batch, 4), 0.25, dtype=np.float32)
        y = session.run({"a": a, "b": b})["y"]
        np.testing.assert_array_equal(y, a + b)

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

try:
    kr.Model("/nonexistent.so")
    raise AssertionError("expected NOT_FOUND")
except kr.KilnError as e:
    assert e.code == "NOT_FOUND", e

relu = kr.Session(kr.Model(static_path), num_threads=1)
out = relu.run({"x": np.array([[-1, 2, -3], [4, 5, -6]], np.float32)})
np.testing.assert_array_equal(out["y"], [[0, 2, 0], [4, 5, 0]])
assert out["positives"].shape == () and out["positives"] == 3
print("python binding: OK")
