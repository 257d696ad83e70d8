"""kiln.Generator: continuous batching for step-by-step decoding (kiln_generator,
kiln/generator.h). Requests (prompts) from many threads are decoded together: each step
is one batched call of the decoder over every active request, and requests join and
leave between steps."""

from __future__ import annotations

import concurrent.futures
import os
import weakref
from typing import Callable, NamedTuple, Optional, Sequence, Union

import numpy as np

from . import _kiln
from .session import Session


class Generation(NamedTuple):
    """A finished request: ``tokens`` int64 [n] (greedy, the stop token included when it
    ended the request) and, when asked for, ``logits`` float32 [n, vocab], the logits
    each token was chosen from."""

    tokens: np.ndarray
    logits: Optional[np.ndarray] = None


class GenerationFuture(concurrent.futures.Future):
    """The Future of ``Generator.submit``: its result is a ``Generation``; on an error it
    raises ``KilnError`` whose ``.tokens`` holds the tokens generated before it.
    ``cancel()`` returns True when the request was queued (then cancelled at once) or
    active (then it leaves at the next step boundary: the Future ends cancelled, or with
    its result when its last step was already running); False once it is done."""

    def __init__(self, generator: "Generator") -> None:
        super().__init__()
        self._generator = weakref.ref(generator)  # weak: see BatcherFuture
        self._ticket: Optional[int] = None

    def _finish(self, tokens: np.ndarray, logits: Optional[np.ndarray]) -> None:
        self.set_result(Generation(tokens, logits))

    def cancel(self) -> bool:
        generator = self._generator()
        if generator is not None and self._ticket is not None and not self.done():
            if generator._cancel(self._ticket):
                return True
        return self.cancelled()


class Generator(_kiln.Generator):
    """Greedy generation for many requests on one decoder with a KV cache.

    ``kiln.Generator("decoder.so", max_active=8, queue_capacity=1024)`` (or a
    ``kiln.Session``). The decoder is described by the names of its token ids, attention
    mask and position ids inputs and its logits output (optimum's names by default) and
    ``caches``, a list of ``(past_input, present_output, seq_axis)``; by default every
    ``past_key_values.X`` input pairs with ``present.X``, axis 2. At most ``max_active``
    requests are decoded together; up to ``queue_capacity`` wait, and a submit beyond that
    raises ``KilnError`` with code ``RESOURCE_EXHAUSTED`` (retry later). Shorter caches are
    left-padded and masked, so a request gets the tokens it gets alone (its logits within
    float rounding). ``close()`` (or leaving a ``with`` block) finishes every request;
    ``close(cancel_pending=True)`` cancels them. ``threads`` is the session's thread count
    when a path is given."""

    def __init__(self, session: Union[Session, str, os.PathLike], max_active: int = 8,
                 queue_capacity: int = 1024, input_ids: str = "input_ids",
                 attention_mask: str = "attention_mask", position_ids: str = "position_ids",
                 logits: str = "logits",
                 caches: Optional[Sequence[tuple[str, str, int]]] = None,
                 threads: int = 0) -> None:
        if not isinstance(session, Session):
            session = Session(session, threads=threads)
        super().__init__(session, max_active, queue_capacity, input_ids, attention_mask,
                         position_ids, logits, [tuple(c) for c in caches or []])
        self.session = session

    def submit(self, prompt: Sequence[int], max_new_tokens: int = 16,
               stop_token: Optional[int] = None, return_logits: bool = False,
               on_token: Optional[Callable[[int], None]] = None
               ) -> concurrent.futures.Future[Generation]:
        """Queues one request (the prompt is copied) and returns its Future. ``on_token``,
        when given, is called with each token as it is generated, on the scheduler thread
        (keep it short: the whole step waits)."""
        future = GenerationFuture(self)
        stop = -1 if stop_token is None else int(stop_token)
        future._ticket = self._submit(prompt, int(max_new_tokens), stop, future,
                                      bool(return_logits), on_token)
        return future

    def generate(self, prompt: Sequence[int], max_new_tokens: int = 16,
                 stop_token: Optional[int] = None, return_logits: bool = False) -> Generation:
        """``submit(...).result()``: blocks until the request is done."""
        return self.submit(prompt, max_new_tokens, stop_token, return_logits).result()

    def close(self, cancel_pending: bool = False) -> None:
        """Stops the generator: later submits raise KilnError (FAILED_PRECONDITION);
        requests not done are finished (or, with ``cancel_pending``, cancelled); returns
        when every Future is done. Idempotent."""
        self._close(cancel_pending)

    def __enter__(self) -> "Generator":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"kiln.Generator({self.session!r})"
