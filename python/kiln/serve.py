"""Serves a compiled model through Triton Inference Server (HTTP and gRPC).

    python -m kiln.serve MODEL.so [--instances K] [--max-batch N] [--delay-us D]
        [--batcher triton|kiln] [--http-port P] [--grpc-port P] [--metrics-port P]
        [--host ADDR] [--threads T] [--model-name NAME] [--log-file FILE] [-v]

Triton comes from the ``nvidia-pytriton`` package (it carries the server binary, which runs
on CPU): Triton parses the requests, queues them, batches them (its dynamic batcher) and
answers them; the model runs in this process on a ``kiln.Session``. The model's inputs and
outputs (names, dtypes, shapes) come from the compiled model's metadata. When dim 0 of
every input and output is dynamic, it is the batch dimension: requests carry ``[rows,
...]`` and are batched up to ``--max-batch`` rows, waiting at most ``--delay-us``
microseconds for more (``--batcher triton``, Triton's dynamic batcher), or each request
goes on to ``kiln.Batcher`` (``--batcher kiln``), which groups them across instances with
the same limits. Otherwise batching is off and every request runs alone.

Prints ``kiln.serve: ready ...`` when the model answers; SIGINT or SIGTERM stops the server.
Needs a Python on which pytriton's Triton stub runs (python/README.md, "Serving").
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import signal
import socket
import sys
import tempfile
import threading
from typing import Any, Callable, Optional, Sequence

import numpy as np

from .errors import KilnError
from .session import Session, TensorInfo

LOG = logging.getLogger("kiln.serve")


class ServeError(Exception):
    """A problem with the command line or the model that stops the server from starting."""


def _require_pytriton() -> None:
    try:
        import pytriton  # noqa: F401
    except ImportError as e:
        raise ServeError(
            f"kiln.serve needs the nvidia-pytriton package ({e}); install the pinned versions "
            "with scripts/setup_serve_venv.sh, or `pip install nvidia-pytriton`") from e


def has_batch_dim(session: Session) -> bool:
    """True when dim 0 of every input and output is dynamic: the batch dimension."""
    values = list(session.inputs) + list(session.outputs)
    return all(len(v.shape) >= 1 and not isinstance(v.shape[0], int) for v in values)


def _check_servable(info: TensorInfo, kind: str) -> None:
    if info.sequence:
        raise ServeError(f"{kind} '{info.name}' is a sequence of tensors; Triton carries "
                         "tensors only")
    if not isinstance(info.dtype, np.dtype) or info.dtype.name == "bfloat16":
        raise ServeError(f"{kind} '{info.name}' has dtype {info.dtype}, which Triton's "
                         "Python backend cannot carry as a numpy array")


def triton_tensors(infos: Sequence[TensorInfo], batched: bool, kind: str) -> list:
    """pytriton Tensors for the model's inputs or outputs: -1 for each dynamic dim; without
    dim 0 when ``batched`` (Triton adds the batch dim itself)."""
    from pytriton.model_config import Tensor

    tensors = []
    for info in infos:
        _check_servable(info, kind)
        dims = info.shape[1:] if batched else info.shape
        shape = tuple(d if isinstance(d, int) else -1 for d in dims)
        tensors.append(Tensor(name=info.name, dtype=info.dtype, shape=shape,
                              optional=info.optional))
    return tensors


class RunCounter:
    """Requests answered and the model runs that answered them, counted across instances
    (``stats``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.runs = 0

    def add(self, requests: int, runs: int) -> None:
        with self._lock:
            self.requests += requests
            self.runs += runs

    @property
    def stats(self) -> dict[str, int]:
        with self._lock:
            return {"requests": self.requests, "runs": self.runs}


class BatchRunner(RunCounter):
    """The inference callable for Triton's dynamic batcher: gets the requests Triton batched
    (each ``[rows, ...]``), runs those whose inputs agree beyond dim 0 as one batch on the
    session, and gives each request its own rows back. A failure fails every request of
    the call (pytriton answers a call's requests with one error)."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def __call__(self, requests: list) -> list[dict[str, np.ndarray]]:
        groups: dict[tuple, list[int]] = {}
        for i, request in enumerate(requests):
            if len({a.shape[:1] for a in request.values()}) > 1:
                key: tuple = (i,)  # inputs disagree on the rows: alone, the run says why
            else:
                key = tuple(sorted((name, a.shape[1:], a.dtype.str)
                                   for name, a in request.items()))
            groups.setdefault(key, []).append(i)
        responses: list[Optional[dict[str, np.ndarray]]] = [None] * len(requests)
        for members in groups.values():
            if len(members) == 1:
                responses[members[0]] = self.session.run(requests[members[0]].data)
                continue
            names = list(requests[members[0]].keys())
            rows = [len(requests[i][names[0]]) for i in members]
            feeds = {n: np.concatenate([requests[i][n] for i in members]) for n in names}
            outputs = self.session.run(feeds)
            total = sum(rows)
            for name, value in outputs.items():
                if value.shape[:1] != (total,):
                    raise KilnError("INTERNAL", f"output '{name}' has shape {value.shape} for a "
                                    f"batch of {total} rows")
            start = 0
            for i, n in zip(members, rows):
                responses[i] = {name: value[start:start + n] for name, value in outputs.items()}
                start += n
        self.add(len(requests), len(groups))
        return responses  # type: ignore[return-value]


class KilnBatcherRunner:
    """The inference callable for ``--batcher kiln``: hands each request to one shared
    ``kiln.Batcher``, which groups requests of all instances into batched runs."""

    def __init__(self, batcher: Any) -> None:
        self.batcher = batcher

    def __call__(self, requests: list) -> list[dict[str, np.ndarray]]:
        futures = [self.batcher.submit(request.data) for request in requests]
        return [future.result() for future in futures]


class SingleRunner(RunCounter):
    """The inference callable without batching (no dynamic dim 0): one run per request."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def __call__(self, requests: list) -> list[dict[str, np.ndarray]]:
        responses = [self.session.run(request.data) for request in requests]
        self.add(len(requests), len(requests))
        return responses


def _check_port(host: str, port: int, what: str) -> None:
    if not 1 <= port <= 65535:
        raise ServeError(f"--{what}-port {port}: a port is 1 to 65535")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            raise ServeError(f"--{what}-port {port}: cannot listen on {host}:{port} "
                             f"({e.strerror}); is another server using it?") from e


def model_name_for(path: str) -> str:
    """The Triton model name for a library path: its file name without extension, with
    characters Triton does not allow in a name replaced by '_'."""
    stem = os.path.splitext(os.path.basename(path))[0] or "model"
    return re.sub(r"[^A-Za-z0-9_.-]", "_", stem)


def _start_failure(error: Exception) -> str:
    """A short message for Triton failing to start or to load the model (its own message
    carries the Python stub's whole traceback)."""
    lines = [line.strip() for line in str(error).replace("\\n", "\n").splitlines()
             if line.strip()]
    first = lines[0][:300] if lines else type(error).__name__
    cause = next((line for line in reversed(lines) if re.match(r"\w+(Error|Exception):", line)),
                 "")
    message = f"Triton could not start the model: {first}"
    if cause and cause not in first:
        message += f" ... {cause}"
    if "_recursion_count" in str(error):
        message += ("\n  the Triton Python stub of nvidia-pytriton fails under this Python "
                    f"({sys.executable}, e.g. pyenv's 3.11.7); run kiln.serve from a venv made "
                    "from Debian's /usr/bin/python3: scripts/setup_serve_venv.sh")
    return message


STARTUP_ATTEMPTS = 3


def _hit_startup_race(error: Optional[BaseException]) -> bool:
    """Whether Triton failed to load the model because a second model instance asked the
    first for its config before the first was listening. nvidia-pytriton 0.7.0 starts
    instances in parallel and gives the handshake one second: on a loaded machine the
    second instance can find the socket file but no listener (ConnectionRefusedError) or
    no file yet (TimeoutError). Nothing about the model is wrong; a restart succeeds."""
    return error is not None and "get_config_from_handshake_server" in str(error)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="python -m kiln.serve",
        description="Serve a model compiled by kilnc through Triton Inference Server.")
    ap.add_argument("model", help="the compiled model library (kilnc output, .so)")
    ap.add_argument("--instances", type=int, metavar="K", default=1,
                    help="Triton model instances, each running requests concurrently on the "
                         "one session (default 1)")
    ap.add_argument("--max-batch", type=int, metavar="N", default=32,
                    help="most rows in one batched run (default 32)")
    ap.add_argument("--delay-us", type=int, metavar="D", default=1000,
                    help="longest a request waits for others to join its batch, in "
                         "microseconds (Triton's max_queue_delay_microseconds; default 1000)")
    ap.add_argument("--batcher", choices=("triton", "kiln"), default="triton",
                    help="who batches requests: Triton's dynamic batcher (default) or "
                         "kiln.Batcher")
    ap.add_argument("--threads", type=int, metavar="T", default=0,
                    help="threads one run uses (0: all cores; default 0)")
    ap.add_argument("--host", default="127.0.0.1", metavar="ADDR",
                    help="address to listen on (default 127.0.0.1; 0.0.0.0 for all)")
    ap.add_argument("--http-port", type=int, metavar="P", default=8000,
                    help="HTTP port (default 8000)")
    ap.add_argument("--grpc-port", type=int, metavar="P", default=8001,
                    help="gRPC port (default 8001)")
    ap.add_argument("--metrics-port", type=int, metavar="P", default=0,
                    help="Prometheus metrics port (default 0: no metrics endpoint)")
    ap.add_argument("--model-name", metavar="NAME",
                    help="the name clients use (default: the file's stem)")
    ap.add_argument("--log-file", metavar="FILE",
                    help="where Triton's own log goes (default: the console with --verbose, "
                         "else a temporary file, kept only when Triton fails)")
    ap.add_argument("--verbose", "-v", action="count", default=0,
                    help="log the steps of starting and stopping, and Triton's own log "
                         "(-vv: pytriton's debug log too)")
    args = ap.parse_args(argv)
    for flag in ("instances", "max_batch"):
        if getattr(args, flag) < 1:
            ap.error(f"--{flag.replace('_', '-')} must be at least 1")
    if args.delay_us < 0:
        ap.error("--delay-us must not be negative")
    if args.threads < 0:
        ap.error("--threads must not be negative")
    return args


