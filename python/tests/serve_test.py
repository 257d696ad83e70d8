"""Tests `python -m kiln.serve` (ctest kiln-serve): Triton on loopback under concurrent load.

    serve_test.py --kilnc KILNC --build-dir BUILD --work DIR [--venv VENV]

Runs itself again inside the serve venv (scripts/setup_serve_venv.sh makes it, or finds it
current). Compiles small models written here with kilnc and, for each way of serving,
starts the server on free loopback ports, waits until the model is ready, sends bounded
concurrent load with tritonclient (HTTP and gRPC clients, every request its own inputs and
row count), checks every answer against numpy and the model run in-process, checks that
requests which do not fit the model's config are refused and that Triton's metrics endpoint
counts the requests, and stops the server with SIGTERM, checking that no process of it is
left. Every wait has a deadline.
"""

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

parser = argparse.ArgumentParser()
parser.add_argument("--kilnc", required=True)
parser.add_argument("--build-dir", required=True)
parser.add_argument("--work", required=True)
parser.add_argument("--venv", help="default: BUILD/serve-venv")
parser.add_argument("--clients", type=int, default=16)
parser.add_argument("--requests", type=int, default=24, help="per client")
args = parser.parse_args()
venv = os.path.abspath(args.venv or os.path.join(args.build_dir, "serve-venv"))

if os.path.realpath(sys.prefix) != os.path.realpath(venv):
    # Not in the venv yet: make it (or find it current), then run this script in it.
    out = subprocess.run(["bash", os.path.join(ROOT, "scripts", "setup_serve_venv.sh"), venv],
                         env={**os.environ, "BUILD_DIR": os.path.abspath(args.build_dir)},
                         stdout=subprocess.PIPE, text=True, check=True)
    python = out.stdout.strip().splitlines()[-1]
    os.execv(python, [python, os.path.abspath(__file__)] + sys.argv[1:])

import numpy as np  # noqa: E402  (the venv's)
import tritonclient.grpc as grpcclient  # noqa: E402
import tritonclient.http as httpclient  # noqa: E402
from tritonclient.utils import np_to_triton_dtype  # noqa: E402

import kiln  # noqa: E402  (the build tree's, through the venv's .pth)

# Usually a few seconds; generous, since starting Triton was seen to stall for over a minute
# on a loaded 2-core machine.
STARTUP_TIMEOUT_S = 300
LOAD_TIMEOUT_S = 180
STOP_TIMEOUT_S = 60

# Batch dim N, a second dynamic dim D, two dtypes; every output row depends on its own
# input row only, so a wrongly split batch shows.
BATCHED_MODEL = """<ir_version: 8, opset_import: ["" : 17]>
serve_batched (float[N, 3, D] x, int64[N, 2] k) => (float[N, D] s, int64[N, 2] k2) {
  axes = Constant <value = int64[1] {1}> ()
  sq = Mul(x, x)
  s = ReduceSum <keepdims = 0> (sq, axes)
  k2 = Add(k, k)
}
"""
# Static shapes: served without batching. Gather checks its indices at run time.
UNBATCHED_MODEL = """<ir_version: 8, opset_import: ["" : 17]>
serve_static (float[2, 5] a, int64[3] i) => (float[2, 5] b, float[2, 3] g) {
  b = Neg(a)
  g = Gather <axis = 1> (a, i)
}
"""


def compile_model(name, text):
    src = os.path.join(args.work, name + ".onnxtxt")
    with open(src, "w") as f:
        f.write(text)
    return kiln.compile(src, os.path.join(args.work, name + ".so"), kilnc=args.kilnc)


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


