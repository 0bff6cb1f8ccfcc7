"""What 2,000 wrong passwords at /admin/login cost an attacker, and what the page costs.

    .venv/bin/python benchmarks/admin_login.py [--tries 2000]

In one process (Starlette's test client, a temporary SQLite store, the shipped
knowledge): one account, then `--tries` wrong passwords for it from one address, as
fast as the client sends them. Prints how many were checked at all (401: the Argon2id
hash was computed), how many were told to wait (429: no check), the time they took,
the log lines they left, and the time of one password check and of one /admin page.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from pathlib import Path

from starlette.testclient import TestClient

from bot.admin.accounts import Accounts
from bot.config import SHIPPED_KNOWLEDGE
from bot.dialogue import Dialogue
from bot.match import LiveKnowledge
from bot.match.types import MatcherSettings
from bot.store import Store
from bot.teachlog import TeachJournal
from bot.web.app import create_app
from bot.web.guard import RateLimits

PASSWORD = "benchmark-password-0123"


class Counting(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tries", type=int, default=2000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="admin-login-"))
    store = Store(folder / "bot.sqlite3")
    accounts = Accounts(store)
    accounts.add("wang", PASSWORD)
    checks = []
    for _ in range(5):
        start = time.perf_counter()
        accounts.verify("wang", PASSWORD)
        checks.append(time.perf_counter() - start)
    knowledge = LiveKnowledge(SHIPPED_KNOWLEDGE, MatcherSettings())
    app = create_app(
        Dialogue(knowledge, store, journal=TeachJournal(store)),
        limits=RateLimits(100, 10.0),
        csrf_secret="benchmark-secret-0123456789",
        close_store=False,
    )
    counting = Counting()
    logging.getLogger("bot.web.admin").addHandler(counting)
    statuses: dict[int, int] = {}
    with TestClient(app) as client:
        start = time.perf_counter()
        for n in range(args.tries):
            form = {"name": "wang", "password": f"guess-{n:06d}"}
            status = client.post("/admin/login", data=form, follow_redirects=False).status_code
            statuses[status] = statuses.get(status, 0) + 1
        elapsed = time.perf_counter() - start
        client.post("/admin/login", data={"name": "li", "password": "x"})  # another name
        pages = []
        other = TestClient(app)
        accounts.add("zhou", PASSWORD)
        other.post("/admin/login", data={"name": "zhou", "password": PASSWORD})
        for _ in range(5):
            start = time.perf_counter()
            assert other.get("/admin").status_code == 200
            pages.append(time.perf_counter() - start)
    store.close()
    print(f"{args.tries} wrong passwords for one account from one address in {elapsed:.2f} s:")
    print(
        f"  checked (401): {statuses.get(401, 0)}; told to wait, not checked (429): "
        f"{statuses.get(429, 0)}; other: {args.tries - statuses.get(401, 0) - statuses.get(429, 0)}"
    )
    print(
        f"  warning lines logged: {len(counting.lines)}; any with a guessed password: "
        f"{sum('guess-' in line for line in counting.lines)}"
    )
    print(
        f"one password check (Argon2id, argon2-cffi defaults): median "
        f"{statistics.median(checks) * 1000:.0f} ms"
    )
    print(
        f"one /admin page (7-day report, 5 charts, teach groups): median "
        f"{statistics.median(pages) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
