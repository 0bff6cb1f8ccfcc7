"""Watch the knowledge folder and call back after edits, for any front end.

The folder is followed by its path, not its inode: editors and `git checkout` may
replace the whole folder (`mv knowledge.new knowledge`, or `rm -r` and recreate),
and inotify would go on watching the old one, so that no later edit is seen.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import stat
from collections.abc import Awaitable, Callable
from pathlib import Path

from watchfiles import Change, awatch

logger = logging.getLogger(__name__)

DEBOUNCE_MS = 500
"""Editors write a file in several steps; wait for this much quiet before reloading."""
FOLDER_CHECK_SECONDS = 1.0
"""How often the watcher checks that the knowledge folder is still the one it watches."""
MISSING_NOTICE_SECONDS = 60.0
"""A folder gone this long gets one more call (its reload fails and says so; a swap
takes less time than this)."""
RETRY_SECONDS = 30.0
"""After the file watcher itself fails, wait this long before watching again."""
KNOWLEDGE_SUFFIXES = (".yaml", ".yml")

OnChange = Callable[[str], Awaitable[object]]
"""Called with the reason (which files changed, or what happened to the folder)."""
_Identity = tuple[int, int]


async def watch_folder(
    directory: Path,
    on_change: OnChange,
    stop: asyncio.Event,
    *,
    debounce_ms: int = DEBOUNCE_MS,
    check_seconds: float = FOLDER_CHECK_SECONDS,
) -> None:
    """Call `on_change` after each burst of edits to the knowledge files, after the folder
    is replaced, and once when it has been missing for a while; return when `stop` is set.

    `on_change` should not raise; if it does, the error is logged and watching goes on.
    """
    directory = directory.absolute()
    logger.info("watching %s for knowledge edits", directory)
    first = True
    while identity := await _wait_for_folder(directory, on_change, stop, check_seconds):
        if not first:
            logger.info("%s was replaced; watching the new folder", directory)
            await _call(on_change, "the knowledge folder was replaced")
        first = False
        await _watch_until_replaced(
            directory, identity, on_change, stop, debounce_ms, check_seconds
        )


async def _watch_until_replaced(
    directory: Path,
    identity: _Identity,
    on_change: OnChange,
    stop: asyncio.Event,
    debounce_ms: int,
    check_seconds: float,
) -> None:
    """Call back on edits until `stop` is set or the folder is no longer this one."""
    leave = asyncio.Event()
    guard = asyncio.create_task(
        _leave_when_replaced(directory, identity, stop, leave, check_seconds)
    )
    try:
        async for changes in awatch(
            directory,
            watch_filter=_KnowledgeFilter(directory),
            debounce=debounce_ms,
            stop_event=leave,
            recursive=True,
        ):
            if (Change.deleted, str(directory)) in changes:
                return  # moved away or removed: watch whatever takes its place
            names = sorted({Path(path).name for _, path in changes})
            await _call(on_change, "changed: " + ", ".join(names))
    except Exception:  # e.g. the OS limit on watches; the last good knowledge still serves
        logger.exception("watching %s failed; trying again in %g s", directory, RETRY_SECONDS)
        await _sleep_unless_stopped(stop, RETRY_SECONDS)
    finally:
        guard.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await guard


async def _wait_for_folder(
    directory: Path, on_change: OnChange, stop: asyncio.Event, check_seconds: float
) -> _Identity | None:
    """The folder's identity once it exists; None when `stop` is set first."""
    missing_for = 0.0
    while not stop.is_set():
        if (identity := folder_identity(directory)) is not None:
            return identity
        if missing_for == 0:
            logger.warning("%s is missing; the last good knowledge keeps serving", directory)
        if missing_for < MISSING_NOTICE_SECONDS <= missing_for + check_seconds:
            await _call(on_change, "the knowledge folder is missing")
        missing_for += check_seconds
        await _sleep_unless_stopped(stop, check_seconds)
    return None


async def _call(on_change: OnChange, reason: str) -> None:
    try:
        await on_change(reason)
    except Exception:  # the watcher must outlive any one bad reload
        logger.exception("reloading (%s) failed", reason)


class _KnowledgeFilter:
    """Knowledge files, and the watched folder itself (to see it moved or removed)."""

    def __init__(self, directory: Path) -> None:
        self.directory = str(directory)

    def __call__(self, change: Change, path: str) -> bool:
        return path == self.directory or is_knowledge_file(path)


def is_knowledge_file(path: str) -> bool:
    """A YAML file (any case of .yaml/.yml), not an editor's hidden or backup file."""
    name = Path(path).name
    return name.lower().endswith(KNOWLEDGE_SUFFIXES) and not name.startswith((".", "~"))


def folder_identity(directory: Path) -> _Identity | None:
    """(device, inode) of the folder at this path; None if there is no folder."""
    try:
        info = os.stat(directory)
    except OSError:
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISDIR(info.st_mode) else None


async def _leave_when_replaced(
    directory: Path,
    identity: _Identity,
    stop: asyncio.Event,
    leave: asyncio.Event,
    check_seconds: float,
) -> None:
    """Set `leave` once `stop` is set or another folder (or none) is at `directory`."""
    while not stop.is_set() and folder_identity(directory) == identity:
        await _sleep_unless_stopped(stop, check_seconds)
    leave.set()


async def _sleep_unless_stopped(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
