"""Throughput and latency of a model served through Triton (`python -m kiln.serve`) on
loopback, next to the same model run in-process (kiln.Session, kiln.Batcher).

    python3 bench/triton_serve.py [--kilnc build/bin/kilnc] [--model bench/models/example_cnn.onnx]
        [--clients 1,16,64] [--seconds 3] [--max-batch 32] [--delay-us 1000] [--instances 2]
        [--threads 1] [--out bench/results/triton-serve.md]

Runs itself in the serve venv (scripts/setup_serve_venv.sh). Every client is a Python thread
sending one-row requests back to back (a closed loop) for --seconds at each client count:
  - kiln.Session.run: the clients call one session directly (concurrent runs, no batching);
  - kiln.Batcher: the clients call one in-process batcher (--max-batch, --delay-us);
  - Triton gRPC / HTTP: `python -m kiln.serve` with Triton's dynamic batcher, and gRPC with
    --batcher kiln; each client has its own tritonclient connection.
Prints and writes a markdown table: requests/s, p50 and p99 latency; the first answer to each
distinct input is checked against the session. The model needs float inputs whose dims other
than a dynamic dim 0 are static. The clients share the machine with the server: on a small
machine the figures are rough (the client side's Python costs show in them).
"""

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("--kilnc", default=os.path.join(ROOT, "build", "bin", "kilnc"))
ap.add_argument("--model", default=os.path.join(HERE, "models", "example_cnn.onnx"))
ap.add_argument("--clients", default="1,16,64", help="client counts, comma-separated")
ap.add_argument("--seconds", type=float, default=3.0, help="per measurement")
ap.add_argument("--max-batch", type=int, default=32)
ap.add_argument("--delay-us", type=int, default=1000)
ap.add_argument("--instances", type=int, default=2, help="Triton model instances")
ap.add_argument("--threads", type=int, default=1, help="threads one run uses (0: all cores)")
ap.add_argument("--out", default=os.path.join(HERE, "results", "triton-serve.md"))
ap.add_argument("--venv", help="default: the build dir of --kilnc /serve-venv")
args = ap.parse_args()
build_dir = os.path.dirname(os.path.dirname(os.path.abspath(args.kilnc)))
venv = os.path.abspath(args.venv or os.path.join(build_dir, "serve-venv"))
if os.path.realpath(sys.prefix) != os.path.realpath(venv):
    out = subprocess.run(["bash", os.path.join(ROOT, "scripts", "setup_serve_venv.sh"), venv],
                         env={**os.environ, "BUILD_DIR": build_dir}, stdout=subprocess.PIPE,
                         text=True, check=True)
    python = out.stdout.strip().splitlines()[-1]
    os.execv(python, [python, os.path.abspath(__file__)] + sys.argv[1:])

import numpy as np  # noqa: E402
import tritonclient.grpc as grpcclient  # noqa: E402
import tritonclient.http as httpclient  # noqa: E402
from tritonclient.utils import np_to_triton_dtype  # noqa: E402

import kiln  # noqa: E402
from kiln.serve import has_batch_dim, model_name_for  # noqa: E402

sys.path.insert(0, HERE)
import machine  # noqa: E402

DISTINCT_INPUTS = 8  # per client, cycled


def one_row_feeds(session, rng):
    feeds = {}
    batched = has_batch_dim(session)
    for info in session.inputs:
        dims = info.shape[1:] if batched else info.shape
        if not np.issubdtype(info.dtype, np.floating) or not all(isinstance(d, int) for d in dims):
            sys.exit(f"input {info.name}: needs a float dtype and static dims besides a dynamic "
                     f"dim 0, got {info.dtype} {info.shape}")
        shape = ((1,) if batched else ()) + tuple(dims)
        feeds[info.name] = rng.standard_normal(shape).astype(info.dtype)
    return feeds


