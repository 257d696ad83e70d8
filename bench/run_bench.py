#!/usr/bin/env python3
"""Kiln against ONNX Runtime on the model zoo: latency, compile time and accuracy in one run.

    python3 bench/run_bench.py --kilnc build/bin/kilnc --out bench/results/latest.md
        [--models mlp,resnet50,mobilenetv2,bert,gpt2] [--batches 1,8] [--threads 1,2]
        [--small] [--image-size N] [--variant NAME="KILNC ARGS" ...] [--profile]
        [--min-runs 3] [--min-seconds 2] [--max-seconds 20] [--time-budget S] [--work DIR]

For each model, bench/zoo/generate.py writes the ONNX file (full size unless --small: BERT-base
encoder and GPT-2-small, 12 layers; ResNet-50 and MobileNetV2 at 224x224) and every Kiln
variant compiles it with `kilnc MODEL -o MODEL.<variant>.so <variant args>` (timed). A variant
is a name and extra kilnc arguments, e.g. --variant O0="-O0" --variant fuse="-O2"; without
--variant there is one, "default", with none. Then, per batch size and thread count T, in this
one process and on the same inputs (generate.make_inputs with numpy default_rng(1234 + batch),
as tests/e2e/zoo_test.py):

  * onnxruntime: CPU provider, intra_op_num_threads = T, inter_op_num_threads = 1, sequential
    execution, default graph optimizations; spinning of idle pool threads off (with 2 cores,
    a spinning ORT pool would slow the Kiln run that follows it; --ort-spin turns it back on);
  * Kiln: a session per variant with num_threads = T, through the `kiln` package's native
    extension (build/python, what users call; about 1 us per call) or, where it was not
    built, the ctypes binding (runtime/python/kiln_runtime.py, about 18 us per call: most of
    the MLP's time at batch 1); inputs are 64-byte aligned so the runtime uses them in
    place. The report names the binding.

Each engine runs once as a warm-up; the warm-up outputs give the accuracy (max |kiln - ort|
over all outputs; "ok" when <= 1e-3 * max(1, max |ort|), the zoo test's tolerance). Then the
engines run in turn (ORT, variant 1, variant 2, ..., ORT, ...) so that drifts in clock speed
or background load hit all alike; an engine stops once it has --min-runs runs and --min-seconds
of timed runs, or --max-seconds (at least one timed run). Reported: median and p90 latency per
engine (wall time of the Python run call, which includes copying outputs into numpy arrays for
both engines), the ratio ORT/Kiln of the medians (> 1: Kiln is faster), Kiln's compile time.
--time-budget S skips the configurations left once S seconds have passed (they are listed).
--profile also compiles each model with `kilnc --profile` (first variant's arguments) and adds
the 10 slowest kernels at the first batch and thread count, and time per ONNX op type.

Writes the Markdown report to --out (with the machine: CPU model and SIMD flags, core count,
date, git commit) and the raw numbers next to it as JSON. Exits 1 when a model fails to
generate or compile, or when a Kiln output is wrong; timing alone never fails.
"""
import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import time
import traceback

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "zoo"))
import generate  # noqa: E402  (bench/zoo/generate.py)
import machine  # noqa: E402  (bench/machine.py)
import benchlib  # noqa: E402  (bench/benchlib.py)
from benchlib import Engine, aligned, first_error, percentile, warm_up_and_time  # noqa: E402

TOL = 1e-3


def parse_variant(spec):
    name, sep, args = spec.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"--variant '{spec}': give NAME=\"KILNC ARGS\"")
    return name, shlex.split(args)


def make_ort(args, ort, path, threads):
    return benchlib.make_ort(ort, path, threads, spin=args.ort_spin)


def compare(kiln_out, ort_out):
    """(max abs diff over all outputs, ok) of Kiln's outputs against ORT's."""
    worst, ok = 0.0, True
    for name, ref in ort_out.items():
        got = kiln_out.get(name)
        if got is None or got.shape != ref.shape:
            return float("inf"), False
        ref64, got64 = ref.astype(np.float64), got.astype(np.float64)
        finite = np.isfinite(ref64)
        if not np.all(np.isfinite(got64[finite])):
            return float("inf"), False
        diff = float(np.max(np.abs(got64[finite] - ref64[finite]))) if finite.any() else 0.0
        worst = max(worst, diff)
        scale = float(np.max(np.abs(ref64[finite]))) if finite.any() else 0.0
        ok = ok and diff <= TOL * max(1.0, scale)
    return worst, ok


def kiln_session(kr, native, lib, threads):
    """A session on `lib` through the native extension when there is one, else ctypes."""
    if native is not None:
        return native.Session(lib, threads=threads)
    return kr.Session(kr.Model(lib), num_threads=threads)


