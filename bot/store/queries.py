"""The SQL the store runs: statements for the writer, and the reads as functions.

Written once, in SQLite's dialect (`?` and `:name` parameters) kept to what PostgreSQL
also understands; postgres.py rewrites only the parameter marks.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.context import Context
from bot.kb.model import LANGS
from bot.store.model import FeedbackEntry, LoggedQuestion, PreferenceField, Preferences, Stats

_TRANSIENT = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_FULL", "SQLITE_IOERR")

# One statement per preference: the column name is never formatted into SQL.
SET_PREFERENCE: Mapping[PreferenceField, str] = {
    "home_committee": "INSERT INTO preferences (user_key, home_committee, updated_at) "
    "VALUES (?, ?, ?) ON CONFLICT (user_key) DO UPDATE SET "
    "home_committee = excluded.home_committee, updated_at = excluded.updated_at",
    "language": "INSERT INTO preferences (user_key, language, updated_at) "
    "VALUES (?, ?, ?) ON CONFLICT (user_key) DO UPDATE SET "
    "language = excluded.language, updated_at = excluded.updated_at",
    "street": "INSERT INTO preferences (user_key, street, updated_at) "
    "VALUES (?, ?, ?) ON CONFLICT (user_key) DO UPDATE SET "
    "street = excluded.street, updated_at = excluded.updated_at",
}
INSERT_QUESTION = (
    "INSERT INTO question_log "
    "(id, at, user_key, normalized, question, outcome, fact_id, score, lang, channel, nearest) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
# after the retention period a question's text goes; the row (its outcome, fact, time,
# feedback) stays for the report's counts
FORGET_QUESTION_TEXT = (
    "UPDATE question_log SET question = '', normalized = '' WHERE at < ? AND question <> ''"
)
FORGET_FOLLOWUP_TEXT = "UPDATE followups SET question = '' WHERE created_at < ? AND question <> ''"
FORGET_IGNORED_TEXT = "DELETE FROM ignored_questions WHERE at < ?"  # forms are residents' text
SET_CHOICE = (
    "UPDATE question_log SET chosen_fact_id = ?, rejected = 0 WHERE id = ? AND user_key = ?"
)
SET_REJECTED = (
    "UPDATE question_log SET rejected = 1, chosen_fact_id = NULL WHERE id = ? AND user_key = ?"
)
# only the user who asked may rate an answer; the last vote counts
SET_FEEDBACK = (
    "INSERT INTO feedback (log_id, helpful, at) "
    "SELECT id, ?, ? FROM question_log WHERE id = ? AND user_key = ? "
    "ON CONFLICT (log_id) DO UPDATE SET helpful = excluded.helpful, at = excluded.at"
)

SET_CONTEXT = (
    "INSERT INTO conversation_context "
    "(user_key, fact_id, committee_id, options, question, lang, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_key) DO UPDATE SET "
    "fact_id = excluded.fact_id, committee_id = excluded.committee_id, "
    "options = excluded.options, question = excluded.question, lang = excluded.lang, "
    "updated_at = excluded.updated_at"
)
FORGET_OLD_CONTEXTS = "DELETE FROM conversation_context WHERE updated_at < ?"
# the web chat's history: one row per turn as rendered (JSON), the newest kept
INSERT_HISTORY = "INSERT INTO chat_history (user_key, at, entry) VALUES (?, ?, ?)"
TRIM_HISTORY = (
    "DELETE FROM chat_history WHERE user_key = ? AND id <= "
    "(SELECT id FROM chat_history WHERE user_key = ? ORDER BY id DESC LIMIT 1 OFFSET ?)"
)
EXPIRE_HISTORY = "DELETE FROM chat_history WHERE at < ?"
CLEAR_HISTORY = "DELETE FROM chat_history WHERE user_key = ?"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Write:
    what: str
    """For the log, when it fails: "a question", "a choice" …"""
    sql: str
    params: tuple[object, ...]


def is_transient(exc: Exception) -> bool:
    """A failure that waiting may cure (a lock, a full disk), not one of this statement."""
    return (getattr(exc, "sqlite_errorname", "") or "").startswith(_TRANSIENT)


def preferences(conn: sqlite3.Connection, key: str) -> Preferences:
    row = conn.execute(
        "SELECT home_committee, language, street FROM preferences WHERE user_key = ?", (key,)
    ).fetchone()
    if row is None:
        return Preferences()
    language = row["language"] if row["language"] in LANGS else None
    return Preferences(
        home_committee=row["home_committee"], language=language, street=row["street"]
    )


def context_params(key: str, context: Context) -> tuple[object, ...]:
    """SET_CONTEXT's parameters: the options as one space-separated text (fact ids have
    no spaces)."""
    options = " ".join(context.options)
    return (
        key,
        context.fact_id,
        context.committee_id,
        options,
        context.question,
        context.lang,
        context.at,
    )


def context(conn: sqlite3.Connection, key: str) -> Context:
    row = conn.execute(
        "SELECT fact_id, committee_id, options, question, lang, updated_at "
        "FROM conversation_context WHERE user_key = ?",
        (key,),
    ).fetchone()
    if row is None:
        return Context()
    return Context(
        fact_id=row["fact_id"],
        committee_id=row["committee_id"],
        options=tuple(row["options"].split()),
        question=row["question"],
        lang=row["lang"] if row["lang"] in LANGS else None,
        at=float(row["updated_at"]),
    )


def question_owner(conn: sqlite3.Connection, log_id: int) -> str:
    """The user key that asked the logged question; "" when there is no such question."""
    row = conn.execute("SELECT user_key FROM question_log WHERE id = ?", (log_id,)).fetchone()
    return "" if row is None else str(row[0])


def questions(conn: sqlite3.Connection, since: float, until: float | None) -> list[LoggedQuestion]:
    end = float("inf") if until is None else until
    rows = conn.execute(
        "SELECT * FROM question_log WHERE at >= ? AND at < ? ORDER BY at, id", (since, end)
    ).fetchall()
    return [_logged_question(row) for row in rows]


def feedback(conn: sqlite3.Connection, since: float, until: float | None) -> list[FeedbackEntry]:
    end = float("inf") if until is None else until
    rows = conn.execute(
        "SELECT f.log_id, f.helpful, f.at, "
        "COALESCE(q.chosen_fact_id, q.fact_id) AS fact_id "
        "FROM feedback f JOIN question_log q ON q.id = f.log_id "
        "WHERE f.at >= ? AND f.at < ? ORDER BY f.at",
        (since, end),
    ).fetchall()
    return [
        FeedbackEntry(
            log_id=row["log_id"], fact_id=row["fact_id"], helpful=bool(row["helpful"]), at=row["at"]
        )
        for row in rows
    ]


def stats(conn: sqlite3.Connection, now: datetime | None) -> Stats:
    """Counts for /stats: "today" and "this week" in `now`'s time zone."""
    local_now = (now or datetime.now()).astimezone()
    day_start = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    week_start = day_start - timedelta(days=day_start.weekday())
    today, week = day_start.timestamp(), week_start.timestamp()
    # COUNT(*) FILTER: the same SQL and whole-number results on SQLite and PostgreSQL
    today_count, week_count, answered = conn.execute(
        "SELECT COUNT(*) FILTER (WHERE at >= :today), COUNT(*), "
        "COUNT(*) FILTER (WHERE outcome = 'answered' OR chosen_fact_id IS NOT NULL) "
        "FROM question_log WHERE at >= :week",
        {"today": today, "week": week},
    ).fetchone()
    votes = conn.execute(
        "SELECT COUNT(*) FILTER (WHERE helpful = 1 AND at >= :week), "
        "COUNT(*) FILTER (WHERE helpful = 0 AND at >= :week), "
        "COUNT(*) FILTER (WHERE helpful = 1), COUNT(*) FILTER (WHERE helpful = 0) FROM feedback",
        {"week": week},
    ).fetchone()
    return Stats(
        questions_today=today_count,
        questions_week=week_count,
        answered_share_week=answered / week_count if week_count else None,
        helpful_week=votes[0],
        unhelpful_week=votes[1],
        helpful_total=votes[2],
        unhelpful_total=votes[3],
    )


