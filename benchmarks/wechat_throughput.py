"""WeChat pushes per second through `/wechat` in safe mode, beside the web chat's own figure.

    .venv/bin/python benchmarks/wechat_throughput.py [--requests 4000] [--connections 32]
                                                     [--workers 1] [--no-web]

Starts the real server (`python -m bot web`, its own temporary database) with
WECHAT_TOKEN, WECHAT_APPID and WECHAT_AES_KEY set, and posts it text pushes as WeChat's
servers do in safe mode (signed, AES-encrypted, each from one of many residents with its
own MsgId; built by tests/fakewechat.py, which is independent of the project) over
keep-alive connections from an asyncio client in this process, which shares the machine's
cores with the server. Each reply is a signed, encrypted passive reply; any status other
than 200 is counted. Then the same number of questions through the web chat's
POST /api/message (benchmarks/web_throughput.py), for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from web_throughput import free_port, load, questions, start_server  # noqa: E402
from web_throughput import measure as measure_web  # noqa: E402

from tests.fakewechat import AES_KEY, APPID, TOKEN, Resident, WeChatServer  # noqa: E402

RESIDENTS = 5000


def build_pushes(count: int) -> list[bytes]:
    """Raw HTTP/1.1 requests: safe-mode text pushes from RESIDENTS residents."""
    wechat = WeChatServer(safe_mode=True)
    residents = [Resident(f"o-bench-{n:05d}") for n in range(RESIDENTS)]
    built = []
    for n, question in zip(range(count), itertools.cycle(questions()), strict=False):
        push = wechat.push(wechat.text(residents[n % RESIDENTS], question))
        head = (
            f"POST /wechat?{urlencode(push.query)} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: text/xml\r\n"
            f"Content-Length: {len(push.body)}\r\n\r\n"
        )
        built.append(head.encode() + push.body)
    return built


def measure(workers: int, count: int, connections: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        wechat = {"WECHAT_TOKEN": TOKEN, "WECHAT_APPID": APPID, "WECHAT_AES_KEY": AES_KEY}
        server = start_server(workers, port, Path(tmp) / "bench.sqlite3", wechat)
        try:
            pushes = build_pushes(count + 400)
            asyncio.run(load(port, pushes[:400], connections))  # warm the caches
            elapsed, latencies, failures = asyncio.run(load(port, pushes[400:], connections))
        finally:
            server.terminate()
            server.wait(timeout=30)
    quantiles = statistics.quantiles(latencies, n=100)
    print(
        f"wechat safe mode, workers={workers}: {count} pushes in {elapsed:.2f} s = "
        f"{count / elapsed:,.0f} pushes/s; latency p50 {quantiles[49] * 1000:.1f} ms, "
        f"p99 {quantiles[98] * 1000:.1f} ms; non-200 replies: {len(failures)}"
        + (f" {sorted(set(failures))}" if failures else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, nargs="+", default=[1])
    parser.add_argument("--no-web", action="store_true", help="skip the web chat's figure")
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    print(f"{os.cpu_count()} CPU cores; {args.connections} connections; {RESIDENTS} residents")
    for workers in args.workers:
        measure(workers, args.requests, args.connections)
        if not args.no_web:
            measure_web(workers, args.requests, args.connections)


if __name__ == "__main__":
    main()
