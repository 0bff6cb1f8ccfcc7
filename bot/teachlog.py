"""The teach journal: who taught what, when (for the audit and undo), and the follow-ups.

It lives in the store's database (an SQLite file or PostgreSQL), in tables the store's
migrations make (version 2 in bot/store/opening.py), next to the question log it reads.
Residents appear only as the store's keyed user hashes. A follow-up needs to know where
to send it (a Telegram chat and message); that address is kept sealed (Fernet, with a
key derived from the store's user key, so the database alone does not give it away)
and only for a question left open, for the follow-up window.

A follow-up row is made once per question (its log id is the key), so a second teach
of the same question never sends it twice; its status goes pending → sending → sent,
or blocked (the resident blocked the bot: never retried).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from bot.kb.model import LANGS, Lang
from bot.kb.teach import Taught
from bot.store.queries import Write
from bot.store.sealing import Sealer
from bot.store.sqlite import READ_PAUSE

if TYPE_CHECKING:
    from bot.store import LoggedQuestion, Store

T = TypeVar("T")

logger = logging.getLogger(__name__)

ADMIN_WAIT = 10.0
"""Seconds an admin's teach waits for the database when another process holds it."""
RESIDENT_WAIT = 0.5
"""… and a resident's next chat showing follow-ups (console, web): it gives up sooner."""
CLOSE_WAIT = 5.0
"""Seconds to wait for queued writes: on close, and before reading what they wrote."""
ADDRESS_DAYS = 7
"""Where to send a follow-up is kept this long; a teach later than that sends none."""


Status = Literal["pending", "sending", "sent", "blocked"]


@dataclass(frozen=True)
class TeachRecord:
    id: int
    at: float
    taught: Taught


@dataclass(frozen=True)
class FollowUp:
    """One resident's question that now has an answer."""

    log_id: int
    user_key: str
    question: str
    lang: Lang
    fact_id: str
    address: dict[str, Any] | None = None
    """Where to send it (a transport's own fields, e.g. chat_id, message_id); None: show
    it the next time the resident chats."""

    @property
    def channel(self) -> str | None:
        """The front end that can send it at once: "tg" (an address without a channel is
        Telegram's, as before WeChat), "wechat"; None: shown at the next visit."""
        return None if self.address is None else str(self.address.get("channel", "tg"))