def history(conn: sqlite3.Connection, key: str, since: float, limit: int) -> list[str]:
    """The newest `limit` history entries of a user since `since`, oldest first."""
    rows = conn.execute(
        "SELECT entry FROM chat_history WHERE user_key = ? AND at >= ? ORDER BY id DESC LIMIT ?",
        (key, since, limit),
    ).fetchall()
    return [str(row[0]) for row in reversed(rows)]


def _logged_question(row: sqlite3.Row) -> LoggedQuestion:
    return LoggedQuestion(
        id=row["id"],
        at=row["at"],
        user_key=row["user_key"],
        normalized=row["normalized"],
        question=row["question"],
        outcome=row["outcome"],
        fact_id=row["fact_id"],
        score=row["score"],
        lang=row["lang"],
        chosen_fact_id=row["chosen_fact_id"],
        rejected=bool(row["rejected"]),
        channel=row["channel"],
        nearest=read_nearest(row["nearest"]),
    )


def nearest_json(nearest: Sequence[tuple[str, float]] | None) -> str | None:
    """The nearest facts as the log stores them ("[]": none; NULL: not known)."""
    if nearest is None:
        return None
    return json.dumps([[fact_id, round(score, 1)] for fact_id, score in nearest])


def read_nearest(stored: str | None) -> tuple[tuple[str, float], ...] | None:
    """`nearest_json`'s text read back; None when not stored (or unreadable)."""
    if stored is None:
        return None
    try:
        return tuple((str(fact_id), float(score)) for fact_id, score in json.loads(stored))
    except (ValueError, TypeError):
        return None


def apply_write(conn: sqlite3.Connection, write: Write) -> bool:
    """One queued write inside the writer's transaction. SQLite undoes only the failed
    statement, so the rest of the batch stays; a lock or busy database raises (the batch
    is retried), any other error drops this write and says so."""
    try:
        conn.execute(write.sql, write.params)
    except sqlite3.Error as exc:
        if is_transient(exc):
            raise
        logger.error("database error while saving %s: %s", write.what, exc)
        return False
    return True
