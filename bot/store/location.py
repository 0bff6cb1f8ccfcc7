"""What BOT_DB names: a PostgreSQL server (a URL) or an SQLite file (a path or sqlite:///).

The value may arrive as a Path, which folds a URL's "//" into "/" and may put a folder
in front of it (a relative path in the config file), so both are undone here.
"""

from __future__ import annotations

import re
from pathlib import Path

_POSTGRES = re.compile(r"(?:^|/)(postgres(?:ql)?):/+(.+)$")
_SQLITE = re.compile(r"^sqlite:/+(.+)$")


def postgres_url(location: Path | str) -> str | None:
    """The PostgreSQL URL `location` names, or None when it names an SQLite file."""
    text = str(location)
    if isinstance(location, str) and text.startswith(("postgresql://", "postgres://")):
        return text
    found = _POSTGRES.search(text)
    return None if found is None else f"{found[1]}://{found[2]}"


def sqlite_path(location: Path | str) -> Path:
    """The file of a path or of `sqlite:///path` (the path after "sqlite://", as in a
    file URL: sqlite:///srv/bot.sqlite3 is /srv/bot.sqlite3)."""
    found = _SQLITE.match(str(location))
    return Path("/" + found[1]) if found else Path(location)


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)
