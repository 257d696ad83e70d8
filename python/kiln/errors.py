"""kiln.KilnError: every failure of the runtime (and of kiln.compile)."""

from __future__ import annotations


class KilnError(RuntimeError):
    """A failure with the runtime's status code name (``code``, e.g. ``"INVALID_ARGUMENT"``,
    ``"NOT_FOUND"``; see kiln/runtime.h) and its message (``message``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    def __reduce__(self):  # picklable, e.g. across a process pool
        return (type(self), (self.code, self.message))


class CompileError(KilnError):
    """kilnc failed: ``code`` is ``"COMPILE_FAILED"``, ``message`` kilnc's own error
    output, ``returncode`` its exit status."""

    def __init__(self, message: str, returncode: int = 1) -> None:
        super().__init__("COMPILE_FAILED", message)
        self.returncode = returncode

    def __reduce__(self):
        return (type(self), (self.message, self.returncode))
