"""Tokens per second of continuous batching (kiln.Generator, max_active K) against one
request at a time (the same generator with max_active 1), on the zoo's GPT-2 decoder with
a KV cache (bench/zoo/gpt2_decoder.py).

    python3 bench/continuous_batching.py --kilnc build/bin/kilnc [--small] [--requests 48]
        [--max-active 8] [--rate 4] [--prompt 4,48] [--new 8,48] [--threads 2]
        [--pairs 2] [--work DIR] [--report bench/results/continuous-batching.md]

Workload (fixed seed): --requests requests whose prompt lengths and numbers of new tokens
are uniform in the --prompt and --new ranges, arriving over time as a Poisson process of
--rate requests per second (a driver thread submits each at its arrival time). Both modes
get the same requests and arrival times; runs alternate (one request at a time, then
continuous, --pairs times) so that the noise of a shared machine hits both alike. Per run:
tokens/s = generated tokens / (last completion - first arrival), the requests' mean and p90
latency from arrival to completion, and the generator's mean decode batch. Every request's
tokens are compared between the modes (they must be equal: padding never changes a token);
logits within 1e-3 * max(1, |logit|) (float rounding differs with the padded length).
"""

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "zoo"))
sys.path.insert(0, HERE)


def workload(args, vocab):
    rng = np.random.default_rng(7)
    reqs, t = [], 0.0
    for _ in range(args.requests):
        t += rng.exponential(1.0 / args.rate)
        plen = int(rng.integers(args.prompt[0], args.prompt[1] + 1))
        reqs.append({"arrival": t, "prompt": rng.integers(0, vocab, plen).tolist(),
                     "new": int(rng.integers(args.new[0], args.new[1] + 1))})
    return reqs


def run_once(kiln, session, reqs, max_active):
    gen = kiln.Generator(session, max_active=max_active, queue_capacity=len(reqs) + 1)
    done_at = [0.0] * len(reqs)
    futures = [None] * len(reqs)
    start = time.perf_counter()

    def driver():
        for i, r in enumerate(reqs):
            delay = start + r["arrival"] - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            f = gen.submit(r["prompt"], r["new"], return_logits=True)
            f.add_done_callback(lambda _f, i=i: done_at.__setitem__(i, time.perf_counter()))
            futures[i] = f

    th = threading.Thread(target=driver)
    th.start()
    th.join()
    results = [f.result() for f in futures]
    stats = gen.stats
    gen.close()
    first = start + reqs[0]["arrival"]
    wall = max(done_at) - first
    tokens = sum(len(r.tokens) for r in results)
    lat = sorted(done_at[i] - (start + r["arrival"]) for i, r in enumerate(reqs))
    return {"tokens": tokens, "wall": wall, "tps": tokens / wall,
            "lat_mean": statistics.mean(lat), "lat_p90": lat[int(0.9 * (len(lat) - 1))],
            "mean_step": stats["mean_step"], "results": results}


