"""Questions per second the web chat answers over HTTP, with 1 and 2 worker processes.

    .venv/bin/python benchmarks/web_throughput.py [--requests 4000] [--connections 32]
                                                  [--workers 1 2]

Starts the real server (`python -m bot web --workers N`, its own temporary
database) and asks it the project's regression questions through POST /api/message over keep-alive
connections from a small asyncio client in this process, which shares the
machine's cores with the server. Each question comes from one of many residents:
a session cookie with its CSRF token (computed with the secret the benchmark gives
the server) and an address in X-Forwarded-For (trusted from 127.0.0.1, as from a
reverse proxy), so the per-session and per-address limits see residents, not one
flooding client. Any reply other than 200 is counted and printed.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml

from bot.web.sessions import COOKIE, CsrfTokens, new_session_id

QUESTION_SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "questions.yaml"
"""The matcher's regression questions (253, Chinese and English, typos, out-of-scope)."""
RESIDENTS = 5000
ADDRESSES = 1000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(workers: int, port: int, db: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """`python -m bot web` with `env` added to ours, once its /healthz answers."""
    env = {**os.environ, "BOT_DB": str(db), **env}
    command = [sys.executable, "-m", "bot", "web", "--port", str(port), "--workers", str(workers)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the server did not start within 60 s")


def questions() -> list[str]:
    return [str(case["q"]) for case in yaml.safe_load(QUESTION_SET.read_text(encoding="utf-8"))]


def build_requests(secret: str, count: int) -> list[bytes]:
    """Raw HTTP/1.1 requests, each from one of RESIDENTS sessions behind ADDRESSES addresses."""
    tokens = CsrfTokens(secret)
    sessions = [new_session_id() for _ in range(RESIDENTS)]
    built = []
    for n, question in zip(range(count), itertools.cycle(questions()), strict=False):
        session = sessions[n % RESIDENTS]
        body = json.dumps({"text": question}).encode()
        head = (
            "POST /api/message HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"Cookie: {COOKIE}={session}\r\n"
            f"X-CSRF-Token: {tokens.token(session)}\r\n"
            f"X-Forwarded-For: 10.{n % ADDRESSES // 250}.{n % 250}.{n % ADDRESSES % 7 + 1}\r\n"
            "\r\n"
        )
        built.append(head.encode() + body)
    return built


async def connection(port: int, queue: list[bytes], latencies: list[float], failures: list[int]):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while queue:
            request = queue.pop()
            started = time.perf_counter()
            writer.write(request)
            status = await read_response(reader)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                failures.append(status)
    finally:
        writer.close()


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = next(
        int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")
    )
    await reader.readexactly(length)
    return status


async def load(
    port: int, requests: list[bytes], connections: int
) -> tuple[float, list[float], list[int]]:
    queue = list(reversed(requests))
    latencies: list[float] = []
    failures: list[int] = []
    started = time.perf_counter()
    await asyncio.gather(
        *(connection(port, queue, latencies, failures) for _ in range(connections))
    )
    return time.perf_counter() - started, latencies, failures


def measure(workers: int, count: int, connections: int) -> None:
    secret = secrets.token_hex(32)
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        server = start_server(
            workers, port, Path(tmp) / "bench.sqlite3", {"BOT_WEB_SECRET": secret}
        )
        try:
            requests = build_requests(secret, count + 400)
            asyncio.run(load(port, requests[:400], connections))  # warm the caches of every worker
            elapsed, latencies, failures = asyncio.run(load(port, requests[400:], connections))
        finally:
            server.terminate()
            server.wait(timeout=30)
    quantiles = statistics.quantiles(latencies, n=100)
    print(
        f"workers={workers}: {count} questions in {elapsed:.2f} s = {count / elapsed:,.0f} "
        f"questions/s; latency p50 {quantiles[49] * 1000:.1f} ms, p99 {quantiles[98] * 1000:.1f} "
        f"ms; non-200 replies: {len(failures)}" + (f" {sorted(set(failures))}" if failures else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()  # the client's own overhead, not the server's, is what this saves
    except ImportError:
        pass
    print(f"{os.cpu_count()} CPU cores; {args.connections} connections; {RESIDENTS} residents")
    for workers in args.workers:
        measure(workers, args.requests, args.connections)


if __name__ == "__main__":
    main()
