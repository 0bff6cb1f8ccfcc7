"""Opening the store: the user key, processes racing to create the database, and
start-up problems that must end in one clear line and exit code 2, never a traceback."""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.store import MIGRATIONS, Store, StoreError
from bot.store.keys import key_file_for

ROOT = Path(__file__).resolve().parents[1]
SECRET = "s3cret-" + "x" * 40


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    env.update(PYTHONIOENCODING="utf-8", **extra)
    return env


def damaged(path: Path) -> bytes:
    """A real database whose pages after the first are overwritten: 'malformed'."""
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE t (x TEXT)")
        raw.executemany("INSERT INTO t VALUES (?)", [(f"row {n}" * 20,) for n in range(2000)])
    raw.close()
    data = bytearray(path.read_bytes())
    page = 4096
    data[page * 2 : page * 6] = b"\xa5" * (page * 4)
    path.write_bytes(bytes(data))
    return bytes(data)


# --- the user key -------------------------------------------------------------------


def test_the_key_lives_outside_the_database_in_a_private_file(tmp_path):
    db = tmp_path / "bot.sqlite3"
    store = Store(db, env={})
    store.set_home_committee("tg:5001", "xiaohe")
    key = store.user_key("tg:5001")
    store.close()
    key_file = key_file_for(db)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    secret = key_file.read_text().strip()
    dump = "\n".join(sqlite3.connect(db).iterdump())
    assert secret not in dump and key in dump
    # without the key file a copy of the database cannot be opened as the same users
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    (moved / "bot.sqlite3").write_bytes(db.read_bytes())
    with pytest.raises(StoreError, match="user key does not belong"):
        Store(moved / "bot.sqlite3", env={})


def test_bot_secret_from_the_environment_makes_no_key_file(tmp_path):
    db = tmp_path / "bot.sqlite3"
    store = Store(db, env={"BOT_SECRET": SECRET})
    first = store.user_key("tg:5001")
    store.close()
    assert not key_file_for(db).exists()
    other = Store(tmp_path / "other.sqlite3", env={"BOT_SECRET": SECRET + "2"})
    try:
        assert other.user_key("tg:5001") != first
    finally:
        other.close()
    with pytest.raises(StoreError, match="BOT_SECRET is shorter than 32"):
        Store(tmp_path / "third.sqlite3", env={"BOT_SECRET": "short"})


def test_salted_rows_of_an_older_database_are_migrated_to_the_key(tmp_path):
    db = tmp_path / "bot.sqlite3"
    salt = "0123456789abcdef0123456789abcdef"
    legacy = hashlib.sha256(f"{salt}:tg:5001".encode()).hexdigest()[:32]
    with sqlite3.connect(db) as raw:  # the schema and rows as the salted store left them
        raw.executescript(MIGRATIONS[0])
        raw.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        raw.execute("INSERT INTO schema_version VALUES (1)")
        raw.execute("INSERT INTO meta VALUES ('user_salt', ?)", (salt,))
        raw.execute("INSERT INTO preferences VALUES (?, 'xiaohe', 'en', 0)", (legacy,))
        raw.execute(
            "INSERT INTO question_log (at, user_key, normalized, question, outcome, lang) "
            "VALUES (1, ?, '买菜', '买菜', 'answered', 'zh')",
            (legacy,),
        )
    raw.close()
    store = Store(db, env={"BOT_SECRET": SECRET})
    try:
        prefs = store.preferences("tg:5001")
        assert (prefs.home_committee, prefs.language) == ("xiaohe", "en")
        (question,) = store.questions(0)
        assert question.user_key == store.user_key("tg:5001")
        # the salt in the file no longer finds a user: the stored keys need the secret
        dump = "\n".join(sqlite3.connect(db).iterdump())
        assert legacy not in dump
    finally:
        store.close()
    again = Store(db, env={"BOT_SECRET": SECRET})  # migrated once, not twice
    try:
        assert again.preferences("tg:5001").home_committee == "xiaohe"
    finally:
        again.close()


# --- several processes creating the database at once -----------------------------------


RACER = """
import sys, time
from bot.store import Store
path, start = sys.argv[1], float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))
store = Store(path)
store.set_home_committee("tg:1", "xiaohe")
print(store.user_key("tg:1"))
store.close()
"""


