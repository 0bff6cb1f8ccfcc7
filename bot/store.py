"""SQLite storage: residents' preferences, the question log and feedback.

One connection guarded by a lock serves every thread and task. Users are known
only by a salted hash of their id (the salt is made once and kept in the
database), so neither the log nor the preferences hold a raw Telegram id.

Nothing here may break a reply: every method catches `sqlite3.Error`, logs it
with the traceback and returns a neutral value (None, False, empty).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

from bot.kb.model import LANGS, Lang

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Each entry upgrades the schema by one version; never edit a released entry, append.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE preferences (
        user_key TEXT PRIMARY KEY,
        home_committee TEXT,
        language TEXT,
        updated_at REAL NOT NULL
    );
    CREATE TABLE question_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at REAL NOT NULL,
        user_key TEXT NOT NULL,
        normalized TEXT NOT NULL,
        question TEXT NOT NULL,
        outcome TEXT NOT NULL,
        fact_id TEXT,
        score REAL,
        lang TEXT NOT NULL,
        chosen_fact_id TEXT,
        rejected INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX question_log_at ON question_log (at);
    CREATE TABLE feedback (
        log_id INTEGER PRIMARY KEY REFERENCES question_log (id),
        helpful INTEGER NOT NULL,
        at REAL NOT NULL
    );
    CREATE INDEX feedback_at ON feedback (at);
    """,
)


@dataclass(frozen=True)
class Preferences:
    home_committee: str | None = None
    language: Lang | None = None
    """The language the user chose with /lang; None means "follow the question"."""


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


