"""Staff accounts of the web admin page: names, passwords, sessions, and who did what.

They live in the store's database (SQLite or PostgreSQL, tables of migration 4 in
bot/store/opening.py), so every worker and machine sees the same accounts. A password
is kept only as an Argon2id hash (argon2-cffi, memory-hard); a session only as the
SHA-256 of its random id, so a copy of the database opens no session. Checking a
password costs tens of milliseconds of CPU on purpose: callers run it in a thread.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

if TYPE_CHECKING:
    from bot.store import Store

IDLE_SECONDS = 8 * 3600
"""A session nobody used for this long is over: the admin logs in again."""
SEEN_EVERY = 60.0
"""A session's last use is written at most this often (not on every page)."""
WAIT = 10.0
"""Seconds an admin's step waits for the database when another process holds it."""
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 1024
"""Longer is refused before hashing (a megabyte "password" is only a way to burn CPU)."""
NAME = re.compile(r"[\w.@-]{1,40}")
"""Letters (Chinese too), digits and . _ @ -: a name that reads the same in a log line."""

_hasher = PasswordHasher()  # RFC 9106's second recommended profile: 64 MiB, 3 passes
_NO_ACCOUNT = _hasher.hash(secrets.token_hex(16))
"""Checked against when the name is unknown, so the answer takes as long as for a real one."""


class AccountError(Exception):
    """An admin's mistake (a bad name, a short password, an unknown account); the message
    is one Chinese line to show."""


@dataclass(frozen=True)
class Account:
    name: str
    created_at: float
    changed_at: float


@dataclass(frozen=True)
class Session:
    """A logged-in admin: the session id (the cookie's value) and the account's name."""

    id: str
    name: str


@dataclass(frozen=True)
class Action:
    """One thing an admin did (teach, ignore, undo, reload), for the page and `report`."""

    at: float
    name: str
    action: str
    detail: str


def check_name(name: str) -> str:
    if not NAME.fullmatch(name):
        raise AccountError("账号名只能用 1-40 个字母、汉字、数字或 . _ @ -")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"密码太短:至少 {MIN_PASSWORD_CHARS} 个字符")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AccountError(f"密码太长:最多 {MAX_PASSWORD_CHARS} 个字符")
    return password


def generated_password() -> str:
    """A password to show once: 20 characters, about 120 random bits."""
    return secrets.token_urlsafe(15)


def _id_hash(session_id: str) -> str:
    return hashlib.sha256(f"staff-session:{session_id}".encode()).hexdigest()