class ServerProcess:
    """`python -m kiln.serve` in its own session (process group), so that stopping it can
    be checked for leftovers and, on failure, everything of it killed."""

    def __init__(self, model, *flags):
        self.http_port, self.grpc_port, self.metrics_port = free_ports(3)
        self.log_path = os.path.join(args.work, os.path.basename(model) + ".log")
        self.log = open(self.log_path, "w")
        cmd = [sys.executable, "-m", "kiln.serve", model, "--verbose", "--threads", "1",
               "--http-port", str(self.http_port), "--grpc-port", str(self.grpc_port),
               "--metrics-port", str(self.metrics_port), *flags]
        print("serve_test: starting", " ".join(cmd), flush=True)
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.pgid = self.proc.pid

    def wait_ready(self, model_name):
        client = httpclient.InferenceServerClient(f"127.0.0.1:{self.http_port}")
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT_S
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    self.fail(f"the server exited with {self.proc.returncode} before it was "
                              "ready")
                try:
                    if client.is_server_ready() and client.is_model_ready(model_name):
                        return
                except Exception:
                    pass  # not listening yet
                time.sleep(0.2)
            self.fail(f"not ready after {STARTUP_TIMEOUT_S} s")
        finally:
            client.close()  # in this thread: the HTTP client's gevent hub is per thread

    def metric(self, name, model_name):
        """A counter of the model's from Triton's Prometheus endpoint (--metrics-port)."""
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=30) as response:
            text = response.read().decode()
        found = re.search(rf'^{name}{{model="{model_name}",[^}}]*}} (\S+)$', text, re.M)
        if not found:
            self.fail(f"no {name} for {model_name} in the metrics:\n{text[:2000]}")
        return float(found[1])

    def settled_metric(self, name, model_name, expected, wait_s=10.0):
        """The counter once it reaches `expected`, or its last value after `wait_s`.
        Triton counts a request as a success when it releases it, which can come just
        after the client has its response, so one scrape right after the load may be
        one short."""
        deadline = time.monotonic() + wait_s
        while True:
            value = self.metric(name, model_name)
            if value >= expected or time.monotonic() > deadline:
                return value
            time.sleep(0.1)

    def group_alive(self):
        try:
            os.killpg(self.pgid, 0)
            return True
        except ProcessLookupError:
            return False

    def stop(self):
        """SIGTERM, as a supervisor would; the server must stop Triton and exit 0."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.fail(f"did not stop within {STOP_TIMEOUT_S} s of SIGTERM")
        deadline = time.monotonic() + 10
        while self.group_alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        if self.group_alive():
            self.fail("processes of the server were left running after it stopped")
        if code != 0:
            self.fail(f"exited with {code} after SIGTERM")
        self.log.close()
        with open(self.log_path) as f:
            found = re.search(r"stopped after (\d+) requests in (\d+) model runs", f.read())
        if not found:
            self.fail("no 'stopped after' line")
        return int(found[1]), int(found[2])

    def kill(self):
        if self.group_alive():
            os.killpg(self.pgid, signal.SIGKILL)
        self.proc.wait()

    def fail(self, why):
        self.kill()
        self.log.flush()
        with open(self.log_path) as f:
            tail = f.read()[-6000:]
        raise AssertionError(f"kiln.serve: {why}\n--- server log (end) ---\n{tail}")


def infer(client, module, model_name, feeds, output_names):
    inputs = []
    for name, value in feeds.items():
        tensor = module.InferInput(name, list(value.shape), np_to_triton_dtype(value.dtype))
        tensor.set_data_from_numpy(value)
        inputs.append(tensor)
    outputs = [module.InferRequestedOutput(n) for n in output_names]
    if module is grpcclient:
        result = client.infer(model_name, inputs, outputs=outputs, client_timeout=60)
    else:
        result = client.infer(model_name, inputs, outputs=outputs)
    return {n: result.as_numpy(n) for n in output_names}


def run_load(server, model_name, session, make_feeds, reference):
    """args.clients threads, half over HTTP and half over gRPC, each sending
    args.requests requests one after another; every answer is checked."""
    output_names = [o.name for o in session.outputs]
    errors, done = [], []
    deadline = time.monotonic() + LOAD_TIMEOUT_S

    def client_thread(index):
        try:
            if index % 2:
                module = grpcclient
                client = grpcclient.InferenceServerClient(f"127.0.0.1:{server.grpc_port}")
            else:
                module = httpclient
                client = httpclient.InferenceServerClient(
                    f"127.0.0.1:{server.http_port}", connection_timeout=30, network_timeout=60)
            rng = np.random.default_rng(1000 + index)
            for r in range(args.requests):
                if time.monotonic() > deadline:
                    raise TimeoutError("load deadline passed")
                feeds = make_feeds(rng, index, r)
                got = infer(client, module, model_name, feeds, output_names)
                want = session.run(feeds)  # the model in-process
                ref = reference(feeds)  # numpy
                for name in output_names:
                    for expected, what in ((want[name], "in-process run"), (ref[name], "numpy")):
                        if got[name].shape != expected.shape or got[name].dtype != expected.dtype:
                            raise AssertionError(
                                f"client {index} request {r} output {name}: got {got[name].dtype}"
                                f"{got[name].shape}, {what} gives {expected.dtype}{expected.shape}")
                        np.testing.assert_allclose(got[name], expected, rtol=1e-5, atol=1e-6,
                                                   err_msg=f"client {index} request {r} {name} "
                                                   f"vs {what}")
            done.append(index)
            client.close()
        except BaseException as e:  # noqa: BLE001 (reported below)
            errors.append(f"client {index}: {type(e).__name__}: {e}")

    threads = [threading.Thread(target=client_thread, args=(i,), daemon=True)
               for i in range(args.clients)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()) + 5)
    if errors or len(done) != args.clients:
        server.fail(f"{len(errors)} clients failed, {args.clients - len(done)} not done:\n" +
                    "\n".join(errors[:10]))
    n = args.clients * args.requests
    print(f"serve_test: {n} requests from {args.clients} clients answered and checked in "
          f"{time.monotonic() - start:.1f} s", flush=True)


def batched_feeds(rng, index, r):
    rows = 1 + (index + r) % 3
    d = (4, 7)[r % 2]  # two shapes of the second dynamic dim, batched apart
    x = rng.standard_normal((rows, 3, d), dtype=np.float32)
    k = (np.arange(rows * 2, dtype=np.int64).reshape(rows, 2) + 1000 * index + r)
    return {"x": x, "k": k}


def batched_reference(feeds):
    return {"s": (feeds["x"] ** 2).sum(axis=1), "k2": feeds["k"] * 2}


def check_errors(batched_lib):
    """Clear messages, exit status 2, before Triton starts."""
    missing = os.path.join(args.work, "no-such-model.so")
    res = subprocess.run([sys.executable, "-m", "kiln.serve", missing], capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 2 and "not found" in res.stderr, (res.returncode, res.stderr)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        res = subprocess.run([sys.executable, "-m", "kiln.serve", batched_lib, "--http-port",
                              str(port), "--grpc-port", str(free_ports(1)[0])],
                             capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and f"--http-port {port}: cannot listen" in res.stderr, \
        (res.returncode, res.stderr)
    res = subprocess.run([sys.executable, "-m", "kiln.serve", batched_lib, "--grpc-port",
                          "70000"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and "1 to 65535" in res.stderr, (res.returncode, res.stderr)
    # A restart is kept for nvidia-pytriton's instance start-up race alone.
    from kiln.serve import _hit_startup_race
    race = ("Model initialize error: Traceback ...\n    inference_handler_config = "
            "get_config_from_handshake_server(handshake_socket)\nConnectionRefusedError: "
            "[Errno 111] Connection refused")
    assert _hit_startup_race(RuntimeError(race))
    assert not _hit_startup_race(RuntimeError("Model initialize error: KilnError: bad model"))
    assert not _hit_startup_race(None)
    print("serve_test: error messages ok", flush=True)


def check_bad_requests(server, model_name, bad_feeds):
    """Requests that do not fit the model's config get an error from Triton, which checks
    them against the config kiln.serve made from the model's metadata; those the model
    itself refuses at run time get the runtime's message."""
    client = httpclient.InferenceServerClient(f"127.0.0.1:{server.http_port}",
                                              network_timeout=60)
    try:
        for feeds, message in bad_feeds:
            try:
                infer(client, httpclient, model_name, feeds, [])
            except Exception as e:  # noqa: BLE001
                assert message in str(e), (message, str(e))
            else:
                server.fail(f"a bad request was answered: {message}")
    finally:
        client.close()


