"""Runs kiln-run on the add model: kiln_run_test.py KILN_RUN ADD_MODEL WORKDIR OPTIONAL_MODEL.

Checks .npy inputs, the .npy output file and the printed checksum, random
inputs (only with --random-inputs) with --batch, and the errors for a wrong,
missing, duplicate or unknown --input: one line each, exit code 1. On the optional
model: --absent leaves its optional input absent, and is refused for another input.
"""

import os
import re
import shutil
import subprocess
import sys

import numpy as np

kiln_run, model, work, optional_model = sys.argv[1:5]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)

a = np.linspace(-3, 5, 12, dtype=np.float32).reshape(3, 4)
b = np.arange(12, dtype=np.float32).reshape(3, 4) * -0.5
np.save(os.path.join(work, "a.npy"), a)
np.save(os.path.join(work, "b.npy"), b)
outdir = os.path.join(work, "out")
os.makedirs(outdir)

proc = subprocess.run([kiln_run, model, "--input", "a=" + os.path.join(work, "a.npy"),
                       "--input", "b=" + os.path.join(work, "b.npy"), "--output-dir", outdir,
                       "--threads", "2", "--repeat", "3"],
                      capture_output=True, text=True)
print(proc.stdout, proc.stderr)
assert proc.returncode == 0, proc.returncode
expected = a + b
y = np.load(os.path.join(outdir, "y.npy"))
assert y.dtype == np.float32 and y.shape == (3, 4), (y.dtype, y.shape)
np.testing.assert_array_equal(y, expected)
m = re.search(r"output 'y': dims \[3,4\] dtype float32 sum (\S+) abs_sum (\S+)", proc.stdout)
assert m, proc.stdout
assert abs(float(m.group(1)) - float(expected.astype(np.float64).sum())) < 1e-9
assert abs(float(m.group(2)) - float(np.abs(expected.astype(np.float64)).sum())) < 1e-9
assert "runs 3 threads 2" in proc.stdout

# Random inputs with a batch of 5, only when asked for.
proc = subprocess.run([kiln_run, model, "--random-inputs", "--batch", "5"], capture_output=True,
                      text=True)
assert proc.returncode == 0, proc.stderr
assert "output 'y': dims [5,4] dtype float32" in proc.stdout, proc.stdout
# An input from a file, the other random: the random one follows the file's N (3).
proc = subprocess.run([kiln_run, model, "--random-inputs", "--input",
                       "a=" + os.path.join(work, "a.npy")], capture_output=True, text=True)
assert proc.returncode == 0, proc.stderr
assert "output 'y': dims [3,4] dtype float32" in proc.stdout, proc.stdout


def expect_error(args, message):
    proc = subprocess.run([kiln_run, model] + args, capture_output=True, text=True)
    assert proc.returncode == 1, (args, proc.returncode, proc.stderr)
    assert proc.stderr == "kiln-run: " + message + "\n", (args, proc.stderr)
    assert proc.stdout == "", proc.stdout


a_arg, b_arg = "a=" + os.path.join(work, "a.npy"), "b=" + os.path.join(work, "b.npy")
no_input = " (give NAME=FILE, or --random-inputs for random data)"
expect_error([], "no --input for 'a', 'b'" + no_input)
expect_error(["--batch", "2"], "no --input for 'a', 'b'" + no_input)
expect_error(["--input", a_arg], "no --input for 'b'" + no_input)
expect_error(["--input", a_arg, "--input", b_arg, "--input", a_arg],
             f"--input {a_arg}: input 'a' is already given by --input {a_arg}")
expect_error(["--input", a_arg, "--input", "c=" + os.path.join(work, "b.npy")],
             f"--input c={os.path.join(work, 'b.npy')}: the model has no input 'c'; its inputs "
             "are 'a', 'b'")
np.save(os.path.join(work, "int.npy"), np.zeros((3, 4), np.int64))
np.save(os.path.join(work, "rank3.npy"), np.zeros((3, 4, 1), np.float32))
int_arg, rank3_arg = "a=" + os.path.join(work, "int.npy"), "a=" + os.path.join(work, "rank3.npy")
expect_error(["--input", int_arg, "--input", b_arg],
             f"--input {int_arg}: the file holds int64 [3,4], but input 'a' is float32 [N,4]")
