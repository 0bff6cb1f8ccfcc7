"""`python -m bot web --workers 2`: several processes serve one chat and one database."""

from __future__ import annotations

import os
import resource
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bot.store import Store
from bot.web.sessions import COOKIE

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_two_workers_share_sessions_csrf_and_the_database(tmp_path: Path) -> None:
    db, port = tmp_path / "bot.sqlite3", free_port()
    env = {key: value for key, value in os.environ.items() if key != "BOT_WEB_SECRET"}
    env["BOT_DB"] = str(db)
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "bot", "web", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base)
        # a new connection per request, so the kernel hands requests to both workers
        fresh = httpx.Limits(max_keepalive_connections=0)
        with httpx.Client(base_url=base, limits=fresh, timeout=10) as client:
            token = client.get("/api/session").json()["csrf"]
            session_id = client.cookies[COOKIE]
            statuses = [
                client.post(
                    "/api/message", json={"text": "哪里可以买菜"}, headers={"X-CSRF-Token": token}
                ).status_code
                for _ in range(8)
            ]
        assert statuses == [200] * 8
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=15) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        log.close()
    store = Store(db)
    try:
        logged = store.questions(since=0)
        assert len(logged) == 8
        assert {q.user_key for q in logged} == {store.user_key(f"web:{session_id}")}
    finally:
        store.close()


def wait_until_healthy(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("the web server did not become healthy in 60 s")


def test_a_thousand_slow_sockets_do_not_lock_residents_out(tmp_path: Path) -> None:
    """With RLIMIT_NOFILE at 256, 400 silent connections used to take every descriptor:
    no resident's connection was accepted until they went away, which they never did."""
    limit, port = 256, free_port()
    env = {key: value for key, value in os.environ.items() if key != "BOT_WEB_SECRET"}
    env["BOT_DB"] = str(tmp_path / "bot.sqlite3")
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "bot", "web", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit)),
    )
    base = f"http://127.0.0.1:{port}"
    slow: list[socket.socket] = []
    try:
        wait_until_healthy(base)
        for _ in range(400):  # silent: the kernel queues what the server does not accept
            slow.append(socket.create_connection(("127.0.0.1", port), timeout=30))
        with httpx.Client(base_url=base, timeout=30) as resident:
            token = resident.get("/api/session").json()["csrf"]
            reply = resident.post(
                "/api/message", json={"text": "哪里可以买菜"}, headers={"X-CSRF-Token": token}
            )
        assert reply.status_code == 200 and "食行生鲜" in reply.json()["text"]
        assert server.poll() is None
    finally:
        for sock in slow:
            sock.close()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
    assert "Too many open files" not in (tmp_path / "server.log").read_text(errors="replace")
