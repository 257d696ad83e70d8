"""kiln.Model and kiln.Session: the native classes of kiln._kiln with their metadata as
TensorInfo objects, model paths accepted where a Model is, and Session.run_async."""

from __future__ import annotations

import concurrent.futures
import os
import threading
from typing import Any, Iterable, Mapping, NamedTuple, Optional, Union

import numpy as np

from . import _kiln

# kiln_model_value_kind (kiln/model_abi.h)
_SEQUENCE_DATA, _SEQUENCE_SHAPES = 1, 2

_DTYPE_NAMES = {1: "float32", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32",
                7: "int64", 9: "bool", 10: "float16", 11: "float64", 12: "uint32",
                13: "uint64", 16: "bfloat16"}

Dim = Union[int, str, None]


class TensorInfo(NamedTuple):
    """One model input or output. ``shape`` has an int for a static dimension, the
    dim_param's name (a str) for a named dynamic one and None for an unnamed one.
    ``dtype`` is a numpy dtype (``"bfloat16"``, a str, when ml_dtypes is not installed).
    A sequence value (``sequence`` True) is given and returned as a list of arrays of
    ``dtype`` and rank ``len(shape)``."""

    name: str
    dtype: Any
    shape: tuple[Dim, ...]
    optional: bool = False
    sequence: bool = False


def _dtype(code: int) -> Any:
    name = _DTYPE_NAMES.get(code, f"onnx:{code}")
    if name == "bfloat16":
        try:
            import ml_dtypes
            return np.dtype(ml_dtypes.bfloat16)
        except ImportError:
            return name
    return np.dtype(name) if code in _DTYPE_NAMES else name


def _infos(raw: list) -> list[TensorInfo]:
    infos = []
    for i, (name, dtype, dims, params, optional, kind) in enumerate(raw):
        if kind == _SEQUENCE_SHAPES:
            continue  # shown as part of its sequence
        if kind == _SEQUENCE_DATA:  # the element rank is the shape table's second dim
            rank = raw[i + 1][2][1]
            dims, params = (-1,) * rank, ("",) * rank
        shape = tuple(d if d >= 0 else (p or None) for d, p in zip(dims, params))
        infos.append(TensorInfo(name, _dtype(dtype), shape, optional, kind == _SEQUENCE_DATA))
    return infos


class Model(_kiln.Model):
    """A compiled model library (``kilnc`` output), loaded once and shareable by many
    sessions."""

    def __init__(self, path: Union[str, os.PathLike]) -> None:
        super().__init__(os.fspath(path))
        self.path = os.fspath(path)
        self.inputs: list[TensorInfo] = _infos(self._inputs())
        self.outputs: list[TensorInfo] = _infos(self._outputs())

    def __repr__(self) -> str:
        return f"kiln.Model({self.path!r})"


class Session(_kiln.Session):
    """Runs a compiled model: ``kiln.Session("m.so", threads=0).run({"x": array})``.

    ``threads`` is the number of threads one run uses (0: all cores; 1: the calling
    thread only). A session is thread-safe: ``run`` may be called from many threads at
    once (each run gets its own activation arena; the GIL is released while the model
    runs), and ``run_async`` runs on a thread pool of the session's."""

    def __init__(self, model: Union[Model, str, os.PathLike], threads: int = 0,
                 max_workers: Optional[int] = None) -> None:
        if not isinstance(model, Model):
            model = Model(model)
        super().__init__(model, threads)
        self._model = model
        self.inputs: list[TensorInfo] = model.inputs
        self.outputs: list[TensorInfo] = model.outputs
        self._max_workers = max_workers
        self._pool: Optional[concurrent.futures.ThreadPoolExecutor] = None
        self._pool_lock = threading.Lock()

    @property
    def model(self) -> Model:
        return self._model

    def run_async(self, feeds: Mapping[str, Any],
                  output_names: Optional[Iterable[str]] = None
                  ) -> concurrent.futures.Future[dict[str, np.ndarray]]:
        """Starts ``run(feeds, output_names)`` on the session's thread pool (made on first
        use, ``max_workers`` threads, by default os.cpu_count()) and returns its Future.
        The feeds must not change until the Future is done: inputs are not copied."""
        if self._pool is None:
            with self._pool_lock:
                if self._pool is None:
                    self._pool = concurrent.futures.ThreadPoolExecutor(
                        self._max_workers or os.cpu_count(), thread_name_prefix="kiln-session")
        names = None if output_names is None else list(output_names)
        return self._pool.submit(self.run, feeds, names)

    def close(self) -> None:
        """Waits for pending run_async calls and stops the pool (the session itself is
        freed when the last reference goes)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"kiln.Session({self._model.path!r}, threads={self.num_threads})"