@pytest.mark.slow
def test_four_processes_creating_a_new_database_at_once_all_succeed(tmp_path):
    for trial in range(10):
        db = tmp_path / f"trial{trial}" / "bot.sqlite3"
        start = time.time() + 1.0  # all four are up and done importing by then
        racers = [
            subprocess.Popen(
                [sys.executable, "-c", RACER, str(db), str(start)],
                env=clean_env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(4)
        ]
        results = [racer.communicate(timeout=60) for racer in racers]
        assert [racer.returncode for racer in racers] == [0] * 4, results
        assert len({out for out, _ in results}) == 1  # one key, made once
        with sqlite3.connect(db) as raw:
            assert raw.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == 1


# --- start-up problems -------------------------------------------------------------------


def test_unusable_paths_raise_one_clear_line(tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    cases = {
        Path("/"): "is a folder",
        a_file / "bot.sqlite3": "cannot create the folder",
    }
    for path, expected in cases.items():
        with pytest.raises(StoreError, match=expected) as caught:
            Store(path)
        assert "\n" not in str(caught.value)


def test_a_damaged_file_is_reported_and_left_untouched(tmp_path):
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"this is not a database, it is a shopping list\n" * 100)
    malformed = tmp_path / "malformed.sqlite3"
    before = {garbage: garbage.read_bytes(), malformed: damaged(malformed)}
    for path in (garbage, malformed):
        with pytest.raises(StoreError, match="--reset-db") as caught:
            Store(path)
        assert str(path) in str(caught.value)
        assert path.read_bytes() == before[path]
        assert not Path(f"{path}-wal").exists()


def without_root_powers() -> list[str]:
    """A command prefix under which file permissions hold even for root: the capabilities
    that override them are dropped (a plain user needs nothing)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv (util-linux) to give up its powers")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"]


def run_cli(*args: str, db: Path, read_only_user: bool = False, preexec=None, **env: str):
    prefix = without_root_powers() if read_only_user else []
    return subprocess.run(
        [*prefix, sys.executable, "-m", "bot", *args],
        input="你好\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=clean_env(BOT_DB=str(db), **env),
        cwd=ROOT,
        timeout=120,
        preexec_fn=preexec,
    )


def one_clear_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.slow
def test_cli_start_up_problems_exit_2_with_one_line(tmp_path):
    assert "is a folder" in one_clear_line(run_cli("chat", db=Path("/")))
    assert "no database at" in one_clear_line(run_cli("report", db=tmp_path / "none.sqlite3"))
    damaged_db = tmp_path / "damaged.sqlite3"
    before = damaged(damaged_db)
    for command in ("chat", "report", "run", "web"):
        line = one_clear_line(run_cli(command, db=damaged_db, TELEGRAM_BOT_TOKEN="1:x"))
        assert "damaged" in line and "--reset-db" in line
    assert damaged_db.read_bytes() == before


@pytest.mark.slow
def test_reset_db_moves_a_damaged_file_aside_and_starts_afresh(tmp_path):
    db = tmp_path / "bot.sqlite3"
    before = damaged(db)
    result = run_cli("chat", "--reset-db", db=db)
    assert result.returncode == 0, result.stderr
    (moved,) = tmp_path.glob("bot.sqlite3.damaged-*[0-9]")
    assert str(moved) in result.stderr
    assert moved.read_bytes() == before
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM question_log").fetchone() == (0,)


def full_disk() -> None:
    """In the child: files may grow to 8 KiB only, as on a disk that is full."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))


@pytest.mark.slow
def test_a_full_disk_at_start_up_is_one_line(tmp_path):
    line = one_clear_line(run_cli("chat", db=tmp_path / "bot.sqlite3", preexec=full_disk))
    assert "bot.sqlite3" in line


@pytest.mark.slow
def test_read_only_places(tmp_path):
    """A read-only database file or folder stops `chat` with one line, and `report`
    still reads the database there."""
    folder = tmp_path / "readonly"
    folder.mkdir()
    db = folder / "bot.sqlite3"
    store = Store(db, env={})
    store.log_question(
        "tg:1", question="今天天气怎么样", normalized="今天天气怎么样",
        outcome="declined", fact_id=None, score=None, lang="zh",
    )  # fmt: skip
    store.close()
    db.chmod(0o444)
    read_only_file = run_cli("chat", db=db, read_only_user=True)
    db.chmod(0o644)
    folder.chmod(0o555)
    try:
        chat = run_cli("chat", db=db, read_only_user=True)
        report = run_cli("report", "--json", db=db, read_only_user=True)
    finally:
        folder.chmod(0o755)
    assert "the file is read-only" in one_clear_line(read_only_file)
    assert "cannot write in" in one_clear_line(chat)
    assert report.returncode == 0, report.stderr
    assert "今天天气怎么样" in report.stdout
