"""Pieces the benchmark scripts share: opening Kiln and ORT sessions the same way, timing
engines alternately, and the machine's measured FMA peak.

    import benchlib
    peak = benchlib.measure_peak("build/bin/kiln-peak-fma")   # {"avx512": 198.2, ...}
    sess = benchlib.make_ort(ort, "m.onnx", threads=1)
    open_kiln = benchlib.kiln_opener("build")                  # lib path -> session
    engines = [benchlib.Engine("ort", ...), benchlib.Engine("kiln", ...)]
    benchlib.warm_up_and_time(engines, min_runs=3, min_seconds=1, max_seconds=20)
"""
import os
import re
import subprocess
import sys
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def first_error(stderr):
    """The line of a tool's stderr that says what went wrong: the first 'error' line, else
    the first line."""
    lines = [l.strip() for l in stderr.splitlines() if l.strip()]
    for line in lines:
        if "error" in line.lower():
            return line
    return lines[0] if lines else "failed"


def aligned(array, alignment=64):
    """A copy of `array` whose data starts on an `alignment`-byte boundary (Kiln uses such
    inputs in place)."""
    array = np.asarray(array, order="C")
    raw = np.empty(array.nbytes + alignment, np.uint8)
    offset = (-raw.ctypes.data) % alignment
    out = raw[offset:offset + array.nbytes].view(array.dtype).reshape(array.shape)
    out[...] = array
    return out


def percentile(times, q):
    return float(np.percentile(np.array(times), q)) if times else float("nan")


def measure_peak(path):
    """{isa: GFLOP/s} of one thread from kiln-peak-fma, or {} when it is missing."""
    if not path or not os.path.exists(path):
        return {}
    out = subprocess.run([path], capture_output=True, text=True, check=True).stdout
    return {m.group(1): float(m.group(2))
            for m in re.finditer(r"isa=(\S+) .*gflops=([0-9.]+)", out)}


def peak_isa(peak):
    """The ISA whose peak generated code is measured against: avx512 where measured."""
    return "avx512" if "avx512" in peak else (next(iter(peak)) if peak else None)


def make_ort(ort, path, threads=1, spin=False):
    """An ORT CPU session as every benchmark here opens one: `threads` intra-op threads, one
    inter-op thread, sequential execution, default graph optimizations, and (unless `spin`)
    idle pool threads that do not spin: with 2 cores a spinning ORT pool would slow the
    Kiln run that follows it."""
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    if not spin:
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])


def kiln_opener(build, threads=1):
    """A function `lib path -> session` whose `.run(feeds)` returns {name: array}: the
    package kiln's native extension from BUILD/python when it imports, else the ctypes
    binding (runtime/python) on BUILD/lib/libkiln_runtime.so. Returns (opener, which)."""
    sys.path.insert(0, os.path.join(build, "python"))
    try:
        import kiln
        return (lambda lib: kiln.Session(lib, threads=threads)), f"extension ({kiln.__file__})"
    except ImportError as e:
        reason = str(e)
    os.environ.setdefault("KILN_RUNTIME_LIB", os.path.join(build, "lib", "libkiln_runtime.so"))
    sys.path.insert(0, os.path.join(REPO, "runtime", "python"))
    import kiln_runtime as kr
    return (lambda lib: kr.Session(kr.Model(lib), num_threads=threads),
            f"ctypes binding (the extension does not import: {reason})")


def timed_runs(fn, min_runs, min_seconds, max_seconds):
    """Times fn() until min_runs runs and min_seconds have passed, or max_seconds (at least
    one run); returns the times in seconds."""
    times, start = [], time.perf_counter()
    while True:
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
        elapsed = time.perf_counter() - start
        if elapsed >= max_seconds or (len(times) >= min_runs and elapsed >= min_seconds):
            return times


class Engine:
    """One thing to time: `run()` returns the outputs; `times` collects the timed runs,
    `outputs` the warm-up run's outputs, `error` what the warm-up raised."""

    def __init__(self, name, run):
        self.name, self.run, self.times, self.outputs, self.error = name, run, [], None, None

    def done(self, min_runs, min_seconds, max_seconds):
        spent = sum(self.times)
        return self.error is not None or (bool(self.times) and (
            spent >= max_seconds or (len(self.times) >= min_runs and spent >= min_seconds)))


def warm_up_and_time(engines, min_runs, min_seconds, max_seconds):
    """Runs every engine once as a warm-up (its outputs, or the error it raised, are kept),
    then runs them in turn (A, B, ..., A, B, ...) so that drifts in clock speed or background
    load hit all alike, each until it has min_runs runs and min_seconds of timed runs, or
    max_seconds (at least one timed run)."""
    for e in engines:
        try:
            e.outputs = e.run()
        except Exception as ex:  # noqa: BLE001  (reported; the others go on)
            e.error = f"{type(ex).__name__}: {ex}"[:300]
    while not all(e.done(min_runs, min_seconds, max_seconds) for e in engines):
        for e in engines:
            if not e.done(min_runs, min_seconds, max_seconds):
                t = time.perf_counter()
                e.run()
                e.times.append(time.perf_counter() - t)
