"""The SQLite store: residents' preferences and conversation context, the question log and
feedback.

No resident's reply waits on the database. Writes are queued for one background
writer thread (see writer.py) and the methods that make them return at once. Reads
use a connection of the calling thread with a short busy timeout; when the database
does not answer in time they fall back (the preferences last read, or none), and
reads pause for a second so that a locked file costs each caller nothing. A write
still queued is already visible: preferences are overlaid with the pending ones,
and the admins' reads (`questions`, `feedback`, `stats`) first let the queue drain.

Nothing here may break a reply: database errors are logged, never raised, after
start-up. Start-up problems raise `StoreError` with one line for the admin.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from bot.context import NO_CONTEXT, Context
from bot.kb.model import Lang
from bot.store import location, opening, queries
from bot.store.direct import SqliteTransactions
from bot.store.keys import UserKeys, load_key, use_for_logs
from bot.store.model import (
    NO_STATS,
    FeedbackEntry,
    LoggedQuestion,
    PreferenceField,
    Preferences,
    Stats,
    channel_of,
    new_log_id,
)
from bot.store.privacy import RETENTION_DAYS, mask_personal
from bot.store.queries import Write, is_transient
from bot.store.writer import BackgroundWriter

if TYPE_CHECKING:
    from bot.match.types import Outcome
    from bot.store.notify import Listening

logger = logging.getLogger(__name__)

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")

READ_TIMEOUT = 0.25
"""Seconds a resident's read waits for a lock before it falls back."""
READ_PAUSE = 1.0
"""Seconds reads skip the database after one found it locked."""
FLUSH_BEFORE_READ = 1.0
"""Seconds an admin's read waits for queued writes, so it sees what was just logged."""
CLOSE_TIMEOUT = 4.0
"""Seconds `close` spends writing what is queued (a supervisor's stop allows 5)."""
WRITE_TIMEOUT = 0.25
"""Seconds one write attempt waits for a lock before the writer pauses and retries."""
REMEMBERED = 10_000
"""Users' preferences and log ids kept in memory for when the database is busy."""
CONTEXT_KEPT_DAYS = 1.0
"""Conversation contexts untouched for this long are deleted (they expire long before)."""
PRUNE_EVERY = 500
"""Context writes between two deletions of old contexts."""
HISTORY_TURNS = 50
"""Turns of a web chat kept for a reload (`history`)."""
HISTORY_DAYS = 30
"""Days a turn of a web chat is kept."""
FORGET_EVERY = 3600.0
"""Seconds between two passes deleting question text past the retention."""
FORGET_FIRST = 60.0
"""Seconds after opening before the first pass (start-up writes only what it must)."""


