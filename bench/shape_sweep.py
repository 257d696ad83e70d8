#!/usr/bin/env python3
"""Kiln against ONNX Runtime on single layers: convolution and matmul shapes of well-known
networks (bench/shape_sweep_shapes.py), with the achieved GFLOP/s against the machine's peak.

    python3 bench/shape_sweep.py [--build build] [--kilnc build/bin/kilnc]
        [--out bench/results/shape-sweep.md] [--plot bench/results/shape-sweep.png]
        [--quick] [--filter REGEX] [--threads 1] [--budget-s 2] [--kilnc-arg=-O3 ...]
        [--work DIR] [--keep]

Each shape becomes a one-node ONNX model (opset 17, f32): Conv or ConvTranspose with a bias,
MatMul with a constant weight, or Gemm with a bias, its weights initializers drawn with a
fixed seed (uniform, scaled by 1 / sqrt(fan-in) so that outputs are of order 1; the input is
uniform in [-1, 1)). kilnc compiles it (timed). Then, in this one process and on the same
(64-byte aligned) input, ORT and Kiln run once as a warm-up and then alternately (ORT, Kiln,
ORT, ...), each until it has 5 timed runs (3 with --quick) and --budget-s / 2 seconds of
them, or 2 * --budget-s seconds (at least one timed run):

  * onnxruntime: CPU provider, intra_op_num_threads = --threads, one inter-op thread,
    sequential execution, idle threads not spinning (bench/benchlib.py make_ort);
  * Kiln: the package kiln's native extension from BUILD/python (else the ctypes binding)
    with threads = --threads.

Reported per shape: the median times, ORT/Kiln (> 1: Kiln is faster), GFLOP/s of both
(multiply-adds count 2; bias adds are not counted) and Kiln's as a percentage of the peak
that BUILD/bin/kiln-peak-fma measures on one core (AVX-512 where the CPU has it; the higher
of a measurement before and after the shapes) times --threads, and the status: ok, or why
not (compile or run failure, or Kiln's warm-up output off ORT's by more than 1e-4 * sqrt(K)
* max(1, max |ORT|), K the length of one output's dot product). The summary gives the
geometric mean of ORT/Kiln over all shapes and per family (2-D, depthwise, 1-D, 3-D and
transposed convolution, matmul), how many shapes are below 0.8, the worst five, and the
matmul shapes' fraction of peak, next to the goals: geometric mean >= 1.1, no shape below
0.8, f32 matmul >= 85% of the measured peak on one core.

Writes the Markdown report to --out and the raw numbers next to it as .json; --plot draws
ORT/Kiln per shape as a PNG (needs matplotlib; without it the plot is skipped with a note).
--quick runs the eight small shapes marked quick with a 0.3 s budget (a smoke test; its
ratios are only indicative). Exits 1 when a shape fails to compile, run or match ORT, or a
result is not sane (a time or rate that is not positive and finite); timing alone never fails.
"""
import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import benchlib  # noqa: E402  (bench/benchlib.py)
import machine  # noqa: E402  (bench/machine.py)
from shape_sweep_shapes import SHAPES  # noqa: E402

TOL = 1e-4
FAMILIES = ["conv2d", "depthwise", "conv1d", "conv3d", "transposed", "matmul"]
GOAL_GEOMEAN, GOAL_FLOOR, GOAL_MATMUL_PEAK = 1.1, 0.8, 0.85


def shape_name(s):
    return f"{s['net']} {s['layer']}"


def conv_out_spatial(s):
    if s["op"] == "ConvTranspose":
        return tuple(st * (i - 1) + k for i, k, st in zip(s["spatial"], s["kernel"],
                                                          s["strides"]))
    return tuple((i + 2 * p - d * (k - 1) - 1) // st + 1 for i, k, st, p, d in
                 zip(s["spatial"], s["kernel"], s["strides"], s["pads"], s["dilations"]))


def io_shapes(s):
    """(input shape, output shape)."""
    if s["op"] in ("Conv", "ConvTranspose"):
        return ((s["n"], s["cin"], *s["spatial"]),
                (s["n"], s["cout"], *conv_out_spatial(s)))
    return (*s["lead"], s["m"], s["k"]), (*s["lead"], s["m"], s["n"])


