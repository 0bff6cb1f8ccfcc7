"""What the store keeps, as plain records that any backend (SQLite today) returns."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, replace
from typing import Literal

from bot.kb.model import LANGS, Lang


class StoreError(Exception):
    """The database cannot be used as configured; the message is one line for the admin."""


PreferenceField = Literal["home_committee", "language", "street"]

# Log ids are made here, not by the database, so that logging a question never waits on
# it: milliseconds since LOG_ID_EPOCH, then 16 random bits against other processes'
# ids in the same millisecond. They stay below 2**63 (SQLite INTEGER, PostgreSQL BIGINT)
# for a few thousand years, and take at most 17 digits in a button.
LOG_ID_EPOCH = 1_767_225_600  # 2026-01-01 UTC
_RANDOM_BITS = 16
_last_log_id = 0
_log_id_lock = threading.Lock()


def new_log_id() -> int:
    """A fresh question-log id: unique, and increasing within this process."""
    global _last_log_id
    millis = int((time.time() - LOG_ID_EPOCH) * 1000)
    candidate = (millis << _RANDOM_BITS) | secrets.randbits(_RANDOM_BITS)
    with _log_id_lock:
        _last_log_id = max(candidate, _last_log_id + 1)
        return _last_log_id


def channel_of(user_id: str) -> str | None:
    """The front end a user id comes from: its prefix ("tg:1" -> tg, "wechat:o…" ->
    wechat); None for an id without one."""
    prefix, colon, _ = user_id.partition(":")
    return prefix if colon and prefix.isalnum() and len(prefix) <= 16 else None


@dataclass(frozen=True)
class Preferences:
    home_committee: str | None = None
    language: Lang | None = None
    """The language the user chose with /lang; None means "follow the question"."""
    street: str | None = None
    """The street the user chose with /street (a base of several streets)."""

    def changed(self, field: PreferenceField, value: str | None) -> Preferences:
        if field == "language":
            return replace(self, language=value if value in LANGS else None)
        if field == "street":
            return replace(self, street=value)
        return replace(self, home_committee=value)


@dataclass(frozen=True)
class LoggedQuestion:
    id: int
    at: float
    """Unix time."""
    user_key: str
    normalized: str
    question: str
    outcome: str
    """The matcher's outcome: answered, clarify or declined."""
    fact_id: str | None
    """The answered fact, or the best candidate for clarify/declined."""
    score: float | None
    lang: str
    chosen_fact_id: str | None
    """The option the user picked after "did you mean"."""
    rejected: bool
    """True when the user answered "none of these" to "did you mean"."""
    channel: str | None = None
    """Where it was asked: tg, web, console, wechat (None: logged before channels were)."""
    nearest: tuple[tuple[str, float], ...] | None = None
    """The facts nearest to the question and their scores, as matched when it was asked
    (best first; None for questions logged before the log kept them)."""

    @property
    def unanswered(self) -> bool:
        return self.outcome == "declined" or self.rejected

    @property
    def resolved_fact_id(self) -> str | None:
        """The fact the user ended up reading, if any."""
        if self.chosen_fact_id:
            return self.chosen_fact_id
        return self.fact_id if self.outcome == "answered" else None


@dataclass(frozen=True)
class FeedbackEntry:
    log_id: int
    fact_id: str | None
    helpful: bool
    at: float


@dataclass(frozen=True)
class Stats:
    questions_today: int
    questions_week: int
    answered_share_week: float | None
    """Share (0-1) of this week's questions that ended with an answer; None without questions."""
    helpful_week: int
    unhelpful_week: int
    helpful_total: int
    unhelpful_total: int


NO_STATS = Stats(0, 0, None, 0, 0, 0, 0)
