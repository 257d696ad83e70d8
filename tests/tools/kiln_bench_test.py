"""kiln-bench end to end: kiln_bench_test.py KILN_BENCH KILNC MODEL.onnx WORKDIR.

Compiles MODEL.onnx (bench/models/example_cnn.onnx: float32 [N, 3, 32, 32] -> logits
[N, 10]) and checks, with a few runs each and no timing thresholds, that
- the JSON report has every field, with sane values (min <= p50 <= ... <= max, counts
  that add up, throughput = runs / wall time, arena and peak RSS above zero);
- --batch, --shape (with `batch`), --input, --concurrency, --seconds and --save-outputs
  do what they say, and --sweep-batch picks a batch size within --latency-budget-ms (or
  none);
- --reference runs ONNX Runtime on the same inputs: max abs error < 1e-4 and full top-1
  agreement on the logits, at one batch size and at each of a sweep, leaving no
  temporary files; a reference model with other inputs is a clear error;
- --plot draws the image when matplotlib is installed, and otherwise says so before any
  timing;
- SIGTERM stops it with exit code 130 and no temporary files left;
- bad arguments are one line on stderr starting "kiln-bench: " and exit code 1.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np

bench, kilnc, onnx_model, work = (os.path.abspath(p) for p in sys.argv[1:5])
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
tmpdir = os.path.join(work, "tmp")  # kiln-bench's temporary folders go here
os.makedirs(tmpdir)
env = dict(os.environ, TMPDIR=tmpdir)
env.setdefault("KILN_PYTHON", sys.executable)
model = os.path.join(work, "cnn.so")
subprocess.run([kilnc, onnx_model, "-o", model], check=True)
FEW = ["--iterations", "5", "--warmup", "1", "--no-progress"]


def run(*args, **kw):
    return subprocess.run([bench, *args], capture_output=True, text=True, cwd=work, env=env,
                          **kw)


def bench_json(*args, runs=FEW):
    """Runs kiln-bench with --json and returns the report (and the process)."""
    out = os.path.join(work, "report.json")
    proc = run(model, *runs, *args, "--json", out)
    assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
    with open(out) as f:
        return json.load(f), proc


def leftovers():
    """kiln-bench's temporary folders left in TMPDIR (ONNX Runtime may leave its own files)."""
    return [f for f in os.listdir(tmpdir) if f.startswith("kiln-bench-")]


def check_measurement(m, runs=None):
    for key in ("batch", "samples_per_run", "threads", "inputs", "runs", "wall_s", "latency_ms",
                "latency_histogram_ms", "throughput", "memory"):
        assert key in m, (key, m.keys())
    lat = m["latency_ms"]
    assert set(lat) == {"mean", "std", "min", "max", "p50", "p90", "p95", "p99"}, lat
    assert 0 < lat["min"] <= lat["p50"] <= lat["p90"] <= lat["p95"] <= lat["p99"] <= lat["max"], lat
    assert lat["min"] <= lat["mean"] <= lat["max"] and lat["std"] >= 0, lat
    if runs is not None:
        assert m["runs"] == runs, m["runs"]
    assert m["runs"] >= 1 and m["wall_s"] > 0 and m["threads"] >= 1
    hist = m["latency_histogram_ms"]
    assert sum(hist["counts"]) + hist["above"] == m["runs"], hist
    assert len(hist["edges"]) == len(hist["counts"]) + 1
    tp = m["throughput"]
    assert abs(tp["runs_per_s"] - m["runs"] / m["wall_s"]) <= 1e-3 * tp["runs_per_s"], (tp, m)
    assert abs(tp["samples_per_s"] - tp["runs_per_s"] * m["samples_per_run"]) <= \
        1e-6 * tp["samples_per_s"], tp
    assert m["memory"]["arena_bytes"] > 0 and m["memory"]["peak_rss_bytes"] > 0, m["memory"]


def expect_error(args, text, env_extra=None):
    proc = subprocess.run([bench, *args], capture_output=True, text=True, cwd=work,
                          env=dict(env, **(env_extra or {})))
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1, (args, proc.returncode, proc.stderr)
    assert len(lines) == 1 and lines[0].startswith("kiln-bench: ") and text in lines[0], \
        (args, proc.stderr)
    return proc


