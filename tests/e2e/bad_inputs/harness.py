"""The bad-input suite's case type and its runner, shared by every cases_*.py module.

A case is a model (written by `build(dir)` into an empty folder) plus, for run-stage cases,
the inputs to feed it. Each case is run through Kiln and through ONNX Runtime and judged
against ORT's behaviour:

- stage "compile": `kilnc` must refuse the model with exit code 1 (never a signal), one
  error line containing every string of `error_contains`, and no output file.
- stage "run": `kilnc` must compile the model; `kiln-run` then runs it on `inputs`. Where
  ORT refuses the inputs, kiln-run must exit 1 (never a signal) with an error containing
  every string of `error_contains`; where ORT answers, Kiln's outputs must equal ORT's
  (|kiln - ort| <= atol + rtol * |ort|, integers and bools exactly, NaN where ORT has NaN).

`ort` states what ORT does with the case ("error" or "ok"); the runner checks ORT still
does so, so a case cannot silently stop testing what its name says.
"""
import dataclasses
import os
import re
import subprocess
import tempfile
from typing import Callable, Dict, List, Optional

import numpy as np

COMPILE_TIMEOUT_S, RUN_TIMEOUT_S = 120, 60


@dataclasses.dataclass
class Case:
    name: str
    build: Callable[[str], str]  # build(folder) -> path of the model file it wrote there
    stage: str = "run"  # "compile" or "run"
    ort: str = "error"  # what ONNX Runtime does: "error" or "ok"
    inputs: Optional[Dict[str, np.ndarray]] = None
    error_contains: List[str] = dataclasses.field(default_factory=list)
    kilnc_args: List[str] = dataclasses.field(default_factory=list)
    rtol: float = 1e-4
    atol: float = 1e-5


@dataclasses.dataclass
class Outcome:
    ok: bool
    detail: str


def _signal_name(returncode):
    return f"signal {-returncode}" if returncode < 0 else f"exit {returncode}"


def _error_line(text):
    for line in text.splitlines():
        if "error" in line.lower():
            return line.strip()
    lines = [l for l in text.splitlines() if l.strip()]
    return lines[-1].strip() if lines else "(no message)"


def _ort_run(model_path, inputs):
    """ORT's answer: (True, outputs by name) or (False, its error message)."""
    import onnxruntime as ort
    ort.set_default_logger_severity(4)  # its refusals are expected here: keep the log clean
    try:
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        sess = ort.InferenceSession(model_path, opts, providers=["CPUExecutionProvider"])
        if inputs is None:
            return True, {}
        names = [o.name for o in sess.get_outputs()]
        return True, dict(zip(names, sess.run(None, inputs)))
    except Exception as e:  # ORT raises its own exception types
        return False, str(e).splitlines()[0] if str(e) else type(e).__name__


def _missing(strings, text):
    return [s for s in strings if s not in text]


def _file_name_for(name):
    """kiln-run's output file name for an ONNX value name."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", name) + ".npy"


def _compare(name, got, want, rtol, atol):
    if got.shape != want.shape:
        return f"output '{name}': shape {list(got.shape)} != ORT's {list(want.shape)}"
    if want.dtype.kind in "biu" or want.dtype == np.bool_:
        same = np.array_equal(got.astype(want.dtype), want)
    else:
        g, w = got.astype(np.float64), want.astype(np.float64)
        close = np.abs(g - w) <= atol + rtol * np.abs(w)
        same = bool(np.all(close | (np.isnan(g) & np.isnan(w)) | (g == w)))
    if same:
        return None
    return f"output '{name}': values differ from ORT's (max |diff| {np.nanmax(np.abs(got.astype(np.float64) - want.astype(np.float64)))})"


def run_case(case: Case, kilnc: str, kiln_run: str, work: str, kilnc_args=()) -> Outcome:
    os.makedirs(work, exist_ok=True)
    model_dir = tempfile.mkdtemp(prefix="model-", dir=work)
    model = case.build(model_dir)
    out_so = os.path.join(work, "model.so")

    ort_ok, ort_result = _ort_run(model, case.inputs if case.stage == "run" else None)
    if case.stage == "compile":
        ort_ok_expected = case.ort == "ok"
        if ort_ok != ort_ok_expected:
            return Outcome(False, f"ORT {'accepts' if ort_ok else 'refuses'} the model, case says ort={case.ort!r}")
    try:
        c = subprocess.run([kilnc, model, "-o", out_so, *kilnc_args, *case.kilnc_args], capture_output=True,
                           text=True, timeout=COMPILE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return Outcome(False, f"kilnc ran over {COMPILE_TIMEOUT_S} s")

    if case.stage == "compile":
        if c.returncode != 1:
            return Outcome(False, f"kilnc: {_signal_name(c.returncode)} (want exit 1): {_error_line(c.stderr)}")
        if os.path.exists(out_so):
            return Outcome(False, "kilnc failed but left an output file")
        miss = _missing(case.error_contains, c.stderr)
        if miss:
            return Outcome(False, f"kilnc's error lacks {miss}: {_error_line(c.stderr)}")
        return Outcome(True, _error_line(c.stderr))

    if c.returncode != 0:
        return Outcome(False, f"kilnc: {_signal_name(c.returncode)}: {_error_line(c.stderr)}")
    if ort_ok != (case.ort == "ok"):
        return Outcome(False, f"ORT {'answers' if ort_ok else 'refuses'} ({ort_result if not ort_ok else 'ok'}), case says ort={case.ort!r}")

    in_dir, out_dir = os.path.join(work, "inputs"), os.path.join(work, "outputs")
    os.makedirs(in_dir, exist_ok=True)
    os.makedirs(out_dir, exist_ok=True)
    args = [kiln_run, out_so, "--output-dir", out_dir, "--threads", "1"]
    for name, value in (case.inputs or {}).items():
        path = os.path.join(in_dir, _file_name_for(name))
        np.save(path, value)
        args += ["--input", f"{name}={path}"]
    try:
        r = subprocess.run(args, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return Outcome(False, f"kiln-run ran over {RUN_TIMEOUT_S} s")
    if r.returncode not in (0, 1):
        return Outcome(False, f"kiln-run: {_signal_name(r.returncode)}: {_error_line(r.stderr)}")

    if not ort_ok:
        if r.returncode != 1:
            return Outcome(False, f"kiln-run answered where ORT refuses ({ort_result})")
        miss = _missing(case.error_contains, r.stderr)
        if miss:
            return Outcome(False, f"kiln-run's error lacks {miss}: {_error_line(r.stderr)}")
        return Outcome(True, _error_line(r.stderr))

    if r.returncode != 0:
        return Outcome(False, f"kiln-run refused where ORT answers: {_error_line(r.stderr)}")
    for name, want in ort_result.items():
        path = os.path.join(out_dir, _file_name_for(name))
        if not os.path.exists(path):
            return Outcome(False, f"kiln-run wrote no output '{name}'")
        problem = _compare(name, np.load(path), want, case.rtol, case.atol)
        if problem:
            return Outcome(False, problem)
    return Outcome(True, "same answer as ORT")
