"""Deadlines and a cap for the web chat's connections, so that a slow client cannot hold it.

`python -m bot web` faces the internet on its own in a small office (no nginx in front).
uvicorn closes a kept-alive connection that stays idle (`timeout_keep_alive`), but it
gives a request no deadline: a connection that sends nothing, half its headers or half a
body stays open for ever, and about a thousand of them use up the process's file
descriptors (RLIMIT_NOFILE, 1,024 under systemd), after which no resident gets in.
uvicorn's `limit_concurrency` does not help: it answers 503 to a request once the limit is
reached, but only to a request, and keeps every silent connection open.

`GuardedHttpProtocol` is uvicorn's httptools protocol with what it lacks:

- a request's line and headers must arrive within `header_seconds` of the connection
  opening (or, on a kept-alive connection, of its next byte), its body within
  `body_seconds` of the headers; otherwise the connection gets 408 and is closed;
- headers longer than `max_head_bytes` get 431 and are closed (httptools sets no limit,
  and h11's `h11_max_incomplete_event_size` is not used by this parser);
- at most `max_connections` are open per worker, by default well below the descriptor
  limit. A new connection at the cap closes the one that has waited longest on its
  client (a head, a body, or idle between requests), so a resident still gets in while
  a thousand slow sockets are open; only when every connection has a request in hand is
  the newcomer told 503.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import resource
import time
import weakref
from dataclasses import dataclass
from typing import Any, ClassVar

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from bot.web.guard import SECURITY_HEADERS

logger = logging.getLogger(__name__)

RESERVED_DESCRIPTORS = 128
"""Descriptors kept for everything but connections (the database and its journal, the
file watcher, logs, the listening socket, the event loop's own): this many, or a quarter
of a small limit (at least 16). A worker of the shipped bot uses about 25."""
CAP_WARNING_SECONDS = 60.0
"""The cap is logged at most once in this many seconds: an attack must not flood the log."""


@dataclass(frozen=True)
class ConnectionLimits:
    """How long a client may take, and how many connections a worker keeps open."""

    header_seconds: float = 10.0
    """The request line and headers must arrive within this (nginx's client_header_timeout)."""
    body_seconds: float = 30.0
    """The body must arrive within this after the headers (nginx's client_body_timeout)."""
    keep_alive_seconds: int = 5
    """An idle kept-alive connection is closed after this (uvicorn's timeout_keep_alive)."""
    max_head_bytes: int = 64 * 1024
    """Longer request lines and headers are refused (431)."""
    max_connections: int | None = None
    """Open connections per worker; None: `descriptor_cap()`, below RLIMIT_NOFILE."""

    def connection_cap(self) -> int:
        return self.max_connections or descriptor_cap()


def descriptor_cap() -> int:
    """The connections a worker may keep open: its descriptor limit less a reserve."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        soft = 65536
    return max(8, soft - max(16, min(RESERVED_DESCRIPTORS, soft // 4)))


class Phase(enum.Enum):
    HEAD = "waiting for the request line and headers"
    BODY = "waiting for the body"
    IN_HAND = "the request is read; the chat is answering it"
    IDLE = "kept alive between requests"


_WAITING_PHASES = (Phase.HEAD, Phase.BODY, Phase.IDLE)

_STATUS = {
    408: b"HTTP/1.1 408 Request Timeout\r\n",
    431: b"HTTP/1.1 431 Request Header Fields Too Large\r\n",
    503: b"HTTP/1.1 503 Service Unavailable\r\nretry-after: 5\r\n",
}


def _bare_response(status: int) -> bytes:
    """A response without a body, with the headers every response of the chat carries."""
    headers = b"".join(name + b": " + value + b"\r\n" for name, value in SECURITY_HEADERS)
    return _STATUS[status] + headers + b"content-length: 0\r\nconnection: close\r\n\r\n"


class _Waiting:
    """One server's connections that wait on their client, the longest waiting first."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.order: dict[GuardedHttpProtocol, None] = {}  # dicts keep insertion order
        self._warned_at = -CAP_WARNING_SECONDS

    def wait(self, protocol: GuardedHttpProtocol) -> None:
        self.order.setdefault(protocol, None)

    def stop_waiting(self, protocol: GuardedHttpProtocol) -> None:
        self.order.pop(protocol, None)

    def make_room(self, newcomer: GuardedHttpProtocol, open_connections: int) -> bool:
        """Close the longest-waiting connection if `open_connections` is over the cap;
        False when all of them have a request in hand (the newcomer must go)."""
        if open_connections <= self.cap:
            return True
        self._warn(open_connections)
        oldest = next((p for p in self.order if p is not newcomer), None)
        if oldest is None:
            return False
        self.stop_waiting(oldest)
        oldest.transport.abort()  # at once: a slow client may not read a goodbye
        return True

    def _warn(self, open_connections: int) -> None:
        now = time.monotonic()
        if now - self._warned_at >= CAP_WARNING_SECONDS:
            self._warned_at = now
            logger.warning(
                "%d connections open, the cap of this worker: closing those that wait "
                "longest on their clients (a slow-client attack?)",
                open_connections,
            )


_waiting_of: weakref.WeakKeyDictionary[ServerState, _Waiting] = weakref.WeakKeyDictionary()


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with request deadlines and a connection cap."""

    limits: ClassVar[ConnectionLimits] = ConnectionLimits()
    """A subclass may set shorter ones (the tests do)."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        waiting = _waiting_of.get(server_state)
        if waiting is None:
            waiting = _waiting_of[server_state] = _Waiting(self.limits.connection_cap())
        self.waiting = waiting
        self.phase = Phase.HEAD
        self.head_bytes = 0
        self.deadline: asyncio.TimerHandle | None = None

    # --- the connection ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if not self.waiting.make_room(self, len(self.connections)):
            transport.write(_bare_response(503))
            transport.close()
            return
        self._enter(Phase.HEAD, self.limits.header_seconds)

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        self.waiting.stop_waiting(self)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.phase is Phase.IDLE:  # the next request begins: its head has its deadline
            self._enter(Phase.HEAD, self.limits.header_seconds)
        if self.phase is Phase.HEAD:
            self.head_bytes += len(data)
        super().data_received(data)
        if self.phase is Phase.HEAD and self.head_bytes > self.limits.max_head_bytes:
            self._close_with(431)

    # --- the parser's steps -------------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self.phase is not Phase.HEAD:  # a pipelined request after one in hand
            self._enter(Phase.HEAD, self.limits.header_seconds)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._enter(Phase.BODY, self.limits.body_seconds)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._enter(Phase.IN_HAND, None)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.phase is Phase.IN_HAND and not self.pipeline:
            self._enter(Phase.IDLE, None)  # uvicorn's keep-alive timer runs now

    # --- deadlines ----------------------------------------------------------------------

    def _enter(self, phase: Phase, seconds: float | None) -> None:
        self.phase = phase
        if phase is Phase.HEAD:
            self.head_bytes = 0
        self._cancel_deadline()
        if seconds is not None:
            self.deadline = self.loop.call_later(seconds, self._close_with, 408)
        if phase in _WAITING_PHASES:
            self.waiting.wait(self)
        else:
            self.waiting.stop_waiting(self)

    def _cancel_deadline(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None

    def _close_with(self, status: int) -> None:
        """Tell the client why (unless a response is being written) and close."""
        self._cancel_deadline()
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if cycle is None or cycle.response_complete or not cycle.response_started:
            self.transport.write(_bare_response(status))
        self.transport.close()
