"""Kiln: run ONNX models compiled ahead of time by kilnc.

    import kiln
    kiln.compile("model.onnx", "model.so", opt_level=3)
    session = kiln.Session("model.so", threads=1)
    outputs = session.run({"x": x})          # dict name -> numpy array
    future = session.run_async({"x": x})     # concurrent.futures.Future
    with kiln.Batcher(session, max_batch=32, timeout_us=1000) as batcher:
        outputs = batcher.run({"x": one_row})  # from many threads: batched runs
    with kiln.Generator("decoder.so", max_active=8) as gen:  # continuous batching
        tokens = gen.generate([464, 3290], max_new_tokens=20).tokens

Failures raise kiln.KilnError with the runtime's status code name in ``.code``.
"""

from .errors import CompileError, KilnError
from . import _kiln
from .compile import compile, find_kilnc
from .session import Model, Session, TensorInfo
from .batcher import Batcher, BatcherFuture
from .generator import Generation, GenerationFuture, Generator

__version__ = "0.1.0"
runtime_version = _kiln.runtime_version

__all__ = ["Batcher", "BatcherFuture", "CompileError", "Generation", "GenerationFuture",
           "Generator", "KilnError", "Model", "Session", "TensorInfo", "compile", "find_kilnc",
           "runtime_version", "__version__"]
