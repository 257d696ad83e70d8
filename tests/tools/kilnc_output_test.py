"""kilnc's output files: kilnc_output_test.py KILNC MODEL.onnx WORKDIR.

Checks that kilnc
- refuses an output that is one of its inputs (same path, `./` spelling, symlink, hard
  link, an external-data file of the model) and leaves the input as it was;
- never touches other files beside the output (a user's OUT.so.tmp survives);
- reports I/O errors (/dev/full, a full or read-only file system) in one line with exit
  code 1, no crash dump, the previous output untouched;
- leaves no temporary files behind, and exits non-zero, when SIGTERM or SIGINT arrives
  while it compiles or while the C compiler links; keeps ignoring a SIGINT it was
  started ignoring (a background job) and then finishes normally.
The full- and read-only-file-system cases need a mount namespace (`unshare`); without
one they are skipped with a note.
"""

import glob
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

kilnc, model_src, work = (os.path.abspath(p) for p in sys.argv[1:4])
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
tmpdir = os.path.join(work, "tmp")  # kilnc's TMPDIR: the link temporaries go here
os.makedirs(tmpdir)
env = dict(os.environ, TMPDIR=tmpdir)
model = os.path.join(work, "m.onnx")
shutil.copy(model_src, model)


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def run(*args, cwd=work, **kw):
    return subprocess.run([kilnc, *args], capture_output=True, text=True, cwd=cwd, env=env,
                          **kw)


def expect_error(proc, text):
    """Exit code 1 and one line on stderr containing `text`, no crash report."""
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert len(lines) == 1 and lines[0].startswith("kilnc: error: ") and text in lines[0], \
        proc.stderr
    assert "Stack dump" not in proc.stderr and "LLVM ERROR" not in proc.stderr, proc.stderr


def leftovers(*dirs):
    """Temporaries kilnc made: OUT.kilnc-*.tmp beside outputs, kiln-* in TMPDIR."""
    found = glob.glob(os.path.join(tmpdir, "*"))
    for d in dirs:
        found += glob.glob(os.path.join(d, "*.kilnc-*"))
    return found


# --- An output that is an input --------------------------------------------------------
before = digest(model)
os.symlink("m.onnx", os.path.join(work, "link.so"))
os.link(model, os.path.join(work, "hard.so"))
for out in ["m.onnx", "./m.onnx", os.path.join("..", os.path.basename(work), "m.onnx"),
            "link.so", "hard.so", os.path.abspath(model)]:
    for emit in ["lib", "obj", "mlir"]:
        expect_error(run("m.onnx", "--emit=" + emit, "-o", out), "is the same file as")
assert digest(model) == before, "the model changed"

# A model whose weights live in an external-data file: that file is an input too.
ext_dir = os.path.join(work, "ext")
os.makedirs(ext_dir)
w = numpy_helper.from_array(np.arange(4096, dtype=np.float32).reshape(64, 64), "w")
graph = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"])], "ext",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 64])], [w])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
          os.path.join(ext_dir, "e.onnx"), save_as_external_data=True, location="weights.bin",
          size_threshold=0)
weights = os.path.join(ext_dir, "weights.bin")
before = digest(weights)
expect_error(run("ext/e.onnx", "-o", "ext/weights.bin"), "weights.bin")
expect_error(run("ext/e.onnx", "--emit=mlir", "-o", "./ext/../ext/weights.bin"), "weights.bin")
assert digest(weights) == before, "the external data changed"
assert not leftovers(ext_dir, work), leftovers(ext_dir, work)

# --- Other files beside the output are not touched --------------------------------------
for name in ["m.so.tmp", "m.o.tmp", "m.mlir.tmp"]:
    with open(os.path.join(work, name), "w") as f:
        f.write("the user's file\n")
