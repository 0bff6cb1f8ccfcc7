"""Transactions that must be done at once and answer (the teach journal's admin steps).

Residents' writes go through the background writer and never wait. An admin's teach
or undo, and the claim on a follow-up before it is sent, need their result now (the
new row's id, whether the claim won), so they run in a transaction on a connection of
their own that waits at most a given time for other processes' locks. This is the
SQLite side; PostgresStore.transaction takes a pooled connection instead.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.store import opening


class SqliteTransactions:
    """One read-write connection, opened on first use, one transaction at a time."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._closed = False

    @contextmanager
    def __call__(self, wait: float, *, write: bool = True) -> Iterator[sqlite3.Connection]:
        """A transaction (BEGIN IMMEDIATE for a write, so it fails early rather than at
        COMMIT); waits at most `wait` seconds for another writer's lock."""
        with self._lock:
            if self._closed:  # not opened again by a late caller
                raise sqlite3.ProgrammingError("the store is closed")
            if self._conn is None:
                self._conn = opening.connect(self._path, read_only=False, timeout=wait)
            conn = self._conn
            conn.execute(f"PRAGMA busy_timeout = {max(1, int(wait * 1000))}")
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._conn is not None:
                self._conn.close()
                self._conn = None
