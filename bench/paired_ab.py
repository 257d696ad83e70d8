#!/usr/bin/env python3
"""Times two compiled builds of one model against each other, paired: A B A B ... in one process.

    python3 bench/paired_ab.py --model bert A.so B.so [--batch 1] [--threads 1] [--pairs 200]
        [--runtime-lib build/lib/libkiln_runtime.so] [--json FILE]
    python3 bench/paired_ab.py --inputs WORK/ddddocr-det.inputs A.so B.so   # a corpus model

For a small difference (for example the cost of the run-time checks: A compiled with
`--kiln-extension=before-bufferize:kiln-strip-checks`, B without) ORT/Kiln ratios of separate runs
are too noisy. Here the two libraries run on the same inputs (bench/zoo/generate.make_inputs for
a zoo model; with --inputs, the INPUT.npy files of a folder, as tests/realmodels/run_corpus.py
saves each real model's inputs in WORK/NAME.inputs),
alternating, and each pair gives the ratio B/A of two back-to-back runs, so slow drifts in clock
speed or background load cancel. Reported: the median of the pair ratios with a 95% bootstrap
interval, and each side's median latency. The outputs of A and B must agree (max |A - B|).
"""
import argparse
import json
import os
import re
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "zoo"))
import generate  # noqa: E402
from run_bench import aligned  # noqa: E402


def bootstrap_median(values, rounds=2000, seed=0):
    rng = np.random.default_rng(seed)
    values = np.asarray(values)
    medians = np.median(rng.choice(values, (rounds, len(values))), axis=1)
    return float(np.percentile(medians, 2.5)), float(np.percentile(medians, 97.5))


def read_inputs(folder, model):
    """The model's inputs from FOLDER/INPUT.npy, INPUT with run_corpus.py's file-name
    escaping (characters other than letters, digits, '_', '.', '-' become '_')."""
    feeds = {}
    for info in model.inputs:
        name = info.name
        path = os.path.join(folder, re.sub(r"[^A-Za-z0-9_.-]", "_", name) + ".npy")
        if not os.path.exists(path):
            sys.exit(f"paired_ab: no {path} for input '{name}'")
        feeds[name] = np.load(path)
    return feeds


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("a")
    ap.add_argument("b")
    source = ap.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", help="zoo model name (for its inputs)")
    source.add_argument("--inputs", help="a folder of INPUT.npy files (run_corpus.py's NAME.inputs)")
    ap.add_argument("--small", action="store_true")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--pairs", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--runtime-lib")
    ap.add_argument("--json")
    args = ap.parse_args()

    repo = os.path.dirname(HERE)
    os.environ.setdefault("KILN_RUNTIME_LIB", args.runtime_lib or
                          os.path.join(repo, "build", "lib", "libkiln_runtime.so"))
    sys.path.insert(0, os.path.join(repo, "runtime", "python"))
    import kiln_runtime as kr

    sa = kr.Session(kr.Model(args.a), num_threads=args.threads)
    sb = kr.Session(kr.Model(args.b), num_threads=args.threads)
    if args.model:
        feeds = generate.make_inputs(args.model, args.batch,
                                     np.random.default_rng(1234 + args.batch), small=args.small)
    else:
        feeds = read_inputs(args.inputs, kr.Model(args.a))
    feeds = {k: aligned(np.ascontiguousarray(v)) for k, v in feeds.items()}
    out_a, out_b = sa.run(feeds), sb.run(feeds)
    diff = max(float(np.max(np.abs(out_a[k].astype(np.float64) - out_b[k])))
               for k in out_a)
    for _ in range(args.warmup):
        sa.run(feeds)
        sb.run(feeds)

    ta, tb, ratios = [], [], []
    for i in range(args.pairs):
        # Alternate which goes first so that a "second run is faster" effect cancels too.
        order = [(sa, ta), (sb, tb)] if i % 2 == 0 else [(sb, tb), (sa, ta)]
        for sess, times in order:
            t = time.perf_counter()
            sess.run(feeds)
            times.append(time.perf_counter() - t)
        ratios.append(tb[-1] / ta[-1])
    med = statistics.median(ratios)
    lo, hi = bootstrap_median(ratios)
    label = args.model or os.path.basename(os.path.normpath(args.inputs))
    result = {"model": label, "batch": args.batch, "threads": args.threads,
              "pairs": args.pairs, "a": args.a, "b": args.b,
              "a_median_ms": 1e3 * statistics.median(ta), "b_median_ms": 1e3 * statistics.median(tb),
              "b_over_a": med, "ci95": [lo, hi], "max_abs_diff": diff}
    print(f"{label} batch {args.batch} threads {args.threads}: "
          f"A {result['a_median_ms']:.2f} ms, B {result['b_median_ms']:.2f} ms, "
          f"B/A {100 * (med - 1):+.2f}% (95% CI {100 * (lo - 1):+.2f}% .. {100 * (hi - 1):+.2f}%), "
          f"{args.pairs} pairs, max |A-B| {diff:.2e}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