expect_error(["--input", rank3_arg, "--input", b_arg],
             f"--input {rank3_arg}: the file holds float32 [3,4,1], but input 'a' is "
             "float32 [N,4]")
missing = "a=" + os.path.join(work, "missing.npy")
proc = subprocess.run([kiln_run, model, "--input", missing, "--input", b_arg],
                      capture_output=True, text=True)
assert proc.returncode == 1 and proc.stderr.startswith(f"kiln-run: --input {missing}: "), \
    proc.stderr
assert len(proc.stderr.splitlines()) == 1, proc.stderr

# A wrong input is reported with the runtime's message and exit code 1.
np.save(os.path.join(work, "bad.npy"), np.zeros((3, 5), np.float32))
proc = subprocess.run([kiln_run, model, "--input", "a=" + os.path.join(work, "bad.npy"),
                       "--input", "b=" + os.path.join(work, "b.npy")],
                      capture_output=True, text=True)
assert proc.returncode == 1, proc.returncode
assert "input 'a' dim 1: expected 4, got 5" in proc.stderr, proc.stderr

# ONNX TensorProto inputs: raw_data (numpy_helper) and typed float_data (make_tensor);
# a .pb given without NAME= uses the TensorProto's name.
try:
    import onnx
    from onnx import helper, numpy_helper
except ImportError:
    onnx = None
if onnx is not None:
    with open(os.path.join(work, "a.pb"), "wb") as f:
        f.write(numpy_helper.from_array(a, "a").SerializeToString())
    with open(os.path.join(work, "b.pb"), "wb") as f:
        f.write(helper.make_tensor("b", onnx.TensorProto.FLOAT, b.shape,
                                   b.flatten().tolist()).SerializeToString())
    outpb = os.path.join(work, "outpb")
    os.makedirs(outpb)
    proc = subprocess.run([kiln_run, model, "--input", os.path.join(work, "a.pb"),
                           "--input", "b=" + os.path.join(work, "b.pb"), "-o", outpb],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    np.testing.assert_array_equal(np.load(os.path.join(outpb, "y.npy")), expected)

# --absent: only for an optional input (the add model has none).
expect_error(["--absent", "a", "--input", a_arg, "--input", b_arg],
             "--absent a: input 'a' is not optional, only an optional input may be absent")
expect_error(["--absent", "c"], "--absent c: the model has no input 'c'; its inputs are 'a', 'b'")
np.save(os.path.join(work, "s.npy"), np.array(2, np.float32))
np.save(os.path.join(work, "x.npy"), np.arange(3, dtype=np.float32))
s_arg, x_arg = "s=" + os.path.join(work, "s.npy"), "x=" + os.path.join(work, "x.npy")
proc = subprocess.run([kiln_run, optional_model, "--absent", "x", "--input", s_arg],
                      capture_output=True, text=True)
assert proc.returncode == 0, proc.stderr
assert "output 'y': dims [0] dtype float32" in proc.stdout, proc.stdout
assert "output 'present': dims [] dtype bool sum 0" in proc.stdout, proc.stdout
proc = subprocess.run([kiln_run, optional_model, "--input", x_arg, "--input", s_arg],
                      capture_output=True, text=True)
assert proc.returncode == 0, proc.stderr
assert "output 'present': dims [] dtype bool sum 1" in proc.stdout, proc.stdout
proc = subprocess.run([kiln_run, optional_model, "--absent", "x", "--input", x_arg,
                       "--input", s_arg], capture_output=True, text=True)
assert proc.returncode == 1 and "is also given as --absent" in proc.stderr, proc.stderr

proc = subprocess.run([kiln_run, "/nonexistent.so"], capture_output=True, text=True)
assert proc.returncode == 1 and "does not exist" in proc.stderr, proc.stderr
print("kiln-run: OK")
