"""Fixtures shared by several test modules."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.match.cache import ENV_CACHE_DIR
from bot.store import Store


@pytest.fixture(scope="session", autouse=True)
def index_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One index cache for the whole session (child processes inherit it), never the
    developer's own ~/.cache."""
    folder = tmp_path_factory.mktemp("index-cache")
    previous = os.environ.get(ENV_CACHE_DIR)
    os.environ[ENV_CACHE_DIR] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop(ENV_CACHE_DIR, None)
    else:
        os.environ[ENV_CACHE_DIR] = previous


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh SQLite store in the test's temporary directory, closed afterwards."""
    store = Store(tmp_path / "bot.sqlite3")
    yield store
    store.close()
