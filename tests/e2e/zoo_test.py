#!/usr/bin/env python3
"""End-to-end model-zoo test: Kiln against onnxruntime on the bench/zoo models.

    zoo_test.py --kilnc K --kiln-run R --models mlp,mobilenetv2,... [--small] --work DIR
                [--batches 1,8] [--threads 2] [--image-size N] [--opt-level 3]
                [--report FILE.md] [--compile-timeout S] [--run-timeout S]

For each model: bench/zoo/generate.py writes DIR/<model>.onnx; `kilnc` compiles it to
DIR/<model>.so (timed); then at every batch size the same inputs (numpy default_rng seeded
with 1234 + batch; float inputs standard normal, int64 ids uniform in [0, vocab),
attention_mask ones with a zero tail) are run through `kiln-run` (with --threads T) and
through onnxruntime's CPU provider (intra_op_num_threads = T, inter_op_num_threads = 1).

Error metrics, per (model, batch), over every output tensor o (onnxruntime) and k (Kiln):
    max abs err = max |k - o|
    max rel err = max |k - o| / max(|o|, 1e-3)       (elementwise, then the max)
A (model, batch) passes when shapes match, Kiln's output has no NaN/Inf where onnxruntime's
is finite, and for every output
    max |k - o| <= 1e-3 * max(1, max |o|)
i.e. an absolute tolerance of 1e-3 scaled by the output's magnitude when that exceeds 1.
(max rel err is reported for information only: it is large where o is near zero.)

Prints a table (model, batch, compile s, kiln s, ort s, max abs err, max rel err, status);
"kiln s" is kiln-run's wall time including process start and model load, "ort s" is
onnxruntime's session.run time. Exits 1 if any model fails to generate, compile, run, or
match. --report FILE.md writes the same table (plus failure details) as Markdown.
"""
import argparse
import os
import re
import subprocess
import sys
import time
import traceback

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "bench", "zoo"))
import generate  # noqa: E402  (bench/zoo/generate.py)

TOL = 1e-3
REL_FLOOR = 1e-3


def file_name_for(name):
    """kiln-run's output file name for an ONNX value name."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", name) + ".npy"


def first_error(text):
    """The first 'error:' line of a tool's stderr; for a crash, the innermost kiln frame of
    LLVM's stack dump; else the last line."""
    if "Stack dump:" in text:
        frames = [l.split(" ", 2)[-1] for l in text.splitlines() if "kiln::" in l]
        return "crash (LLVM stack dump)" + (f" in {frames[0][:200]}" if frames else "")
    for line in text.splitlines():
        if "error:" in line:
            return line.strip()
    lines = [l for l in text.splitlines() if l.strip()]
    return lines[-1].strip() if lines else "(no message)"


def compare(got, want):
    """Returns (abs_err, rel_err, problem-or-None) for one output tensor."""
    if got.shape != want.shape:
        return float("nan"), float("nan"), f"shape {list(got.shape)} != onnxruntime {list(want.shape)}"
    got = got.astype(np.float64)
    want = want.astype(np.float64)
    bad_finite = np.isfinite(want) & ~np.isfinite(got)
    diff = np.abs(got - want)
    diff = np.where(np.isfinite(want), diff, 0.0)  # where ORT is non-finite, only finiteness counts
    if want.size == 0:
        return 0.0, 0.0, None
    abs_err = float(np.nanmax(np.where(bad_finite, np.inf, diff)))
    rel_err = float(np.nanmax(np.where(bad_finite, np.inf, diff / np.maximum(np.abs(want), REL_FLOOR))))
    omax = float(np.max(np.abs(np.where(np.isfinite(want), want, 0.0))))
    if bad_finite.any():
        return abs_err, rel_err, f"{int(bad_finite.sum())} non-finite values where onnxruntime is finite"
    if abs_err > TOL * max(1.0, omax):
        idx = np.unravel_index(int(np.argmax(diff)), diff.shape)
        return abs_err, rel_err, (f"max |k - o| = {abs_err:.3g} > {TOL * max(1.0, omax):.3g} at "
                                  f"{list(map(int, idx))}: kiln {got[idx]:.6g} vs ort {want[idx]:.6g}")
    return abs_err, rel_err, None


