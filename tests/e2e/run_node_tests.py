#!/usr/bin/env python3
"""Compiles and runs ONNX backend node tests with Kiln and compares with the expected outputs.

For each <test>/model.onnx: `kilnc` compiles it to a model library, `kiln-run` runs it on
test_data_set_0/input_*.pb, and the outputs are compared with output_*.pb at
    |kiln - expected| <= ATOL + RTOL * |expected|   (RTOL = 1e-3, ATOL = 1e-5; NaNs must match)
Integer and bool outputs must match exactly.

Outcomes: pass, compile (kilnc rejected the model with a diagnostic), run (the runtime
returned an error), mismatch, crash (a signal in kilnc or kiln-run), timeout.
tests/e2e/node_tests_xfail.txt lists the tests expected not to pass, one per line with the
reason after '#'. The run fails if a test outside that list does not pass, if anything
crashes, or if the pass rate is below --min-pass-rate. --write-xfail rewrites the list
from this run's failures (with their diagnostics as reasons).
"""
import argparse
import collections
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

RTOL, ATOL = 1e-3, 1e-5
COMPILE_TIMEOUT_S, RUN_TIMEOUT_S = 180, 60


def file_name_for(name):
    """kiln-run's output file name for an ONNX value name."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", name) + ".npy"


def first_error(text):
    for line in text.splitlines():
        if "error:" in line:
            return line.split("error:", 1)[1].strip()
    lines = [l for l in text.splitlines() if l.strip()]
    return lines[-1].strip() if lines else "(no message)"


# ONNX's Cast spec: "Casting from floating point to fixed point: undefined if OOR (out of
# range)". The regenerated expected outputs of such casts depend on numpy and ml_dtypes
# versions (ml_dtypes 0.7.0 maps -9.0 to int4 0; a wrap would give 7), so only the elements
# whose result the spec defines are compared: finite inputs whose truncation fits the target.
FLOAT_TYPES = {onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16, onnx.TensorProto.DOUBLE,
               onnx.TensorProto.BFLOAT16} | {
    getattr(onnx.TensorProto, t) for t in ("FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2",
                                           "FLOAT8E5M2FNUZ", "FLOAT8E8M0", "FLOAT4E2M1")
    if hasattr(onnx.TensorProto, t)}
INT_RANGES = {getattr(onnx.TensorProto, n): r for n, r in {
    "INT2": (-2, 1), "UINT2": (0, 3), "INT4": (-8, 7), "UINT4": (0, 15),
    "INT8": (-128, 127), "UINT8": (0, 255), "INT16": (-2**15, 2**15 - 1), "UINT16": (0, 2**16 - 1),
    "INT32": (-2**31, 2**31 - 1), "UINT32": (0, 2**32 - 1),
    "INT64": (-2**63, 2**63 - 1), "UINT64": (0, 2**64 - 1)}.items() if hasattr(onnx.TensorProto, n)}


def elem_type(value_info):
    return value_info.type.tensor_type.elem_type


def spec_defined_mask(model, inputs):
    """For a Cast/CastLike test from a float type to an integer type, the elements of the
    output whose value the ONNX spec defines (see FLOAT_TYPES above); None otherwise."""
    if not model.graph.node or any(n.op_type not in ("Cast", "CastLike") for n in model.graph.node):
        return None
    if not inputs or len(model.graph.output) != 1:
        return None
    src, dst = elem_type(model.graph.input[0]), elem_type(model.graph.output[0])
    if src not in FLOAT_TYPES or dst not in INT_RANGES:
        return None
    lo, hi = INT_RANGES[dst]
    x = inputs[0].astype(np.float64)
    with np.errstate(invalid="ignore"):
        t = np.trunc(x)
        return np.isfinite(x) & (t >= lo) & (t <= hi)


def compare(name, got, want, defined=None):
    rtol = RTOL
    if defined is not None and got.shape == want.shape == defined.shape:
        got, want = got[defined], want[defined]
    if got.shape != want.shape:
        return f"output '{name}': shape {list(got.shape)} != expected {list(want.shape)}"
    if want.dtype.kind == "V" or want.dtype.name.startswith(("float8", "float4")):
        # ml_dtypes (float8, float4, int4, int2...): kiln-run writes float8/float4 as their
        # uint8 bit patterns and the 4-/2-bit integers unpacked as int8/uint8. Compare values
        # exactly (NaN equal to NaN, whatever its encoding).
        if want.dtype.name.startswith("float"):
            got = got.astype(np.uint8, copy=False).view(want.dtype)
            got, want = got.astype(np.float32), want.astype(np.float32)
            if not np.array_equal(got, want, equal_nan=True):
                bad = np.argwhere(~((got == want) | (np.isnan(got) & np.isnan(want))))
                idx = tuple(bad[0])
                return (f"output '{name}': {len(bad)} of {want.size} values differ, e.g. at "
                        f"{list(idx)}: {got[idx]} != {want[idx]}")
            return None
        if want.dtype.name == "bfloat16":
            # kiln-run writes bfloat16 outputs widened to float32, exactly. A bf16 result
            # computed in another order (the reference rounds after each numpy op) may differ
            # by a bf16 step or two after a chain of ops (attention: two matmuls and a softmax):
            # rtol is two steps, 2^-6.
            want = want.astype(np.float32)
            rtol = 2.0 ** -6
        else:
            want = want.astype(np.int64)
            got = got.astype(np.int64)
    if want.dtype.kind in "fc":
        got = got.astype(want.dtype, copy=False)
        nan_ok = np.array_equal(np.isnan(got), np.isnan(want))
        close = np.isclose(got, want, rtol=rtol, atol=ATOL, equal_nan=True)
        if not nan_ok or not close.all():
            bad = np.argwhere(~close)
            idx = tuple(bad[0]) if len(bad) else ()
            return (f"output '{name}': {len(bad)} of {want.size} values differ, e.g. at {list(idx)}: "
                    f"{got[idx] if idx else got} != {want[idx] if idx else want}")
        return None
    if not np.array_equal(got.astype(want.dtype, copy=False), want):
        return f"output '{name}': values differ (exact match required for {want.dtype})"
    return None


def compare_sequence(name, want_path, work):
    """Compares a sequence output, which kiln-run writes as the folder NAME.seq holding
    0.npy, 1.npy, ..., with the onnx.SequenceProto at want_path."""
    seq = onnx.SequenceProto()
    with open(want_path, "rb") as f:
        seq.ParseFromString(f.read())
    want = numpy_helper.to_list(seq)
    got_dir = os.path.join(work, "out", file_name_for(name)[:-len(".npy")] + ".seq")
    if not os.path.isdir(got_dir):
        return f"output '{name}' was not written"
    count = len([f for f in os.listdir(got_dir) if f.endswith(".npy")])
    if count != len(want):
        return f"output '{name}': sequence of {count} elements != expected {len(want)}"
    for k, w in enumerate(want):
        problem = compare(f"{name}[{k}]", np.load(os.path.join(got_dir, f"{k}.npy")), w)
        if problem:
            return problem
    return None


def run_test(kilnc, kiln_run, test_dir, work_dir, kilnc_args=()):
    """Returns (outcome, detail)."""
    name = os.path.basename(test_dir)
    work = os.path.join(work_dir, name)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    lib = os.path.join(work, "model.so")
    try:
        proc = subprocess.run([kilnc, os.path.join(test_dir, "model.onnx"), "-o", lib, *kilnc_args],
                              capture_output=True, text=True, timeout=COMPILE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return "timeout", f"kilnc took over {COMPILE_TIMEOUT_S} s"
    if proc.returncode != 0:
        if proc.returncode < 0 or "Stack dump" in proc.stderr or "PLEASE submit" in proc.stderr:
            return "crash", "kilnc: " + proc.stderr[-1500:]
        return "compile", first_error(proc.stderr)

    model = onnx.load(os.path.join(test_dir, "model.onnx"), load_external_data=False)
    data_dir = os.path.join(test_dir, "test_data_set_0")
    inputs = sorted((f for f in os.listdir(data_dir) if f.startswith("input_")),
                    key=lambda f: int(f[6:-3]))
    initializers = {i.name for i in model.graph.initializer}
    graph_inputs = [i for i in model.graph.input if i.name not in initializers]
    args = [kiln_run, lib, "--output-dir", os.path.join(work, "out"), "--threads", "2"]
    input_values = []
    for index, f in enumerate(inputs):
        name = graph_inputs[index].name
        path = os.path.join(data_dir, f)
        if graph_inputs[index].type.HasField("sequence_type"):
            # A SequenceProto, which kiln-run reads as it is.
            args += ["--input", f"{name}={path}"]
            input_values.append(None)
            continue
        if graph_inputs[index].type.WhichOneof("value") == "optional_type":
            # An OptionalProto: an empty one is an absent input (kiln-run --absent),
            # one holding a tensor is that tensor.
            opt = onnx.OptionalProto()
            with open(path, "rb") as fh:
                opt.ParseFromString(fh.read())
            if not opt.HasField("tensor_value"):
                args += ["--absent", name]
                input_values.append(None)
                continue
            path = os.path.join(work, f"optional_{f}")
            onnx.save_tensor(opt.tensor_value, path)
        args += ["--input", f"{name}={path}"]
        input_values.append(numpy_helper.to_array(onnx.load_tensor(path)))
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return "timeout", f"kiln-run took over {RUN_TIMEOUT_S} s"
    if proc.returncode != 0:
        if proc.returncode < 0:
            return "crash", f"kiln-run: signal {-proc.returncode}: {proc.stderr[-500:]}"
        return "run", first_error(proc.stderr) if "error" in proc.stderr else proc.stderr.strip()[-300:]

    defined = spec_defined_mask(model, input_values)
    for index, out in enumerate(model.graph.output):
        want_path = os.path.join(data_dir, f"output_{index}.pb")
        if out.type.HasField("sequence_type"):
            problem = compare_sequence(out.name, want_path, work)
            if problem:
                return ("run" if "was not written" in problem else "mismatch"), problem
            continue
        tensor = onnx.TensorProto()
        with open(want_path, "rb") as f:
            tensor.ParseFromString(f.read())
        want = numpy_helper.to_array(tensor)
        got_path = os.path.join(work, "out", file_name_for(out.name))
        if not os.path.exists(got_path):
            return "run", f"output '{out.name}' was not written"
        problem = compare(out.name, np.load(got_path), want, defined)
        if problem:
            return "mismatch", problem
    shutil.rmtree(work, ignore_errors=True)
    return "pass", ""


def read_xfail(path):
    xfail = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    name, _, reason = line.partition("#")
                    xfail[name.strip()] = reason.strip()
    return xfail


def op_types(test_dir):
    model = onnx.load(os.path.join(test_dir, "model.onnx"), load_external_data=False)
    return sorted({(n.domain or "ai.onnx") + "::" + n.op_type for n in model.graph.node})


def ops_table(results, tests):
    per_op = collections.defaultdict(lambda: [0, 0])
    for name, test_dir in tests:
        for op in op_types(test_dir):
            per_op[op][1] += 1
            if results[name][0] == "pass":
                per_op[op][0] += 1
    passed = sum(1 for kind, _ in results.values() if kind == "pass")
    lines = ["# Operators supported by Kiln's CPU backend\n\n",
             "Generated by `tests/e2e/run_node_tests.py` from the ONNX backend node tests of "
             f"onnx {onnx.__version__}; do not edit. The `node-tests` test fails when this file is\n"
             "stale; refresh it with `python3 tests/e2e/run_node_tests.py ... --ops-table "
             "docs/supported-ops.md` (README, \"Tests\").\n\n",
             f"{passed} of {len(results)} node tests pass "
             f"({100 * passed / max(len(results), 1):.1f}%) at rtol {RTOL}, atol {ATOL}.\n\n",
             "| operator | node tests passed | status |\n|---|---|---|\n"]
    for op, (ok, total) in sorted(per_op.items()):
        status = "supported" if ok == total else "partial" if ok else "not supported"
        lines.append(f"| {op} | {ok} / {total} | {status} |\n")
    return "".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kilnc", required=True)
    parser.add_argument("--kiln-run", required=True)
    parser.add_argument("--kilnc-arg", action="append", default=[],
                        help="extra kilnc argument (repeatable), e.g. --sanitize-address")
    parser.add_argument("--tests", required=True, help="directory of <test>/model.onnx")
    parser.add_argument("--work", required=True, help="scratch directory")
    parser.add_argument("--xfail", default=os.path.join(os.path.dirname(__file__),
                                                        "node_tests_xfail.txt"))
    parser.add_argument("--write-xfail", action="store_true")
    parser.add_argument("--ops-table", help="write the supported-ops markdown table here")
    parser.add_argument("--check-ops-doc",
                        help="fail when this checked-in table (docs/supported-ops.md) differs "
                             "from the one this run generates, or lists no passing test")
    parser.add_argument("--min-pass-rate", type=float, default=0.0)
    parser.add_argument("--filter", default="", help="regex on test names")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()

    pattern = re.compile(args.filter)
    tests = [(n, os.path.join(args.tests, n)) for n in sorted(os.listdir(args.tests))
             if pattern.search(n) and os.path.exists(os.path.join(args.tests, n, "model.onnx"))]
    os.makedirs(args.work, exist_ok=True)
    results = {}
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = {pool.submit(run_test, args.kilnc, args.kiln_run, d, args.work, args.kilnc_arg): n
                   for n, d in tests}
        for fut in concurrent.futures.as_completed(futures):
            results[futures[fut]] = fut.result()

    xfail = read_xfail(args.xfail)
    counts = collections.Counter(kind for kind, _ in results.values())
    total = len(results)
    passed = counts["pass"]
    unexpected = [n for n, (k, _) in results.items() if k != "pass" and n not in xfail]
    xpass = [n for n, (k, _) in results.items() if k == "pass" and n in xfail]
    crashes = [n for n, (k, _) in results.items() if k in ("crash", "timeout")]

    print(f"node tests: {total} run, {passed} passed ({100 * passed / max(total, 1):.1f}%), "
          + ", ".join(f"{counts[k]} {k}" for k in ("compile", "run", "mismatch", "crash", "timeout")))
    for name in sorted(unexpected):
        kind, detail = results[name]
        print(f"  UNEXPECTED {kind}: {name}: {detail[:400]}")
    for name in sorted(crashes):
        print(f"  {results[name][0].upper()}: {name}: {results[name][1][:1000]}")
    if xpass:
        print(f"  XPASS: {len(xpass)} tests in the expected-failure list now pass (take them off "
              f"{args.xfail}): {' '.join(sorted(xpass))}")
    table = ops_table(results, tests)
    if args.ops_table:
        with open(args.ops_table, "w") as f:
            f.write(table)
    doc_ok = True
    if args.check_ops_doc and not args.filter:
        with open(args.check_ops_doc) as f:
            doc = f.read()
        if doc != table or passed == 0:
            doc_ok = False
            print(f"  STALE: {args.check_ops_doc} differs from this run's table"
                  + (f" (written to {args.ops_table}; copy it over)" if args.ops_table else "")
                  + ("; no test passed" if passed == 0 else ""))
    if args.write_xfail:
        with open(args.xfail, "w") as f:
            f.write("# ONNX node tests Kiln is expected not to pass, with the reason.\n"
                    "# Regenerate with tests/e2e/run_node_tests.py --write-xfail.\n")
            for name in sorted(results):
                kind, detail = results[name]
                if kind != "pass":
                    reason = detail.replace("\n", " ")[:200]
                    f.write(f"{name}  # {kind}: {reason}\n")
        return 0
    print(f"{passed} passed, {total - passed} failed")
    # An expected failure that passes fails the run too: the list stays exact, and with
    # it docs/supported-ops.md.
    ok = (not unexpected and not crashes and not xpass and doc_ok
          and passed / max(total, 1) >= args.min_pass_rate)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