def bench_config(args, kr, native, ort, model_name, onnx_path, libs, batch, threads):
    """Times ORT and every compiled variant at one (batch, threads); returns a result dict."""
    rng = np.random.default_rng(1234 + batch)
    feeds = generate.make_inputs(model_name, batch, rng, small=args.small,
                                 image_size=args.image_size)
    feeds = {k: aligned(np.ascontiguousarray(v)) for k, v in feeds.items()}
    sess = make_ort(args, ort, onnx_path, threads)
    names = [o.name for o in sess.get_outputs()]
    engines = [Engine("ort", lambda: dict(zip(names, sess.run(None, feeds))))]
    for variant, lib in libs.items():
        if lib is None:
            continue
        ks = kiln_session(kr, native, lib, threads)
        engines.append(Engine(variant, lambda ks=ks: ks.run(feeds)))
    # The warm-up outputs give the accuracy.
    warm_up_and_time(engines, args.min_runs, args.min_seconds, args.max_seconds)
    result = {"model": model_name, "batch": batch, "threads": threads, "engines": {}}
    ort_engine = engines[0]
    for e in engines:
        r = {"runs": len(e.times), "median_s": statistics.median(e.times) if e.times else None,
             "p90_s": percentile(e.times, 90), "error": e.error}
        if e is not ort_engine and e.outputs is not None and ort_engine.outputs is not None:
            r["max_abs_diff"], r["ok"] = compare(e.outputs, ort_engine.outputs)
        if e is not ort_engine and r["median_s"] and ort_engine.times:
            r["ratio"] = statistics.median(ort_engine.times) / r["median_s"]
        result["engines"][e.name] = r
    return result


def profile_model(args, kr, model_name, prof_lib, batch, threads):
    """The per-kernel profile of one warm run: top kernels and time per ONNX op type."""
    rng = np.random.default_rng(1234 + batch)
    feeds = generate.make_inputs(model_name, batch, rng, small=args.small,
                                 image_size=args.image_size)
    s = kr.Session(kr.Model(prof_lib), num_threads=threads)
    s.run(feeds)  # warm-up, not counted
    s.reset_profile()
    start = time.perf_counter()
    while True:  # the same stopping rule as the timed runs
        s.run(feeds)
        spent = time.perf_counter() - start
        if spent >= args.max_seconds or (s.profile_totals()[0] >= args.min_runs and
                                          spent >= args.min_seconds):
            break
    entries = s.profile()
    runs, run_ms = s.profile_totals()
    by_type = {}
    for e in entries:  # per run
        e["total_ms"] /= max(runs, 1)
        key = e["op_types"] or "(no ONNX node)"
        by_type[key] = by_type.get(key, 0.0) + e["total_ms"]
    top = sorted(entries, key=lambda e: -e["total_ms"])[:10]
    return {"model": model_name, "batch": batch, "threads": threads, "runs": runs,
            "run_ms": run_ms / max(runs, 1),
            "kernels": len(entries), "top": top,
            "by_op_type": sorted(by_type.items(), key=lambda kv: -kv[1])}


def fmt_ms(s):
    return f"{1e3 * s:.2f}" if s else "-"


