"""One background thread that applies the store's writes, so no caller waits on a lock.

Datasette's pattern: callers put write jobs on a queue and return at once; a single
thread takes them in order, a batch per transaction. While the database is locked,
busy or full, the batch is retried with a growing pause for up to `retry_for`
seconds; what still fails is dropped, logged and counted in `lost`. The queue is
bounded: when it is full a new write is refused (and counted), never blocked on.

The writer knows nothing about SQL: `apply(batch)` is the backend's. It either commits
the batch, returning per job whether it was written (False for one that failed on its
own, such as feedback on a question that was never logged), or raises to have the
whole batch retried.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

logger = logging.getLogger(__name__)

J = TypeVar("J")

MAX_QUEUE = 20_000
"""Writes waiting at most; about an hour of a busy street's questions."""
BATCH = 500
"""Writes per transaction at most."""
RETRY_FOR = 600.0
"""Seconds a write keeps being retried before it is given up."""
FIRST_PAUSE = 0.05
MAX_PAUSE = 1.0


@dataclass
class _Queued(Generic[J]):
    job: J
    at: float
    done: Callable[[bool], None] | None = field(default=None)


class BackgroundWriter(Generic[J]):
    """Applies jobs on its own thread; `submit` never blocks."""

    def __init__(
        self,
        apply: Callable[[Sequence[J]], Sequence[bool]],
        *,
        name: str = "store-writer",
        max_queue: int = MAX_QUEUE,
        retry_for: float = RETRY_FOR,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._apply = apply
        self._max_queue = max_queue
        self._retry_for = retry_for
        self._clock = clock
        self._queue: deque[_Queued[J]] = deque()
        self._cond = threading.Condition()
        self._submitted = 0
        self._finished = 0
        self._closing = False
        self._deadline = float("inf")
        self.stalled = False
        """True while a batch is being retried (the database refused it)."""
        self.written = 0
        self.lost = 0
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    # --- callers' side ---------------------------------------------------------------

    def submit(self, job: J, done: Callable[[bool], None] | None = None) -> bool:
        """Queue `job`; False (and counted as lost) when closed or the queue is full.

        `done(ok)` is called on the writer thread once the job is written or given up.
        """
        with self._cond:
            if self._closing or len(self._queue) >= self._max_queue:
                self.lost += 1
                refused = "the store is closed" if self._closing else "the write queue is full"
                logger.error("%s: a write was dropped (%d lost so far)", refused, self.lost)
                return False
            self._queue.append(_Queued(job, self._clock(), done))
            self._submitted += 1
            self._cond.notify_all()
            return True

    @property
    def pending(self) -> int:
        with self._cond:
            return self._submitted - self._finished

    def flush(self, timeout: float) -> bool:
        """Wait until everything submitted so far is written (or given up); False on timeout."""
        end = self._clock() + timeout
        with self._cond:
            target = self._submitted
            while self._finished < target:
                left = end - self._clock()
                if left <= 0 or self.stalled or not self._thread.is_alive():
                    return False
                self._cond.wait(min(left, 0.05))
            return True

    def close(self, timeout: float) -> None:
        """Write what is queued within `timeout` seconds, then stop; the rest is lost."""
        with self._cond:
            self._closing = True
            self._deadline = self._clock() + timeout
            self._cond.notify_all()
        self._thread.join(timeout + 1.0)

    # --- the writer thread -----------------------------------------------------------

    def _run(self) -> None:
        while True:
            batch = self._take()
            if not batch:
                return
            self._write(batch)

    def _take(self) -> list[_Queued[J]]:
        with self._cond:
            while not self._queue and not self._closing:
                self._cond.wait()
            count = min(len(self._queue), BATCH)
            return [self._queue.popleft() for _ in range(count)]

    def _write(self, batch: list[_Queued[J]]) -> None:
        pause = FIRST_PAUSE
        while True:
            try:
                results = self._apply([item.job for item in batch])
            except Exception as exc:  # whatever the backend raised: retry, then give up
                if self._give_up(batch, exc):
                    self._finish(batch, [False] * len(batch))
                    return
                self._wait(pause)
                pause = min(pause * 2, MAX_PAUSE)
                continue
            if self.stalled:
                logger.warning("the database takes writes again")
                self.stalled = False
            self._finish(batch, results)
            return

    def _give_up(self, batch: list[_Queued[J]], exc: Exception) -> bool:
        now = self._clock()
        with self._cond:
            closing, deadline = self._closing, self._deadline
        if not self.stalled:
            logger.warning("the database refused %d writes (%s); retrying", len(batch), exc)
        self.stalled = True
        if now - batch[0].at < self._retry_for and not (closing and now >= deadline):
            return False
        logger.error("gave up on %d writes after %s", len(batch), exc)
        return True

    def _wait(self, seconds: float) -> None:
        with self._cond:
            if not self._closing:
                self._cond.wait(seconds)
            else:
                time.sleep(min(seconds, max(0.0, self._deadline - self._clock()), 0.1))

    def _finish(self, batch: list[_Queued[J]], results: Sequence[bool]) -> None:
        for item, ok in zip(batch, results, strict=True):
            if item.done is not None:
                try:
                    item.done(ok)
                except Exception:  # a caller's bookkeeping must not stop the writer
                    logger.exception("a write's completion callback failed")
        failed = list(results).count(False)
        with self._cond:
            self.written += len(batch) - failed
            self.lost += failed
            self._finished += len(batch)
            self._cond.notify_all()
            lost = self.lost
        if failed:
            logger.error("%d writes failed (%d lost so far)", failed, lost)
