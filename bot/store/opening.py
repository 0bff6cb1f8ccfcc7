"""Opening the SQLite file: checks, the schema and the user key, each failure one clear line.

Several processes may open a new database at the same moment (the bot, `chat`,
`report`), so the schema and the key check are written in one `BEGIN IMMEDIATE`
transaction that re-reads what another process may just have made, with
`IF NOT EXISTS` throughout. A damaged file is never written to; `--reset-db` moves it
aside, under a name that is printed, and the next start makes a new one.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.store.keys import ENV_SECRET, hmac_hex, key_check, key_file_for
from bot.store.model import StoreError

OPEN_TIMEOUT = 10.0
"""Seconds start-up waits for another process's write lock before giving up."""

# Each entry upgrades the schema by one version; never edit a released entry, append.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE preferences (
        user_key TEXT PRIMARY KEY,
        home_committee TEXT,
        language TEXT,
        updated_at REAL NOT NULL
    );
    CREATE TABLE question_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at REAL NOT NULL,
        user_key TEXT NOT NULL,
        normalized TEXT NOT NULL,
        question TEXT NOT NULL,
        outcome TEXT NOT NULL,
        fact_id TEXT,
        score REAL,
        lang TEXT NOT NULL,
        chosen_fact_id TEXT,
        rejected INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX question_log_at ON question_log (at);
    CREATE TABLE feedback (
        log_id INTEGER PRIMARY KEY REFERENCES question_log (id),
        helpful INTEGER NOT NULL,
        at REAL NOT NULL
    );
    CREATE INDEX feedback_at ON feedback (at);
    """,
    # 2: the teach journal (bot/teachlog.py): who taught what, follow-ups owed and sent,
    # where to send them (sealed), who turned them off, groups admins chose to ignore
    """
    CREATE TABLE teach_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at REAL NOT NULL,
        by_key TEXT NOT NULL,
        fact_id TEXT NOT NULL,
        phrasing TEXT NOT NULL,
        lang TEXT NOT NULL,
        file TEXT NOT NULL,
        undone_at REAL,
        undone_by TEXT
    );
    CREATE TABLE followups (
        log_id INTEGER PRIMARY KEY,
        user_key TEXT NOT NULL,
        question TEXT NOT NULL,
        lang TEXT NOT NULL,
        fact_id TEXT NOT NULL,
        teach_id INTEGER NOT NULL,
        status TEXT NOT NULL,
        created_at REAL NOT NULL,
        done_at REAL
    );
    CREATE INDEX followups_user ON followups (user_key, status);
    CREATE TABLE followup_addresses (
        log_id INTEGER PRIMARY KEY,
        sealed TEXT NOT NULL,
        at REAL NOT NULL
    );
    CREATE TABLE followups_off (user_key TEXT PRIMARY KEY, at REAL NOT NULL);
    CREATE TABLE ignored_questions (
        form TEXT PRIMARY KEY,
        at REAL NOT NULL,
        by_key TEXT NOT NULL
    );
    """,
    # 3: the street a resident chose, in a knowledge base of several streets
    "ALTER TABLE preferences ADD COLUMN street TEXT;",
    # 4: the web chat's conversation as rendered, per session (Store.history): kept for
    # a reload and for a second worker; the newest turns only, for 30 days at most
    """
    CREATE TABLE chat_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_key TEXT NOT NULL,
        at REAL NOT NULL,
        entry TEXT NOT NULL
    );
    CREATE INDEX chat_history_user ON chat_history (user_key, id);
    CREATE INDEX chat_history_at ON chat_history (at);
    """,
    # 5: hand-offs to a person (bot/handoffs.py): the resident's message and last turns,
    # where to answer (sealed), the staff's answer; open → answered → closed (delivered)
    """
    CREATE TABLE handoffs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_key TEXT NOT NULL,
        channel TEXT NOT NULL,
        lang TEXT NOT NULL,
        message TEXT NOT NULL,
        turns TEXT NOT NULL,
        sealed TEXT,
        status TEXT NOT NULL,
        opened_at REAL NOT NULL,
        notified_at REAL,
        answer TEXT,
        answered_at REAL,
        answered_by TEXT,
        closed_at REAL
    );
    CREATE INDEX handoffs_user ON handoffs (user_key, opened_at);
    CREATE INDEX handoffs_status ON handoffs (status, opened_at);
    """,
    # 6: where a question was asked (tg, web, console, wechat), shown to admins; NULL for
    # questions logged before
    "ALTER TABLE question_log ADD COLUMN channel TEXT;",
    # 7: what a resident's conversation is about (bot.context.Context), so that a
    # follow-up on another web worker or after a restart is read in it (IF NOT EXISTS:
    # harmless to run again when an earlier entry is replayed)
    """
    CREATE TABLE IF NOT EXISTS conversation_context (
        user_key TEXT PRIMARY KEY,
        fact_id TEXT,
        committee_id TEXT,
        options TEXT NOT NULL,
        question TEXT NOT NULL,
        lang TEXT,
        updated_at REAL NOT NULL
    );
    CREATE INDEX IF NOT EXISTS conversation_context_updated
        ON conversation_context (updated_at);
    """,
    # 8: the nearest facts of a logged question as the matcher saw them when it was asked
    # (JSON [[fact_id, score], ...]): the admins' lists never run the matcher again
    "ALTER TABLE question_log ADD COLUMN nearest TEXT;",
    # 9: staff accounts of the web admin page (bot/admin/accounts.py): a memory-hard hash
    # of each password, the sessions (by a hash of their id), and who did what (IF NOT
    # EXISTS: running it on a database that has them changes nothing)
    """
    CREATE TABLE IF NOT EXISTS staff_accounts (
        name TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        created_at REAL NOT NULL,
        changed_at REAL NOT NULL
    );
    CREATE TABLE IF NOT EXISTS staff_sessions (
        id_hash TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at REAL NOT NULL,
        seen_at REAL NOT NULL
    );
    CREATE INDEX IF NOT EXISTS staff_sessions_name ON staff_sessions (name);
    CREATE TABLE IF NOT EXISTS staff_actions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at REAL NOT NULL,
        name TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS staff_actions_at ON staff_actions (at);
    """,
    # 10: the hand-off an admin's next Telegram message answers, once they pressed its
    # reply button (bot/handoffs.py `choose`), so a restart before they type loses
    # nothing; the admin by their keyed hash (IF NOT EXISTS: harmless to run again)
    """
    CREATE TABLE IF NOT EXISTS handoff_replying (
        staff_key TEXT PRIMARY KEY,
        handoff_id INTEGER NOT NULL,
        chosen_at REAL NOT NULL
    );
    """,
)

_KEY_CHECK = "user_key_check"
_LEGACY_SALT = "user_salt"

_EXPLANATIONS = {
    "SQLITE_CORRUPT": "{path} is damaged ({error}); it was left as it is. Run again with "
    "--reset-db to move it aside and start an empty database",
    "SQLITE_NOTADB": "{path} is not a database or is damaged ({error}); it was left as it "
    "is. Run again with --reset-db to move it aside and start an empty database",
    "SQLITE_FULL": "the disk holding {path} is full; free some space and start again",
    "SQLITE_READONLY": "cannot write to {path}: the file or its folder is read-only for "
    "this user; fix the permissions or point BOT_DB at a writable place",
    "SQLITE_CANTOPEN": "cannot open {path}: check that its folder exists and is writable "
    "for this user, or point BOT_DB elsewhere",
    "SQLITE_BUSY": "{path} stayed locked by another process for {timeout:g} s; "
    "stop whatever holds it and start again",
    "SQLITE_IOERR": "cannot read or write {path} ({error}); the disk may be full or failing",
    "SQLITE_PERM": "no permission to use {path}; fix its permissions",
}


def explain(path: Path, exc: sqlite3.Error) -> str:
    """One line for the admin about why `path` cannot be used."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    for prefix, template in _EXPLANATIONS.items():
        if name.startswith(prefix):
            return template.format(path=path, error=exc, timeout=OPEN_TIMEOUT)
    return f"cannot use the database {path}: {exc}"


