"""What the web page's follow-up poll costs: `GET /api/followups` (every 20 s while a page
is open) against a database holding many residents' follow-ups and chat history.

    .venv/bin/python benchmarks/web_poll.py [--residents 20000] [--polls 2000]

In-process (Starlette's TestClient, a temporary SQLite database): no network, no
other process. Prints p50 / p99 of one poll, for a resident with nothing owed (the
usual case) and for one with a follow-up waiting, and polls per second per core.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from starlette.testclient import TestClient

from bot.config import SHIPPED_KNOWLEDGE
from bot.dialogue import Dialogue
from bot.match import LiveKnowledge, MatcherSettings
from bot.store import Store
from bot.teachlog import TeachJournal
from bot.web.app import create_app
from bot.web.guard import RateLimits
from bot.web.sessions import COOKIE, new_session_id, user_id

FACT = "jianer-volunteer-services"


def fill(store: Store, residents: int) -> list[str]:
    """One pending follow-up and one history turn per resident; their session ids."""
    sessions = [new_session_id() for _ in range(residents)]
    now = time.time()
    with store.transaction(30) as conn:
        for n, session in enumerate(sessions):
            key = store.user_key(user_id(session))
            conn.execute(
                "INSERT INTO followups (log_id, user_key, question, lang, fact_id, teach_id, "
                "status, created_at) VALUES (?, ?, ?, 'zh', ?, 1, 'pending', ?)",
                (n + 1, key, "有没有上门理发", FACT, now),
            )
            conn.execute(
                "INSERT INTO chat_history (user_key, at, entry) VALUES (?, ?, ?)",
                (key, now, '{"question": "你好", "replies": []}'),
            )
    return sessions


def timed_polls(client: TestClient, session: str, polls: int) -> list[float]:
    client.cookies.set(COOKIE, session)
    times = []
    for _ in range(polls):
        start = time.perf_counter()
        response = client.get("/api/followups")
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return times


def report(label: str, times: list[float]) -> None:
    p99 = statistics.quantiles(times, n=100)[98]
    print(
        f"{label:32} p50 {statistics.median(times):6.2f} ms   p99 {p99:6.2f} ms   "
        f"{1000 / statistics.mean(times):7.0f} polls/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=20_000)
    parser.add_argument("--polls", type=int, default=2_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "bot.sqlite3")
        journal = TeachJournal(store)
        knowledge = LiveKnowledge(SHIPPED_KNOWLEDGE, MatcherSettings())
        sessions = fill(store, args.residents)
        app = create_app(
            Dialogue(knowledge, store, journal=journal),
            limits=RateLimits(10, 10.0),
            csrf_secret="benchmark-secret-0123456789",
            close_store=False,
        )
        print(f"{args.residents} residents, each with a pending follow-up and a chat turn")
        with TestClient(app) as client:
            report(
                "nothing owed (a new session)", timed_polls(client, new_session_id(), args.polls)
            )
            report(
                "one follow-up owed", timed_polls(client, sessions[len(sessions) // 2], args.polls)
            )
        journal.close()
        store.close()


if __name__ == "__main__":
    main()