class Store:
    """The bot's SQLite database; safe to share between threads."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            str(path), check_same_thread=False, isolation_level=None, timeout=10.0
        )
        self._conn.row_factory = sqlite3.Row
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            # WAL with NORMAL sync stays consistent after a crash and skips an fsync per
            # logged question; at worst the last few log lines are lost on power failure.
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._migrate()
            self._salt = self._load_salt()

    # --- set-up -------------------------------------------------------------

    def _migrate(self) -> None:
        self._conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = self._conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
        current = row[0] or 0
        for version, script in enumerate(MIGRATIONS, start=1):
            if version <= current:
                continue
            # executescript commits first, so wrap the script in its own transaction
            record = f"INSERT INTO schema_version (version) VALUES ({version});"
            self._conn.executescript(f"BEGIN;\n{script}\n{record}\nCOMMIT;")
            logger.info("database %s migrated to schema version %d", self.path, version)

    def _load_salt(self) -> str:
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'user_salt'").fetchone()
        if row:
            return str(row[0])
        salt = secrets.token_hex(16)
        self._conn.execute("INSERT INTO meta (key, value) VALUES ('user_salt', ?)", (salt,))
        return salt

    @property
    def schema_version(self) -> int:
        with self._lock:
            row = self._conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
        return int(row[0] or 0)

    def user_key(self, user_id: str) -> str:
        """The salted hash that stands for a user everywhere in the database."""
        digest = hashlib.sha256(f"{self._salt}:{user_id}".encode()).hexdigest()
        return digest[:32]

    @contextmanager
    def _locked(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._conn

    def _safe(self, what: str, default: T, action: Callable[[sqlite3.Connection], T]) -> T:
        try:
            with self._locked() as conn:
                return action(conn)
        except sqlite3.Error:
            logger.exception("database error while %s; carrying on without it", what)
            return default

    # --- preferences --------------------------------------------------------

    def preferences(self, user_id: str) -> Preferences:
        key = self.user_key(user_id)

        def read(conn: sqlite3.Connection) -> Preferences:
            row = conn.execute(
                "SELECT home_committee, language FROM preferences WHERE user_key = ?", (key,)
            ).fetchone()
            if row is None:
                return Preferences()
            language = row["language"] if row["language"] in LANGS else None
            return Preferences(home_committee=row["home_committee"], language=language)

        return self._safe("reading preferences", Preferences(), read)

    def set_home_committee(self, user_id: str, committee_id: str | None) -> bool:
        return self._set_preference(user_id, "home_committee", committee_id)

    def set_language(self, user_id: str, language: Lang | None) -> bool:
        return self._set_preference(user_id, "language", language)

    def _set_preference(self, user_id: str, column: str, value: str | None) -> bool:
        assert column in ("home_committee", "language")
        key = self.user_key(user_id)

        def write(conn: sqlite3.Connection) -> bool:
            conn.execute(
                f"INSERT INTO preferences (user_key, {column}, updated_at) VALUES (?, ?, ?) "
                f"ON CONFLICT (user_key) DO UPDATE SET {column} = excluded.{column}, "
                "updated_at = excluded.updated_at",
                (key, value, time.time()),
            )
            return True

        return self._safe(f"saving {column}", False, write)

    # --- question log -------------------------------------------------------

    def log_question(
        self,
        user_id: str,
        *,
        question: str,
        normalized: str,
        outcome: str,
        fact_id: str | None,
        score: float | None,
        lang: str,
        at: float | None = None,
    ) -> int | None:
        """Record one question; returns its log id (None if the database failed)."""
        key = self.user_key(user_id)

        def write(conn: sqlite3.Connection) -> int | None:
            cursor = conn.execute(
                "INSERT INTO question_log "
                "(at, user_key, normalized, question, outcome, fact_id, score, lang) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    time.time() if at is None else at,
                    key,
                    normalized,
                    question,
                    outcome,
                    fact_id,
                    score,
                    lang,
                ),
            )
            return cursor.lastrowid

        return self._safe("logging a question", None, write)

    def record_choice(self, log_id: int, user_id: str, fact_id: str) -> bool:
        """The user picked `fact_id` from a "did you mean" list."""
        return self._update_own_log(
            log_id, user_id, "chosen_fact_id = ?, rejected = 0", (fact_id,), "saving a choice"
        )

    def record_rejection(self, log_id: int, user_id: str) -> bool:
        """The user said none of the "did you mean" options fit."""
        return self._update_own_log(
            log_id, user_id, "rejected = 1, chosen_fact_id = NULL", (), "saving a rejection"
        )

    def _update_own_log(
        self, log_id: int, user_id: str, assignments: str, values: tuple[object, ...], what: str
    ) -> bool:
        key = self.user_key(user_id)

        def write(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                f"UPDATE question_log SET {assignments} WHERE id = ? AND user_key = ?",
                (*values, log_id, key),
            )
            return cursor.rowcount == 1

        return self._safe(what, False, write)

    def record_feedback(
        self, log_id: int, user_id: str, helpful: bool, at: float | None = None
    ) -> bool:
        """Record 👍/👎 on a logged answer; only the user who asked may rate it, last vote wins."""
        key = self.user_key(user_id)

        def write(conn: sqlite3.Connection) -> bool:
            owner = conn.execute(
                "SELECT 1 FROM question_log WHERE id = ? AND user_key = ?", (log_id, key)
            ).fetchone()
            if owner is None:
                return False
            conn.execute(
                "INSERT INTO feedback (log_id, helpful, at) VALUES (?, ?, ?) "
                "ON CONFLICT (log_id) DO UPDATE SET helpful = excluded.helpful, at = excluded.at",
                (log_id, int(helpful), time.time() if at is None else at),
            )
            return True

        return self._safe("saving feedback", False, write)

    # --- reading the log ----------------------------------------------------

    def questions(self, since: float, until: float | None = None) -> list[LoggedQuestion]:
        """Logged questions with `since <= at < until` (unix times), oldest first."""
        end = float("inf") if until is None else until

        def read(conn: sqlite3.Connection) -> list[LoggedQuestion]:
            rows = conn.execute(
                "SELECT * FROM question_log WHERE at >= ? AND at < ? ORDER BY at, id",
                (since, end),
            ).fetchall()
            return [
                LoggedQuestion(
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
                )
                for row in rows
            ]

        return self._safe("reading the question log", [], read)

    def feedback(self, since: float, until: float | None = None) -> list[FeedbackEntry]:
        """Feedback given in the period, with the fact it was about."""
        end = float("inf") if until is None else until

        def read(conn: sqlite3.Connection) -> list[FeedbackEntry]:
            rows = conn.execute(
                "SELECT f.log_id, f.helpful, f.at, "
                "COALESCE(q.chosen_fact_id, q.fact_id) AS fact_id "
                "FROM feedback f JOIN question_log q ON q.id = f.log_id "
                "WHERE f.at >= ? AND f.at < ? ORDER BY f.at",
                (since, end),
            ).fetchall()
            return [
                FeedbackEntry(
                    log_id=row["log_id"],
                    fact_id=row["fact_id"],
                    helpful=bool(row["helpful"]),
                    at=row["at"],
                )
                for row in rows
            ]

        return self._safe("reading feedback", [], read)

    def stats(self, now: datetime | None = None) -> Stats:
        """Counts for the admin /stats command; "today" and "this week" in `now`'s time zone."""
        local_now = (now or datetime.now()).astimezone()
        day_start = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
        week_start = day_start - timedelta(days=day_start.weekday())
        today, week = day_start.timestamp(), week_start.timestamp()

        def read(conn: sqlite3.Connection) -> Stats:
            q = conn.execute(
                "SELECT "
                "SUM(at >= :today), COUNT(*), "
                "SUM(outcome = 'answered' OR chosen_fact_id IS NOT NULL) "
                "FROM question_log WHERE at >= :week",
                {"today": today, "week": week},
            ).fetchone()
            f = conn.execute(
                "SELECT SUM(helpful = 1 AND at >= :week), SUM(helpful = 0 AND at >= :week), "
                "SUM(helpful = 1), SUM(helpful = 0) FROM feedback",
                {"week": week},
            ).fetchone()
            total_week = q[1] or 0
            return Stats(
                questions_today=q[0] or 0,
                questions_week=total_week,
                answered_share_week=(q[2] or 0) / total_week if total_week else None,
                helpful_week=f[0] or 0,
                unhelpful_week=f[1] or 0,
                helpful_total=f[2] or 0,
                unhelpful_total=f[3] or 0,
            )

        return self._safe("computing stats", Stats(0, 0, None, 0, 0, 0, 0), read)

    def close(self) -> None:
        with self._lock:
            self._conn.close()