def compare(a, b):
    """(all tokens equal, max logits error scaled, count of differing requests)."""
    bad, worst = 0, 0.0
    for x, y in zip(a, b):
        if not np.array_equal(x.tokens, y.tokens):
            bad += 1
            continue
        d = np.abs(x.logits - y.logits) / np.maximum(1.0, np.abs(y.logits))
        worst = max(worst, float(d.max()) if d.size else 0.0)
    return bad == 0, worst, bad


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kilnc", default=os.path.join(REPO, "build", "bin", "kilnc"))
    ap.add_argument("--model-so", help="a compiled gpt2_decoder (skips generate and compile)")
    ap.add_argument("--small", action="store_true", help="2 layers, vocab 1000 (else GPT-2 small)")
    ap.add_argument("--requests", type=int, default=48)
    ap.add_argument("--max-active", type=int, default=8)
    ap.add_argument("--rate", type=float, default=4.0, help="arrivals per second")
    ap.add_argument("--prompt", default="4,48")
    ap.add_argument("--new", default="8,48")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--pairs", type=int, default=2)
    ap.add_argument("--work", default="/tmp/kiln-continuous-batching")
    ap.add_argument("--report")
    args = ap.parse_args()
    args.prompt = [int(x) for x in args.prompt.split(",")]
    args.new = [int(x) for x in args.new.split(",")]
    import kiln
    import generate
    import machine

    os.makedirs(args.work, exist_ok=True)
    so = args.model_so
    if not so:
        onnx_path = generate.generate("gpt2_decoder", args.work, args.small)
        so = os.path.join(args.work, "gpt2_decoder.so")
        t = time.time()
        subprocess.run([args.kilnc, onnx_path, "-o", so, "-O3"], check=True)
        print(f"compiled {so} in {time.time() - t:.0f} s", flush=True)
    session = kiln.Session(so, threads=args.threads)
    vocab = session.outputs[0].shape[2]
    reqs = workload(args, vocab)
    print(f"{len(reqs)} requests over {reqs[-1]['arrival']:.1f} s, "
          f"{sum(r['new'] for r in reqs)} new tokens at most", flush=True)
    runs = {1: [], args.max_active: []}
    for p in range(args.pairs):
        for k in (1, args.max_active):
            r = run_once(kiln, session, reqs, k)
            runs[k].append(r)
            print(f"pair {p}: max_active {k}: {r['tokens']} tokens in {r['wall']:.2f} s = "
                  f"{r['tps']:.1f} tok/s, latency mean {r['lat_mean']:.2f} s p90 "
                  f"{r['lat_p90']:.2f} s, mean decode batch {r['mean_step']:.2f}", flush=True)
    same, worst, bad = compare(runs[args.max_active][0]["results"], runs[1][0]["results"])
    print(f"tokens equal in both modes: {same} ({bad} requests differ); "
          f"max scaled logits difference {worst:.2e}")

    def med(k, key):
        return statistics.median(r[key] for r in runs[k])

    rows = [(k, med(k, "tps"), min(r["tps"] for r in runs[k]), max(r["tps"] for r in runs[k]),
             med(k, "lat_mean"), med(k, "lat_p90"), med(k, "mean_step")) for k in runs]
    speedup = rows[1][1] / rows[0][1]
    pair_ratios = [c["tps"] / o["tps"] for o, c in zip(runs[1], runs[args.max_active])]
    print(f"speed-up (median tok/s): {speedup:.2f}x; per pair: "
          + ", ".join(f"{r:.2f}x" for r in pair_ratios))
    if args.report:
        info = machine.describe(REPO)
        cmd = "python3 bench/continuous_batching.py " + " ".join(sys.argv[1:])
        lines = ["# Continuous batching: kiln.Generator vs one request at a time", "",
                 f"Command: `{cmd}`", ""] + machine.markdown(info) + [
                 "", f"Model: bench/zoo/gpt2_decoder.py ({'small: 2 layers, vocab 1000' if args.small else 'GPT-2 small: 12 layers, vocab 50257'}), "
                 f"session threads {args.threads}. Workload: {len(reqs)} requests, prompts "
                 f"{args.prompt[0]}-{args.prompt[1]} tokens, {args.new[0]}-{args.new[1]} new tokens, "
                 f"Poisson arrivals at {args.rate}/s (seed 7). {args.pairs} alternating pairs; "
                 "median (min-max) over them.", "",
                 "| max_active | tokens/s median | min | max | latency mean s | latency p90 s | mean decode batch |",
                 "|---:|---:|---:|---:|---:|---:|---:|"]
        for k, tps, lo, hi, lm, lp, ms in rows:
            lines.append(f"| {k} | {tps:.1f} | {lo:.1f} | {hi:.1f} | {lm:.2f} | {lp:.2f} | {ms:.2f} |")
        lines += ["", f"Speed-up of continuous batching (median tokens/s): **{speedup:.2f}x**; "
                  "per alternating pair (the fairer figure when the machine's load drifts): "
                  + ", ".join(f"{r:.2f}x" for r in pair_ratios) + ".", "",
                  f"Every request's tokens equal in both modes: {same}; largest logits difference "
                  f"|a - b| / max(1, |b|): {worst:.2e}."]
        with open(args.report, "a") as f:
            f.write("\n".join(lines) + "\n\n")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
