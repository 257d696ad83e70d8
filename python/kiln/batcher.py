"""kiln.Batcher: many threads submit single requests; the runtime groups them into
batched runs over the model's dynamic batch dimension (kiln_batcher, kiln/runtime.h)."""

from __future__ import annotations

import concurrent.futures
import os
import weakref
from typing import Any, Iterable, Mapping, Optional, Union

import numpy as np

from . import _kiln
from .session import Session


class BatcherFuture(concurrent.futures.Future):
    """The Future of ``Batcher.submit``. ``cancel()`` succeeds while the request is still
    queued (it then never runs); once its batch has started it returns False."""

    def __init__(self, batcher: "Batcher") -> None:
        super().__init__()
        # Weak: the runtime holds the Future until its callback, and a Future that kept
        # the batcher alive could free it from inside that callback, on the batcher's own
        # worker thread, which cannot join itself.
        self._batcher = weakref.ref(batcher)
        self._ticket: Optional[int] = None

    def cancel(self) -> bool:
        batcher = self._batcher()
        if batcher is not None and self._ticket is not None and not self.done():
            # Cancelled in the runtime: its callback has cancelled this Future already.
            batcher._cancel(self._ticket)
        return self.cancelled()


class Batcher(_kiln.Batcher):
    """Groups single requests from many threads into batched runs of one session.

    ``kiln.Batcher("m.so", max_batch=32, timeout_us=1000, queue_capacity=1024)`` (or a
    ``kiln.Session``): every input and output of the model needs a dynamic dim 0, the
    batch; each request is usually one row (dim 0 == 1). Requests whose other dims
    agree run together, up to ``max_batch`` rows or until ``timeout_us`` after the oldest
    queued one arrived; each caller gets exactly its own rows back. ``run`` blocks
    (thread-safe, the GIL released while waiting); ``submit`` returns a Future. A full
    queue raises ``KilnError`` with code ``RESOURCE_EXHAUSTED`` (retry later). ``close()``
    (or leaving a ``with`` block) runs what is queued first; ``close(cancel_pending=True)``
    cancels it instead. ``workers`` batches may run at once; ``threads`` is the session's
    thread count when a path is given."""

    def __init__(self, session: Union[Session, str, os.PathLike], max_batch: int = 32,
                 timeout_us: int = 1000, queue_capacity: int = 1024, workers: int = 1,
                 threads: int = 0) -> None:
        if not isinstance(session, Session):
            session = Session(session, threads=threads)
        super().__init__(session, max_batch, timeout_us, queue_capacity, workers)
        self.session = session

    def submit(self, feeds: Mapping[str, Any], output_names: Optional[Iterable[str]] = None
               ) -> concurrent.futures.Future[dict[str, np.ndarray]]:
        """Queues one request and returns its Future (results like ``run``). The feeds
        must not change until the Future is done: inputs are not copied."""
        future = BatcherFuture(self)
        names = None if output_names is None else list(output_names)
        future._ticket = self._submit(feeds, future, names)
        return future

    def close(self, cancel_pending: bool = False) -> None:
        """Stops the batcher: later requests raise KilnError (FAILED_PRECONDITION); queued
        ones run (or, with ``cancel_pending``, are cancelled); returns when every Future
        is done. Idempotent."""
        self._close(cancel_pending)

    def __enter__(self) -> "Batcher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"kiln.Batcher({self.session!r})"