for emit, out in [("lib", "m.so"), ("obj", "m.o"), ("mlir", "m.mlir")]:
    proc = run("m.onnx", "--emit=" + emit, "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert os.path.getsize(os.path.join(work, out)) > 0
    with open(os.path.join(work, out + ".tmp")) as f:
        assert f.read() == "the user's file\n", out + ".tmp changed"
# Compiling again replaces the output (a new file, renamed over the old one).
before = os.stat(os.path.join(work, "m.o")).st_ino
assert run("m.onnx", "--emit=obj", "-o", "m.o").returncode == 0
assert os.stat(os.path.join(work, "m.o")).st_ino != before
assert not leftovers(work), leftovers(work)

# --- I/O errors ---------------------------------------------------------------------------
for emit in ["obj", "lib", "mlir", "llvm"]:
    expect_error(run("m.onnx", "--emit=" + emit, "-o", "/dev/full"),
                 "cannot write '/dev/full': No space left on device")
expect_error(run("m.onnx", "-o", "no/such/dir/m.so"), "cannot write 'no/such/dir/m.so'")
os.makedirs(os.path.join(work, "adir"))
expect_error(run("m.onnx", "-o", "adir"), "is a directory")
expect_error(run("m.onnx", "-o", "-"), "stdout")
assert not leftovers(work), leftovers(work)

if os.geteuid() != 0:  # root writes into read-only folders anyway
    ro = os.path.join(work, "ro")
    os.makedirs(ro)
    with open(os.path.join(ro, "m.o"), "w") as f:
        f.write("previous\n")
    os.chmod(ro, 0o555)
    try:
        expect_error(run("m.onnx", "--emit=obj", "-o", "ro/m.o"), "Permission denied")
        with open(os.path.join(ro, "m.o")) as f:
            assert f.read() == "previous\n"
    finally:
        os.chmod(ro, 0o755)

# A full and a read-only file system, in a mount namespace of our own: a 64 KiB tmpfs
# holding the previous output, too small for the new object (about 200 KiB).
script = r"""
set -e
mnt=$1; kilnc=$2; model=$3
mount -t tmpfs -o size=64k tmpfs "$mnt"
echo previous > "$mnt/m.o"
set +e
"$kilnc" "$model" --emit=obj -o "$mnt/m.o" 2> "$mnt/../full.err"; echo "full rc=$?"
"$kilnc" "$model" --emit=lib -o "$mnt/m.o" 2> "$mnt/../full-lib.err"; echo "full-lib rc=$?"
cat "$mnt/m.o"; ls -A "$mnt"
mount -o remount,ro "$mnt"
"$kilnc" "$model" --emit=obj -o "$mnt/m.o" 2> "$mnt/../ro.err"; echo "ro rc=$?"
cat "$mnt/m.o"; ls -A "$mnt"
"""
mnt = os.path.join(work, "mnt")
os.makedirs(mnt)
shell = None
for prefix in (["unshare", "--mount"], ["unshare", "--user", "--map-root-user", "--mount"]):
    probe = subprocess.run(prefix + ["sh", "-c", "mount -t tmpfs tmpfs \"$0\"", mnt],
                           capture_output=True)
    if probe.returncode == 0:
        shell = prefix
        break
if shell is None:
    print("note: no mount namespace (unshare); full and read-only file systems skipped")
else:
    proc = subprocess.run(shell + ["sh", "-c", script, "sh", mnt, kilnc, model],
                          capture_output=True, text=True, env=env)
    print(proc.stdout, proc.stderr)
    # Each run exits 1 and leaves the previous m.o, and nothing else, in the mount.
    assert proc.stdout.split() == ["full", "rc=1", "full-lib", "rc=1", "previous", "m.o",
                                   "ro", "rc=1", "previous", "m.o"], proc.stdout
    for name, text in [("full.err", "No space left on device"),
                       ("full-lib.err", "No space left on device"),
                       ("ro.err", "Read-only file system")]:
        with open(os.path.join(work, name)) as f:
            err = f.read()
        expect_error(subprocess.CompletedProcess([], 1, "", err), text)

# --- Signals ------------------------------------------------------------------------------
# A model deep enough to compile for a few seconds.
d, layers = 64, 40
rng = np.random.default_rng(0)
nodes, inits, x = [], [], "x"
for i in range(layers):
    inits += [numpy_helper.from_array((rng.standard_normal((d, d)) * 0.1).astype(np.float32),
                                      f"w{i}"),
              numpy_helper.from_array(np.zeros(d, np.float32), f"b{i}")]
    nodes += [helper.make_node("MatMul", [x, f"w{i}"], [f"m{i}"]),
              helper.make_node("Add", [f"m{i}", f"b{i}"], [f"a{i}"]),
              helper.make_node("Tanh", [f"a{i}"], [f"y{i}"])]
    x = f"y{i}"
graph = helper.make_graph(nodes, "deep", [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                                         [1, d])],
                          [helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, d])], inits)
