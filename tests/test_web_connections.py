"""A slow client cannot hold the web chat: real sockets on 127.0.0.1 against uvicorn running
the chat in this process, with the deadlines shortened (their defaults are checked apart)."""

from __future__ import annotations

import contextlib
import resource
import select
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from bot.config import SHIPPED_KNOWLEDGE, Config
from bot.dialogue import Dialogue
from bot.match import LiveKnowledge
from bot.match.types import MatcherSettings
from bot.store import Store
from bot.web import server
from bot.web.app import create_app
from bot.web.connections import ConnectionLimits, GuardedHttpProtocol, descriptor_cap
from bot.web.guard import RateLimits

WIDE = 15.0
"""Seconds a socket may take to be closed: a hang is what this catches, not slowness."""
CAP = 12


class QuickProtocol(GuardedHttpProtocol):
    limits = ConnectionLimits(
        header_seconds=0.5, body_seconds=0.5, keep_alive_seconds=1, max_connections=CAP
    )


@dataclass
class Running:
    server: uvicorn.Server
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def open(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=WIDE)
        return sock


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    knowledge = LiveKnowledge(SHIPPED_KNOWLEDGE, MatcherSettings())
    store = Store(tmp_path_factory.mktemp("web") / "bot.sqlite3")
    app = create_app(
        Dialogue(knowledge, store), limits=RateLimits(1000, 10.0), csrf_secret="x" * 32
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    options = server.serving_options(QuickProtocol.limits) | {"http": QuickProtocol}
    uvi = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, **options))
    thread = threading.Thread(target=uvi.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not uvi.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    yield Running(uvi, port)
    uvi.should_exit = True
    thread.join(timeout=WIDE)


def closed_by_server(sock: socket.socket) -> bytes:
    """What the server sent before closing the connection (fails if it never closes)."""
    sock.settimeout(WIDE)
    received = b""
    started = time.monotonic()
    while chunk := sock.recv(4096):  # raises TimeoutError if the server holds it open
        received += chunk
        assert time.monotonic() - started < WIDE
    sock.close()
    return received


# --- the defaults, and that `python -m bot web` uses them --------------------------------


def test_the_default_deadlines_and_cap(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    limits = ConnectionLimits()
    assert (limits.header_seconds, limits.body_seconds, limits.keep_alive_seconds) == (10, 30, 5)
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert 0 < limits.connection_cap() == descriptor_cap() < soft
    for limit, cap in ((1024, 896), (256, 192), (64, 48)):
        monkeypatch.setattr(resource, "getrlimit", lambda _, limit=limit: (limit, limit))
        assert descriptor_cap() == cap

    seen: dict[str, object] = {}
    monkeypatch.setattr("uvicorn.run", lambda app, **options: seen.update(options))
    monkeypatch.setattr(server, "load_index", lambda directory: None)
    config = Config(knowledge_dir=SHIPPED_KNOWLEDGE, db_path=tmp_path / "bot.sqlite3")
    for name in ("BOT_KNOWLEDGE_DIR", "BOT_DB", "BOT_WEB_SECRET"):
        monkeypatch.delenv(name, raising=False)
    assert server.run_web(config, None, host="127.0.0.1", port=1, workers=1) == 0
    assert seen["http"] == "bot.web.connections:GuardedHttpProtocol"
    assert GuardedHttpProtocol.limits == limits
    assert seen["timeout_keep_alive"] == 5


# --- slow clients ------------------------------------------------------------------------


def test_a_silent_connection_is_closed(running: Running) -> None:
    answer = closed_by_server(running.open())
    assert answer.startswith(b"HTTP/1.1 408")
    assert b"content-security-policy: default-src 'none'" in answer  # as on every response


def test_half_the_headers_are_closed(running: Running) -> None:
    sock = running.open()
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Ag")
    assert closed_by_server(sock).startswith(b"HTTP/1.1 408")


def test_headers_trickled_a_byte_at_a_time_are_closed_at_the_deadline(running: Running) -> None:
    sock = running.open()
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    given_up = time.monotonic() + WIDE
    while not select.select([sock], [], [], 0.05)[0]:  # until the server says something
        assert time.monotonic() < given_up, "a byte every 50 ms kept the connection open"
        sock.send(b"a")
    assert closed_by_server(sock).startswith(b"HTTP/1.1 408")


def test_half_a_body_is_closed(running: Running) -> None:
    sock = running.open()
    sock.sendall(
        b"POST /api/message HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b'Content-Length: 100\r\n\r\n{"text": "where'
    )
    assert b"HTTP/1.1 408" in closed_by_server(sock)


def test_an_idle_kept_alive_connection_is_closed(running: Running) -> None:
    sock = running.open()
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    answer = closed_by_server(sock)  # the answer, then the close after keep_alive_seconds
    assert answer.startswith(b"HTTP/1.1 200") and answer.count(b"HTTP/1.1") == 1


def test_a_huge_head_is_refused(running: Running) -> None:
    sock = running.open()
    sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 70_000)
    assert closed_by_server(sock).startswith(b"HTTP/1.1 431")


def test_residents_are_served_while_many_slow_sockets_are_open(running: Running) -> None:
    starts = (
        b"",
        b"GET / HTTP/1.1\r\nHost: x\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: 50\r\n\r\n{",
    )
    slow = []  # silent, half a head, half a body: four times the cap
    for number in range(CAP * 4):
        slow.append(running.open())
        with contextlib.suppress(OSError):  # the server may have closed it for a newer one
            slow[-1].sendall(starts[number % 3])
    try:
        time.sleep(0.1)
        assert len(running.server.server_state.connections) <= CAP
        with httpx.Client(base_url=running.base, timeout=WIDE) as resident:
            session = resident.get("/api/session")
            assert session.status_code == 200
            reply = resident.post(
                "/api/message",
                json={"text": "哪里可以买菜"},
                headers={"X-CSRF-Token": session.json()["csrf"]},
            )
        assert reply.status_code == 200 and "食行生鲜" in reply.json()["text"]
    finally:
        for sock in slow:
            sock.close()