def drive(clients, seconds, make_sender, session, on_start=None):
    """``clients`` threads, each sending requests back to back through its own sender (made
    in its thread by ``make_sender(index)``) for ``seconds``; ``on_start()`` runs when they
    are all warmed up, just before they start. Returns (requests/s, latencies in seconds)."""
    latencies = [[] for _ in range(clients)]
    errors = []
    start_stop = [0.0, 0.0]

    def set_clock():  # runs once, when every client is ready, before any goes on
        if on_start:
            on_start()
        start_stop[0] = time.perf_counter()
        start_stop[1] = start_stop[0] + seconds

    ready = threading.Barrier(clients + 1, action=set_clock)

    def client(index):
        try:
            rng = np.random.default_rng(index)
            pool = [one_row_feeds(session, rng) for _ in range(DISTINCT_INPUTS)]
            send = make_sender(index)
            for feeds in pool[:2]:
                send(feeds)  # warm-up: connection set up, buffers allocated
        except BaseException as e:  # noqa: BLE001
            errors.append(f"client {index}: {e}")
            ready.abort()
            return
        ready.wait()
        try:
            n = 0
            while time.perf_counter() < start_stop[1]:
                feeds = pool[n % DISTINCT_INPUTS]
                start = time.perf_counter()
                got = send(feeds)
                latencies[index].append(time.perf_counter() - start)
                if n < DISTINCT_INPUTS:
                    want = session.run(feeds)
                    for name, value in want.items():
                        np.testing.assert_allclose(got[name], value, rtol=1e-4, atol=1e-5)
                n += 1
        except BaseException as e:  # noqa: BLE001
            errors.append(f"client {index}: {type(e).__name__}: {e}")

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    try:
        ready.wait(timeout=120)
    except threading.BrokenBarrierError:
        sys.exit("client set-up failed: " + "; ".join(errors[:3]))
    for t in threads:
        t.join(seconds + 120)
    elapsed = time.perf_counter() - start_stop[0]
    if errors:
        sys.exit("clients failed: " + "; ".join(errors[:3]))
    flat = [x for per in latencies for x in per]
    return len(flat) / elapsed, flat


def triton_sender(module, url, model_name, output_names):
    def make(_index):
        if module is grpcclient:
            client = grpcclient.InferenceServerClient(url)
        else:
            client = httpclient.InferenceServerClient(url, connection_timeout=60,
                                                      network_timeout=60)
        outputs = [module.InferRequestedOutput(n) for n in output_names]

        def send(feeds):
            inputs = []
            for name, value in feeds.items():
                t = module.InferInput(name, list(value.shape), np_to_triton_dtype(value.dtype))
                t.set_data_from_numpy(value)
                inputs.append(t)
            result = client.infer(model_name, inputs, outputs=outputs)
            return {n: result.as_numpy(n) for n in output_names}
        return send
    return make