def ort_session(path, threads):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def run_model(args, name, rows, details):
    """Appends one row per batch (or one row for a generate/compile failure)."""
    work = os.path.join(args.work, name)
    os.makedirs(work, exist_ok=True)
    row = {"model": name, "batch": "-", "compile": None, "kiln": None, "ort": None,
           "abs": None, "rel": None}
    try:
        t = time.time()
        onnx_path = generate.generate(name, work, args.small, args.image_size)
        print(f"[{name}] generated {onnx_path} in {time.time() - t:.1f} s", flush=True)
    except Exception:
        rows.append(dict(row, status="GENERATE FAIL"))
        details.append((name, "-", traceback.format_exc().strip().splitlines()[-1]))
        return
    lib = os.path.join(work, name + ".so")
    cmd = [args.kilnc, onnx_path, "-o", lib, f"-O{args.opt_level}"]
    t = time.time()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.compile_timeout)
        ok, err = proc.returncode == 0, first_error(proc.stderr) if proc.returncode else ""
        if proc.returncode < 0:
            err = f"kilnc killed by signal {-proc.returncode}: {err}"
    except subprocess.TimeoutExpired:
        ok, err = False, f"kilnc timed out after {args.compile_timeout} s"
    row["compile"] = time.time() - t
    print(f"[{name}] kilnc {'ok' if ok else 'FAILED'} in {row['compile']:.1f} s {err}", flush=True)
    if not ok:
        rows.append(dict(row, status="COMPILE FAIL"))
        details.append((name, "-", err))
        return
    sess = ort_session(onnx_path, args.threads)
    for batch in args.batches:
        r = dict(row, batch=batch)
        rng = np.random.default_rng(1234 + batch)
        feeds = generate.make_inputs(name, batch, rng, args.small, args.image_size)
        t = time.time()
        want = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, feeds)))
        r["ort"] = time.time() - t
        bdir = os.path.join(work, f"b{batch}")
        out_dir = os.path.join(bdir, "out")
        os.makedirs(out_dir, exist_ok=True)
        for f in os.listdir(out_dir):
            os.remove(os.path.join(out_dir, f))
        cmd = [args.kiln_run, lib, "--output-dir", out_dir, "--threads", str(args.threads)]
        for k, v in feeds.items():
            p = os.path.join(bdir, file_name_for(k))
            np.save(p, v)
            cmd += ["--input", f"{k}={p}"]
        t = time.time()
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.run_timeout)
            err = "" if proc.returncode == 0 else first_error(proc.stderr + proc.stdout)
            if proc.returncode < 0:
                err = f"kiln-run killed by signal {-proc.returncode}: " + err
        except subprocess.TimeoutExpired:
            err = f"kiln-run timed out after {args.run_timeout} s"
        r["kiln"] = time.time() - t
        if err:
            rows.append(dict(r, status="RUN FAIL"))
            details.append((name, batch, err))
            print(f"[{name}] batch {batch}: RUN FAIL {err}", flush=True)
            continue
        problems, abs_err, rel_err = [], 0.0, 0.0
        for oname, o in want.items():
            p = os.path.join(out_dir, file_name_for(oname))
            if not os.path.exists(p):
                problems.append(f"output '{oname}': kiln-run wrote no {os.path.basename(p)}")
                continue
            a, rl, prob = compare(np.load(p), o)
            abs_err, rel_err = max(abs_err, a), max(rel_err, rl)
            if prob:
                problems.append(f"output '{oname}': {prob}")
        r.update(abs=abs_err, rel=rel_err, status="MISMATCH" if problems else "PASS")
        rows.append(r)
        for prob in problems:
            details.append((name, batch, prob))
        print(f"[{name}] batch {batch}: {r['status']} abs {abs_err:.3g} rel {rel_err:.3g} "
              f"(kiln {r['kiln']:.2f} s, ort {r['ort']:.2f} s) {'; '.join(problems)}", flush=True)


def table(rows):
    def f(v, fmt):
        return "-" if v is None else format(v, fmt)
    head = ["model", "batch", "compile s", "kiln s", "ort s", "max abs err", "max rel err", "status"]
    body = [[r["model"], str(r["batch"]), f(r["compile"], ".1f"), f(r["kiln"], ".2f"),
             f(r["ort"], ".2f"), f(r["abs"], ".3g"), f(r["rel"], ".3g"), r["status"]] for r in rows]
    return head, body


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kilnc", required=True)
    ap.add_argument("--kiln-run", required=True)
    ap.add_argument("--models", default=",".join(generate.MODELS))
    ap.add_argument("--small", action="store_true", help="CI-sized transformers (2 layers, vocab 1000)")
    ap.add_argument("--image-size", type=int, default=None, help="CNN resolution (default 224)")
    ap.add_argument("--work", required=True)
    ap.add_argument("--batches", default="1,8")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--opt-level", type=int, default=3, choices=[0, 1, 2, 3])
    ap.add_argument("--compile-timeout", type=int, default=1800)
    ap.add_argument("--run-timeout", type=int, default=600)
    ap.add_argument("--report", help="write the table as Markdown here")
    args = ap.parse_args()
    args.batches = [int(b) for b in args.batches.split(",") if b]
    args.kilnc, args.kiln_run = os.path.abspath(args.kilnc), os.path.abspath(args.kiln_run)
    os.makedirs(args.work, exist_ok=True)

    rows, details = [], []
    for name in [m for m in args.models.split(",") if m]:
        if name not in generate.KNOWN:
            ap.error(f"unknown model '{name}' (known: {', '.join(generate.KNOWN)})")
        run_model(args, name, rows, details)

    head, body = table(rows)
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
    print()
    for line in [head] + body:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths)))
    for model, batch, msg in details:
        print(f"  {model} (batch {batch}): {msg}")
    failed = [r for r in rows if r["status"] != "PASS"]
    print(f"\n{len(rows) - len(failed)} of {len(rows)} passed "
          f"(pass: max |k - o| <= {TOL:g} * max(1, max |o|))")
    if args.report:
        with open(args.report, "w") as fh:
            fh.write(f"# Kiln model zoo vs onnxruntime\n\nmodels: {args.models}; small: {args.small}; "
                     f"batches: {args.batches}; threads: {args.threads}; -O{args.opt_level}\n\n"
                     f"pass: max |k - o| <= {TOL:g} * max(1, max |o|); "
                     f"rel err = max |k - o| / max(|o|, {REL_FLOOR:g})\n\n")
            fh.write("| " + " | ".join(head) + " |\n|" + "---|" * len(head) + "\n")
            for b in body:
                fh.write("| " + " | ".join(b) + " |\n")
            if details:
                fh.write("\n## Failures\n\n")
                for model, batch, msg in details:
                    fh.write(f"- {model} (batch {batch}): `{msg}`\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
