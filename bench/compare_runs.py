#!/usr/bin/env python3
"""Compares run_bench.py results: two builds (before/after a change), or two variants of one run.

    python3 bench/compare_runs.py --label before A1.json A2.json --label after B1.json B2.json \
        [--variant default] [--out report.md]
    python3 bench/compare_runs.py --variants default,nochecks RUN1.json RUN2.json

Each run_bench.py run times ONNX Runtime and Kiln in one process, alternating, so ORT/Kiln is
robust to the machine's drift between runs; this script compares those ratios. With several
files per side (runs alternated A B A B on the same machine), each (model, batch, threads)
gets the median ratio over its files. The change is (after / before - 1) of ORT/Kiln: > 0 means
the second side is faster. Compile times are compared the same way (median seconds).
"""
import argparse
import json
import statistics
import sys


def load(paths):
    return [json.load(open(p)) for p in paths]


def ratios(runs, variant):
    """{(model, batch, threads): median ORT/Kiln} and {model: median compile s} over runs."""
    per_key, compiles = {}, {}
    for run in runs:
        for r in run["results"]:
            e = r["engines"].get(variant)
            if e and e.get("ratio") and e.get("ok", True):
                per_key.setdefault((r["model"], r["batch"], r["threads"]), []).append(e["ratio"])
        for c in run["compiles"]:
            if c["variant"] == variant and c["ok"]:
                compiles.setdefault(c["model"], []).append(c["seconds"])
    return ({k: statistics.median(v) for k, v in per_key.items()},
            {k: statistics.median(v) for k, v in compiles.items()})


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--label", action="append", nargs="+", metavar=("NAME", "JSON"),
                    help="a side: its name, then its run_bench .json files")
    ap.add_argument("--variant", default="default", help="the variant compared across sides")
    ap.add_argument("--variants", help="A,B: compare two variants of the same runs instead")
    ap.add_argument("files", nargs="*", help="with --variants: the runs")
    ap.add_argument("--out")
    args = ap.parse_args()
    if args.variants:
        a, b = args.variants.split(",")
        runs = load(args.files)
        sides = [(a, *ratios(runs, a)), (b, *ratios(runs, b))]
    else:
        if not args.label or len(args.label) != 2:
            ap.error("give two --label NAME FILE... sides, or --variants A,B FILE...")
        sides = [(label[0], *ratios(load(label[1:]), args.variant)) for label in args.label]
    (name_a, ra, ca), (name_b, rb, cb) = sides
    lines = [f"| model | batch | threads | ORT/Kiln {name_a} | ORT/Kiln {name_b} | change |",
             "|---|---|---|---|---|---|"]
    changes = []
    for key in sorted(set(ra) & set(rb)):
        change = rb[key] / ra[key] - 1
        changes.append(change)
        lines.append(f"| {key[0]} | {key[1]} | {key[2]} | {ra[key]:.3f} | {rb[key]:.3f} | "
                     f"{100 * change:+.1f}% |")
    if changes:
        lines.append(f"\nMedian change {100 * statistics.median(changes):+.2f}%, "
                     f"geometric mean {100 * (statistics.geometric_mean([1 + c for c in changes]) - 1):+.2f}%, "
                     f"range {100 * min(changes):+.1f}% to {100 * max(changes):+.1f}% "
                     f"over {len(changes)} configurations (> 0: {name_b} faster).")
    if ca and cb:
        lines += ["", f"| model | compile s {name_a} | compile s {name_b} | change |", "|---|---|---|---|"]
        for model in sorted(set(ca) & set(cb)):
            lines.append(f"| {model} | {ca[model]:.1f} | {cb[model]:.1f} | "
                         f"{100 * (cb[model] / ca[model] - 1):+.1f}% |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
