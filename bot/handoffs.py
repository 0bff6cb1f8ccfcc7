"""Hand-offs to a person: a resident's message, with their last few turns, for the street's
staff, and the staff's answer back to the resident.

They live in the store's database (an SQLite file or PostgreSQL; the `handoffs` table of
bot/store/opening.py), so every process sees the same queue and nothing is lost on a
restart. Residents appear only as the store's keyed user hashes; where to answer them
(their user id, and for Telegram the chat) is kept sealed as the teach journal keeps a
follow-up's address (Fernet, with a key derived from the store's user key), and dropped
once the answer is delivered. Which hand-off an admin is answering in Telegram, once they
pressed its reply button, is kept there too (`choose`, `take_choice`), by the admin's keyed
hash, so a restart before they type the answer loses nothing.

A hand-off's status goes open → answered (staff replied) → closed (the answer reached the
resident: sent in Telegram at once, shown at the next visit elsewhere, see `due_for`).
One resident has at most one open hand-off (more words are added to it, without telling
the admins again) and opens at most `MAX_PER_DAY` a day, so no one can flood the staff.
"""

from __future__ import annotations

import json
import logging
import statistics
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from bot.kb.model import LANGS, Lang
from bot.store.sealing import Sealer

if TYPE_CHECKING:
    from bot.store import Store

logger = logging.getLogger(__name__)
T = TypeVar("T")

RESIDENT_WAIT = 0.5
"""Seconds a resident's turn waits for the database (opening a hand-off, reading answers)."""
STAFF_WAIT = 10.0
"""… and a staff member's step (answering, the queue), which may wait longer."""
MAX_PER_DAY = 3
"""New hand-offs one resident may open in 24 hours; more words go into the open one."""
MAX_MESSAGE_CHARS = 2000
"""A hand-off's message, with what the resident added, is cut here."""
TURNS = 3
"""How many of the resident's last questions go with the message …"""
TURNS_WITHIN = 30 * 60
"""… asked within this many seconds before it."""
ANSWER_MAX_CHARS = 3000
"""An answer longer than this is refused (it must fit one Telegram message with its heading)."""
REPLYING_FOR = 24 * 3600
"""Seconds an admin's press of a hand-off's reply button holds for their next message: a
restart or a night in between still takes the answer, but a message days later is not
mistaken for an answer to a press they have long forgotten (it is a question then)."""

Status = Literal["open", "answered", "closed"]
Opening = Literal["opened", "added", "limited", "failed"]


@dataclass(frozen=True)
class Turn:
    """One of the resident's questions before the hand-off, and what the bot did with it."""

    question: str
    outcome: str
    fact_id: str | None


@dataclass(frozen=True)
class Handoff:
    id: int
    user_key: str
    channel: str
    """The front end the resident used: the part of their user id before ':' (tg, web …)."""
    lang: Lang
    message: str
    turns: tuple[Turn, ...]
    status: Status
    opened_at: float
    answer: str | None = None
    answered_at: float | None = None
    address: dict[str, Any] | None = None
    """Where to answer: {"user": their user id} and, from Telegram, the chat."""


@dataclass(frozen=True)
class Opened:
    outcome: Opening
    handoff_id: int | None = None


@dataclass(frozen=True)
class Summary:
    """For `report`: hand-offs opened in the period, by what became of them."""

    opened: int
    open: int
    answered: int
    median_answer_seconds: float | None