# One batch size: every field, and --batch in the inputs and the throughput.
report, proc = bench_json("--batch", "2")
assert report["tool"] == "kiln-bench" and report["model"] == model, report
assert report["settings"]["iterations"] == 5 and report["settings"]["concurrency"] == 1
[m] = report["measurements"]
check_measurement(m, runs=5)
assert m["batch"] == 2 and m["samples_per_run"] == 2, m
assert m["inputs"] == [{"name": "input", "dtype": "float32", "dims": [2, 3, 32, 32]}], m
assert "sweep" not in report and "saved" not in m and "reference" not in m
for text in ("latency ms: mean", "p99", "throughput:", "samples/s", "activation arena",
             "peak resident"):
    assert text in proc.stdout, (text, proc.stdout)
print("ok: one batch size")

# --shape with `batch`; --concurrency with --seconds.
report, _ = bench_json("--shape", "input=batch,3,32,32", "--batch", "3")
assert report["measurements"][0]["inputs"][0]["dims"] == [3, 3, 32, 32]
report, _ = bench_json("--concurrency", "2", runs=["--seconds", "0.2", "--warmup", "1"])
assert report["settings"] == {"threads": 0, "concurrency": 2, "warmup_per_thread": 1,
                              "seconds": 0.2}, report["settings"]
check_measurement(report["measurements"][0])
print("ok: --shape, --concurrency, --seconds")

# --batcher: 8 clients' one-row requests through a batcher of max batch 4, then the
# offline runs at batch 4; every request's answer is the model's (kiln-bench checks each
# run's status), and the report gives the ratio of the two throughputs.
report, proc = bench_json("--batcher", "4", "--concurrency", "8", "--batcher-timeout-us", "200",
                          runs=["--iterations", "40", "--warmup", "1", "--no-progress"])
online, offline = report["measurements"]
check_measurement(online, runs=40)
assert online["batch"] == 1 and offline["batch"] == 4 and offline["samples_per_run"] == 4
b = report["batcher"]
assert b["max_batch"] == 4 and b["timeout_us"] == 200 and 1 <= b["mean_batch"] <= 4, b
assert b["throughput_ratio"] > 0, b
for text in ("requests through the batcher", "mean batch", "batcher/offline throughput"):
    assert text in proc.stdout, (text, proc.stdout)
print("ok: --batcher")

# --input and --save-outputs: the inputs saved are the file's, the outputs the model's.
x = np.random.default_rng(0).standard_normal((5, 3, 32, 32)).astype(np.float32)
np.save(os.path.join(work, "x.npy"), x)
saved = os.path.join(work, "saved")
report, _ = bench_json("-i", "input=x.npy", "--save-outputs", "saved")
m = report["measurements"][0]
assert m["inputs"][0]["dims"] == [5, 3, 32, 32] and m["samples_per_run"] == 5, m
assert m["saved"]["folder"] == saved, m["saved"]
assert np.array_equal(np.load(os.path.join(saved, "inputs", "input.npy")), x)
assert np.load(os.path.join(saved, "outputs", "logits.npy")).shape == (5, 10)
print("ok: --input, --save-outputs")

# --sweep-batch: a row per batch size, the best within the budget, none within a tiny one.
report, proc = bench_json("--sweep-batch", "4,1,2", "--latency-budget-ms", "1e6")
sweep = [m["batch"] for m in report["measurements"]]
assert sweep == [1, 2, 4], sweep
for m in report["measurements"]:
    check_measurement(m, runs=5)
    assert m["inputs"][0]["dims"][0] == m["batch"]
assert report["sweep"]["batches"] == [1, 2, 4] and report["sweep"]["latency_budget_ms"] == 1e6
best = max(report["measurements"], key=lambda m: m["throughput"]["samples_per_s"])
assert report["sweep"]["best_batch"] == best["batch"], report["sweep"]
arenas = [m["memory"]["arena_bytes"] for m in report["measurements"]]
assert arenas[-1] > arenas[0], arenas  # the arena grows with the batch
assert "best throughput with p99 <=" in proc.stdout, proc.stdout
report, proc = bench_json("--sweep-batch", "1,2", "--latency-budget-ms", "1e-9")
assert report["sweep"]["best_batch"] is None and "no batch size has p99" in proc.stdout
print("ok: --sweep-batch")

# --reference: ONNX Runtime on the same inputs, at one batch size and at each of a sweep.
report, proc = bench_json("--batch", "4", "--reference", onnx_model)
ref = report["measurements"][0]["reference"]
[logits] = ref["outputs"]
assert logits["name"] == "logits" and logits["dims"] == [4, 10], logits
assert ref["max_abs_error"] < 1e-4 and logits["max_rel_error"] < 1e-4, ref
assert logits["cosine"] > 0.9999 and logits["top1_agreement"] == 1.0, logits
assert "saved" not in report["measurements"][0], "temporary files in the report"
assert "max abs error" in proc.stdout and "top-1 agreement 100.0% (4/4)" in proc.stdout, \
    proc.stdout
