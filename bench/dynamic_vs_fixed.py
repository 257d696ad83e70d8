"""Dynamic image sizes against fixed ones: the same model compiled twice, run side by side.

For each model of the real-model corpus (tests/realmodels/corpus.json) whose image input has
dynamic height and width, and each size given, this compiles the model as shipped (H and W
left dynamic) and a copy whose input dims are fixed to that size, then times both and ONNX
Runtime on the same input in one process, alternating (one thread each, batch 1). The goal
(issue 11): dynamic within 1.15x of fixed.

Usage:
  python3 bench/dynamic_vs_fixed.py --kilnc build/bin/kilnc \
      [--models ppocrv4-det,nudenet-320n] [--sizes 320x320,480x640] [--out bench/results/dynamic-vs-fixed.md]
      [--sizes-for ppocrv4-rec=48x320,48x960 ...]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "realmodels"))
sys.path.insert(0, os.path.join(REPO, "bench"))
import run_corpus  # noqa: E402

DEFAULT_MODELS = "ppocrv4-det,nudenet-320n,ddddocr-det"


def image_input(model):
    """(index, name) of the first rank-4 input whose dims 2 and 3 are not both fixed."""
    for i, inp in enumerate(model.graph.input):
        dims = inp.type.tensor_type.shape.dim
        if len(dims) == 4 and not (dims[2].dim_value and dims[3].dim_value):
            return i, inp.name
    return None, None


def fixed_copy(path, out, name, shape):
    import onnx
    model = onnx.load(path)
    for inp in model.graph.input:
        if inp.name == name:
            for dim, size in zip(inp.type.tensor_type.shape.dim, shape):
                dim.Clear()
                dim.dim_value = size
    onnx.save(model, out)


def compile_to(kilnc, src, lib):
    t = time.perf_counter()
    r = subprocess.run([kilnc, src, "-o", lib], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"kilnc {src}: {r.stderr.strip()[:400]}")
    return time.perf_counter() - t


def timed(engines, min_runs, min_seconds):
    times = {n: [] for n in engines}
    while any(len(v) < min_runs or sum(v) < min_seconds for v in times.values()):
        for n, run in engines.items():
            t = time.perf_counter()
            run()
            times[n].append(time.perf_counter() - t)
    return {n: 1e3 * statistics.median(v) for n, v in times.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kilnc", required=True)
    ap.add_argument("--models", default=DEFAULT_MODELS)
    ap.add_argument("--sizes", default="320x320,480x640",
                    help="HxW list; each is rounded up to the model's stride (32)")
    ap.add_argument("--sizes-for", action="append", default=[], metavar="MODEL=HxW,...",
                    help="sizes for one model, used as given (text-line models: 48x320); "
                         "may be repeated")
    ap.add_argument("--cache", default=run_corpus.default_cache())
    ap.add_argument("--work", default="/tmp/kiln-dynamic-vs-fixed")
    ap.add_argument("--min-runs", type=int, default=5)
    ap.add_argument("--min-seconds", type=float, default=2.0)
    ap.add_argument("--out")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    bindir = os.path.dirname(os.path.abspath(args.kilnc))
    os.environ.setdefault("KILN_RUNTIME_LIB",
                          os.path.join(os.path.dirname(bindir), "lib", "libkiln_runtime.so"))
    sys.path.insert(0, os.path.join(REPO, "runtime", "python"))
    import kiln_runtime as kr
    import onnx
    import onnxruntime as ort
    ort.set_default_logger_severity(3)

    rows = []
    for name in args.models.split(","):
        path = os.path.join(args.cache, "models", name + ".onnx")
        _, inp = image_input(onnx.load(path))
        if inp is None:
            print(f"[{name}] no image input with dynamic H and W; skipped", flush=True)
            continue
        dyn_lib = os.path.join(args.work, name + ".dynamic.so")
        compile_to(args.kilnc, path, dyn_lib)
        dynamic = kr.Session(kr.Model(dyn_lib), num_threads=1)
        sess = run_corpus.make_ort(ort, path)
        channels = sess.get_inputs()[0].shape[1]
        own = dict(a.split("=", 1) for a in args.sizes_for).get(name)
        for size in (own or args.sizes).split(","):
            h, w = (int(v) for v in size.split("x"))
            if not own:
                h, w = (-(-v // 32) * 32 for v in (h, w))
            shape = [1, int(channels), h, w]
            fixed_path = os.path.join(args.work, f"{name}.{h}x{w}.onnx")
            fixed_lib = os.path.join(args.work, f"{name}.{h}x{w}.so")
            fixed_copy(path, fixed_path, inp, shape)
            compile_to(args.kilnc, fixed_path, fixed_lib)
            fixed = kr.Session(kr.Model(fixed_lib), num_threads=1)
            rng = np.random.default_rng(0)
            feeds = {inp: run_corpus.aligned(rng.random(shape, dtype=np.float32))}
            want = sess.run(None, feeds)
            errors = {}
            for label, s in (("dynamic", dynamic), ("fixed", fixed)):
                got = s.run(feeds)
                errors[label] = max(
                    float(np.max(np.abs(out - ref))) / max(1.0, float(np.max(np.abs(ref))))
                    for ref, out in zip(want, got.values()))
                if errors[label] > 1e-3:
                    print(f"[{name} {h}x{w}] {label}: relative error {errors[label]:.3g} "
                          "against ORT (above 1e-3; see bench/results/realmodels.md)", flush=True)
            ms = timed({"ort": lambda: sess.run(None, feeds), "dynamic": lambda: dynamic.run(feeds),
                        "fixed": lambda: fixed.run(feeds)}, args.min_runs, args.min_seconds)
            row = dict(model=name, size=f"{h}x{w}", error=max(errors.values()), **ms)
            rows.append(row)
            print(f"[{name} {h}x{w}] ort {ms['ort']:.2f} ms, fixed {ms['fixed']:.2f} ms, "
                  f"dynamic {ms['dynamic']:.2f} ms", flush=True)

    lines = ["# Dynamic image sizes against fixed ones", "",
             "`python3 bench/dynamic_vs_fixed.py --kilnc build/bin/kilnc` (one thread, batch 1, "
             "median ms; random input of the size; outputs compared with ORT, relative to the "
             "largest reference value).", "",
             "| model | H x W | ORT ms | Kiln fixed ms | Kiln dynamic ms | dynamic / fixed | ORT / dynamic "
             "| max rel. error vs ORT |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['size']} | {r['ort']:.2f} | {r['fixed']:.2f} | "
                     f"{r['dynamic']:.2f} | {r['dynamic'] / r['fixed']:.2f} | "
                     f"{r['ort'] / r['dynamic']:.2f} | {r['error']:.1e} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
        with open(os.path.splitext(args.out)[0] + ".json", "w") as f:
            json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
