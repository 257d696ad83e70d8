#!/usr/bin/env python3
"""Times two compiled builds of one model against each other, paired: A B A B ... in one process.

    python3 bench/paired_ab.py --model bert A.so B.so [--batch 1] [--threads 1] [--pairs 200]
        [--runtime-lib build/lib/libkiln_runtime.so] [--json FILE]

For a small difference (for example the cost of the run-time checks: A compiled with
`--kiln-extension=before-bufferize:kiln-strip-checks`, B without) ORT/Kiln ratios of separate runs
are too noisy. Here the two libraries run on the same inputs (bench/zoo/generate.make_inputs),
alternating, and each pair gives the ratio B/A of two back-to-back runs, so slow drifts in clock
speed or background load cancel. Reported: the median of the pair ratios with a 95% bootstrap
interval, and each side's median latency. The outputs of A and B must agree (max |A - B|).
"""
import argparse
import json
import os
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--model", required=True, help="zoo model name (for its inputs)")
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

    feeds = generate.make_inputs(args.model, args.batch, np.random.default_rng(1234 + args.batch),
                                 small=args.small)
    feeds = {k: aligned(np.ascontiguousarray(v)) for k, v in feeds.items()}
    sa = kr.Session(kr.Model(args.a), num_threads=args.threads)
    sb = kr.Session(kr.Model(args.b), num_threads=args.threads)
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
    result = {"model": args.model, "batch": args.batch, "threads": args.threads,
              "pairs": args.pairs, "a": args.a, "b": args.b,
              "a_median_ms": 1e3 * statistics.median(ta), "b_median_ms": 1e3 * statistics.median(tb),
              "b_over_a": med, "ci95": [lo, hi], "max_abs_diff": diff}
    print(f"{args.model} batch {args.batch} threads {args.threads}: "
          f"A {result['a_median_ms']:.2f} ms, B {result['b_median_ms']:.2f} ms, "
          f"B/A {100 * (med - 1):+.2f}% (95% CI {100 * (lo - 1):+.2f}% .. {100 * (hi - 1):+.2f}%), "
          f"{args.pairs} pairs, max |A-B| {diff:.2e}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
