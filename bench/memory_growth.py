#!/usr/bin/env python3
"""Peak memory of a session over many runs, Kiln next to ONNX Runtime (issue 14).

    python3 bench/memory_growth.py --kilnc build/bin/kilnc --model M.onnx [--model ...]
        [--runs 10000] [--sizes 320x320,480x640] [--out bench/results/memory.md]

Each engine runs in a process of its own (so one's memory is not counted in the other's):
it loads the model, runs it --runs times on one thread, cycling through --sizes (applied to
the H and W of the first rank-4 input whose H and W are dynamic; other dynamic dims are 1),
and samples its resident set (VmRSS) every --runs/20 runs. Reported per engine: resident
memory after loading, after the warm-up (a pass over every size), at the end, the peak
(VmHWM), the growth from the warm-up to the end, and for Kiln the activation arena plus
the bytes of one run's inputs and outputs. No growth over the runs is the goal.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def feeds_for(inputs, size, rng):
    """Random feeds for (name, dtype, shape with None for dynamic dims) at `size` (H, W)."""
    feeds, sized = {}, False
    for name, dtype, shape in inputs:
        dims = list(shape)
        if len(dims) == 4 and size and not sized and dims[2] is None and dims[3] is None:
            dims[2], dims[3] = size
            sized = True
        dims = [1 if d is None else d for d in dims]
        if np.issubdtype(dtype, np.floating):
            feeds[name] = rng.random(dims, dtype=np.float32).astype(dtype)
        else:
            feeds[name] = np.zeros(dims, dtype)
    return feeds


def child(args):
    """Runs one engine and prints a JSON line of its memory figures."""
    import onnx
    model = onnx.load(args.model, load_external_data=False)
    init = {i.name for i in model.graph.initializer}
    elem = {1: np.float32, 6: np.int32, 7: np.int64, 9: np.bool_, 10: np.float16, 11: np.float64}
    inputs = []
    for inp in model.graph.input:
        if inp.name in init:
            continue
        t = inp.type.tensor_type
        shape = [d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None
                 for d in t.shape.dim]
        inputs.append((inp.name, elem.get(t.elem_type, np.float32), shape))
    sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")] if args.sizes else [None]
    rng = np.random.default_rng(0)
    feeds = [feeds_for(inputs, s, rng) for s in sizes]
    result = {"engine": args.engine, "rss_start_kib": status_kib("VmRSS")}
    if args.engine == "kiln":
        sys.path.insert(0, os.path.join(REPO, "runtime", "python"))
        import kiln_runtime as kr
        session = kr.Session(kr.Model(args.lib), num_threads=1)
        run = session.run
    else:
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        sess = ort.InferenceSession(args.model, so, providers=["CPUExecutionProvider"])
        run = lambda f: sess.run(None, f)  # noqa: E731
    result["rss_loaded_kib"] = status_kib("VmRSS")
    io_bytes = 0
    for f in feeds:
        out = run(f)
        values = out.values() if isinstance(out, dict) else out
        io_bytes = max(io_bytes, sum(v.nbytes for v in f.values()) +
                       sum(np.asarray(v).nbytes for v in values))
    result["rss_warm_kib"] = status_kib("VmRSS")
    samples, every = [], max(1, args.runs // 20)
    for i in range(args.runs):
        run(feeds[i % len(feeds)])
        if (i + 1) % every == 0:
            samples.append(status_kib("VmRSS"))
    result.update(rss_end_kib=status_kib("VmRSS"), peak_kib=status_kib("VmHWM"),
                  samples_kib=samples, io_bytes=io_bytes)
    if args.engine == "kiln":
        result["arena_bytes"] = session.arena_bytes
    print(json.dumps(result))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kilnc", default=os.path.join(REPO, "build", "bin", "kilnc"))
    ap.add_argument("--model", action="append", required=True)
    ap.add_argument("--runs", type=int, default=10000)
    ap.add_argument("--sizes", default="", help="HxW list cycled through (dynamic H and W)")
    ap.add_argument("--work", default="/tmp/kiln-memory-growth")
    ap.add_argument("--out")
    ap.add_argument("--engine", help=argparse.SUPPRESS)
    ap.add_argument("--lib", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.engine:
        args.model = args.model[0]
        return child(args)
    os.makedirs(args.work, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("KILN_RUNTIME_LIB", os.path.join(REPO, "build", "lib", "libkiln_runtime.so"))
    rows = []
    for path in args.model:
        name = os.path.splitext(os.path.basename(path))[0]
        lib = os.path.join(args.work, name + ".so")
        subprocess.run([args.kilnc, path, "-o", lib], check=True, stderr=subprocess.DEVNULL)
        for engine in ("kiln", "ort"):
            cmd = [sys.executable, __file__, "--engine", engine, "--model", path, "--lib", lib,
                   "--runs", str(args.runs), "--sizes", args.sizes]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
            r = json.loads(out.strip().splitlines()[-1])
            r["model"] = name
            rows.append(r)
            print(f"[{name} {engine}] warm {r['rss_warm_kib'] / 1024:.1f} MiB, end "
                  f"{r['rss_end_kib'] / 1024:.1f} MiB, peak {r['peak_kib'] / 1024:.1f} MiB",
                  flush=True)
    mib = lambda kib: f"{kib / 1024:.1f}"  # noqa: E731
    lines = ["# Session memory over many runs, Kiln and ONNX Runtime", "",
             f"`python3 bench/memory_growth.py --runs {args.runs}"
             + (f" --sizes {args.sizes}" if args.sizes else "") + " --model ...` (one thread; each "
             "engine in its own process; resident set from /proc/self/status).", "",
             "The process starts at the Python interpreter with numpy and onnx loaded; \"engine "
             "peak\" is the peak less that start, what the engine itself holds at most.", "",
             "| model | engine | after load MiB | after warm-up MiB | after the runs MiB | peak MiB "
             "| engine peak MiB | growth over the runs MiB | arena + inputs + outputs MiB |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        arena = (f"{(r['arena_bytes'] + r['io_bytes']) / 2**20:.1f}" if "arena_bytes" in r
                 else "-")
        lines.append(f"| {r['model']} | {r['engine']} | {mib(r['rss_loaded_kib'])} | "
                     f"{mib(r['rss_warm_kib'])} | {mib(r['rss_end_kib'])} | {mib(r['peak_kib'])} | "
                     f"{mib(r['peak_kib'] - r['rss_start_kib'])} | "
                     f"{(r['rss_end_kib'] - r['rss_warm_kib']) / 1024:+.1f} | {arena} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    sys.exit(main())
