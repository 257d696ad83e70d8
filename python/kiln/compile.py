"""kiln.compile: compiles an ONNX model to a model library with kilnc."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Optional, Union

from .errors import CompileError, KilnError

PathLike = Union[str, os.PathLike]


def find_kilnc() -> str:
    """The kilnc that kiln.compile runs: $KILN_KILNC, else one next to the package
    (kiln/kilnc or kiln/bin/kilnc), else the first on PATH. Raises KilnError NOT_FOUND."""
    env = os.environ.get("KILN_KILNC")
    if env:
        if not os.access(env, os.X_OK):
            raise KilnError("NOT_FOUND", f"KILN_KILNC={env} is not an executable")
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    for candidate in (os.path.join(here, "kilnc"), os.path.join(here, "bin", "kilnc")):
        if os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("kilnc")
    if found:
        return found
    raise KilnError("NOT_FOUND", "kilnc not found: set KILN_KILNC to its path or put it on "
                    "PATH (the Python package carries the runtime, not the compiler)")


def kilnc_args(options: dict) -> list[str]:
    """kilnc's flags for keyword options: ``opt_level=3`` is ``-O3``; otherwise a name maps
    to its flag with dashes (``target_cpu="x86-64-v3"`` is ``--target-cpu=x86-64-v3``),
    True to a bare flag (``profile=True`` is ``--profile``), False or None to nothing, and
    a list or tuple to the flag repeated (``load_pass_plugin=[a, b]``)."""
    args = []
    for name, value in options.items():
        if value is None or value is False:
            continue
        if name in ("opt_level", "O"):
            args.append(f"-O{int(value)}")
            continue
        flag = "--" + name.replace("_", "-")
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            args.append(flag if v is True else f"{flag}={os.fspath(v) if isinstance(v, os.PathLike) else v}")
    return args


def compile(model: PathLike, output: Optional[PathLike] = None, *,
            kilnc: Optional[PathLike] = None, timeout: Optional[float] = None,
            **options) -> str:
    """Compiles ``model`` (.onnx or .onnxtxt) into the model library ``output`` (default:
    the model's path with .so) by running kilnc with ``options`` as flags (see
    kilnc_args; ``kilnc --help`` lists them). Returns the output path. Raises
    CompileError (a KilnError, code "COMPILE_FAILED") with kilnc's message on failure."""
    model = os.fspath(model)
    if output is None:
        output = os.path.splitext(model)[0] + ".so"
    output = os.fspath(output)
    exe = os.fspath(kilnc) if kilnc is not None else find_kilnc()
    cmd = [exe, model, "-o", output, *kilnc_args(options)]
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=timeout)
    except OSError as e:
        raise KilnError("NOT_FOUND", f"cannot run {exe}: {e}") from None
    except subprocess.TimeoutExpired:
        raise CompileError(f"kilnc did not finish within {timeout} s: {' '.join(cmd)}",
                           returncode=-1) from None
    if proc.returncode != 0:
        message = (proc.stderr.strip() or proc.stdout.strip()
                   or f"kilnc exited with status {proc.returncode}")
        raise CompileError(message, returncode=proc.returncode)
    return output
