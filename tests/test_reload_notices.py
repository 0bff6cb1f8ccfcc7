"""Knowledge reload across processes: with PostgreSQL, a teach (or an edit reloaded) in
one process is answered by the others within seconds, through LISTEN/NOTIFY; a burst of
notices gives one more reload, not one each; a broken edit keeps the old knowledge
serving; notices resume after the listener's connection is lost. (The same between two
real web workers: test_web_workers.py.)"""

from __future__ import annotations

import asyncio
import shutil
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from bot.admin.teaching import Teaching
from bot.config import SHIPPED_KNOWLEDGE
from bot.match.live import LiveKnowledge
from bot.match.types import MatcherSettings
from bot.reloads import ENV_WATCH_FILES, ReloadRequests, follow_knowledge
from bot.store import Store

DECLINED = "有没有上门理发"
FACT = "jianer-volunteer-services"
ADMIN = "console:staff"
CHANGED = "another process changed the knowledge"


class Heard:
    """What a listener's callback was called with, from its thread."""

    def __init__(self) -> None:
        self.reasons: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, reason: str) -> None:
        with self._lock:
            self.reasons.append(reason)

    def count(self, part: str) -> int:
        with self._lock:
            return sum(part in reason for reason in self.reasons)

    def wait_for(self, part: str, times: int = 1, timeout: float = 30.0) -> bool:
        end = time.monotonic() + timeout
        while self.count(part) < times and time.monotonic() < end:
            time.sleep(0.02)
        return self.count(part) >= times


def test_a_notice_reaches_the_other_process_not_the_sender(postgres_db):
    a, b = Store(postgres_db), Store(postgres_db)
    heard_a, heard_b = Heard(), Heard()
    listeners = [a.listen_for_knowledge(heard_a), b.listen_for_knowledge(heard_b)]
    try:
        assert heard_a.wait_for("listening") and heard_b.wait_for("listening")
        assert a.announce_knowledge()
        assert heard_b.wait_for(CHANGED), heard_b.reasons
        time.sleep(0.5)  # time enough for a's own notice to come back, were it not skipped
        assert heard_a.count(CHANGED) == 0
    finally:
        for listener in listeners:
            assert listener is not None
            listener.close()
        a.close()
        b.close()


def test_notices_resume_after_the_listening_connection_is_lost(postgres_db):
    a, b = Store(postgres_db), Store(postgres_db)
    heard = Heard()
    listener = b.listen_for_knowledge(heard)
    try:
        assert heard.wait_for("listening")
        with psycopg.connect(postgres_db, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE query LIKE 'LISTEN%' AND datname = current_database()"
            )
        # listening again, and told once to look for what it may have missed meanwhile
        assert heard.wait_for("listening", times=2, timeout=30), heard.reasons
        assert a.announce_knowledge()
        assert heard.wait_for(CHANGED), heard.reasons
    finally:
        assert listener is not None
        listener.close()
        a.close()
        b.close()


def test_sqlite_has_no_notices_its_file_watcher_does_the_work(store):
    assert store.listen_for_knowledge(Heard()) is None
    assert store.announce_knowledge() is False


async def test_requests_during_a_reload_give_one_more_reload_not_one_each():
    started, release = asyncio.Event(), asyncio.Event()
    reasons: list[str] = []

    async def slow_reload(reason: str) -> None:
        reasons.append(reason)
        started.set()
        await release.wait()

    requests, stop = ReloadRequests(slow_reload), asyncio.Event()
    serving = asyncio.create_task(requests.serve(stop))
    requests.request("first")
    await asyncio.wait_for(started.wait(), 5)
    for n in range(10):  # a burst while the first reload runs
        requests.request(f"burst {n}")
    release.set()
    await asyncio.sleep(0.2)
    assert reasons == ["first", "burst 9"]
    stop.set()
    await asyncio.wait_for(serving, 30)


