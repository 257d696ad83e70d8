"""Throughput of kiln.Batcher serving many single-row clients vs offline batched runs.

    python3 bench/batcher_throughput.py --kilnc build/bin/kilnc [--model M.onnx]
        [--clients 64] [--max-batch 32] [--timeout-us 1000] [--workers 1] [--threads 0]
        [--seconds 3]

Offline: Session.run on batches of --max-batch rows, back to back (the best a batcher can
do). Online: --clients Python threads, each sending one-row requests through one
kiln.Batcher as fast as it gets answers, for --seconds. Prints rows/s of both, their
ratio, the batcher's mean batch size and the requests' p50/p99 latency against the
timeout plus one batched run (the issue's bound); each client checks a sample of its answers
against the session run alone. The default model is an MLP (256-1024-256, dynamic batch
N); --model takes any model whose inputs are float32 with only dim 0 dynamic.
"""

import argparse
import os
import sys
import tempfile
import threading
import time

import numpy as np

def write_mlp(path):
    """An MLP 256-1024-256 with a dynamic batch N, random weights (fixed seed)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)

    def init(name, shape):
        return numpy_helper.from_array((rng.standard_normal(shape) * 0.05).astype(np.float32), name)

    nodes = [helper.make_node("MatMul", ["x", "w1"], ["h"]),
             helper.make_node("Add", ["h", "b1"], ["hb"]),
             helper.make_node("Relu", ["hb"], ["r"]),
             helper.make_node("MatMul", ["r", "w2"], ["o"]),
             helper.make_node("Add", ["o", "b2"], ["y"])]
    graph = helper.make_graph(
        nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 256])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 256])],
        [init("w1", (256, 1024)), init("b1", (1024,)), init("w2", (1024, 256)), init("b2", (256,))])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kilnc", default="build/bin/kilnc")
    ap.add_argument("--model", help="an ONNX model (default: a generated MLP)")
    ap.add_argument("--clients", type=int, default=64)
    ap.add_argument("--max-batch", type=int, default=32)
    ap.add_argument("--timeout-us", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0, help="session threads (0: all cores)")
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()
    build = os.path.dirname(os.path.dirname(os.path.abspath(args.kilnc)))
    sys.path.append(os.path.join(build, "python"))  # PYTHONPATH, when set, comes first
    import kiln

    with tempfile.TemporaryDirectory() as work:
        src = args.model
        if not src:
            src = os.path.join(work, "mlp.onnx")
            write_mlp(src)
        lib = kiln.compile(src, os.path.join(work, "model.so"), kilnc=args.kilnc, opt_level=3)
        session = kiln.Session(lib, threads=args.threads)
        shapes = {}
        for info in session.inputs:
            if info.dtype != np.float32 or any(not isinstance(d, int) for d in info.shape[1:]):
                sys.exit(f"input {info.name}: needs float32 with only dim 0 dynamic, got "
                         f"{info.dtype} {info.shape}")
            shapes[info.name] = tuple(info.shape[1:])
        rng = np.random.default_rng(1)

        def feeds(rows):
            return {n: rng.standard_normal((rows,) + s, dtype=np.float32) for n, s in shapes.items()}

        # Offline: full batches back to back.
        batch = feeds(args.max_batch)
        session.run(batch)
        runs, start, batch_times = 0, time.perf_counter(), []
        while time.perf_counter() - start < args.seconds:
            t0 = time.perf_counter()
            session.run(batch)
            batch_times.append(time.perf_counter() - t0)
            runs += 1
        offline = runs * args.max_batch / (time.perf_counter() - start)
        batch_ms = float(np.median(batch_times)) * 1e3

        # Online: single-row clients through the batcher.
        with kiln.Batcher(session, max_batch=args.max_batch, timeout_us=args.timeout_us,
                          queue_capacity=max(1024, 4 * args.clients),
                          workers=args.workers) as batcher:
            done = [0] * args.clients
            wrong = []
            latencies = [[] for _ in range(args.clients)]
            stop = time.perf_counter() + args.seconds

            def client(c):
                local = np.random.default_rng(100 + c)
                one = {n: local.standard_normal((1,) + s, dtype=np.float32)
                       for n, s in shapes.items()}
                want = session.run(one)
                while time.perf_counter() < stop:
                    t0 = time.perf_counter()
                    got = batcher.run(one)
                    latencies[c].append(time.perf_counter() - t0)
                    if done[c] % 50 == 0 and not all(
                            np.allclose(got[k], want[k], rtol=1e-4, atol=1e-5) for k in want):
                        wrong.append(c)
                    done[c] += 1

            threads = [threading.Thread(target=client, args=(c,)) for c in range(args.clients)]
            start = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            online = sum(done) / (time.perf_counter() - start)
            stats = batcher.stats
        print(f"offline batches of {args.max_batch}: {offline:,.0f} rows/s")
        lat = np.concatenate([np.asarray(l) for l in latencies]) * 1e3
        p50, p99 = np.percentile(lat, 50), np.percentile(lat, 99)
        bound = args.timeout_us / 1e3 + batch_ms
        print(f"{args.clients} clients via kiln.Batcher: {online:,.0f} rows/s "
              f"({online / offline:.2f} of offline), mean batch {stats['mean_batch']:.1f}, "
              f"{stats['batches']} batches")
        print(f"request latency p50 {p50:.2f} ms, p99 {p99:.2f} ms; timeout + one batched run "
              f"({args.timeout_us / 1e3:.2f} + {batch_ms:.2f} ms) = {bound:.2f} ms: p99 "
              f"{'within' if p99 <= bound else 'ABOVE'} it")
        if wrong:
            sys.exit(f"clients {sorted(set(wrong))[:5]} got wrong answers")


if __name__ == "__main__":
    main()