class TeachJournal:
    """The journal in the store's database (SQLite or PostgreSQL); safe to share between
    threads. Residents' writes are queued on the store's writer; an admin's steps run in
    a transaction of their own (`Store.transaction`), which may wait for other processes."""

    def __init__(self, store: Store) -> None:
        """The journal of `store`'s database (opened, and so migrated, by the store)."""
        self.store = store
        self.user_key: Callable[[str], str] = store.user_key
        self._sealer = Sealer(self.user_key, "teachlog: follow-up address", "a follow-up address")
        self._paused_until = 0.0

    def _safe(self, what: str, default: T, action: Callable[[], T]) -> T:
        """For what residents' turns call: a database error is logged, never raised, and
        (as the store's reads do) the database is left alone for a moment after it."""
        if time.monotonic() < self._paused_until:
            return default
        try:
            return action()
        except self.store.database_errors:
            self._paused_until = time.monotonic() + READ_PAUSE
            logger.exception("database error while %s; carrying on without it", what)
            return default

    def _db(self, wait: float = ADMIN_WAIT) -> AbstractContextManager[Any]:
        """A read, waiting at most `wait` seconds for the database."""
        return self.store.transaction(wait, write=False)

    def _transaction(self, wait: float = ADMIN_WAIT) -> AbstractContextManager[Any]:
        """Statements that stand or fall together."""
        return self.store.transaction(wait)

    def close(self) -> None:
        """Write what is queued; the store (closed after the journal) does the rest."""
        self.store.flush(CLOSE_WAIT)

    def _settled(self) -> None:
        """Wait (briefly) until what residents' turns queued is written, before reading it."""
        self.store.flush(CLOSE_WAIT)

    # --- the audit log ---------------------------------------------------------------

    def record_teach(self, taught: Taught, by: str) -> int:
        with self._transaction() as conn:
            _record_action(conn, self.staff_name(by), "teach", _detail(taught))
            cursor = conn.execute(
                "INSERT INTO teach_log (at, by_key, fact_id, phrasing, lang, file) "
                "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    time.time(),
                    self.user_key(by),
                    taught.fact_id,
                    taught.phrasing,
                    taught.lang,
                    str(taught.file),
                ),
            )
            return int(cursor.fetchone()[0])

    def last_teach(self, by: str | None = None) -> TeachRecord | None:
        """The newest teach not undone (by `by`, when given)."""
        query = "SELECT * FROM teach_log WHERE undone_at IS NULL"
        args: tuple[str, ...] = ()
        if by is not None:
            query += " AND by_key = ?"
            args = (self.user_key(by),)
        with self._db() as conn:
            row = conn.execute(query + " ORDER BY id DESC LIMIT 1", args).fetchone()
        return _record(row) if row else None

    def teaches(self, limit: int = 50) -> list[TeachRecord]:
        """The newest teaches first (undone ones included), for the audit."""
        with self._db() as conn:
            rows = conn.execute("SELECT * FROM teach_log ORDER BY id DESC LIMIT ?", (limit,))
            return [_record(row) for row in rows]

    def taught_phrasings(self) -> list[str]:
        """The phrasings of every teach not undone (their questions leave the teach list)."""
        with self._db() as conn:
            rows = conn.execute("SELECT phrasing FROM teach_log WHERE undone_at IS NULL")
            return [str(row[0]) for row in rows]

    def followed_up(self, since: float) -> set[int]:
        """Log ids of questions since `since` given a follow-up by a teach not undone."""
        with self._db() as conn:
            rows = conn.execute(
                "SELECT f.log_id FROM followups f JOIN teach_log t ON t.id = f.teach_id "
                "WHERE t.undone_at IS NULL AND f.created_at >= ?",
                (since,),
            )
            return {int(row[0]) for row in rows}

    def record_undo(self, record: TeachRecord, by: str) -> None:
        """Mark the teach undone and drop its follow-ups not sent yet."""
        with self._transaction() as conn:
            _record_action(conn, self.staff_name(by), "undo", _detail(record.taught))
            conn.execute(
                "UPDATE teach_log SET undone_at = ?, undone_by = ? WHERE id = ?",
                (time.time(), self.user_key(by), record.id),
            )
            conn.execute(
                "DELETE FROM followups WHERE teach_id = ? AND status = 'pending'", (record.id,)
            )

    def record_reload(self, by: str, detail: str) -> None:
        """An admin reloaded the knowledge (Telegram's /reload, the web page's button)."""
        with self._transaction() as conn:
            _record_action(conn, self.staff_name(by), "reload", detail)

    def staff_name(self, by: str) -> str:
        """Who `by` is, as the page and `report` name them: a web account's own name, a
        console login; a Telegram admin by a short keyed hash (ids stay out of the log)."""
        kind, _, who = by.partition(":")
        if kind == "web" and who:
            return who
        if kind == "console" and who:
            return f"{who}(命令行)"
        return f"{kind or by}:{self.user_key(by)[:8]}"

    # --- what admins chose to ignore -----------------------------------------------------

    def ignore(self, forms: Sequence[str], by: str, example: str = "") -> None:
        with self._transaction() as conn:
            _record_action(conn, self.staff_name(by), "ignore", example or " / ".join(forms))
            for form in forms:
                conn.execute(
                    "INSERT INTO ignored_questions (form, at, by_key) VALUES (?, ?, ?) "
                    "ON CONFLICT (form) DO NOTHING",
                    (form, time.time(), self.user_key(by)),
                )

    def ignored(self) -> set[str]:
        with self._db() as conn:
            return {row[0] for row in conn.execute("SELECT form FROM ignored_questions")}

    # --- follow-ups ------------------------------------------------------------------

    def remember_address(self, log_id: int, address: dict[str, Any]) -> None:
        """Where to send a follow-up for this open question (sealed; dropped when used).
        Queued: returns at once."""
        sealed = self._sealer.seal(address)
        cutoff = time.time() - ADDRESS_DAYS * 86400
        self.store.submit(
            Write("old addresses", "DELETE FROM followup_addresses WHERE at < ?", (cutoff,))
        )
        self.store.submit(
            Write(
                "a follow-up address",
                "INSERT INTO followup_addresses (log_id, sealed, at) VALUES (?, ?, ?) "
                "ON CONFLICT (log_id) DO UPDATE SET sealed = excluded.sealed, at = excluded.at",
                (log_id, sealed, time.time()),
            )
        )

    def set_followups(self, user_id: str, on: bool) -> bool:
        """Turn a resident's follow-ups on or off (queued); False if it cannot be saved."""
        key = self.user_key(user_id)
        if on:
            write = Write("follow-ups on", "DELETE FROM followups_off WHERE user_key = ?", (key,))
        else:
            write = Write(
                "follow-ups off",
                "INSERT INTO followups_off (user_key, at) VALUES (?, ?) "
                "ON CONFLICT (user_key) DO UPDATE SET at = excluded.at",
                (key, time.time()),
            )
        return self.store.submit(write)

    def queue_followups(
        self, teach_id: int, taught: Taught, asked: Sequence[LoggedQuestion]
    ) -> list[FollowUp]:
        """One follow-up per resident (their latest question), except those who turned
        follow-ups off or were followed up on that question already."""
        latest = {question.user_key: question for question in sorted(asked, key=_at)}
        self._settled()
        queued = []
        with self._transaction() as conn:
            off = {row[0] for row in conn.execute("SELECT user_key FROM followups_off")}
            for key, question in latest.items():
                if key in off:
                    continue
                cursor = conn.execute(
                    "INSERT INTO followups (log_id, user_key, question, lang, fact_id, "
                    "teach_id, status, created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?) "
                    "ON CONFLICT (log_id) DO NOTHING",
                    (
                        question.id,
                        key,
                        question.question,
                        question.lang,
                        taught.fact_id,
                        teach_id,
                        time.time(),
                    ),
                )
                if cursor.rowcount:
                    queued.append(self._followup(conn, question.id))
        return [f for f in queued if f is not None]

    def _followup(self, conn: Any, log_id: int) -> FollowUp | None:
        row = conn.execute(
            "SELECT f.*, a.sealed FROM followups f "
            "LEFT JOIN followup_addresses a ON a.log_id = f.log_id WHERE f.log_id = ?",
            (log_id,),
        ).fetchone()
        if row is None:
            return None
        lang: Lang = row["lang"] if row["lang"] in LANGS else "zh"
        return FollowUp(
            row["log_id"],
            row["user_key"],
            row["question"],
            lang,
            row["fact_id"],
            self._unseal(row["sealed"]),
        )

    def _unseal(self, sealed: str | None) -> dict[str, Any] | None:
        return self._sealer.open(sealed)  # None: not sent

    def claim(self, log_id: int, wait: float = ADMIN_WAIT) -> bool:
        """Take a pending follow-up for sending; False if it is no longer pending (sent, or
        being sent by someone else), so it is never sent twice."""
        with self._transaction(wait) as conn:
            cursor = conn.execute(
                "UPDATE followups SET status = 'sending' WHERE log_id = ? AND status = 'pending'",
                (log_id,),
            )
            return cursor.rowcount == 1

    def finish(self, log_id: int, status: Status, wait: float = ADMIN_WAIT) -> None:
        """Record how sending went: sent, blocked (never retried), or pending (try later)."""
        with self._transaction(wait) as conn:
            conn.execute(
                "UPDATE followups SET status = ?, done_at = ? WHERE log_id = ?",
                (status, time.time() if status != "pending" else None, log_id),
            )
            if status in ("sent", "blocked"):
                conn.execute("DELETE FROM followup_addresses WHERE log_id = ?", (log_id,))

    def due_for(self, user_id: str) -> list[FollowUp]:
        """Pending follow-ups for a resident, marked sent: the caller shows them now, in
        the resident's next chat (console, web)."""
        return self._safe("reading follow-ups", [], lambda: self._deliver_due(user_id))

    def _deliver_due(self, user_id: str) -> list[FollowUp]:
        with self._db(RESIDENT_WAIT) as conn:
            rows = conn.execute(
                "SELECT log_id FROM followups WHERE user_key = ? AND status = 'pending' "
                "ORDER BY created_at",
                (self.user_key(user_id),),
            ).fetchall()
        due = []
        for (log_id,) in rows:
            if self.claim(log_id, RESIDENT_WAIT):
                with self._db(RESIDENT_WAIT) as conn:
                    followup = self._followup(conn, log_id)
                self.finish(log_id, "sent", RESIDENT_WAIT)
                if followup is not None:
                    due.append(followup)
        return due

    def pending_for(self, user_id: str) -> list[FollowUp]:
        """Pending follow-ups for a resident, left pending: for a front end that marks them
        sent only once the resident's screen has shown them (`acknowledge`)."""

        def read() -> list[FollowUp]:
            with self._db(RESIDENT_WAIT) as conn:
                rows = conn.execute(
                    "SELECT log_id FROM followups WHERE user_key = ? AND status = 'pending' "
                    "ORDER BY created_at",
                    (self.user_key(user_id),),
                ).fetchall()
                found = [self._followup(conn, row[0]) for row in rows]
            return [f for f in found if f is not None]

        return self._safe("reading follow-ups", [], read)

    def acknowledge(self, user_id: str, log_ids: Sequence[int]) -> list[int]:
        """Mark sent the follow-ups of `user_id` (and only theirs) that their screen has
        shown; the ids marked now (none that were sent already or are someone else's)."""

        def mark() -> list[int]:
            key = self.user_key(user_id)
            marked = []
            with self._transaction(RESIDENT_WAIT) as conn:
                for log_id in dict.fromkeys(log_ids):
                    cursor = conn.execute(
                        "UPDATE followups SET status = 'sent', done_at = ? "
                        "WHERE log_id = ? AND user_key = ? AND status = 'pending'",
                        (time.time(), log_id, key),
                    )
                    if cursor.rowcount == 1:
                        marked.append(log_id)
            return marked

        return self._safe("marking follow-ups shown", [], mark)

    def undelivered(self) -> list[FollowUp]:
        """Pending follow-ups with an address (an earlier send failed): to try again."""
        cutoff = time.time() - ADDRESS_DAYS * 86400
        self._settled()

        def read() -> list[FollowUp]:
            with self._db() as conn:
                rows = conn.execute(
                    "SELECT f.log_id FROM followups f JOIN followup_addresses a "
                    "ON a.log_id = f.log_id WHERE f.status = 'pending' AND a.at >= ?",
                    (cutoff,),
                ).fetchall()
                found = [self._followup(conn, row[0]) for row in rows]
            return [f for f in found if f is not None]

        return self._safe("reading owed follow-ups", [], read)

    def status_of(self, log_id: int) -> str | None:
        with self._db() as conn:
            row = conn.execute(
                "SELECT status FROM followups WHERE log_id = ?", (log_id,)
            ).fetchone()
        return str(row[0]) if row else None


def _record_action(conn: Any, name: str, action: str, detail: str) -> None:
    """A line of the staff's action log (bot.admin.accounts reads it back)."""
    conn.execute(
        "INSERT INTO staff_actions (at, name, action, detail) VALUES (?, ?, ?, ?)",
        (time.time(), name, action, detail[:300]),
    )


def _detail(taught: Taught) -> str:
    return f"“{taught.phrasing}” → {taught.fact_id}"


def _at(question: LoggedQuestion) -> float:
    return question.at


def _record(row: Any) -> TeachRecord:
    lang: Lang = row["lang"] if row["lang"] in LANGS else "zh"
    taught = Taught(
        row["fact_id"], row["phrasing"], lang, Path(row["file"]), added=True, by=row["by_key"]
    )
    return TeachRecord(row["id"], row["at"], taught)