class HandoffDesk:
    """The hand-off queue in the store's database; safe to share between threads."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.user_key: Callable[[str], str] = store.user_key
        self._sealer = Sealer(self.user_key, "handoffs: resident address", "a hand-off's address")

    def _transaction(self, wait: float, *, write: bool = True) -> AbstractContextManager[Any]:
        return self.store.transaction(wait, write=write)

    def _safe(self, doing: str, default: T, action: Callable[[], T]) -> T:
        """`action()`, or `default` with a log line when the database does not answer:
        nothing a resident or an admin waits on raises for the database."""
        try:
            return action()
        except self.store.database_errors:
            logger.exception("database error while %s", doing)
            return default

    # --- residents ---------------------------------------------------------------------

    def open(self, user_id: str, message: str, lang: Lang) -> Opened:
        """Open a hand-off for `user_id` (or add `message` to the open one); never raises."""
        self.store.flush(RESIDENT_WAIT)  # the questions just asked, for the turns
        return self._safe(
            "opening a hand-off", Opened("failed"), lambda: self._open(user_id, message, lang)
        )

    def _open(self, user_id: str, message: str, lang: Lang) -> Opened:
        key, now = self.user_key(user_id), time.time()
        with self._transaction(RESIDENT_WAIT) as conn:
            rows = conn.execute(
                "SELECT id, status, message FROM handoffs WHERE user_key = ? AND opened_at >= ? "
                "ORDER BY id DESC",
                (key, now - 86400),
            ).fetchall()
            open_one = next((row for row in rows if row["status"] == "open"), None)
            if open_one is not None:
                added = f"{open_one['message']}\n{message}"[:MAX_MESSAGE_CHARS]
                conn.execute(
                    "UPDATE handoffs SET message = ? WHERE id = ?", (added, open_one["id"])
                )
                return Opened("added", int(open_one["id"]))
            if len(rows) >= MAX_PER_DAY:
                return Opened("limited")
            turns = _recent_turns(conn, key, now)
            cursor = conn.execute(
                "INSERT INTO handoffs (user_key, channel, lang, message, turns, sealed, status, "
                "opened_at) VALUES (?, ?, ?, ?, ?, ?, 'open', ?) RETURNING id",
                (
                    key,
                    user_id.partition(":")[0] if ":" in user_id else "other",
                    lang,
                    message[:MAX_MESSAGE_CHARS],
                    json.dumps(turns, ensure_ascii=False),
                    self._seal({"user": user_id}),
                    now,
                ),
            )
            return Opened("opened", int(cursor.fetchone()[0]))

    def remember_address(self, handoff_id: int, address: dict[str, Any]) -> None:
        """Add a front end's own fields (a Telegram chat, a message to reply to)."""

        def remember() -> None:
            with self._transaction(RESIDENT_WAIT) as conn:
                row = conn.execute(
                    "SELECT sealed FROM handoffs WHERE id = ?", (handoff_id,)
                ).fetchone()
                merged = {**(self._unseal(row["sealed"]) or {}), **address} if row else address
                conn.execute(
                    "UPDATE handoffs SET sealed = ? WHERE id = ?", (self._seal(merged), handoff_id)
                )

        self._safe(f"keeping where to answer hand-off {handoff_id}", None, remember)

    def due_for(self, user_id: str) -> list[Handoff]:
        """Answered hand-offs of `user_id`, now closed: the caller shows them at once, in
        the resident's next visit (web, console); [] when the database does not answer."""
        return self._safe(
            "reading hand-off answers", [], lambda: self._due_for(self.user_key(user_id))
        )

    def pending_for(self, user_id: str) -> list[Handoff]:
        """Answered hand-offs of `user_id`, left answered: for a front end that closes them
        only once its screen has shown them (`acknowledge`)."""

        def pending() -> list[Handoff]:
            with self._transaction(RESIDENT_WAIT, write=False) as conn:
                rows = conn.execute(
                    "SELECT * FROM handoffs WHERE user_key = ? AND status = 'answered' ORDER BY id",
                    (self.user_key(user_id),),
                ).fetchall()
            return [self._handoff(row) for row in rows]

        return self._safe("reading hand-off answers", [], pending)

    def acknowledge(self, user_id: str, handoff_ids: list[int]) -> list[int]:
        """Close the answered hand-offs of `user_id` that its screen has shown; those closed."""
        key = self.user_key(user_id)

        def close_shown() -> list[int]:
            with self._transaction(RESIDENT_WAIT) as conn:
                owned = {
                    int(row[0])
                    for row in conn.execute(
                        "SELECT id FROM handoffs WHERE user_key = ? AND status = 'answered'",
                        (key,),
                    )
                }
                return [i for i in handoff_ids if i in owned and self._close(conn, i)]

        return self._safe("closing shown hand-off answers", [], close_shown)

    def _due_for(self, key: str) -> list[Handoff]:
        with self._transaction(RESIDENT_WAIT) as conn:
            rows = conn.execute(
                "SELECT * FROM handoffs WHERE user_key = ? AND status = 'answered' ORDER BY id",
                (key,),
            ).fetchall()
            due = []
            for row in rows:
                if self._close(conn, int(row["id"])):
                    due.append(self._handoff(row))
            return due

    # --- staff -------------------------------------------------------------------------

    def claim_unnotified(self) -> list[Handoff]:
        """Open hand-offs the admins have not been told of, marked told (each goes to the
        admins once, whichever process finds it first)."""
        with self._transaction(STAFF_WAIT) as conn:
            rows = conn.execute(
                "SELECT * FROM handoffs WHERE notified_at IS NULL AND status = 'open' ORDER BY id"
            ).fetchall()
            claimed = []
            for row in rows:
                cursor = conn.execute(
                    "UPDATE handoffs SET notified_at = ? WHERE id = ? AND notified_at IS NULL",
                    (time.time(), row["id"]),
                )
                if cursor.rowcount == 1:
                    claimed.append(self._handoff(row))
            return claimed

    def open_queue(self, limit: int = 50) -> list[Handoff]:
        """Open hand-offs, the oldest first: what staff have still to answer."""
        with self._transaction(STAFF_WAIT, write=False) as conn:
            rows = conn.execute(
                "SELECT * FROM handoffs WHERE status = 'open' ORDER BY id LIMIT ?", (limit,)
            ).fetchall()
            return [self._handoff(row) for row in rows]

    def get(self, handoff_id: int) -> Handoff | None:
        with self._transaction(STAFF_WAIT, write=False) as conn:
            row = conn.execute("SELECT * FROM handoffs WHERE id = ?", (handoff_id,)).fetchone()
        return self._handoff(row) if row else None

    def answer(self, handoff_id: int, text: str, by: str) -> Handoff | None:
        """Record staff's answer; the hand-off as answered, or None if it is not open (gone,
        or answered already by someone else)."""
        with self._transaction(STAFF_WAIT) as conn:
            cursor = conn.execute(
                "UPDATE handoffs SET status = 'answered', answer = ?, answered_at = ?, "
                "answered_by = ? WHERE id = ? AND status = 'open'",
                (text, time.time(), self.user_key(by), handoff_id),
            )
            if cursor.rowcount != 1:
                return None
            row = conn.execute("SELECT * FROM handoffs WHERE id = ?", (handoff_id,)).fetchone()
        return self._handoff(row)

    def claim_delivery(self, handoff_id: int) -> bool:
        """Take an answered hand-off for sending (closing it); False if someone else did."""
        with self._transaction(STAFF_WAIT) as conn:
            return self._close(conn, handoff_id)

    def reopen_delivery(self, handoff_id: int, address: dict[str, Any] | None) -> None:
        """Sending failed for a passing reason: answered again, to be tried later, with the
        address the claim dropped (`handoff.address` as read before claiming)."""
        sealed = self._seal(address) if address else None
        with self._transaction(STAFF_WAIT) as conn:
            conn.execute(
                "UPDATE handoffs SET status = 'answered', closed_at = NULL, sealed = ? "
                "WHERE id = ?",
                (sealed, handoff_id),
            )

    def undelivered(self, channel: str) -> list[Handoff]:
        """Answered hand-offs of a channel that sends at once (Telegram), not yet sent."""
        with self._transaction(STAFF_WAIT, write=False) as conn:
            rows = conn.execute(
                "SELECT * FROM handoffs WHERE status = 'answered' AND channel = ? ORDER BY id",
                (channel,),
            ).fetchall()
            return [self._handoff(row) for row in rows]

    def choose(self, staff_id: str, handoff_id: int, *, now: float | None = None) -> bool:
        """`staff_id`'s next message answers `handoff_id` (replacing an earlier choice);
        False when the database does not answer (then only a reply to the prompt does)."""
        at = time.time() if now is None else now

        def keep() -> bool:
            with self._transaction(STAFF_WAIT) as conn:
                conn.execute(
                    "DELETE FROM handoff_replying WHERE chosen_at < ?", (at - REPLYING_FOR,)
                )
                conn.execute(
                    "INSERT INTO handoff_replying (staff_key, handoff_id, chosen_at) "
                    "VALUES (?, ?, ?) ON CONFLICT (staff_key) DO UPDATE SET "
                    "handoff_id = excluded.handoff_id, chosen_at = excluded.chosen_at",
                    (self.user_key(staff_id), handoff_id, at),
                )
            return True

        return self._safe("keeping which hand-off an admin answers", False, keep)

    def take_choice(self, staff_id: str, *, now: float | None = None) -> int | None:
        """The hand-off `staff_id` chose to answer within `REPLYING_FOR`, forgotten as it is
        taken (`choose` again to keep it); None when there is none or the database fails."""
        at = time.time() if now is None else now

        def take() -> int | None:
            with self._transaction(STAFF_WAIT) as conn:
                row = conn.execute(
                    "DELETE FROM handoff_replying WHERE staff_key = ? "
                    "RETURNING handoff_id, chosen_at",
                    (self.user_key(staff_id),),
                ).fetchone()
            if row is None or row["chosen_at"] < at - REPLYING_FOR:
                return None
            return int(row["handoff_id"])

        return self._safe("reading which hand-off an admin answers", None, take)

    # --- rows --------------------------------------------------------------------------

    @staticmethod
    def _close(conn: Any, handoff_id: int) -> bool:
        """answered → closed, once; the address is dropped with it."""
        cursor = conn.execute(
            "UPDATE handoffs SET status = 'closed', closed_at = ?, sealed = NULL "
            "WHERE id = ? AND status = 'answered'",
            (time.time(), handoff_id),
        )
        return bool(cursor.rowcount == 1)

    def _handoff(self, row: Any) -> Handoff:
        lang: Lang = row["lang"] if row["lang"] in LANGS else "zh"
        return Handoff(
            id=int(row["id"]),
            user_key=row["user_key"],
            channel=row["channel"],
            lang=lang,
            message=row["message"],
            turns=_turns(row["turns"]),
            status=row["status"],
            opened_at=row["opened_at"],
            answer=row["answer"],
            answered_at=row["answered_at"],
            address=self._unseal(row["sealed"]),
        )

    def _seal(self, address: dict[str, Any]) -> str:
        return self._sealer.seal(address)

    def _unseal(self, sealed: str | None) -> dict[str, Any] | None:
        return self._sealer.open(sealed)


