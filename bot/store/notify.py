"""Knowledge-change notices between processes on one PostgreSQL server (LISTEN/NOTIFY).

A process that changed the knowledge (a teach, an undo, a reload after an edit) sends
`NOTIFY bot_knowledge` through the store's background writer, so sending never waits;
PostgreSQL delivers it when that write commits. Every other process listens on a
connection of its own, in a thread of its own (never on the event loop), and hands each
notice to a callback. The payload is the sender's id, so a process ignores its own.

A lost connection is opened again after a pause. PostgreSQL keeps no notice for a
listener that is not connected, so each time LISTEN starts (at start-up too) the
callback is called once anyway: its owner compares the files with what it serves, and
reloads only if they differ.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Protocol

import psycopg
from psycopg.conninfo import make_conninfo

from bot.store import location
from bot.store.queries import Write

logger = logging.getLogger(__name__)

CHANNEL = "bot_knowledge"
POLL_SECONDS = 0.5
"""How often the listening thread looks up from waiting, to see whether to stop."""
FIRST_PAUSE = 1.0
MAX_PAUSE = 30.0
"""Pauses between attempts to reconnect: doubling from the first to the most."""
CONNECT_TIMEOUT = 10
# TCP keepalives, so that a connection silently cut (a network partition, a NAT that
# forgot it) is noticed in about a minute rather than never
_KEEPALIVES = {"keepalives": 1, "keepalives_idle": 20, "keepalives_interval": 5}

OnNotice = Callable[[str], None]
"""Called on the listening thread with the reason: a notice, or a reconnection."""


class Listening(Protocol):
    def close(self, timeout: float = ...) -> None: ...


def notice(sender: str) -> Write:
    """The write that announces a change to the other processes."""
    return Write("a knowledge notice", "SELECT pg_notify(?, ?)", (CHANNEL, sender))


class NoticeListener:
    """Listens for other processes' notices until `close()`; starts at once."""

    def __init__(
        self, url: str, sender: str, on_notice: OnNotice, *, first_pause: float = FIRST_PAUSE
    ) -> None:
        self._url = url
        self._sender = sender
        self._on_notice = on_notice
        self._first_pause = first_pause
        self._stop = threading.Event()
        self.listening = threading.Event()
        """Set while the LISTEN connection is up (for health checks and tests)."""
        self._thread = threading.Thread(target=self._run, name="knowledge-notices", daemon=True)
        self._thread.start()

    def close(self, timeout: float = 2.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        pause = self._first_pause
        while not self._stop.is_set():
            try:
                self._listen()
            except psycopg.Error as exc:
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                logger.warning(
                    "knowledge notices from %s stopped (%s); trying again in %g s",
                    location.redacted(self._url),
                    first,
                    pause,
                )
            if self.listening.is_set():  # it was up: the next try comes soon
                self.listening.clear()
                pause = self._first_pause
            self._stop.wait(pause)
            pause = min(pause * 2, MAX_PAUSE)

    def _listen(self) -> None:
        """LISTEN until stopped; raises psycopg.Error when the connection fails."""
        conninfo = make_conninfo(self._url, connect_timeout=CONNECT_TIMEOUT, **_KEEPALIVES)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            self.listening.set()
            # notices sent before this (since start-up, or while reconnecting) are lost
            self._call("listening for notices: any change missed before is looked for")
            while not self._stop.is_set():
                for note in conn.notifies(timeout=POLL_SECONDS):
                    if note.payload != self._sender:
                        self._call("another process changed the knowledge")

    def _call(self, reason: str) -> None:
        try:
            self._on_notice(reason)
        except Exception:  # the listener must outlive its callback's failure
            logger.exception("handling a knowledge notice failed")
