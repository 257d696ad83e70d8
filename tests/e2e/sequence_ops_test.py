#!/usr/bin/env python3
"""Sequence ops end to end against ONNX Runtime: small models whose inputs and outputs are
sequences (passed to kiln-run as onnx.SequenceProto .pb files, read back from NAME.seq/),
and the run-time errors of bad positions. Tolerance: allclose (1e-5 relative, 1e-8
absolute); integer results exactly.

Usage: sequence_ops_test.py --kilnc KILNC --kiln-run KILN_RUN --work DIR
"""
import argparse
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper


def seq_type(*dims):
    return helper.make_sequence_type_proto(
        helper.make_tensor_type_proto(TensorProto.FLOAT, list(dims)))


def seq_value(name, *dims):
    return helper.make_value_info(name, seq_type(*dims))


def tensor_value(name, elem, dims):
    return helper.make_tensor_value_info(name, elem, dims)


SEQ = [np.arange(6, dtype=np.float32).reshape(2, 3),
       np.arange(9, dtype=np.float32).reshape(3, 3) + 100]
X = np.arange(24, dtype=np.float32).reshape(2, 3, 4)

# (name, nodes, inputs, outputs, feeds, expected error text or None)
CASES = [
    ("concat_axis0", [helper.make_node("ConcatFromSequence", ["s"], ["y"], axis=0)],
     [seq_value("s", "n", 3)], [tensor_value("y", TensorProto.FLOAT, ["a", "b"])],
     {"s": SEQ}, None),
    ("concat_negative_axis", [helper.make_node("ConcatFromSequence", ["s"], ["y"], axis=-1)],
     [seq_value("s", 2, "n")], [tensor_value("y", TensorProto.FLOAT, ["a", "b"])],
     {"s": [np.ones((2, 3), np.float32), np.zeros((2, 1), np.float32)]}, None),
    ("concat_new_axis",
     [helper.make_node("ConcatFromSequence", ["s"], ["y"], axis=1, new_axis=1)],
     [seq_value("s", 2, 3)], [tensor_value("y", TensorProto.FLOAT, ["a", "b", "c"])],
     {"s": [np.ones((2, 3), np.float32), 2 * np.ones((2, 3), np.float32)]}, None),
    ("split_sizes_last_axis",
     [helper.make_node("SplitToSequence", ["x", "p"], ["s"], axis=-1)],
     [tensor_value("x", TensorProto.FLOAT, [2, 3, 4]), tensor_value("p", TensorProto.INT64, [3])],
     [seq_value("s", 2, 3, "k")], {"x": X, "p": np.array([1, 0, 3], np.int64)}, None),
    ("split_scalar_uneven",
     [helper.make_node("SplitToSequence", ["x", "p"], ["s"], axis=2)],
     [tensor_value("x", TensorProto.FLOAT, [2, 3, 4]), tensor_value("p", TensorProto.INT64, [])],
     [seq_value("s", 2, 3, "k")], {"x": X, "p": np.array(3, np.int64)}, None),
    ("split_bad_sizes",
     [helper.make_node("SplitToSequence", ["x", "p"], ["s"], axis=0)],
     [tensor_value("x", TensorProto.FLOAT, [2, 3, 4]), tensor_value("p", TensorProto.INT64, [2])],
     [seq_value("s", "k", 3, 4)], {"x": X, "p": np.array([1, 2], np.int64)},
     "the split sizes add up to 3, not to the axis size 2"),
    ("erase_then_insert",
     [helper.make_node("SequenceErase", ["s", "p"], ["t"]),
      helper.make_node("SequenceInsert", ["t", "z", "q"], ["u"])],
     [seq_value("s", "n", 3), tensor_value("p", TensorProto.INT64, []),
      tensor_value("z", TensorProto.FLOAT, ["m", 3]), tensor_value("q", TensorProto.INT32, [])],
     [seq_value("u", "n", 3)],
     {"s": SEQ + [np.ones((1, 3), np.float32)], "p": np.array(-3, np.int64),
      "z": np.full((4, 3), 7, np.float32), "q": np.array(-1, np.int32)}, None),
    ("at_negative", [helper.make_node("SequenceAt", ["s", "p"], ["y"], name="at")],
     [seq_value("s", "n", 3), tensor_value("p", TensorProto.INT64, [])],
     [tensor_value("y", TensorProto.FLOAT, ["a", 3])],
     {"s": SEQ, "p": np.array(-2, np.int64)}, None),
    ("at_out_of_range", [helper.make_node("SequenceAt", ["s", "p"], ["y"], name="at")],
     [seq_value("s", "n", 3), tensor_value("p", TensorProto.INT64, [])],
     [tensor_value("y", TensorProto.FLOAT, ["a", 3])],
     {"s": SEQ, "p": np.array(2, np.int64)},
     "node 'at' (SequenceAt): position 2 is out of range for a sequence of length 2"),
    ("length", [helper.make_node("SequenceLength", ["s"], ["y"])],
     [seq_value("s", "n", 3)], [tensor_value("y", TensorProto.INT64, [])], {"s": SEQ}, None),
]


def write_feed(path, value):
    proto = numpy_helper.from_list(value) if isinstance(value, list) \
        else numpy_helper.from_array(value)
    with open(path, "wb") as f:
        f.write(proto.SerializeToString())


def run_case(args, name, nodes, inputs, outputs, feeds, error):
    work = os.path.join(args.work, name)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    model = helper.make_model(helper.make_graph(nodes, name, inputs, outputs),
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = os.path.join(work, "model.onnx")
    onnx.save(model, path)
    lib = os.path.join(work, "model.so")
    proc = subprocess.run([args.kilnc, path, "-o", lib], capture_output=True, text=True)
    if proc.returncode:
        return f"compile: {proc.stderr.strip()[-400:]}"
    cmd = [args.kiln_run, lib, "--output-dir", os.path.join(work, "out")]
    for key, value in feeds.items():
        feed = os.path.join(work, f"{key}.pb")
        write_feed(feed, value)
        cmd += ["--input", f"{key}={feed}"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if error is not None:
        if proc.returncode != 1 or error not in proc.stderr:
            return f"expected exit 1 with '{error}', got {proc.returncode}: {proc.stderr[-300:]}"
        return None
    if proc.returncode:
        return f"run: {proc.stderr.strip()[-400:]}"
    want = ort.InferenceSession(path).run(None, feeds)[0]
    out = outputs[0].name
    if outputs[0].type.HasField("sequence_type"):
        folder = os.path.join(work, "out", f"{out}.seq")
        got = [np.load(os.path.join(folder, f"{k}.npy")) for k in range(len(os.listdir(folder)))]
        if len(got) != len(want):
            return f"{len(got)} elements, expected {len(want)}"
        pairs = list(zip(got, want))
    else:
        pairs = [(np.load(os.path.join(work, "out", f"{out}.npy")), want)]
    for k, (g, w) in enumerate(pairs):
        if g.shape != w.shape or not np.allclose(g, w):
            return f"element {k}: {g.shape} {g.ravel()[:8]} != {w.shape} {w.ravel()[:8]}"
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kilnc", required=True)
    parser.add_argument("--kiln-run", required=True)
    parser.add_argument("--work", required=True)
    args = parser.parse_args()
    failed = 0
    for case in CASES:
        problem = run_case(args, *case)
        print(f"{'FAIL' if problem else 'ok'}: {case[0]}" + (f": {problem}" if problem else ""))
        failed += bool(problem)
    print(f"{len(CASES) - failed} of {len(CASES)} sequence cases pass")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