class Server:
    """A model served by Triton: ``start()`` returns once the model answers, ``stop()``
    shuts Triton down. ``python -m kiln.serve`` is ``Server(**options).serve_forever()``."""

    def __init__(self, model: str, instances: int = 1, max_batch: int = 32,
                 delay_us: int = 1000, batcher: str = "triton", threads: int = 0,
                 host: str = "127.0.0.1", http_port: int = 8000, grpc_port: int = 8001,
                 metrics_port: int = 0, model_name: Optional[str] = None,
                 triton_log: Optional[str] = None) -> None:
        if not os.path.isfile(model):
            raise ServeError(f"model library '{model}' not found (compile one with kilnc)")
        _require_pytriton()
        ports = {"http": http_port, "grpc": grpc_port}
        if metrics_port:
            ports["metrics"] = metrics_port
        if len(set(ports.values())) != len(ports):
            raise ServeError(f"the ports must differ: {ports}")
        for what, port in ports.items():
            _check_port(host, port, what)
        LOG.info("loading %s", model)
        try:
            self.session = Session(model, threads=threads)
        except KilnError as e:
            raise ServeError(f"cannot load '{model}': {e}") from e
        LOG.info("inputs %s, outputs %s", self.session.inputs, self.session.outputs)

        self.model_name = model_name or model_name_for(model)
        self.batched = has_batch_dim(self.session)
        self.inputs = triton_tensors(self.session.inputs, self.batched, "input")
        self.outputs = triton_tensors(self.session.outputs, self.batched, "output")
        self.instances = instances
        self.max_batch = max_batch
        self.delay_us = delay_us
        self.batcher_kind = batcher
        self.host, self.ports = host, ports
        self.triton_log = triton_log  # Triton's own log: this file, or stdout when None
        self._kiln_batcher = None
        self._runner: Any = None
        self._triton: Any = None
        if not self.batched:
            if batcher == "kiln":
                raise ServeError("--batcher kiln needs a dynamic dim 0 on every input and "
                                 "output, which this model does not have")
            LOG.warning("dim 0 is not dynamic on every input and output: batching is off, "
                        "each request runs alone")

    def _infer_function(self) -> Callable:
        if not self.batched:
            return SingleRunner(self.session)
        if self.batcher_kind == "kiln":
            from .batcher import Batcher
            self._kiln_batcher = Batcher(self.session, max_batch=self.max_batch,
                                         timeout_us=self.delay_us, workers=self.instances)
            return KilnBatcherRunner(self._kiln_batcher)
        return BatchRunner(self.session)

    @property
    def stats(self) -> dict[str, int]:
        """Requests answered (not failed) and the model runs so far (``runs`` < ``requests``
        when batching grouped requests)."""
        if self._kiln_batcher is not None:
            s = self._kiln_batcher.stats
            return {"requests": s["completed"], "runs": s["batches"]}
        return self._runner.stats if self._runner is not None else {"requests": 0, "runs": 0}

    def _model_config(self) -> Any:
        from pytriton.model_config import DynamicBatcher, ModelConfig

        if not self.batched:
            return ModelConfig(batching=False)
        # With kiln's batcher, Triton passes on at once whatever is queued (no delay);
        # kiln.Batcher waits for the batch to fill.
        delay = self.delay_us if self.batcher_kind == "triton" else 0
        return ModelConfig(batching=True, max_batch_size=self.max_batch,
                           batcher=DynamicBatcher(max_queue_delay_microseconds=delay))

    def start(self) -> None:
        """Starts Triton and loads the model; retries when the load hit nvidia-pytriton's
        start-up race (see ``_hit_startup_race``), at most ``STARTUP_ATTEMPTS`` times."""
        for attempt in range(1, STARTUP_ATTEMPTS + 1):
            try:
                self._start_once()
                return
            except ServeError as e:
                if attempt == STARTUP_ATTEMPTS or not _hit_startup_race(e.__cause__):
                    raise
                LOG.warning("a model instance lost nvidia-pytriton's start-up race (its "
                            "config handshake); restarting Triton (attempt %d of %d)",
                            attempt + 1, STARTUP_ATTEMPTS)

    def _start_once(self) -> None:
        from pytriton.triton import Triton, TritonConfig

        config = TritonConfig(
            http_address=self.host, http_port=self.ports["http"],
            grpc_address=self.host, grpc_port=self.ports["grpc"],
            allow_metrics="metrics" in self.ports, metrics_port=self.ports.get("metrics"),
            metrics_address=self.host if "metrics" in self.ports else None,
            log_file=self.triton_log, exit_on_error=True)
        LOG.info("starting Triton Inference Server")
        self._triton = Triton(config=config)
        try:
            # Every instance calls the one session (thread-safe, each run its own arena).
            self._runner = self._infer_function()
            self._triton.bind(model_name=self.model_name,
                              infer_func=[self._runner] * self.instances,
                              inputs=self.inputs, outputs=self.outputs,
                              config=self._model_config(), strict=True)
            self._triton.run()
        except Exception as e:
            self.stop()
            raise ServeError(_start_failure(e)) from e
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        if self._triton is not None:
            LOG.info("stopping Triton Inference Server")
            self._triton.stop()
            self._triton = None
        if self._kiln_batcher is not None:
            self._kiln_batcher.close()

    def is_alive(self) -> bool:
        return self._triton is not None and self._triton.is_alive()

    def describe(self) -> str:
        batching = (f"batches of up to {self.max_batch} rows within {self.delay_us} us "
                    f"({self.batcher_kind}'s batcher)" if self.batched else "no batching")
        where = ", ".join(f"{what} {self.host}:{port}" for what, port in self.ports.items())
        return (f"model '{self.model_name}' ({self.instances} instance"
                f"{'s' if self.instances > 1 else ''}, {batching}) on {where}")

    def serve_forever(self, stop_event: Optional[threading.Event] = None) -> None:
        """Starts, prints the ready line and serves until ``stop_event`` is set, SIGINT or
        SIGTERM arrives, or Triton dies; then stops."""
        stop_event = stop_event or threading.Event()
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: stop_event.set())
        self.start()
        try:
            print(f"kiln.serve: ready: {self.describe()}", flush=True)
            while not stop_event.wait(1.0):
                if not self.is_alive():
                    raise ServeError("Triton stopped unexpectedly")
        finally:
            self.stop()
            stats = self.stats
            print(f"kiln.serve: stopped after {stats['requests']} requests in "
                  f"{stats['runs']} model runs", flush=True)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    level = {0: logging.WARNING, 1: logging.INFO}.get(args.verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(asctime)s %(name)s: %(levelname)s: %(message)s")
    if not args.verbose:
        logging.getLogger("pytriton").setLevel(logging.ERROR)
    triton_log, temporary_log = args.log_file, False
    if triton_log is None and not args.verbose:
        triton_log = os.path.join(tempfile.gettempdir(), f"kiln-serve-{os.getpid()}-triton.log")
        temporary_log = True
    try:
        server = Server(args.model, instances=args.instances, max_batch=args.max_batch,
                        delay_us=args.delay_us, batcher=args.batcher, threads=args.threads,
                        host=args.host, http_port=args.http_port, grpc_port=args.grpc_port,
                        metrics_port=args.metrics_port, model_name=args.model_name,
                        triton_log=triton_log)
        server.serve_forever()
    except ServeError as e:
        where = (f" (Triton's log: {triton_log})"
                 if triton_log and os.path.exists(triton_log) else "")
        print(f"kiln.serve: error: {e}{where}", file=sys.stderr)
        return 2
    if temporary_log and os.path.exists(triton_log):
        os.remove(triton_log)
    return 0


if __name__ == "__main__":
    sys.exit(main())