def test_a_reload_announces_only_when_the_files_changed(tmp_path, store):
    directory = tmp_path / "knowledge"
    shutil.copytree(SHIPPED_KNOWLEDGE, directory)
    knowledge = LiveKnowledge(directory, MatcherSettings())
    announced: list[bool] = []
    knowledge.announce = lambda: announced.append(True)
    assert knowledge.reload().ok and announced == []
    assert not knowledge.changed_on_disk()
    assert Teaching(knowledge, store).teach(DECLINED, FACT, by=ADMIN).ok
    assert announced == [True] and not knowledge.changed_on_disk()


# --- two "processes" (each its own knowledge and store) in one test --------------------


@dataclass
class Peer:
    knowledge: LiveKnowledge
    store: Store
    reloads: list[str]


@pytest.fixture
async def peers(
    postgres_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Peer, Peer]]:
    """Two peers on one database and one knowledge folder; the second follows notices
    with its file watcher off, so only a notice can make it reload."""
    monkeypatch.setenv(ENV_WATCH_FILES, "off")
    directory = tmp_path / "knowledge"
    shutil.copytree(SHIPPED_KNOWLEDGE, directory)
    a, b = (Peer(LiveKnowledge(directory, MatcherSettings()), Store(postgres_db), []) for _ in "ab")
    a.knowledge.announce = a.store.announce_knowledge

    async def reload(reason: str) -> None:
        b.reloads.append(reason)
        await asyncio.to_thread(b.knowledge.reload)

    stop = asyncio.Event()
    following = asyncio.create_task(follow_knowledge(b.knowledge, b.store, reload, stop))
    await asyncio.sleep(1.0)  # the listener connects, looks once, finds nothing changed
    yield a, b
    stop.set()
    await asyncio.wait_for(following, 30)
    a.store.close()
    b.store.close()


def answers(peer: Peer, question: str) -> str | None:
    result = peer.knowledge.current.matcher.match(question)
    return result.best.fact.id if result.answered and result.best else None


async def eventually(seconds: float, condition: Callable[[], bool]) -> bool:
    end = time.monotonic() + seconds
    while not condition() and time.monotonic() < end:
        await asyncio.sleep(0.05)
    return condition()


async def test_a_teach_in_one_process_is_answered_by_the_other_within_5_s(peers):
    a, b = peers
    assert answers(b, DECLINED) is None and b.reloads == []
    outcome = await asyncio.to_thread(
        Teaching(a.knowledge, a.store).teach, DECLINED, FACT, by=ADMIN
    )
    assert outcome.ok
    assert await eventually(30, lambda: answers(b, DECLINED) == FACT)
    await asyncio.sleep(0.5)
    assert len(b.reloads) == 1, "b does not take its own notice (after its reload) for news"


async def test_a_broken_edit_announced_keeps_the_old_knowledge_serving(peers):
    a, b = peers
    before = b.knowledge.current
    (a.knowledge.directory / "committees" / "jianer.yaml").write_text("facts: [", "utf-8")
    for _ in range(3):  # say, other processes reloading it and failing
        assert a.store.announce_knowledge()
    assert await eventually(30, lambda: len(b.reloads) == 1)
    await asyncio.sleep(1.0)
    assert b.knowledge.current is before, "the old knowledge keeps serving"
    assert len(b.reloads) == 1, "the same broken files are not read again for each notice"


def test_a_teach_from_the_command_line_notifies_the_running_processes(
    postgres_db, tmp_path, monkeypatch
):
    from bot.cli import main

    directory = tmp_path / "knowledge"
    shutil.copytree(SHIPPED_KNOWLEDGE, directory)
    monkeypatch.setenv("BOT_DB", postgres_db)
    running, heard = Store(postgres_db), Heard()
    listener = running.listen_for_knowledge(heard)
    try:
        assert heard.wait_for("listening")
        assert main(["teach", DECLINED, FACT, "--knowledge", str(directory)]) == 0
        assert heard.wait_for(CHANGED), heard.reasons
        with running.transaction(5, write=False) as conn:
            taught = [tuple(row) for row in conn.execute("SELECT fact_id, phrasing FROM teach_log")]
        assert taught == [(FACT, DECLINED)], "and the journal is in PostgreSQL"
    finally:
        assert listener is not None
        listener.close()
        running.close()
