"""The PostgreSQL store: how BOT_DB selects it, migrations when several processes start
at once, a failed write that spares the rest of its batch, a locked table that delays no
reply, and start-up problems told in one line. (test_store.py runs the shared behaviour
on both backends.)"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest

from bot.config import load_config
from bot.store import ENV_SECRET, MIGRATIONS, Store, StoreError, location
from bot.store.postgres import PostgresStore
from bot.store.queries import INSERT_QUESTION, SET_FEEDBACK, Write
from bot.store.sqlite import READ_PAUSE

USER = "tg:123456789"


def question(log_id: int) -> Write:
    params = (log_id, time.time(), "k", "问", "问?", "answered", "f", 1.0, "zh", "tg", None)
    return Write("a question", INSERT_QUESTION, params)


def test_bot_db_url_selects_postgresql_and_a_path_or_sqlite_url_keeps_sqlite(
    postgres_db, tmp_path, monkeypatch
):
    monkeypatch.setenv("BOT_DB", postgres_db)
    config = load_config(None)  # BOT_DB arrives as a Path, which folds the URL's "//"
    store = Store(config.db_path)
    try:
        assert isinstance(store, PostgresStore)
        store.set_language(USER, "en")
    finally:
        store.close()
    with psycopg.connect(postgres_db) as conn:
        assert conn.execute("SELECT language FROM preferences").fetchall() == [("en",)]
    by_url = Store(f"sqlite://{tmp_path}/a.sqlite3")
    by_path = Store(tmp_path / "b.sqlite3")
    for store in (by_url, by_path):
        assert not isinstance(store, PostgresStore)
        store.close()
    assert (tmp_path / "a.sqlite3").is_file() and (tmp_path / "b.sqlite3").is_file()


def test_processes_starting_at_once_migrate_once(postgres_db):
    stores: list[Store] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            stores.append(Store(postgres_db))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in stores:
        store.close()
    assert errors == [] and len(stores) == 6
    with psycopg.connect(postgres_db) as conn:
        versions = conn.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()
    assert [v for (v,) in versions] == list(range(1, len(MIGRATIONS) + 1))


def test_a_failed_write_spares_the_rest_of_its_batch(postgres_db, caplog):
    store = Store(postgres_db)
    try:
        # feedback on a question never logged inserts nothing; a duplicate id fails
        first, second = 1001, 1002
        batch = [question(first), question(first), question(second)]
        batch.append(Write("feedback", SET_FEEDBACK, (1, time.time(), second, "k")))
        assert store._apply(batch) == [True, False, True, True]
        assert [q.id for q in store.questions(0)] == [first, second]
        assert [f.log_id for f in store.feedback(0)] == [second]
    finally:
        store.close()
    assert "database error while saving a question" in caplog.text


def test_a_locked_table_delays_no_reply_and_the_writes_land_afterwards(postgres_db):
    store = Store(postgres_db)
    try:
        store.set_home_committee(USER, "xiaohe")
        store._writer.flush(5)  # type: ignore[union-attr]
        assert store.preferences(USER).home_committee == "xiaohe"
        with psycopg.connect(postgres_db) as other, other.transaction():
            other.execute("LOCK TABLE preferences, question_log IN ACCESS EXCLUSIVE MODE")
            start = time.perf_counter()
            assert store.preferences(USER).home_committee == "xiaohe"  # remembered
            store.set_language(USER, "en")
            assert store.log_question(
                USER,
                question="q",
                normalized="q",
                outcome="answered",
                fact_id="f",
                score=1.0,
                lang="zh",
            )
            assert store.preferences(USER).language == "en"  # the queued write, overlaid
            assert time.perf_counter() - start < 30  # a hang bound: the lock is held until the end
            time.sleep(0.5)
        assert store._writer.flush(15)  # type: ignore[union-attr]
        time.sleep(READ_PAUSE)  # reads skip the database for a moment after a timeout
        assert len(store.questions(0)) == 1 and store.lost_writes == 0
    finally:
        store.close()
    again = Store(postgres_db)
    try:
        assert again.preferences(USER).language == "en"
    finally:
        again.close()


def test_two_processes_share_preferences_and_the_log(postgres_db):
    web, bot = Store(postgres_db), Store(postgres_db)
    try:
        web.set_home_committee(USER, "heyi")
        log_id = bot.log_question(
            USER,
            question="q",
            normalized="q",
            outcome="answered",
            fact_id="f",
            score=1.0,
            lang="zh",
        )
        web._writer.flush(5)  # type: ignore[union-attr]
        bot._writer.flush(5)  # type: ignore[union-attr]
        assert bot.preferences(USER).home_committee == "heyi"
        assert log_id is not None and web.record_feedback(log_id, USER, True)
        web._writer.flush(5)  # type: ignore[union-attr]
        assert [f.log_id for f in bot.feedback(0)] == [log_id]
    finally:
        web.close()
        bot.close()


def test_without_bot_secret_or_with_another_one_start_up_says_why(postgres_db, monkeypatch):
    monkeypatch.delenv(ENV_SECRET)
    with pytest.raises(StoreError, match=f"needs {ENV_SECRET}"):
        Store(postgres_db)
    monkeypatch.setenv(ENV_SECRET, secrets.token_hex(32))
    Store(postgres_db).close()
    monkeypatch.setenv(ENV_SECRET, secrets.token_hex(32))
    with pytest.raises(StoreError, match="user key does not belong"):
        Store(postgres_db)


def test_an_unreachable_server_is_one_line_without_the_password(monkeypatch):
    import socket

    monkeypatch.setenv(ENV_SECRET, secrets.token_hex(32))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(StoreError) as caught:
        Store(f"postgresql://bot:hunter2@127.0.0.1:{port}/bot")
    message = str(caught.value)
    assert message.startswith("cannot use the PostgreSQL database postgresql://bot:***@127")
    assert "hunter2" not in message and "\n" not in message


def test_report_reads_a_database_read_only_and_refuses_an_empty_one(postgres_db):
    with pytest.raises(StoreError, match="no bot tables"):
        Store(postgres_db, read_only=True)
    Store(postgres_db).close()
    reader = Store(postgres_db, read_only=True)
    try:
        assert reader.questions(0) == [] and not reader.set_language(USER, "en")
    finally:
        reader.close()


def test_sqlite_url_path_is_the_file_after_the_scheme(tmp_path: Path):
    store = Store(f"sqlite:///{tmp_path.relative_to('/')}/c.sqlite3")
    store.close()
    assert (tmp_path / "c.sqlite3").is_file()


@pytest.mark.slow
def test_chat_on_postgresql_keeps_the_teach_journal_there(postgres_db):
    """`chat` (like `web` and `run`) opens the teach journal on the store's backend."""
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "BOT_DB": postgres_db, "BOT_KNOWLEDGE_DIR": str(root / "knowledge")}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--user", "alice"],
        input="/followups off\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**env, "PYTHONIOENCODING": "utf-8"},
        cwd=root,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "不再发送" in done.stdout
    with psycopg.connect(postgres_db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM followups_off").fetchone() == (1,)


SHARING_PROCESS = """
import sys, time
from bot.store import Store

url, me, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
store = Store(url)  # all start at once: one makes the tables, the others wait for it
store.set_home_committee(f"tg:{me}", f"committee-{me}")
store.log_question(f"tg:{me}", question="q", normalized="q", outcome="answered",
                   fact_id="f", score=1.0, lang="zh")
seen = {}
deadline = time.monotonic() + 60
while len(seen) < count and time.monotonic() < deadline:
    for other in range(count):
        if home := store.preferences(f"tg:{other}").home_committee:
            seen[other] = home
    time.sleep(0.1)
store.close()
print(" ".join(seen[other] for other in sorted(seen)))
"""


@pytest.mark.slow
def test_processes_on_one_server_see_each_others_preferences_and_log(postgres_db, tmp_path):
    count = 3
    env = {**os.environ, "BOT_DB": postgres_db}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", SHARING_PROCESS, postgres_db, str(me), str(count)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for me in range(count)
    ]
    everyone = " ".join(f"committee-{me}" for me in range(count))
    for process in processes:
        out, err = process.communicate(timeout=60)
        assert (process.returncode, out.strip()) == (0, everyone), err
    report = subprocess.run(
        [sys.executable, "-m", "bot", "report", "--json", "--days", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["total"] == count


def test_a_url_that_went_through_a_path_or_a_folder_is_read_back():
    url = "postgresql://bot:secret@db.example:5433/bot"
    assert location.postgres_url(Path(url)) == url  # Path folds "//" into "/"
    assert location.postgres_url(Path("/srv/app") / Path(url)) == url  # joined to a folder
    assert location.postgres_url("/srv/app/bot.sqlite3") is None
    assert location.redacted(url) == "postgresql://bot:***@db.example:5433/bot"


def test_writes_survive_the_server_dropping_every_connection(postgres_db, caplog):
    store = Store(postgres_db)
    try:
        store.set_language(USER, "en")
        assert store._writer.flush(5)  # type: ignore[union-attr]
        with psycopg.connect(postgres_db, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        assert store.set_home_committee(USER, "xiaohe")  # queued on a dead connection
        end = time.monotonic() + 30  # the writer retries, on a new connection
        while store.pending_writes and time.monotonic() < end:
            time.sleep(0.05)
        assert (store.pending_writes, store.lost_writes) == (0, 0)
        assert "retrying" in caplog.text  # the first attempt met the dropped connection
    finally:
        store.close()
    again = Store(postgres_db)
    try:
        prefs = again.preferences(USER)
        assert (prefs.home_committee, prefs.language) == ("xiaohe", "en")
    finally:
        again.close()