def free_ports(n):
    """n distinct loopback ports that are free now (all held open while choosing)."""
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class Served:
    """`python -m kiln.serve` on loopback for the duration of a with block."""

    def __init__(self, lib, model_name, flags, work):
        self.http, self.grpc, self.metrics = free_ports(3)
        self.log_path = os.path.join(work, f"serve-{len(os.listdir(work))}.log")
        self.cmd = [sys.executable, "-m", "kiln.serve", lib, "--model-name", model_name,
                    "--http-port", str(self.http), "--grpc-port", str(self.grpc),
                    "--metrics-port", str(self.metrics), *flags]
        self.model_name = model_name
        self.stats = ""

    def __enter__(self):
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(self.cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        client = httpclient.InferenceServerClient(f"127.0.0.1:{self.http}")
        try:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    if client.is_model_ready(self.model_name):
                        return self
                except Exception:
                    pass
                time.sleep(0.2)
        finally:
            client.close()
        self.__exit__()
        with open(self.log_path) as f:
            tail = f.read()[-3000:]
        sys.exit(f"kiln.serve did not get ready; its log ends:\n{tail}")

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.log.close()
        with open(self.log_path) as f:
            m = re.search(r"stopped after (\d+) requests in (\d+) model runs", f.read())
        if m:
            self.stats = f"{int(m[1]) / max(1, int(m[2])):.1f}"

    def counts(self):
        """Triton's counters for the model: (rows inferred, batch executions)."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics}/metrics", timeout=30) as r:
            text = r.read().decode()

        def counter(name):
            m = re.search(rf'^{name}{{model="{re.escape(self.model_name)}",[^}}]*}} (\S+)$',
                          text, re.M)
            return float(m[1]) if m else float("nan")
        return counter("nv_inference_count"), counter("nv_inference_exec_count")


def main():
    levels = [int(c) for c in args.clients.split(",")]
    load_before = os.getloadavg()[0]
    rows = []  # (mode, clients, req/s, p50 ms, p99 ms, mean batch)

    def record(mode, clients, result, mean_batch=""):
        rate, lat = result
        p50, p99 = (float(np.percentile(lat, q)) * 1e3 for q in (50, 99))
        rows.append((mode, clients, rate, p50, p99, mean_batch))
        print(f"{mode:<44} {clients:>3} clients: {rate:8.0f} req/s  p50 {p50:7.2f} ms  "
              f"p99 {p99:7.2f} ms  {mean_batch}", flush=True)

    with tempfile.TemporaryDirectory() as work:
        lib = kiln.compile(args.model, os.path.join(work, "model.so"), kilnc=args.kilnc,
                           opt_level=3)
        session = kiln.Session(lib, threads=args.threads)
        name = model_name_for(args.model)
        batched = has_batch_dim(session)
        output_names = [o.name for o in session.outputs]

        for c in levels:
            record("kiln.Session.run (in-process)", c,
                   drive(c, args.seconds, lambda _i: session.run, session))
        def mean_batch(before, after):  # (rows, runs) counters around a measurement
            rows, runs = after[0] - before[0], after[1] - before[1]
            return f"{rows / runs:.1f}" if runs > 0 else ""

        if batched:
            for c in levels:
                with kiln.Batcher(session, max_batch=args.max_batch, timeout_us=args.delay_us,
                                  queue_capacity=max(1024, 4 * c),
                                  workers=args.instances) as batcher:
                    def counts():
                        return batcher.stats["batched_rows"], batcher.stats["batches"]
                    before = []
                    result = drive(c, args.seconds, lambda _i: batcher.run, session,
                                   on_start=lambda: before.extend(counts()))
                    record("kiln.Batcher (in-process)", c, result, mean_batch(before, counts()))

        base = ["--instances", str(args.instances), "--max-batch", str(args.max_batch),
                "--delay-us", str(args.delay_us), "--threads", str(args.threads)]
        servers = [("triton", [("gRPC", grpcclient), ("HTTP", httpclient)])]
        if batched:
            servers.append(("kiln", [("gRPC", grpcclient)]))
        for batcher_kind, protocols in servers:
            for proto, module in protocols:
                served = Served(lib, name, base + ["--batcher", batcher_kind], work)
                results = []
                with served:
                    port = served.grpc if module is grpcclient else served.http
                    sender = triton_sender(module, f"127.0.0.1:{port}", name, output_names)
                    for c in levels:
                        before = []
                        result = drive(c, args.seconds, sender, session,
                                       on_start=lambda: before.extend(served.counts()))
                        # Triton's counters show its batches; kiln's batcher makes its own.
                        batch = (mean_batch(before, served.counts()) if batcher_kind == "triton"
                                 else None)
                        results.append((c, result, batch))
                for c, result, batch in results:
                    record(f"Triton {proto} (kiln.serve, {batcher_kind}'s batcher)", c, result,
                           batch if batch is not None else f"{served.stats} *")

    info = machine.describe(ROOT)
    inputs = ", ".join(f"{i.name} {i.dtype} {list(i.shape)}" for i in session.inputs)
    lines = [
        "# Serving through Triton on loopback vs in-process",
        "",
        f"Model `{os.path.relpath(args.model, ROOT)}` ({inputs}), "
        f"one-row requests from closed-loop Python client threads, {args.seconds:g} s per "
        f"row; runs of {args.threads or 'all'} thread(s); Triton: {args.instances} instances, "
        f"max batch {args.max_batch}, delay {args.delay_us} us (the in-process Batcher: the "
        f"same limits, {args.instances} workers). Mean batch: rows per model run while "
        "measuring (Triton's own counters for its batcher; * kiln's batcher behind Triton: "
        "over the server's whole run, all client counts together).",
        "",
        "Command: `" + " ".join(["python3", "bench/triton_serve.py", *sys.argv[1:]]) + "`",
        "",
        *machine.markdown(info),
        "",
        "Rough figures: the clients run on the same small machine as the server, in Python "
        "threads (64 of them share one interpreter), so the client side's cost is part of "
        "every Triton latency and caps its throughput; load average (1 min) "
        f"{load_before:.1f} before the run, {os.getloadavg()[0]:.1f} after it (other work "
        "on the machine counts too). The gap between the in-process rows and Triton's is the "
        "serving path of each request: the client library, HTTP or gRPC over loopback, "
        "Triton's queue and pytriton's hand-off to the model's process (shared memory and "
        "ZeroMQ), and back.",
        "",
        "| mode | clients | requests/s | p50 ms | p99 ms | mean batch |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for mode, c, rate, p50, p99, mb in rows:
        lines.append(f"| {mode} | {c} | {rate:,.0f} | {p50:.2f} | {p99:.2f} | {mb} |")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