def _recent_turns(conn: Any, key: str, now: float) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT question, outcome, fact_id, chosen_fact_id FROM question_log "
        "WHERE user_key = ? AND at >= ? ORDER BY at DESC LIMIT ?",
        (key, now - TURNS_WITHIN, TURNS),
    ).fetchall()
    return [
        {"question": row[0], "outcome": row[1], "fact_id": row[3] or row[2]}
        for row in reversed(rows)
    ]


def _turns(stored: str) -> tuple[Turn, ...]:
    try:
        items = json.loads(stored)
    except ValueError:
        return ()
    return tuple(
        Turn(str(item.get("question", "")), str(item.get("outcome", "")), item.get("fact_id"))
        for item in items
        if isinstance(item, dict)
    )


def summary(store: Store, since: float, until: float) -> Summary | None:
    """Hand-offs opened in the period: how many, still open, answered, the median wait
    (for `report`, on a store that may be read-only); None when they cannot be read."""
    try:
        with store.transaction(STAFF_WAIT, write=False) as conn:
            rows = conn.execute(
                "SELECT status, opened_at, answered_at FROM handoffs "
                "WHERE opened_at >= ? AND opened_at < ?",
                (since, until),
            ).fetchall()
    except store.database_errors as exc:  # an older database without the table, say
        logger.warning("hand-offs cannot be read for the report: %s", exc)
        return None
    waits = [row[2] - row[1] for row in rows if row[2] is not None]
    return Summary(
        opened=len(rows),
        open=sum(row[0] == "open" for row in rows),
        answered=len(waits),
        median_answer_seconds=statistics.median(waits) if waits else None,
    )