class Store:
    """The bot's SQLite database; safe to share between threads, never blocks a reply.

    `Store("postgresql://…")` makes a PostgresStore instead (postgres.py), so every
    caller opens the database the same way, whichever BOT_DB names.
    """

    _writer: BackgroundWriter[Write] | None
    database_errors: ClassVar[tuple[type[Exception], ...]] = (sqlite3.Error,)
    """What the blocking calls (`transaction`, `schema_version`) raise when the database fails."""

    def __new__(cls, path: Path | str, *args: object, **kwargs: object) -> Store:
        if cls is Store and location.postgres_url(path) is not None:
            from bot.store.postgres import PostgresStore  # psycopg only when it is used

            return super().__new__(PostgresStore)
        return super().__new__(cls)

    def __init__(
        self,
        path: Path | str,
        *,
        read_only: bool = False,
        read_timeout: float = READ_TIMEOUT,
        env: Mapping[str, str] | None = None,
        retention_days: int = RETENTION_DAYS,
    ) -> None:
        """Open (and create or upgrade) the database; StoreError says why it cannot be.
        `retention_days`: how long a logged question's text is kept."""
        self.retention_days = retention_days
        self.path = location.sqlite_path(path)
        self.read_only = read_only
        self._read_timeout = read_timeout
        self._env = env
        self._key: bytes | None = None
        opening.check_path(self.path, read_only=read_only)
        with opening.explained(self.path):
            self._check_damage()
            self._conn = self._open()
            self._salt = opening.legacy_salt(self._conn)
        self._user_keys: UserKeys | None = None
        if not read_only:
            use_for_logs(UserKeys(self._user_hmac_key(), self._salt))
        self._transactions = SqliteTransactions(self.path)
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._start_memory()
        if not read_only:
            self._writer = BackgroundWriter(self._apply)

    def _start_memory(self) -> None:
        """What every backend keeps in memory: pending and last-read preferences, log ids."""
        self._closed = False
        self._memory = threading.Lock()
        self._reads_paused_until = 0.0
        self._pending: dict[str, dict[PreferenceField, tuple[object, str | None]]] = {}
        self._known: OrderedDict[str, Preferences] = OrderedDict()
        self._recent_logs: OrderedDict[int, str] = OrderedDict()
        self._pending_contexts: dict[str, tuple[object, Context]] = {}
        self._known_contexts: OrderedDict[str, Context] = OrderedDict()
        self._context_writes = 0
        self._writer = None
        self._next_forget = time.monotonic() + FORGET_FIRST

    # --- set-up -------------------------------------------------------------

    def _check_damage(self) -> None:
        """Look at an existing file read-only first, so a damaged one is never written to."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return
        conn = opening.connect(self.path, read_only=True, timeout=opening.OPEN_TIMEOUT)
        try:
            opening.check_integrity(conn)
        finally:
            conn.close()

    def _open(self) -> sqlite3.Connection:
        """The connection of the writer thread (or, read-only, of start-up)."""
        conn = opening.connect(self.path, read_only=self.read_only, timeout=opening.OPEN_TIMEOUT)
        try:
            if not self.read_only:
                opening.prepare(conn, self._user_hmac_key())
                conn.execute(f"PRAGMA busy_timeout = {int(WRITE_TIMEOUT * 1000)}")
        except BaseException:
            conn.close()
            raise
        return conn

    def _user_hmac_key(self) -> bytes:
        if self._key is None:
            self._key = load_key(self.path, self._env)
        return self._key

    @property
    def schema_version(self) -> int:
        """For health checks: raises sqlite3.Error when the database does not answer."""
        if self._closed:
            raise sqlite3.ProgrammingError("the store is closed")
        return opening.schema_version(self._reader())

    def user_key(self, user_id: str) -> str:
        """The keyed hash that stands for a user in the database and in logs."""
        if self._user_keys is None:
            self._user_keys = UserKeys(self._user_hmac_key(), self._salt)
        return self._user_keys(user_id)

    @property
    def pending_writes(self) -> int:
        return self._writer.pending if self._writer else 0

    @property
    def lost_writes(self) -> int:
        return self._writer.lost if self._writer else 0

    # --- reading ------------------------------------------------------------

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = opening.connect(self.path, read_only=True, timeout=self._read_timeout)
            with self._memory:
                self._readers.append(conn)
            self._local.conn = conn
        return conn

    def _read(self, what: str, default: T, action: Callable[[sqlite3.Connection], T]) -> T:
        if self._closed or time.monotonic() < self._reads_paused_until:
            return default
        try:
            return action(self._reader())
        except sqlite3.Error as exc:
            if is_transient(exc):
                self._reads_paused_until = time.monotonic() + READ_PAUSE
                logger.warning("database busy while %s (%s); answering without it", what, exc)
            else:
                logger.exception("database error while %s; carrying on without it", what)
            return default

    def _flush_for_read(self) -> None:
        self.flush(FLUSH_BEFORE_READ)

    def flush(self, timeout: float) -> bool:
        """Wait (at most `timeout` s) until what is queued is written; False if not."""
        return self._writer.flush(timeout) if self._writer is not None else True

    def transaction(self, wait: float, *, write: bool = True) -> AbstractContextManager[Any]:
        """For what must be done now and answer (direct.py); blocks, raises `database_errors`."""
        return self._transactions(wait, write=write)

    # --- writing ------------------------------------------------------------

    def submit(self, write: Write, done: Callable[[bool], None] | None = None) -> bool:
        """Queue a write (the store's own, or the teach journal's); False if refused."""
        if self._writer is None:
            logger.error("not saving %s: the database was opened read-only", write.what)
            return False
        return self._writer.submit(write, done)

    def _apply(self, batch: Sequence[Write]) -> list[bool]:
        """The writer thread's transaction: one per batch."""
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            results = [queries.apply_write(conn, write) for write in batch]
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return results

    # Knowledge-change notices between processes (PostgreSQL's NOTIFY): none with SQLite,
    # whose processes share one machine and see an edit with their file watchers.
    def announce_knowledge(self) -> bool:
        return False

    def listen_for_knowledge(self, on_notice: Callable[[str], None]) -> Listening | None:
        return None

    # --- preferences --------------------------------------------------------

    def preferences(self, user_id: str) -> Preferences:
        key = self.user_key(user_id)
        # pending changes seen before and after the read: one written in between is in one
        changes = self._pending_changes(key)
        stored = self._read("reading preferences", None, partial(queries.preferences, key=key))
        changes.update(self._pending_changes(key))
        with self._memory:
            if stored is None:
                stored = self._known.get(key, Preferences())
            else:
                self._remember(self._known, key, stored)
        for field, value in changes.items():
            stored = stored.changed(field, value)
        return stored

    def _pending_changes(self, key: str) -> dict[PreferenceField, str | None]:
        with self._memory:
            return {field: value for field, (_, value) in self._pending.get(key, {}).items()}

    def set_home_committee(self, user_id: str, committee_id: str | None) -> bool:
        return self._set_preference(user_id, "home_committee", committee_id)

    def set_language(self, user_id: str, language: Lang | None) -> bool:
        return self._set_preference(user_id, "language", language)

    def set_street(self, user_id: str, street_id: str | None) -> bool:
        return self._set_preference(user_id, "street", street_id)

    def _set_preference(self, user_id: str, field: PreferenceField, value: str | None) -> bool:
        key = self.user_key(user_id)
        token = object()
        with self._memory:
            self._pending.setdefault(key, {})[field] = (token, value)

        def settled(ok: bool) -> None:
            with self._memory:
                fields = self._pending.get(key, {})
                if fields.get(field, (None, None))[0] is token:
                    del fields[field]
                    if not fields:
                        del self._pending[key]
                if ok and key in self._known:
                    self._known[key] = self._known[key].changed(field, value)

        params = (key, value, time.time())
        write = Write(field.replace("_", " "), queries.SET_PREFERENCE[field], params)
        if self.submit(write, settled):
            return True
        settled(False)
        return False

    @staticmethod
    def _remember(memory: OrderedDict[K, V], key: K, value: V) -> None:
        memory[key] = value
        memory.move_to_end(key)
        while len(memory) > REMEMBERED:
            memory.popitem(last=False)

    # --- conversation context -----------------------------------------------

    def context(self, user_id: str) -> Context:
        """What the user's conversation is about (NO_CONTEXT when nothing is known): the
        last one written when it is still queued, else the database's, else the last read."""
        key = self.user_key(user_id)
        with self._memory:
            pending = self._pending_contexts.get(key)
        if pending is not None:
            return pending[1]
        stored = self._read("reading a context", None, partial(queries.context, key=key))
        with self._memory:
            if stored is None:
                return self._known_contexts.get(key, NO_CONTEXT)
            self._remember(self._known_contexts, key, stored)
        return stored

    def set_context(self, user_id: str, context: Context) -> bool:
        """Queue the user's new context (seen by `context` at once); False if refused."""
        key = self.user_key(user_id)
        token = object()
        with self._memory:
            self._pending_contexts[key] = (token, context)
            self._remember(self._known_contexts, key, context)
            self._context_writes += 1
            prune = self._context_writes % PRUNE_EVERY == 1

        def settled(ok: bool) -> None:
            with self._memory:
                if self._pending_contexts.get(key, (None,))[0] is token:
                    del self._pending_contexts[key]

        write = Write("a context", queries.SET_CONTEXT, queries.context_params(key, context))
        if not self.submit(write, settled):
            settled(False)
            return False
        if prune:
            cutoff = time.time() - CONTEXT_KEPT_DAYS * 86_400
            self.submit(Write("old contexts", queries.FORGET_OLD_CONTEXTS, (cutoff,)))
        return True

    # --- question log -------------------------------------------------------

    def log_question(
        self,
        user_id: str,
        *,
        question: str,
        normalized: str,
        outcome: Outcome,
        fact_id: str | None,
        score: float | None,
        lang: Lang,
        at: float | None = None,
        nearest: Sequence[tuple[str, float]] | None = None,
    ) -> int | None:
        """Queue one question for the log; its id at once (None if the queue refused it).
        The channel is the front end's prefix of `user_id` ("wechat:…" -> wechat). Mobile
        and ID numbers are masked first (bot.store.privacy). `nearest`: the matcher's
        nearest facts and scores, kept for the admins' lists."""
        key = self.user_key(user_id)
        log_id = new_log_id()
        when = time.time() if at is None else at
        self._forget_old_text()
        question, normalized = mask_personal(question), mask_personal(normalized)
        channel = channel_of(user_id)
        params = (log_id, when, key, normalized, question, outcome, fact_id, score, lang, channel)
        params_with_nearest = (*params, queries.nearest_json(nearest))
        if not self.submit(Write("a question", queries.INSERT_QUESTION, params_with_nearest)):
            return None
        with self._memory:
            self._remember(self._recent_logs, log_id, key)
        return log_id

    def _forget_old_text(self) -> None:
        """At most once an hour: queue deleting question text older than the retention."""
        now = time.monotonic()
        if now < self._next_forget:
            return
        self._next_forget = now + FORGET_EVERY
        self.forget_old_text()

    def forget_old_text(self, now: float | None = None) -> bool:
        """Queue deleting the text of questions older than `retention_days` (and of their
        follow-ups and ignored forms); the rows stay, so the report's counts do."""
        cutoff = (time.time() if now is None else now) - self.retention_days * 86400
        statements = (
            queries.FORGET_QUESTION_TEXT,
            queries.FORGET_FOLLOWUP_TEXT,
            queries.FORGET_IGNORED_TEXT,
        )
        return all(
            [
                self.submit(Write("forgetting old question text", sql, (cutoff,)))
                for sql in statements
            ]
        )

    def record_choice(self, log_id: int, user_id: str, fact_id: str) -> bool:
        """The user picked `fact_id` from a "did you mean" list."""
        key = self.user_key(user_id)
        write = Write("a choice", queries.SET_CHOICE, (fact_id, log_id, key))
        return self._owns(log_id, key) and self.submit(write)

    def record_rejection(self, log_id: int, user_id: str) -> bool:
        """The user said none of the "did you mean" options fit."""
        key = self.user_key(user_id)
        write = Write("a rejection", queries.SET_REJECTED, (log_id, key))
        return self._owns(log_id, key) and self.submit(write)

    def record_feedback(
        self, log_id: int, user_id: str, helpful: bool, at: float | None = None
    ) -> bool:
        """Record 👍/👎 on a logged answer; only the user who asked may rate it, last vote wins."""
        key = self.user_key(user_id)
        when = time.time() if at is None else at
        write = Write("feedback", queries.SET_FEEDBACK, (int(helpful), when, log_id, key))
        return self._owns(log_id, key) and self.submit(write)

    def _owns(self, log_id: int, key: str) -> bool:
        """Whether the user asked the logged question. When the database cannot say in
        time, yes: the queued write itself only touches the asker's own rows."""
        with self._memory:
            owner = self._recent_logs.get(log_id)
        if owner is None:
            read = partial(queries.question_owner, log_id=log_id)
            owner = self._read("checking a logged question", key, read)
        return owner == key

    # --- a chat's history (the web page's, as rendered) ---------------------

    def add_history(self, user_id: str, entry: str) -> bool:
        """Queue one turn (JSON, as the front end rendered it) for `user_id`'s history;
        older turns beyond HISTORY_TURNS, and any past HISTORY_DAYS, go."""
        key, now = self.user_key(user_id), time.time()
        writes = (
            Write("a chat turn", queries.INSERT_HISTORY, (key, now, entry)),
            Write("old chat turns", queries.TRIM_HISTORY, (key, key, HISTORY_TURNS)),
            Write("expired chat turns", queries.EXPIRE_HISTORY, (now - HISTORY_DAYS * 86400,)),
        )
        return all([self.submit(write) for write in writes])

    def history(self, user_id: str) -> list[str]:
        """`user_id`'s last turns (JSON), oldest first; [] when the database is busy."""
        self.flush(READ_TIMEOUT)  # the turn just shown may still be queued; never long
        since = time.time() - HISTORY_DAYS * 86400
        read = partial(
            queries.history, key=self.user_key(user_id), since=since, limit=HISTORY_TURNS
        )
        return self._read("reading a chat's history", [], read)

    def clear_history(self, user_id: str) -> bool:
        """Queue the deletion of `user_id`'s history."""
        key = self.user_key(user_id)
        return self.submit(Write("clearing a chat", queries.CLEAR_HISTORY, (key,)))

    # --- reading the log ----------------------------------------------------

    def questions(self, since: float, until: float | None = None) -> list[LoggedQuestion]:
        """Logged questions with `since <= at < until` (unix times), oldest first."""
        self._flush_for_read()
        return self._read(
            "reading the question log", [], partial(queries.questions, since=since, until=until)
        )

    def feedback(self, since: float, until: float | None = None) -> list[FeedbackEntry]:
        """Feedback given in the period, with the fact it was about."""
        self._flush_for_read()
        return self._read(
            "reading feedback", [], partial(queries.feedback, since=since, until=until)
        )

    def stats(self, now: datetime | None = None) -> Stats:
        """Counts for the admin /stats command; "today" and "this week" in `now`'s time zone."""
        self._flush_for_read()
        return self._read("computing stats", NO_STATS, partial(queries.stats, now=now))

    # --- closing ------------------------------------------------------------

    def _stop_writing(self, timeout: float) -> bool:
        """Write what is queued, say what was lost; False when already closed."""
        if self._closed:
            return False
        if self._writer is not None:
            self._writer.close(timeout)
            if self._writer.lost:
                logger.error("%d writes were lost since start-up", self._writer.lost)
        self._closed = True
        return True

    def close(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """Write what is queued (for at most `timeout` seconds), then close; idempotent."""
        if not self._stop_writing(timeout):
            return
        with self._memory:
            connections = [self._conn, *self._readers]
            self._readers.clear()
        for conn in connections:
            conn.close()
        self._transactions.close()
