"""The key that turns user ids into the hashes stored and logged in their place.

A user is stored as HMAC-SHA256(key, id). The key never enters the database, so a
copy of the database file alone does not give the ids back (a plain salted hash,
with the salt beside it, falls to a search of all Telegram ids in hours). The key is
`BOT_SECRET` from the environment or, without it, a file `<database>.key` that the
first start creates with mode 0600. Databases from before the key still carry their
salt: their users are stored as HMAC(key, salted hash), so the migrated rows and new
ones agree without ever knowing the raw ids again.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from bot.store.model import StoreError

logger = logging.getLogger(__name__)

ENV_SECRET = "BOT_SECRET"
MIN_SECRET_CHARS = 32
KEY_SUFFIX = ".key"
_CHECK_MESSAGE = b"huaihai-bot user key check"


def key_file_for(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + KEY_SUFFIX)


def load_key(db_path: Path, env: Mapping[str, str] | None = None) -> bytes:
    """`BOT_SECRET`, else the key file beside the database (made on first use)."""
    environ = os.environ if env is None else env
    secret = environ.get(ENV_SECRET)
    if secret is not None:
        if len(secret.strip()) < MIN_SECRET_CHARS:
            raise StoreError(
                f"{ENV_SECRET} is shorter than {MIN_SECRET_CHARS} characters; make one with: "
                "python3 -c 'import secrets; print(secrets.token_hex(32))'"
            )
        return secret.strip().encode()
    path = key_file_for(db_path)
    try:
        return _read_key(path) if path.exists() else _create_key(path)
    except OSError as exc:
        raise StoreError(
            f"cannot use the key file {path}: {exc.strerror or exc}; "
            f"make it readable or set {ENV_SECRET}"
        ) from None


def _read_key(path: Path) -> bytes:
    if path.stat().st_mode & 0o077:
        logger.warning("the key file %s is readable by others; chmod 600 it", path)
    key = path.read_bytes().strip()
    if len(key) < MIN_SECRET_CHARS:
        raise StoreError(f"the key file {path} is empty or too short; restore it from a backup")
    return key


def _create_key(path: Path) -> bytes:
    """Write the key to a private temporary file, then link it into place: a process
    starting at the same moment either wins the link or reads the winner's whole key."""
    key = secrets.token_hex(32).encode()
    temporary = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(key + b"\n")
            file.flush()
            os.fsync(file.fileno())
        os.link(temporary, path)
        logger.info("made a new user key %s; back it up with the database", path)
        return key
    except FileExistsError:
        return _read_key(path)
    finally:
        temporary.unlink(missing_ok=True)


def hmac_hex(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


def key_check(key: bytes) -> str:
    """A value stored in the database to tell whether a later start has the same key."""
    return hmac.new(key, _CHECK_MESSAGE, hashlib.sha256).hexdigest()[:16]


def legacy_hash(salt: str, user_id: str) -> str:
    """How databases before the key hashed a user id (kept so their rows still match)."""
    return hashlib.sha256(f"{salt}:{user_id}".encode()).hexdigest()[:32]


class UserKeys:
    """user id -> the hash stored in its place (HMAC with the key; see the module doc)."""

    def __init__(self, key: bytes, legacy_salt: str | None = None) -> None:
        self._key = key
        self._salt = legacy_salt

    def __call__(self, user_id: str) -> str:
        inner = legacy_hash(self._salt, user_id) if self._salt else user_id
        return hmac_hex(self._key, inner)


# Logs name users by the same hash as the database, once a store is open; before that by
# a key of this process alone. Either way a log never holds a raw id such as tg:5001.
_for_logs = UserKeys(secrets.token_bytes(32))


def use_for_logs(keys: UserKeys) -> None:
    global _for_logs
    _for_logs = keys


def user_log_key(user_id: str) -> str:
    """How a log line names a user: the keyed hash the database uses, never the raw id."""
    return _for_logs(user_id)
