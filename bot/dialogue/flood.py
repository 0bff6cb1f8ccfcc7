"""A per-user flood limit: a sliding window of recent messages, pure and clock-free.

Shared by the front ends (Telegram per user; the web chat per session and per address).

The caller passes `now` (seconds, any monotonic clock), so the class is easy to
test and never sleeps. Callers run on one event loop thread and `check` never
awaits, so it is safe under `concurrent_updates(True)` without a lock.
"""

from __future__ import annotations

from collections import deque
from enum import Enum


class Verdict(Enum):
    ALLOW = "allow"
    WARN = "warn"
    """Over the limit for the first time in this burst: tell the user once."""
    DROP = "drop"
    """Still over the limit after the notice: ignore silently."""


class FloodGate:
    """At most `messages` per user in any `seconds`-long window."""

    SWEEP_EVERY = 1000
    """Forget idle users every this many checks, so memory follows active users only."""

    def __init__(self, messages: int, seconds: float) -> None:
        if messages < 1 or seconds <= 0:
            raise ValueError("a flood limit needs messages >= 1 and seconds > 0")
        self.messages = messages
        self.seconds = seconds
        self._recent: dict[str, deque[float]] = {}
        self._warned: set[str] = set()
        self._checks = 0

    def check(self, user_id: str, now: float) -> Verdict:
        self._checks += 1
        if self._checks % self.SWEEP_EVERY == 0:
            self._sweep(now)
        recent = self._recent.setdefault(user_id, deque())
        self._expire(recent, now)
        if len(recent) < self.messages:
            recent.append(now)
            self._warned.discard(user_id)
            return Verdict.ALLOW
        # dropped messages are not counted: the window passes `seconds` after the
        # last *accepted* message, however much the user keeps sending
        if user_id in self._warned:
            return Verdict.DROP
        self._warned.add(user_id)
        return Verdict.WARN

    def __len__(self) -> int:
        """How many users are being tracked."""
        return len(self._recent)

    def _expire(self, recent: deque[float], now: float) -> None:
        while recent and recent[0] <= now - self.seconds:
            recent.popleft()

    def _sweep(self, now: float) -> None:
        for user_id in list(self._recent):
            recent = self._recent[user_id]
            self._expire(recent, now)
            if not recent:
                del self._recent[user_id]
                self._warned.discard(user_id)