def write_report(args, info, variants, compiles, results, skipped, profiles, failures):
    vnames = [v for v, _ in variants]
    lines = ["# Kiln vs ONNX Runtime on the model zoo", ""]
    lines += machine.markdown(info)
    lines += [
        f"- Models: {', '.join(args.models)} ({'--small' if args.small else 'full size'}"
        + (f", image {args.image_size}" if args.image_size else "") + f"); batches "
        f"{args.batches}; threads {args.threads}",
        "- Kiln variants: " + "; ".join(f"`{v}` = `kilnc {' '.join(a) or '(defaults)'}`"
                                        for v, a in variants),
        f"- Timing: warm-up run, then ORT and each variant in turn until each has >= "
        f"{args.min_runs} runs and >= {args.min_seconds} s (or {args.max_seconds} s); median "
        f"(p90) of the Python run call (Kiln through {args.binding}). ORT: "
        f"intra_op_num_threads=T, inter_op=1, sequential, "
        f"spinning {'on' if args.ort_spin else 'off'}.",
        "- ORT/Kiln > 1 means Kiln is faster. Accuracy: max |kiln - ort| over all outputs "
        f"(ok when <= {TOL:g} * max(1, max |ort|)).", "",
        "## Latency (ms)", ""]
    head = "| model | batch | threads | ORT ms (p90) |"
    sep = "|---|---:|---:|---:|"
    for v in vnames:
        head += f" {v} ms (p90) | {v} ORT/Kiln | {v} max abs diff |"
        sep += "---:|---:|---|"
    lines += [head, sep]
    for r in results:
        o = r["engines"]["ort"]
        row = (f"| {r['model']} | {r['batch']} | {r['threads']} | {fmt_ms(o['median_s'])} "
               f"({fmt_ms(o['p90_s'])}) |")
        for v in vnames:
            e = r["engines"].get(v)
            if e is None:
                row += " not compiled | - | - |"
            elif e["error"]:
                row += f" error | - | {e['error'][:80]} |"
            else:
                acc = (f"{e['max_abs_diff']:.1e} {'ok' if e['ok'] else 'FAIL'}"
                       if "max_abs_diff" in e else "-")
                row += (f" {fmt_ms(e['median_s'])} ({fmt_ms(e['p90_s'])}) | "
                        f"{e.get('ratio', float('nan')):.3g} | {acc} |")
        lines.append(row)
    # Geometric mean of the ratio per variant.
    lines.append("")
    for v in vnames:
        ratios = [r["engines"][v]["ratio"] for r in results
                  if v in r["engines"] and r["engines"][v].get("ratio")]
        if ratios:
            gm = float(np.exp(np.mean(np.log(ratios))))
            lines.append(f"- `{v}`: geometric mean ORT/Kiln {gm:.3g} over {len(ratios)} "
                         "configurations")
    lines += ["", "## Kiln compile time", "", "| model | variant | compile s | library MiB |",
              "|---|---|---:|---:|"]
    for c in compiles:
        status = f"{c['seconds']:.1f}" if c["ok"] else f"FAIL: {c['error'][:120]}"
        lines.append(f"| {c['model']} | {c['variant']} | {status} | "
                     f"{c.get('mib', 0):.1f} |")
    for p in profiles:
        lines += ["", f"## Profile: {p['model']} batch {p['batch']}, {p['threads']} thread(s)", "",
                  f"{p['kernels']} kernels, {p['run_ms']:.2f} ms per run in the model, mean "
                  f"of {p['runs']} runs (`{variants[0][0]}` arguments plus `--profile`; "
                  "`kiln-run --profile` prints the same table).", "",
                  "| kernel | op | ONNX op | ONNX nodes | ms | % of run |",
                  "|---|---|---|---|---:|---:|"]
        for e in p["top"]:
            nodes = e["nodes"] if len(e["nodes"]) < 80 else e["nodes"][:77] + "..."
            lines.append(f"| k{e['id']} | {e['kernel']} | {e['op_types'] or '-'} | "
                         f"{nodes or '-'} | {e['total_ms']:.3f} | "
                         f"{100 * e['total_ms'] / max(p['run_ms'], 1e-9):.1f}% |")
        lines += ["", "| ONNX op type | ms | % of run |", "|---|---:|---:|"]
        for t, ms in p["by_op_type"][:12]:
            lines.append(f"| {t} | {ms:.3f} | {100 * ms / max(p['run_ms'], 1e-9):.1f}% |")
    if skipped:
        lines += ["", "## Skipped (time budget)", ""] + [f"- {s}" for s in skipped]
    if failures:
        lines += ["", "## Failures", ""] + [f"- {f}" for f in failures]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kilnc", default=os.path.join(REPO, "build", "bin", "kilnc"))
    ap.add_argument("--runtime-lib", help="libkiln_runtime.so (default: ../lib next to kilnc)")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "latest.md"))
    ap.add_argument("--models", default=",".join(generate.MODELS))
    ap.add_argument("--batches", default="1,8")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--small", action="store_true", help="the CI-sized transformers")
    ap.add_argument("--image-size", type=int, default=None)
    ap.add_argument("--variant", action="append", type=parse_variant, default=[],
                    metavar='NAME="ARGS"', help="a Kiln variant: name and extra kilnc args")
    ap.add_argument("--profile", action="store_true", help="add per-kernel profiles")
    ap.add_argument("--min-runs", type=int, default=3)
    ap.add_argument("--min-seconds", type=float, default=2.0)
    ap.add_argument("--max-seconds", type=float, default=20.0)
    ap.add_argument("--time-budget", type=float, default=0, help="seconds; 0 = none")
    ap.add_argument("--ort-spin", action="store_true", help="let ORT's idle threads spin")
    ap.add_argument("--compile-timeout", type=float, default=3600)
    ap.add_argument("--work", default="/tmp/kiln-bench")
    args = ap.parse_args()
    args.models = [m for m in args.models.split(",") if m]
    batches = [int(b) for b in args.batches.split(",") if b]
    threads = [int(t) for t in args.threads.split(",") if t]
    variants = args.variant or [("default", [])]
    if len({v for v, _ in variants}) != len(variants):
        raise SystemExit("--variant names must be unique")

    bindir = os.path.dirname(os.path.abspath(args.kilnc))
    os.environ.setdefault("KILN_RUNTIME_LIB", args.runtime_lib or
                          os.path.join(os.path.dirname(bindir), "lib", "libkiln_runtime.so"))
    sys.path.insert(0, os.path.join(REPO, "runtime", "python"))
    import kiln_runtime as kr
    sys.path.insert(0, os.path.join(os.path.dirname(bindir), "python"))
    try:
        import kiln as native
    except ImportError:
        native = None
    args.binding = ("the kiln package's native extension" if native is not None
                    else "the ctypes binding (kiln_runtime.py)")
    import onnxruntime as ort
    os.makedirs(args.work, exist_ok=True)
    info = machine.describe(REPO)
    start = time.time()
    compiles, results, skipped, profiles, failures = [], [], [], [], []

    def over_budget():
        return args.time_budget and time.time() - start > args.time_budget

    for model_name in args.models:
        tag = model_name + ("-small" if args.small else "") + (
            f"-{args.image_size}" if args.image_size else "")
        try:
            onnx_path = os.path.join(args.work, tag + ".onnx")
            t = time.time()
            generate.generate(model_name, args.work, args.small, args.image_size)
            os.replace(os.path.join(args.work, model_name + ".onnx"), onnx_path)
            print(f"{model_name}: generated in {time.time() - t:.1f} s", flush=True)
        except Exception:  # noqa: BLE001
            failures.append(f"{model_name}: generation failed: "
                            f"{traceback.format_exc().splitlines()[-1]}")
            continue
        libs = {}
        builds = [(v, a) for v, a in variants]
        if args.profile:
            builds.append(("profile", variants[0][1] + ["--profile"]))
        for variant, extra in builds:
            lib = os.path.join(args.work, f"{tag}.{variant}.so")
            t = time.time()
            try:
                proc = subprocess.run([args.kilnc, onnx_path, "-o", lib, *extra],
                                      capture_output=True, text=True,
                                      timeout=args.compile_timeout)
                ok, err = proc.returncode == 0, first_error(proc.stderr)
            except subprocess.TimeoutExpired:
                ok, err = False, f"timed out after {args.compile_timeout} s"
            seconds = time.time() - t
            if variant != "profile":
                compiles.append({"model": model_name, "variant": variant, "seconds": seconds,
                                 "ok": ok, "error": (err.splitlines() or [""])[0] if not ok
                                 else "", "mib": os.path.getsize(lib) / 2**20 if ok else 0})
            print(f"{model_name} [{variant}]: compile {seconds:.1f} s"
                  + ("" if ok else f" FAILED: {err[:300]}"), flush=True)
            if not ok:
                failures.append(f"{model_name} [{variant}]: compile failed: {err[:300]}")
            libs[variant] = lib if ok else None
        prof_lib = libs.pop("profile", None)
        for batch in batches:
            for t_count in threads:
                config = f"{model_name} batch {batch} threads {t_count}"
                if over_budget():
                    skipped.append(config)
                    continue
                try:
                    r = bench_config(args, kr, native, ort, model_name, onnx_path, libs, batch,
                                     t_count)
                except Exception:  # noqa: BLE001
                    failures.append(f"{config}: {traceback.format_exc().splitlines()[-1]}")
                    continue
                results.append(r)
                parts = []
                for name, e in r["engines"].items():
                    if e["error"]:
                        parts.append(f"{name} error")
                        failures.append(f"{config} [{name}]: {e['error']}")
                        continue
                    part = f"{name} {fmt_ms(e['median_s'])} ms x{e['runs']}"
                    if "ratio" in e:
                        part += f" (ORT/Kiln {e['ratio']:.2f}, diff {e['max_abs_diff']:.1e}"
                        part += ")" if e["ok"] else " FAIL)"
                        if not e["ok"]:
                            failures.append(f"{config} [{name}]: output differs from ORT by "
                                            f"{e['max_abs_diff']:.3g}")
                    parts.append(part)
                print(f"{config}: " + ", ".join(parts), flush=True)
        if prof_lib and not over_budget():
            try:
                profiles.append(profile_model(args, kr, model_name, prof_lib, batches[0],
                                              threads[0]))
            except Exception:  # noqa: BLE001
                failures.append(f"{model_name} profile: "
                                f"{traceback.format_exc().splitlines()[-1]}")

    text = write_report(args, info, variants, compiles, results, skipped, profiles, failures)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)
    with open(os.path.splitext(args.out)[0] + ".json", "w") as f:
        json.dump({"machine": info, "variants": variants, "compiles": compiles,
                   "results": results, "skipped": skipped, "profiles": profiles,
                   "failures": failures}, f, indent=1, default=str)
    print(text)
    print(f"total {time.time() - start:.0f} s; report: {args.out}")
    hard = [f for f in failures if "compile failed" in f or "generation failed" in f
            or "differs" in f or "error" in f.lower()]
    return 1 if hard else 0


if __name__ == "__main__":
    sys.exit(main())
