"""INT_MIN / -1 and INT_MIN % -1 wrap in Kiln (INT_MIN and 0) instead of trapping.

Not a bad_inputs case: ONNX Runtime (1.31, as pinned) itself dies of SIGFPE on INT_MIN % -1
and on int64 INT_MIN / -1, so the expected values come from numpy's wrapping arithmetic here.

Usage: int_overflow_test.py KILNC KILN_RUN WORK_DIR"""
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper


def check(kilnc, kiln_run, work, op, dtype, fmod=0):
    t = {np.int32: TensorProto.INT32, np.int64: TensorProto.INT64}[dtype]
    attrs = {"fmod": fmod} if op == "Mod" else {}
    graph = helper.make_graph(
        [helper.make_node(op, ["A", "B"], ["Y"], name=f"/{op}", **attrs)], op.lower(),
        [helper.make_tensor_value_info("A", t, [4]), helper.make_tensor_value_info("B", t, [4])],
        [helper.make_tensor_value_info("Y", t, [4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    name = f"{op}_{np.dtype(dtype).name}_fmod{fmod}"
    folder = os.path.join(work, name)
    os.makedirs(folder, exist_ok=True)
    onnx.save(model, os.path.join(folder, "model.onnx"))
    lo = np.iinfo(dtype).min
    a = np.array([lo, lo, 7, -7], dtype)
    b = np.array([-1, 3, -1, 2], dtype)
    np.save(os.path.join(folder, "A.npy"), a)
    np.save(os.path.join(folder, "B.npy"), b)
    so = os.path.join(folder, "model.so")
    subprocess.run([kilnc, os.path.join(folder, "model.onnx"), "-o", so], check=True)
    r = subprocess.run([kiln_run, so, "--threads", "1", "--output-dir", folder,
                        "--input", f"A={folder}/A.npy", "--input", f"B={folder}/B.npy"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return f"{name}: kiln-run exit {r.returncode}: {r.stderr.strip()}"
    got = np.load(os.path.join(folder, "Y.npy"))
    with np.errstate(all="ignore"):
        if op == "Div":  # truncating division, wrapping
            want = np.array([lo, -(-lo // 3), -7, -3], dtype)
        elif fmod:
            want = np.array([0, np.fmod(a[1], 3), 0, -1], dtype)
        else:
            want = np.array([0, np.mod(a[1], 3), 0, 1], dtype)
    if not np.array_equal(got, want):
        return f"{name}: got {got.tolist()}, want {want.tolist()}"
    return None


def main():
    kilnc, kiln_run, work = sys.argv[1:4]
    failures = [f for f in (check(kilnc, kiln_run, work, op, dt, fm)
                            for op, fm in (("Div", 0), ("Mod", 0), ("Mod", 1))
                            for dt in (np.int32, np.int64)) if f]
    for f in failures:
        print("FAIL", f)
    print(f"{6 - len(failures)} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