assert not leftovers(), leftovers()
report, proc = bench_json("--sweep-batch", "1,3", "--reference", onnx_model)
for m in report["measurements"]:
    assert m["reference"]["max_abs_error"] < 1e-4, m["reference"]
    assert m["reference"]["outputs"][0]["dims"] == [m["batch"], 10]
assert proc.stdout.count("reference: ONNX Runtime") == 2, proc.stdout
assert not leftovers(), leftovers()
other = os.path.join(work, "other.onnxtxt")
with open(other, "w") as f:
    f.write('<ir_version: 8, opset_import: ["" : 17]>\n'
            "other (float[N, 4] a) => (float[N, 4] b) {\n  b = Relu(a)\n}\n")
expect_error([model, *FEW, "--reference", other], "is not an input of the Kiln model")
print("ok: --reference")

# SIGTERM (or SIGINT) stops the runs: exit code 130, the temporary files gone.
proc = subprocess.Popen([bench, model, "--seconds", "60", "--no-progress", "--reference",
                         onnx_model], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                        cwd=work, env=env)
time.sleep(1.5)
proc.send_signal(signal.SIGTERM)
out, err = proc.communicate(timeout=30)
assert proc.returncode == 130 and err.strip() == "kiln-bench: interrupted", (proc.returncode, err)
assert not leftovers(), leftovers()
print("ok: SIGTERM")

# --plot: the image with matplotlib, else an error before any timing.
plot = os.path.join(work, "sweep.png")
has_matplotlib = subprocess.run([env["KILN_PYTHON"], "-c", "import matplotlib"],
                                capture_output=True).returncode == 0
if has_matplotlib:
    proc = run(model, *FEW, "--sweep-batch", "1,2", "--plot", plot)
    assert proc.returncode == 0 and os.path.getsize(plot) > 0, proc.stderr
    print("ok: --plot")
else:
    proc = expect_error([model, *FEW, "--sweep-batch", "1,2", "--plot", plot],
                        "--plot needs the Python package matplotlib")
    assert proc.stdout == "" and not os.path.exists(plot), proc.stdout
    print("ok: --plot without matplotlib says so (matplotlib is not installed)")

# Bad arguments.
expect_error([model, "--bogus"], "unrecognised option '--bogus'")
expect_error([], "no model: give MODEL.so")
expect_error(["missing.so"], "missing.so")
expect_error([model, model], "one model at a time")
expect_error([model, "--batch", "0"], "--batch 0: must be >= 1")
expect_error([model, "--batcher", "0"], "--batcher must be >= 1")
expect_error([model, "--batcher", "4", "--sweep-batch", "1,2"], "--batcher or --sweep-batch")
expect_error([model, "--batcher", "2", "--batch", "4"], "must not exceed --batcher")
expect_error([model, "--batch", "x"], "'x'")
expect_error([model, "--sweep-batch", "1,x,4"], "--sweep-batch 1,x,4: 'x' is not a batch size")
expect_error([model, "--sweep-batch", "0"], "'0' is not a batch size")
expect_error([model, "--sweep-batch", ""], "--sweep-batch: give a list of batch sizes")
expect_error([model, "--sweep-batch", "1,2", "--batch", "2"], "not both")
expect_error([model, "--sweep-batch", "1,2", "-i", "input=x.npy"], "does not take --input")
expect_error([model, "--iterations", "3", "--seconds", "1"], "not both")
expect_error([model, "--iterations", "0"], "--iterations must be >= 1")
expect_error([model, "--concurrency", "0"], "--concurrency must be >= 1")
expect_error([model, "--latency-budget-ms", "5"], "--latency-budget-ms needs --sweep-batch")
expect_error([model, "--reference", "nope.onnx"], "--reference nope.onnx: no such file")
expect_error([model, "--json", "nope/r.json"], "--json nope/r.json: no folder 'nope'")
expect_error([model, *FEW, "--shape", "input=1,3,32"], "3 dims, but input 'input' is")
expect_error([model, *FEW, "--shape", "input=1,3,32,x"], "'x' is not a dim")
expect_error([model, *FEW, "--shape", "nope=1"], "the model has no input 'nope'")
expect_error([model, *FEW, "--reference", onnx_model], "cannot run",
             {"KILN_PYTHON": os.path.join(work, "no-python")})
assert run("--help").returncode == 0
print("ok: bad arguments")
print("kiln-bench: OK")
