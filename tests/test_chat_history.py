"""The web chat's history in the store, on SQLite and on PostgreSQL: the last turns of
one session only, cleared on request, gone after 30 days, and past a restart."""

from __future__ import annotations

import json
import time

from bot.store import Store
from bot.store.queries import INSERT_HISTORY, Write
from bot.store.sqlite import HISTORY_DAYS, HISTORY_TURNS


def turn(n: int) -> str:
    return json.dumps({"question": f"问题 {n}", "replies": [{"text": f"回答 {n}"}]})


def test_the_last_turns_of_one_session_survive_a_restart(any_db: str) -> None:
    store = Store(any_db)
    for n in range(HISTORY_TURNS + 5):
        store.add_history("web:alice", turn(n))
    store.add_history("web:bob", turn(999))
    store.close()
    store = Store(any_db)
    try:
        kept = [json.loads(entry)["question"] for entry in store.history("web:alice")]
        assert kept == [f"问题 {n}" for n in range(5, HISTORY_TURNS + 5)]
        assert [json.loads(e)["question"] for e in store.history("web:bob")] == ["问题 999"]
        assert store.history("web:carol") == []
    finally:
        store.close()


def test_clearing_forgets_that_session_only(any_db: str) -> None:
    store = Store(any_db)
    try:
        store.add_history("web:alice", turn(1))
        store.add_history("web:bob", turn(2))
        store.clear_history("web:alice")
        assert store.history("web:alice") == []
        assert len(store.history("web:bob")) == 1
    finally:
        store.close()


def test_a_turn_older_than_30_days_is_gone(any_db: str) -> None:
    store = Store(any_db)
    try:
        old = time.time() - HISTORY_DAYS * 86400 - 60
        store.submit(
            Write("an old turn", INSERT_HISTORY, (store.user_key("web:alice"), old, turn(0)))
        )
        store.add_history("web:alice", turn(1))
        assert [json.loads(e)["question"] for e in store.history("web:alice")] == ["问题 1"]
    finally:
        store.close()
