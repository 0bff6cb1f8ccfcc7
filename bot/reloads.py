"""Every process's knowledge kept in step with the files, for the web chat and the bot.

Two things ask for a reload:

- the file watcher (`bot.kb.watch`), when the knowledge files on this machine change;
- with PostgreSQL, a notice from another process that taught, undid or reloaded an
  edit (`bot.store.notify`). The knowledge directory is shared by the processes (one
  machine, or a shared or deployed folder), so a notice means "read the files again":
  the files are compared with what is serving first (a digest), and only a change is
  reloaded.

Notices come in bursts (every process that reloaded sends one) and may arrive while a
reload is running: however many arrive, they give one more reload after the running
one, never one each. A reload that fails (a broken edit) leaves the old knowledge
serving, as every reload does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable

from bot.kb.watch import DEBOUNCE_MS, FOLDER_CHECK_SECONDS, watch_folder
from bot.match.live import LiveKnowledge
from bot.store import Store

logger = logging.getLogger(__name__)

ENV_WATCH_FILES = "BOT_WATCH_KNOWLEDGE"
"""`off`: no file watcher (a network folder whose edits raise no file events here);
edits then reach this process through other processes' notices or /reload."""

Reload = Callable[[str], Awaitable[object]]
"""The front end's reload, called with the reason (it logs, tells admins, …)."""


def files_watched() -> bool:
    return os.environ.get(ENV_WATCH_FILES, "").strip().lower() != "off"


class ReloadRequests:
    """Reloads asked for from anywhere on the event loop's thread: one at a time, and
    any number of requests while one runs (or before it starts) make one more."""

    def __init__(self, reload: Reload) -> None:
        self._reload = reload
        self._wanted = asyncio.Event()
        self._reason = ""

    def request(self, reason: str) -> None:
        self._reason = reason
        self._wanted.set()

    async def serve(self, stop: asyncio.Event) -> None:
        """Reload once per round of requests until `stop` is set."""
        while await _first_of(self._wanted, stop):
            self._wanted.clear()
            try:
                await self._reload(self._reason)
            except Exception:  # the next notice must still be served
                logger.exception("reloading the knowledge (%s) failed", self._reason)


async def _first_of(wanted: asyncio.Event, stop: asyncio.Event) -> bool:
    """Wait for either event; True when `wanted` came (and `stop` has not)."""
    waits = [asyncio.create_task(wanted.wait()), asyncio.create_task(stop.wait())]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waits:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return not stop.is_set()


async def follow_knowledge(
    knowledge: LiveKnowledge,
    store: Store,
    reload: Reload,
    stop: asyncio.Event,
    *,
    debounce_ms: int = DEBOUNCE_MS,
    check_seconds: float = FOLDER_CHECK_SECONDS,
) -> None:
    """Until `stop`: `reload` after edits to the files, and after another process's
    notice when the files differ from what is serving. This process's own reloads that
    change the knowledge notify the others (`knowledge.announce`, set here)."""
    knowledge.announce = store.announce_knowledge
    loop = asyncio.get_running_loop()

    async def reload_if_changed(reason: str) -> None:
        if await asyncio.to_thread(knowledge.changed_on_disk):
            await reload(reason)

    requests = ReloadRequests(reload_if_changed)

    def on_notice(reason: str) -> None:  # on the listener's thread
        with contextlib.suppress(RuntimeError):  # the loop closed: we are stopping
            loop.call_soon_threadsafe(requests.request, reason)

    listener = store.listen_for_knowledge(on_notice)
    jobs = [requests.serve(stop)]
    if files_watched():
        watch = watch_folder(
            knowledge.directory, reload, stop, debounce_ms=debounce_ms, check_seconds=check_seconds
        )
        jobs.append(watch)
    else:
        logger.info("%s=off: the knowledge files are not watched", ENV_WATCH_FILES)
    try:
        await asyncio.gather(*jobs)
    finally:
        if listener is not None:
            await asyncio.to_thread(listener.close)
