"""A SIGALRM time limit for robustness tests (a hang fails the test instead of blocking CI)."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def time_limit(seconds: float, error: type[Exception] = TimeoutError, message: str | None = None) -> Iterator[None]:
    """Raise ``error`` inside the block if it runs longer than ``seconds``."""

    def _alarm(signum: int, frame: Any) -> None:
        raise error(message or f"did not finish within {seconds} s")

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