def is_damage(exc: sqlite3.Error) -> bool:
    name = getattr(exc, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB"))


@contextmanager
def explained(path: Path) -> Iterator[None]:
    """Turn a failure to open or prepare `path` into a StoreError with one clear line."""
    try:
        yield
    except sqlite3.Error as exc:
        raise StoreError(explain(path, exc)) from None
    except OSError as exc:
        raise StoreError(f"cannot use the database {path}: {exc.strerror or exc}") from None


def check_path(path: Path, *, read_only: bool) -> None:
    """Refuse a path that can never hold the database, before SQLite gives a vaguer error."""
    if path.is_dir():
        raise StoreError(f"the database path {path} is a folder; point BOT_DB at a file in it")
    if read_only:
        if not path.exists():
            raise StoreError(f"no database at {path}: nothing has been logged there (BOT_DB?)")
        return
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot create the folder {parent} for the database: {exc.strerror or exc}"
        ) from None
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise StoreError(
            f"cannot write to {path}: the file is read-only for this user; "
            "fix its permissions or point BOT_DB elsewhere"
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise StoreError(
            f"cannot write in {parent}: the database needs a writable folder "
            "(for its -wal and -shm files); fix the permissions or point BOT_DB elsewhere"
        )


def connect(path: Path, *, read_only: bool, timeout: float) -> sqlite3.Connection:
    """A connection with the bot's settings (raises sqlite3.Error)."""
    if not read_only:
        return _connect(path, "mode=rwc", timeout, wal=True)
    conn = _connect(path, "mode=ro", timeout, wal=False)
    try:
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError as exc:
        name = getattr(exc, "sqlite_errorname", "") or ""
        if not name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN")) or _wal(path).exists():
            raise
        # A WAL database needs its -shm file even to be read. Without a -wal file no
        # process is writing, so a user who may not create files there reads it as is.
        conn.close()
        conn = _connect(path, "mode=ro&immutable=1", timeout, wal=False)
    return conn


def _wal(path: Path) -> Path:
    return Path(f"{path}-wal")


def _connect(path: Path, query: str, timeout: float, *, wal: bool) -> sqlite3.Connection:
    uri = f"{path.absolute().as_uri()}?{query}"
    conn = sqlite3.connect(
        uri, uri=True, timeout=timeout, isolation_level=None, check_same_thread=False
    )
    conn.row_factory = sqlite3.Row
    try:
        if wal:
            # WAL lets residents' reads go on while a write is held up; with NORMAL sync it
            # stays consistent after a crash and skips an fsync per transaction.
            _use_wal(conn, timeout)
            conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
    except BaseException:
        conn.close()
        raise
    return conn


def _use_wal(conn: sqlite3.Connection, timeout: float) -> None:
    """Switch to WAL, retrying: the switch answers "locked" at once, without waiting
    for the busy timeout, while another process is creating the same database."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            busy = (getattr(exc, "sqlite_errorname", "") or "").startswith("SQLITE_BUSY")
            if not busy or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def check_integrity(conn: sqlite3.Connection) -> None:
    """Raise SQLITE_CORRUPT when the file is damaged, so that is known at start-up."""
    problems = [row[0] for row in conn.execute("PRAGMA quick_check(3)")]
    if problems != ["ok"]:
        first = " ".join(problems[0].split())  # quick_check's lines run over several
        error = sqlite3.DatabaseError(f"database disk image is malformed: {first}")
        error.sqlite_errorname = "SQLITE_CORRUPT"
        raise error


def prepare(conn: sqlite3.Connection, key: bytes) -> None:
    """Bring the schema up to date and make sure the database belongs with `key`."""
    if _up_to_date(conn, key):
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        _migrate(conn)
        _adopt_key(conn, key)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def schema_version(conn: sqlite3.Connection) -> int:
    try:
        row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return 0
        raise
    return int(row[0] or 0)


def legacy_salt(conn: sqlite3.Connection) -> str | None:
    """The salt of a database made before the key (None for newer ones)."""
    return _meta(conn, _LEGACY_SALT)


def _meta(conn: sqlite3.Connection, key: str) -> str | None:
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return None
        raise
    return None if row is None else str(row[0])


def _up_to_date(conn: sqlite3.Connection, key: bytes) -> bool:
    if schema_version(conn) < len(MIGRATIONS):
        return False
    stored = _meta(conn, _KEY_CHECK)
    if stored is not None and stored != key_check(key):
        raise _wrong_key(conn)
    return stored is not None


def _migrate(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    current = schema_version(conn)  # again: another process may have migrated meanwhile
    for version, script in enumerate(MIGRATIONS, start=1):
        if version > current:
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))


def _statements(script: str) -> Iterator[str]:
    """The statements of a script, so they can run inside one transaction
    (`executescript` would commit first)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending.strip()
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete SQL statement in a migration: {pending.strip()[:60]}")


def _adopt_key(conn: sqlite3.Connection, key: bytes) -> None:
    """Record which key this database uses; rows hashed before the key get re-hashed."""
    stored = _meta(conn, _KEY_CHECK)
    if stored == key_check(key):
        return
    if stored is not None:
        raise _wrong_key(conn)
    if legacy_salt(conn) is not None:
        # the raw ids are unknown, so the migrated key is HMAC(key, salted hash);
        # Store.user_key computes the same for these databases
        conn.create_function("rekey", 1, lambda value: hmac_hex(key, value), deterministic=True)
        conn.execute("UPDATE preferences SET user_key = rekey(user_key)")
        conn.execute("UPDATE question_log SET user_key = rekey(user_key)")
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
        (_KEY_CHECK, key_check(key)),
    )


def _wrong_key(conn: sqlite3.Connection) -> StoreError:
    path = Path(conn.execute("PRAGMA database_list").fetchone()["file"])
    return StoreError(
        f"the user key does not belong with {path} ({ENV_SECRET} or {key_file_for(path)} "
        "changed since the database was made): restore the old key, or residents lose "
        "their settings"
    )


def move_aside(path: Path) -> Path:
    """Rename a damaged database (and its -wal/-shm files) out of the way; the new name."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{path}{suffix}")
        if source.exists():
            source.rename(f"{target}{suffix}")
    return target


def reset_damaged_database(path: Path) -> Path | None:
    """For `--reset-db`: move `path` aside when it is damaged; the new name, or None
    when there is nothing damaged to move (other problems are reported on opening)."""
    if not path.is_file() or path.stat().st_size == 0:
        return None
    try:
        conn = connect(path, read_only=True, timeout=OPEN_TIMEOUT)
        try:
            check_integrity(conn)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        if is_damage(exc):
            return move_aside(path)
    return None