def dot_length(s):
    """K: how many products one output element sums (ConvTranspose: per input pixel that
    reaches it, at most cin * prod(k / stride) rounded up)."""
    if s["op"] == "Conv":
        return s["cin"] // s["group"] * math.prod(s["kernel"])
    if s["op"] == "ConvTranspose":
        return s["cin"] * math.prod(-(-k // st) for k, st in zip(s["kernel"], s["strides"]))
    return s["k"]


def flops(s):
    """2 per multiply-add of the layer's products."""
    if s["op"] == "Conv":
        return 2 * math.prod(io_shapes(s)[1]) * dot_length(s)
    if s["op"] == "ConvTranspose":
        return 2 * s["n"] * s["cin"] * math.prod(s["spatial"]) * s["cout"] * \
            math.prod(s["kernel"])
    return 2 * math.prod(s["lead"]) * s["m"] * s["k"] * s["n"]


def describe(s):
    """The shape in one line, e.g. 1x64x56x56 k3x3 s1 p1 -> 64."""
    x, _ = io_shapes(s)
    if s["op"] in ("Conv", "ConvTranspose"):
        dims = lambda t: "x".join(map(str, t))  # noqa: E731
        text = f"{dims(x)} k{dims(s['kernel'])} s{dims(s['strides'])}"
        if any(s["pads"]):
            text += f" p{dims(s['pads'])}"
        if any(d != 1 for d in s["dilations"]):
            text += f" d{dims(s['dilations'])}"
        if s["group"] > 1:
            text += f" g{s['group']}"
        return text + f" -> {s['cout']}"
    w = f"{s['n']}x{s['k']}" if s.get("trans_b") else f"{s['k']}x{s['n']}"
    return f"{'x'.join(map(str, x))} * {w}" + ("ᵀ" if s.get("trans_b") else "")


def make_model(s, rng):
    """(one-node ONNX model, feeds) of shape `s`."""
    x_shape, y_shape = io_shapes(s)
    fan_in = dot_length(s)
    scale = math.sqrt(3.0 / fan_in)  # uniform(-a, a) has variance a^2 / 3 = 1 / fan_in
    uniform = lambda shape, a: rng.uniform(-a, a, shape).astype(np.float32)  # noqa: E731
    if s["op"] == "Conv":
        w_shape = (s["cout"], s["cin"] // s["group"], *s["kernel"])
    elif s["op"] == "ConvTranspose":
        w_shape = (s["cin"], s["cout"] // s["group"], *s["kernel"])
    elif s["op"] == "Gemm" and s["trans_b"]:
        w_shape = (s["n"], s["k"])
    else:
        w_shape = (s["k"], s["n"])
    inits = [numpy_helper.from_array(uniform(w_shape, scale), "W")]
    inputs = ["X", "W"]
    attrs = {}
    if s["op"] in ("Conv", "ConvTranspose"):
        inits.append(numpy_helper.from_array(uniform((s["cout"],), 0.1), "B"))
        inputs.append("B")
        attrs = dict(kernel_shape=list(s["kernel"]), strides=list(s["strides"]),
                     pads=list(s["pads"]) * 2, dilations=list(s["dilations"]), group=s["group"])
    elif s["op"] == "Gemm":
        inits.append(numpy_helper.from_array(uniform((s["n"],), 0.1), "C"))
        inputs.append("C")
        attrs = dict(transB=int(s["trans_b"]))
    node = helper.make_node(s["op"], inputs, ["Y"], name=f"/layer/{s['op']}", **attrs)
    graph = helper.make_graph(
        [node], re.sub(r"\W+", "_", shape_name(s)),
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, list(x_shape))],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, list(y_shape))], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.checker.check_model(model)
    return model, {"X": benchlib.aligned(uniform(x_shape, 1.0))}


def compare(got, ref, k):
    """(max |got - ref|, tolerance, ok) of Kiln's output against ORT's."""
    ref64 = ref.astype(np.float64)
    tol = TOL * math.sqrt(k) * max(1.0, float(np.max(np.abs(ref64))))
    if got is None or got.shape != ref.shape or not np.all(np.isfinite(got)):
        return float("inf"), tol, False
    diff = float(np.max(np.abs(got.astype(np.float64) - ref64)))
    return diff, tol, diff <= tol


def bench_shape(args, s, index, open_kiln, ort):
    """Compiles and times one shape; returns its row."""
    row = {"name": shape_name(s), "net": s["net"], "layer": s["layer"], "op": s["op"],
           "family": s["family"], "shape": describe(s), "gflop": flops(s) / 1e9,
           "k": dot_length(s), "status": "ok"}
    tag = f"{index:02d}_" + re.sub(r"[^A-Za-z0-9]+", "_", shape_name(s)).strip("_")
    onnx_path = os.path.join(args.work, tag + ".onnx")
    lib = os.path.join(args.work, tag + ".so")
    model, feeds = make_model(s, np.random.default_rng(index))
    onnx.save_model(model, onnx_path)
    del model
    try:
        t = time.perf_counter()
        proc = subprocess.run([args.kilnc, onnx_path, "-o", lib, *args.kilnc_arg],
                              capture_output=True, text=True)
        row["compile_s"] = time.perf_counter() - t
        if proc.returncode != 0:
            row["status"] = "compile failed: " + benchlib.first_error(proc.stderr)[:200]
            return row
        try:
            ort_sess = benchlib.make_ort(ort, onnx_path, args.threads)
        except Exception as ex:  # noqa: BLE001  (reported in the row)
            row["status"] = f"ORT failed: {type(ex).__name__}: {ex}"[:200]
            return row
        try:
            kiln_sess = open_kiln(lib)
        except Exception as ex:  # noqa: BLE001
            row["status"] = f"load failed: {type(ex).__name__}: {ex}"[:200]
            return row
        engines = [benchlib.Engine("ort", lambda: ort_sess.run(None, feeds)[0]),
                   benchlib.Engine("kiln", lambda: kiln_sess.run(feeds)["Y"])]
        benchlib.warm_up_and_time(engines, args.min_runs, args.budget_s / 2, 2 * args.budget_s)
        ort_e, kiln_e = engines
        if ort_e.error or kiln_e.error:
            row["status"] = (f"ORT failed: {ort_e.error}" if ort_e.error
                             else f"run failed: {kiln_e.error}")[:200]
            return row
        row["max_abs_diff"], row["tol"], ok = compare(kiln_e.outputs, ort_e.outputs, row["k"])
        if not ok:
            row["status"] = "wrong output"
        row["ort_runs"], row["kiln_runs"] = len(ort_e.times), len(kiln_e.times)
        row["ort_ms"] = 1e3 * statistics.median(ort_e.times)
        row["kiln_ms"] = 1e3 * statistics.median(kiln_e.times)
        row["ratio"] = row["ort_ms"] / row["kiln_ms"]
        row["kiln_gflops"] = row["gflop"] / row["kiln_ms"] * 1e3
        row["ort_gflops"] = row["gflop"] / row["ort_ms"] * 1e3
        return row
    finally:
        if not args.keep:
            for path in (onnx_path, lib):
                if os.path.exists(path):
                    os.remove(path)


def set_pct_peak(rows, peak, threads):
    """Kiln's GFLOP/s as a % of `threads` times the single-thread peak (where measured)."""
    isa = benchlib.peak_isa(peak)
    for r in rows:
        if isa and "kiln_gflops" in r:
            r["pct_peak"] = 100 * r["kiln_gflops"] / (peak[isa] * threads)


def insane(row):
    """Why a timed row's numbers cannot be right, or None."""
    for key in ("kiln_ms", "ort_ms", "ratio", "kiln_gflops", "ort_gflops", "compile_s"):
        value = row.get(key)
        if not isinstance(value, float) or not math.isfinite(value) or value <= 0:
            return f"{key} = {value!r} is not a positive number"
    return None


def build_source(build):
    """The source tree BUILD was configured from (its CMakeCache.txt), else this checkout."""
    try:
        with open(os.path.join(build, "CMakeCache.txt")) as f:
            m = re.search(r"^CMAKE_HOME_DIRECTORY:INTERNAL=(.*)$", f.read(), re.M)
        return m.group(1).strip() if m else REPO
    except OSError:
        return REPO


def mtime(path):
    try:
        return os.path.getmtime(path)
    except OSError:
        return None


def geomean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def summarize(rows):
    timed = [r for r in rows if "ratio" in r]
    ratios = [r["ratio"] for r in timed]
    families = {}
    for fam in FAMILIES:
        rs = [r["ratio"] for r in timed if r["family"] == fam]
        if rs:
            families[fam] = {"shapes": len(rs), "geomean": geomean(rs), "min": min(rs),
                             "below_floor": sum(x < GOAL_FLOOR for x in rs)}
    matmul_pct = [r["pct_peak"] for r in timed if r["family"] == "matmul" and "pct_peak" in r]
    best_mm = max((r for r in timed if r["family"] == "matmul" and "pct_peak" in r),
                  key=lambda r: r["pct_peak"], default=None)
    return {
        "shapes": len(rows), "timed": len(timed),
        "ok": sum(r["status"] == "ok" for r in rows),
        "geomean": geomean(ratios),
        "below_floor": [r["name"] for r in timed if r["ratio"] < GOAL_FLOOR],
        "worst": [(r["name"], r["ratio"]) for r in sorted(timed, key=lambda r: r["ratio"])[:5]],
        "families": families,
        "matmul_pct_peak_median": statistics.median(matmul_pct) if matmul_pct else None,
        "matmul_at_goal": sum(p >= 100 * GOAL_MATMUL_PEAK for p in matmul_pct),
        "matmul_shapes": len(matmul_pct),
        "matmul_pct_peak_best": (best_mm["name"], best_mm["pct_peak"]) if best_mm else None,
    }


def fmt(value, spec):
    return "-" if value is None else format(value, spec)


def report(args, info, peak, binding, rows, summary):
    isa = benchlib.peak_isa(peak)
    peak_text = ", ".join(f"{k} {v:.1f} GFLOP/s" for k, v in peak.items()) or "not measured"
    met = lambda ok: "met" if ok else "not met"  # noqa: E731
    lines = [f"# Kiln vs ONNX Runtime by layer shape ({args.threads} thread"
             f"{'s' if args.threads > 1 else ''})", ""]
    lines += machine.markdown(info)
    lines += [f"- Measured single-thread peak FMA rate (kiln-peak-fma, the higher of a "
              f"measurement before and after the shapes): {peak_text}; % of peak is against "
              f"{isa or '-'} x {args.threads} thread(s)",
              f"- Kiln: `{args.kilnc}` (the commit above is of {args.source}), {binding}; "
              f"kilnc arguments: `{' '.join(args.kilnc_arg) or '(defaults)'}`",
              f"- Runs: ORT and Kiln alternately in one process after one warm-up each; median "
              f"of at least {args.min_runs} runs and {args.budget_s / 2:g} s per engine "
              f"(capped at {2 * args.budget_s:g} s)"
              + (" (--quick: indicative only)" if args.quick else ""),
              f"- Command: `python3 bench/shape_sweep.py {' '.join(args.argv)}`"]
    if args.kilnc_changed:
        lines.append("- **Warning: kilnc changed during the run** (rebuilt?): the shapes were "
                     "not all compiled by the same compiler")
    lines += ["",
              "ORT/Kiln > 1: Kiln is faster. GFLOP/s counts a multiply-add as 2 and ignores the "
              "bias. Times are of the Python run call; for layers of some microseconds its "
              "overhead weighs. Kiln's output is checked against ORT's within "
              f"{TOL:g} * sqrt(K) * max(1, max |ORT|), K the dot-product length.", "",
              "## Summary", ""]
    s = summary
    if s["geomean"] is not None:
        worst = ", ".join(f"{n} {r:.2f}" for n, r in s["worst"])
        lines += [f"- Shapes: {s['shapes']} from {len({r['net'] for r in rows})} networks; "
                  f"{s['ok']} ok",
                  f"- Geometric mean ORT/Kiln: **{s['geomean']:.3f}** "
                  f"(goal >= {GOAL_GEOMEAN}: {met(s['geomean'] >= GOAL_GEOMEAN)})",
                  f"- Shapes below {GOAL_FLOOR}: **{len(s['below_floor'])}** "
                  f"(goal 0: {met(not s['below_floor'])})",
                  f"- Worst five: {worst}"]
    else:
        lines.append(f"- No shape of {s['shapes']} was timed (see the statuses below)")
    if s["matmul_pct_peak_best"]:
        name, pct = s["matmul_pct_peak_best"]
        lines.append(f"- f32 matmul, % of the measured peak: best **{pct:.1f}%** ({name}), "
                     f"median {s['matmul_pct_peak_median']:.1f}%, {s['matmul_at_goal']} of "
                     f"{s['matmul_shapes']} shapes at >= {100 * GOAL_MATMUL_PEAK:.0f}% (goal >= "
                     f"{100 * GOAL_MATMUL_PEAK:.0f}% on one core: "
                     f"{met(pct >= 100 * GOAL_MATMUL_PEAK)})")
    lines += ["", "| family | shapes | geomean ORT/Kiln | min | below 0.8 |",
              "|---|---:|---:|---:|---:|"]
    for fam, f in s["families"].items():
        lines.append(f"| {fam} | {f['shapes']} | {f['geomean']:.3f} | {f['min']:.2f} "
                     f"| {f['below_floor']} |")
    lines += ["", "## Shapes", "",
              "| network | layer | op | shape | GFLOP | compile s | ORT ms | Kiln ms "
              "| ORT/Kiln | Kiln GFLOP/s | % of peak | ORT GFLOP/s | max diff (tol) | status |",
              "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for r in rows:
        diff = (f"{r['max_abs_diff']:.1e} ({r['tol']:.1e})" if "max_abs_diff" in r else "-")
        lines.append(
            f"| {r['net']} | {r['layer']} | {r['op']} | {r['shape']} | {r['gflop']:.3f} "
            f"| {fmt(r.get('compile_s'), '.1f')} | {fmt(r.get('ort_ms'), '.3f')} "
            f"| {fmt(r.get('kiln_ms'), '.3f')} | {fmt(r.get('ratio'), '.2f')} "
            f"| {fmt(r.get('kiln_gflops'), '.1f')} | {fmt(r.get('pct_peak'), '.1f')} "
            f"| {fmt(r.get('ort_gflops'), '.1f')} | {diff} | {r['status']} |")
    return "\n".join(lines) + "\n"


def plot(rows, summary, path, title):
    """ORT/Kiln per shape as horizontal bars (log scale), coloured by family."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"shape_sweep: matplotlib is not installed (pip install matplotlib); "
              f"not drawing {path}", flush=True)
        return False
    timed = [r for r in rows if "ratio" in r]
    if not timed:
        return False
    from matplotlib.patches import Patch
    colors = dict(zip(FAMILIES, plt.get_cmap("tab10").colors))
    ratios = [r["ratio"] for r in timed]
    fig, ax = plt.subplots(figsize=(11, 1.8 + 0.24 * len(timed)))
    y = list(range(len(timed)))[::-1]
    # Bars grow from parity: left of 1 Kiln is slower, right of it faster.
    ax.barh(y, [x - 1 for x in ratios], left=1, color=[colors[r["family"]] for r in timed])
    for yi, x in zip(y, ratios):
        ax.text(x * (1.03 if x >= 1 else 0.97), yi, f"{x:.2f}", va="center",
                ha="left" if x >= 1 else "right", fontsize=6)
    ax.set_yticks(y, [r["name"] for r in timed], fontsize=7)
    ax.set_xscale("log")
    lo, hi = min(0.5, min(ratios) / 1.5), max(2.0, max(ratios) * 1.5)
    ax.set_xlim(lo, hi)
    ticks = [t for t in (0.02, 0.05, 0.1, 0.2, 0.5, 0.8, 1, 1.25, 2, 5, 10, 20) if lo <= t <= hi]
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.minorticks_off()
    ax.set_xlabel("ORT time / Kiln time  (> 1: Kiln is faster)")
    ax.axvline(1.0, color="black", linewidth=0.8)
    handles = [ax.axvline(GOAL_FLOOR, color="red", linestyle=":", linewidth=1,
                          label=f"floor {GOAL_FLOOR}")]
    if summary["geomean"]:
        handles.append(ax.axvline(summary["geomean"], color="gray", linestyle="--",
                                  linewidth=1, label=f"geomean {summary['geomean']:.2f}"))
    handles += [Patch(color=colors[f], label=f) for f in FAMILIES
                if any(r["family"] == f for r in timed)]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7)
    ax.set_ylim(-0.7, len(timed) - 0.3)
    ax.set_title(title, fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(REPO, "build"),
                    help="build folder: bin/kilnc, bin/kiln-peak-fma, python/, lib/")
    ap.add_argument("--kilnc", help="kilnc (default: BUILD/bin/kilnc)")
    ap.add_argument("--peak-fma", help="kiln-peak-fma (default: BUILD/bin/kiln-peak-fma)")
    ap.add_argument("--quick", action="store_true",
                    help="the 8 small shapes marked quick, --budget-s 0.3 unless given")
    ap.add_argument("--filter", help="only shapes whose 'network layer' matches this regex")
    ap.add_argument("--family", choices=FAMILIES,
                    help="only shapes of this family (conv3d: the 3-D convolutions)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--budget-s", type=float, help="seconds of timed runs per shape (default 2)")
    ap.add_argument("--min-runs", type=int, help="timed runs per engine at least (5; quick 3)")
    ap.add_argument("--kilnc-arg", action="append", default=[],
                    help="extra kilnc argument (repeatable), e.g. --kilnc-arg=-O3")
    ap.add_argument("--work", default="/tmp/kiln-shape-sweep")
    ap.add_argument("--keep", action="store_true", help="keep the .onnx and .so files in --work")
    ap.add_argument("--out", help="Markdown report (the .json goes next to it)")
    ap.add_argument("--plot", help="PNG of ORT/Kiln per shape (needs matplotlib)")
    args = ap.parse_args()
    args.argv = sys.argv[1:]
    if args.budget_s is None:
        args.budget_s = 0.3 if args.quick else 2.0
    if args.min_runs is None:
        args.min_runs = 3 if args.quick else 5
    args.kilnc = args.kilnc or os.path.join(args.build, "bin", "kilnc")

    shapes = [s for s in SHAPES if s["quick"] or not args.quick]
    if args.filter:
        shapes = [s for s in shapes if re.search(args.filter, shape_name(s), re.I)]
    if args.family:
        shapes = [s for s in shapes if s["family"] == args.family]
    if not shapes:
        raise SystemExit(f"shape_sweep: no shape matches --filter '{args.filter}' "
                         f"and --family {args.family}")

    import onnxruntime as ort
    open_kiln, binding = benchlib.kiln_opener(args.build, args.threads)
    print(f"shape_sweep: Kiln through the {binding}", flush=True)
    os.makedirs(args.work, exist_ok=True)
    peak_fma = args.peak_fma or os.path.join(args.build, "bin", "kiln-peak-fma")
    peak = benchlib.measure_peak(peak_fma)
    print("shape_sweep: peak FMA (GFLOP/s):", peak or "kiln-peak-fma not found", flush=True)
    args.source = build_source(args.build)
    info = machine.describe(args.source)
    kilnc_mtime = mtime(args.kilnc)

    rows = []
    for index, s in enumerate(SHAPES):
        if s not in shapes:
            continue
        row = bench_shape(args, s, index, open_kiln, ort)
        set_pct_peak([row], peak, args.threads)
        if row["status"] == "ok" and insane(row):
            row["status"] = "not sane: " + insane(row)
        rows.append(row)
        print(f"[{len(rows)}/{len(shapes)}] {row['name']}: ORT/Kiln "
              f"{fmt(row.get('ratio'), '.2f')}, Kiln {fmt(row.get('kiln_gflops'), '.1f')} "
              f"GFLOP/s ({fmt(row.get('pct_peak'), '.1f')}% of peak), {row['status']}",
              flush=True)
    # On a shared machine one measurement of the peak may catch a busy moment: take the
    # higher of two, before and after the shapes.
    peak_after = benchlib.measure_peak(peak_fma)
    args.kilnc_changed = mtime(args.kilnc) != kilnc_mtime
    peak = {k: max(v, peak_after.get(k, 0.0)) for k, v in peak.items()}
    set_pct_peak(rows, peak, args.threads)
    summary = summarize(rows)
    text = report(args, info, peak, binding, rows, summary)
    print(text)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)) or ".", exist_ok=True)
        with open(args.out, "w") as f:
            f.write(text)
        with open(os.path.splitext(args.out)[0] + ".json", "w") as f:
            json.dump({"machine": info, "peak_gflops": peak, "kiln_binding": binding,
                       "threads": args.threads, "budget_s": args.budget_s,
                       "kilnc": args.kilnc, "kilnc_changed": args.kilnc_changed,
                       "kilnc_args": args.kilnc_arg, "summary": summary, "rows": rows,
                       "shapes": [s for s in SHAPES if s in shapes]}, f, indent=1)
    if args.plot:
        title = (f"Kiln vs ORT by layer shape, {args.threads} thread(s), {info['date']}, "
                 f"{info['commit']}")
        if plot(rows, summary, args.plot, title):
            print(f"shape_sweep: wrote {args.plot}", flush=True)
    return 0 if all(r["status"] == "ok" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
