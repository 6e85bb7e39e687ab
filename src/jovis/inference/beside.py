"""Run a job beside the caller on a shared thread pool, without ever waiting on a queued task."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any


class Beside:
    """`fn(*args)` submitted to `pool` (run at `join` in the caller's thread without one).

    `join()` returns its result: if no thread has started it yet (they are all busy, e.g. each
    writing a frame that waits on its own job), the caller takes it back and runs it itself, so
    a pool's tasks may start jobs on it without deadlock, and the job never runs twice.
    """

    def __init__(self, pool: Executor | None, fn: Callable[..., Any], *args: Any) -> None:
        self.fn, self.args = fn, args
        self.future: Future | None = None if pool is None else pool.submit(fn, *args)

    def join(self) -> Any:
        if self.future is None or self.future.cancel():
            self.future = None
            return self.fn(*self.args)
        return self.future.result()

    def settle(self) -> None:
        """After the caller's own error: the job is not started, or has ended (its error, if
        any, dropped: the caller's is the one to report); nothing runs on."""
        if self.future is not None and not self.future.cancel():
            self.future.exception()