class Accounts:
    """The accounts, sessions and action log in `store`'s database; every method blocks
    (call it in a thread from the event loop) and raises the store's database errors."""

    def __init__(self, store: Store, *, clock: Any = time.time) -> None:
        self.store = store
        self.clock = clock

    # --- accounts ----------------------------------------------------------------------

    def add(self, name: str, password: str) -> None:
        check_name(name)
        digest = _hasher.hash(check_password(password))
        now = self.clock()
        with self.store.transaction(WAIT) as conn:
            if conn.execute("SELECT 1 FROM staff_accounts WHERE name = ?", (name,)).fetchone():
                raise AccountError(f"账号 {name} 已经有了(改密码用 admin passwd {name})")
            conn.execute(
                "INSERT INTO staff_accounts (name, password_hash, created_at, changed_at) "
                "VALUES (?, ?, ?, ?)",
                (name, digest, now, now),
            )

    def set_password(self, name: str, password: str) -> None:
        """A new password; the account's sessions end (a stolen one stops working)."""
        digest = _hasher.hash(check_password(password))
        with self.store.transaction(WAIT) as conn:
            cursor = conn.execute(
                "UPDATE staff_accounts SET password_hash = ?, changed_at = ? WHERE name = ?",
                (digest, self.clock(), name),
            )
            if cursor.rowcount != 1:
                raise AccountError(f"没有账号 {name}")
            conn.execute("DELETE FROM staff_sessions WHERE name = ?", (name,))

    def remove(self, name: str) -> None:
        with self.store.transaction(WAIT) as conn:
            cursor = conn.execute("DELETE FROM staff_accounts WHERE name = ?", (name,))
            if cursor.rowcount != 1:
                raise AccountError(f"没有账号 {name}")
            conn.execute("DELETE FROM staff_sessions WHERE name = ?", (name,))

    def all(self) -> list[Account]:
        with self.store.transaction(WAIT, write=False) as conn:
            rows = conn.execute(
                "SELECT name, created_at, changed_at FROM staff_accounts ORDER BY name"
            ).fetchall()
        return [Account(row[0], row[1], row[2]) for row in rows]

    def verify(self, name: str, password: str) -> bool:
        """Whether `password` is `name`'s; as slow for an unknown name as for a known one."""
        if len(password) > MAX_PASSWORD_CHARS:
            return False
        with self.store.transaction(WAIT, write=False) as conn:
            row = conn.execute(
                "SELECT password_hash FROM staff_accounts WHERE name = ?", (name,)
            ).fetchone()
        try:
            return _hasher.verify(row[0] if row else _NO_ACCOUNT, password) and row is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def exists(self, name: str) -> bool:
        with self.store.transaction(WAIT, write=False) as conn:
            row = conn.execute("SELECT 1 FROM staff_accounts WHERE name = ?", (name,)).fetchone()
        return row is not None

    # --- sessions ---------------------------------------------------------------------

    def start_session(self, name: str) -> Session:
        """A new session id for every login (an id planted before it never becomes one)."""
        session = Session(secrets.token_urlsafe(32), name)
        now = self.clock()
        with self.store.transaction(WAIT) as conn:
            conn.execute("DELETE FROM staff_sessions WHERE seen_at < ?", (now - IDLE_SECONDS,))
            conn.execute(
                "INSERT INTO staff_sessions (id_hash, name, created_at, seen_at) "
                "VALUES (?, ?, ?, ?)",
                (_id_hash(session.id), name, now, now),
            )
        return session

    def session(self, session_id: str) -> Session | None:
        """The live session with this id (its account still there, used within 8 h)."""
        if not session_id:
            return None
        now = self.clock()
        with self.store.transaction(WAIT, write=False) as conn:
            row = conn.execute(
                "SELECT s.name, s.seen_at FROM staff_sessions s "
                "JOIN staff_accounts a ON a.name = s.name WHERE s.id_hash = ?",
                (_id_hash(session_id),),
            ).fetchone()
        if row is None or row[1] < now - IDLE_SECONDS:
            return None
        if row[1] < now - SEEN_EVERY:
            with self.store.transaction(WAIT) as conn:
                conn.execute(
                    "UPDATE staff_sessions SET seen_at = ? WHERE id_hash = ?",
                    (now, _id_hash(session_id)),
                )
        return Session(session_id, row[0])

    def end_session(self, session_id: str) -> None:
        with self.store.transaction(WAIT) as conn:
            conn.execute("DELETE FROM staff_sessions WHERE id_hash = ?", (_id_hash(session_id),))

    # --- who did what -----------------------------------------------------------------

    def record(self, name: str, action: str, detail: str = "") -> None:
        with self.store.transaction(WAIT) as conn:
            conn.execute(
                "INSERT INTO staff_actions (at, name, action, detail) VALUES (?, ?, ?, ?)",
                (self.clock(), name, action, detail[:300]),
            )

    def actions(self, since: float, limit: int = 50) -> list[Action]:
        """The newest actions first."""
        with self.store.transaction(WAIT, write=False) as conn:
            rows = conn.execute(
                "SELECT at, name, action, detail FROM staff_actions WHERE at >= ? "
                "ORDER BY id DESC LIMIT ?",
                (since, limit),
            ).fetchall()
        return [Action(row[0], row[1], row[2], row[3]) for row in rows]