def serve_and_load(lib, model_name, flags, make_feeds, reference, batching, bad_feeds=()):
    session = kiln.Session(lib, threads=1)
    server = ServerProcess(lib, *flags)
    try:
        server.wait_ready(model_name)
        check_bad_requests(server, model_name, bad_feeds)
        run_load(server, model_name, session, make_feeds, reference)
        sent = args.clients * args.requests
        succeeded = server.settled_metric("nv_inference_request_success", model_name, sent)
        requests, runs = server.stop()
    except BaseException:
        server.kill()
        raise
    assert requests == sent, f"the server counted {requests} requests, the clients sent {sent}"
    assert succeeded == sent, f"Triton's metrics count {succeeded} requests, not {sent}"
    # 16 clients at once and a delay of milliseconds: some requests must have shared a run.
    assert (runs < requests) if batching else (runs == requests), (requests, runs)
    print(f"serve_test: {model_name} {' '.join(flags)}: ok ({requests} requests in {runs} "
          "runs)", flush=True)


def main():
    os.makedirs(args.work, exist_ok=True)
    batched = compile_model("serve_batched", BATCHED_MODEL)
    static = compile_model("serve_static", UNBATCHED_MODEL)
    check_errors(batched)
    x1, x9 = np.ones((1, 3, 4), np.float32), np.ones((9, 3, 4), np.float32)
    bad = [({"x": x1, "k": np.ones((2, 2), np.int64)}, "batch size does not match"),
           ({"x": x1, "k": np.ones((1, 3), np.int64)}, "unexpected shape for input 'k'"),
           ({"x": x1, "k": np.ones((1, 2), np.int32)}, "data-type"),
           ({"x": x9, "k": np.ones((9, 2), np.int64)}, "batch-size must be <= 8")]
    serve_and_load(batched, "serve_batched",
                   ["--instances", "2", "--max-batch", "8", "--delay-us", "2000"],
                   batched_feeds, batched_reference, batching=True, bad_feeds=bad)
    serve_and_load(batched, "serve_batched",
                   ["--batcher", "kiln", "--max-batch", "8", "--delay-us", "2000"],
                   batched_feeds, batched_reference, batching=True)
    a = np.ones((2, 5), np.float32)
    bad = [({"a": a, "i": np.array([0, 7, 1])},  # the model's own run-time check
            "index 7 is out of range for axis 1 of size 5"),
           ({"a": np.ones((1, 5), np.float32), "i": np.zeros(3, np.int64)},
            "unexpected shape for input 'a'")]
    serve_and_load(static, "serve_static", [],
                   lambda rng, i, r: {"a": rng.standard_normal((2, 5), dtype=np.float32),
                                      "i": rng.integers(-5, 5, size=3)},
                   lambda feeds: {"b": -feeds["a"], "g": feeds["a"][:, feeds["i"]]},
                   batching=False, bad_feeds=bad)
    print("serve_test: all passed", flush=True)


main()
