"""The SQLite store: schema, privacy of user ids, preferences, log, feedback, stats."""

from __future__ import annotations

import logging
import sqlite3
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.store import MIGRATIONS, Store


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "dir" / "bot.sqlite3"


@pytest.fixture
def store(db: Path):
    store = Store(db)
    yield store
    store.close()


def log(store: Store, user: str = "tg:123456789", *, outcome: str = "answered", at=None, **kw):
    fields = {
        "question": "哪里可以买菜?",
        "normalized": "哪里可以买菜",
        "outcome": outcome,
        "fact_id": "xiaohe-fresh-market",
        "score": 88.0,
        "lang": "zh",
    }
    fields.update(kw)
    return store.log_question(user, at=at, **fields)


def test_creates_parent_dir_wal_and_schema_version(store, db):
    assert db.exists()
    assert store.schema_version == len(MIGRATIONS)
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_reopening_keeps_salt_preferences_and_does_not_migrate_again(db):
    first = Store(db)
    first.set_home_committee("tg:42", "xiaohe")
    first.set_language("tg:42", "en")
    key = first.user_key("tg:42")
    first.close()
    second = Store(db)
    try:
        assert second.user_key("tg:42") == key
        prefs = second.preferences("tg:42")
        assert (prefs.home_committee, prefs.language) == ("xiaohe", "en")
        assert second.preferences("tg:43").home_committee is None
        assert second.schema_version == len(MIGRATIONS)
    finally:
        second.close()


def test_salt_differs_between_databases(tmp_path):
    a, b = Store(tmp_path / "a.db"), Store(tmp_path / "b.db")
    try:
        assert a.user_key("tg:1") != b.user_key("tg:1")
    finally:
        a.close()
        b.close()


def test_raw_user_id_is_never_stored(store, db):
    store.set_home_committee("tg:123456789", "heyi")
    log_id = log(store)
    assert log_id is not None
    store.record_feedback(log_id, "tg:123456789", True)
    store.close()
    dump = "\n".join(sqlite3.connect(db).iterdump())
    assert "123456789" not in dump
    assert "哪里可以买菜" in dump


def test_choice_rejection_and_feedback_only_for_the_asker(store):
    log_id = log(store, outcome="clarify")
    assert log_id is not None
    assert not store.record_choice(log_id, "tg:other", "heyi-elderly-care")
    assert store.record_choice(log_id, "tg:123456789", "heyi-elderly-care")
    (q,) = store.questions(0)
    assert q.resolved_fact_id == "heyi-elderly-care" and not q.unanswered
    assert store.record_rejection(log_id, "tg:123456789")
    (q,) = store.questions(0)
    assert q.unanswered and q.resolved_fact_id is None
    assert not store.record_feedback(log_id, "tg:other", False)
    assert store.feedback(0) == []


def test_stats_today_week_share_and_feedback(store):
    now = datetime(2026, 11, 26, 15, 0).astimezone()  # a Thursday
    monday = (now - timedelta(days=3)).timestamp()
    last_week = (now - timedelta(days=8)).timestamp()
    today = log(store, at=now.timestamp() - 60)
    log(store, at=monday, outcome="declined", fact_id=None, score=None)
    old = log(store, at=last_week)
    assert today and old
    store.record_feedback(today, "tg:123456789", True, at=now.timestamp())
    store.record_feedback(old, "tg:123456789", False, at=last_week)
    stats = store.stats(now)
    assert (stats.questions_today, stats.questions_week) == (1, 2)
    assert stats.answered_share_week == pytest.approx(0.5)
    assert (stats.helpful_week, stats.unhelpful_week) == (1, 0)
    assert (stats.helpful_total, stats.unhelpful_total) == (1, 1)


def test_empty_stats(store):
    stats = store.stats()
    assert stats.questions_week == 0 and stats.answered_share_week is None


def test_database_errors_are_logged_not_raised(store, caplog):
    store._conn.execute("DROP TABLE question_log")  # simulate a damaged database
    with caplog.at_level(logging.ERROR, logger="bot.store"):
        assert log(store) is None
        assert store.questions(0) == []
    assert "database error" in caplog.text
    store.close()
    assert store.preferences("tg:1").home_committee is None
    assert store.set_language("tg:1", "en") is False


def test_many_threads_share_one_store(store):
    def work(n: int) -> None:
        for i in range(25):
            log_id = log(store, user=f"tg:{n}")
            assert log_id is not None
            store.record_feedback(log_id, f"tg:{n}", i % 2 == 0)
            store.set_home_committee(f"tg:{n}", "xiaohe")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(store.questions(0)) == 200
    assert len(store.feedback(0)) == 200