deep = os.path.join(work, "deep.onnx")
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), deep)
sig_dir = os.path.join(work, "sig")
os.makedirs(sig_dir)


def wait_for(predicate, what, timeout=60):
    end = time.time() + timeout
    while not predicate():
        assert time.time() < end, "timed out waiting for " + what
        time.sleep(0.05)


def interrupt(sig, args, ready, **kw):
    """Starts kilnc, sends `sig` once ready() and returns its exit status."""
    proc = subprocess.Popen([kilnc, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, **kw)
    wait_for(lambda: ready() or proc.poll() is not None, "kilnc to start")
    assert proc.poll() is None, "kilnc finished before the signal: " + proc.stderr.read()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert "Stack dump" not in err, err
    return proc.returncode


for sig in (signal.SIGTERM, signal.SIGINT):
    for emit, out in [("lib", "deep.so"), ("obj", "deep.o"), ("llvm", "deep.ll")]:
        # The temporary beside the output exists from the start; let the compile get going.
        rc = interrupt(sig, [deep, "--emit=" + emit, "-o", os.path.join(sig_dir, out)],
                       lambda: leftovers(sig_dir) and time.sleep(0.5) is None)
        assert rc != 0, (sig, emit, rc)
        assert os.listdir(sig_dir) == [] and not leftovers(), (sig, emit, leftovers(sig_dir))

# While the C compiler links: a stand-in that writes its output, then sleeps.
slow_cc = os.path.join(work, "slow-cc.sh")
pid_file = slow_cc + ".pid"
with open(slow_cc, "w") as f:
    f.write('#!/bin/sh\nout=\nwhile [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done\n'
            'echo partial > "$out"\nsleep 60 &\necho $! > "$0.pid"\nwait\n')
os.chmod(slow_cc, 0o755)
for sig in (signal.SIGTERM, signal.SIGINT):
    if os.path.exists(pid_file):
        os.remove(pid_file)
    rc = interrupt(sig, [model, "-o", os.path.join(sig_dir, "m.so"), "--cc=" + slow_cc],
                   lambda: os.path.exists(pid_file) and os.path.getsize(pid_file) > 0)
    assert rc != 0, (sig, rc)
    assert os.listdir(sig_dir) == [] and not leftovers(), (sig, leftovers(sig_dir))
    with open(pid_file) as f:
        sleeper = int(f.read())
    # The compiler's whole process group was stopped, not just the driver.
    wait_for(lambda: not os.path.exists(f"/proc/{sleeper}") or
             open(f"/proc/{sleeper}/stat").read().split()[2] == "Z", "the linker to stop", 10)

# Started with SIGINT ignored (a background job of a shell without job control), kilnc
# keeps ignoring it and finishes with its output, instead of removing it and exiting 0.
rc = interrupt(signal.SIGINT, [model, "-o", os.path.join(sig_dir, "m.so")],
               lambda: bool(leftovers(sig_dir)),
               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
assert rc == 0 and os.listdir(sig_dir) == ["m.so"], (rc, os.listdir(sig_dir))
assert not leftovers(sig_dir), leftovers(sig_dir)
print("kilnc output files: OK")
