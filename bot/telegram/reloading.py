"""Reloading the knowledge base: on /reload and whenever its files change on disk.

The blocking `LiveKnowledge.reload()` runs in a worker thread; residents keep
being answered from the current snapshot meanwhile, and after a failed reload.
Admins hear about a broken edit once, not again for the same errors.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from watchfiles import Change, awatch

if TYPE_CHECKING:
    from bot.match.live import LiveKnowledge, ReloadResult

logger = logging.getLogger(__name__)

DEBOUNCE_MS = 500
"""Editors write a file in several steps; wait for this much quiet before reloading."""
KNOWLEDGE_SUFFIXES = (".yaml", ".yml")


class Reloader:
    def __init__(
        self, knowledge: LiveKnowledge, notify_admins: Callable[[str], Awaitable[None]]
    ) -> None:
        self.knowledge = knowledge
        self.notify_admins = notify_admins
        self._lock = asyncio.Lock()
        self._reported: tuple[str, ...] = ()

    async def reload(self, reason: str) -> ReloadResult:
        async with self._lock:  # one reload at a time; a second waits and sees the newest files
            result = await asyncio.to_thread(self.knowledge.reload)
        if result.ok:
            logger.info(
                "knowledge reloaded (%s): %d committees, %d facts, %d phrasings",
                reason,
                result.committees,
                result.facts,
                result.phrasings,
            )
        else:
            logger.warning(
                "knowledge reload (%s) failed, previous knowledge keeps serving: %s",
                reason,
                "; ".join(result.errors),
            )
        return result

    async def reload_and_report(self, reason: str) -> ReloadResult:
        """Reload; tell admins about errors unless they were already told about these."""
        result = await self.reload(reason)
        if result.ok:
            self._reported = ()
        elif result.errors != self._reported:
            self._reported = result.errors
            await self.notify_admins(reload_failed_text(result, "zh"))
        return result

    def mark_reported(self, result: ReloadResult) -> None:
        """An admin saw this result (via /reload): do not send the same errors again."""
        self._reported = () if result.ok else result.errors

    async def watch(self, stop: asyncio.Event, *, debounce_ms: int = DEBOUNCE_MS) -> None:
        """Reload after each burst of changes to the knowledge files, until `stop` is set."""
        directory = Path(self.knowledge.directory)
        logger.info("watching %s for knowledge edits", directory)
        try:
            async for changes in awatch(
                directory,
                watch_filter=_is_knowledge_file,
                debounce=debounce_ms,
                stop_event=stop,
                recursive=True,
            ):
                names = sorted({Path(path).name for _, path in changes})
                try:
                    await self.reload_and_report("changed: " + ", ".join(names))
                except Exception:  # the watcher must outlive any one bad reload
                    logger.exception("reloading after a file change failed")
        except Exception:  # e.g. the folder was removed; residents are still answered
            logger.exception("stopped watching %s; /reload still works", directory)


def _is_knowledge_file(change: Change, path: str) -> bool:
    name = Path(path).name
    return name.endswith(KNOWLEDGE_SUFFIXES) and not name.startswith((".", "~"))


def reloaded_text(result: ReloadResult, lang: str) -> str:
    if lang == "en":
        return (
            f"Knowledge reloaded: {result.committees} committees, {result.facts} facts, "
            f"{result.phrasings} phrasings."
        )
    return (
        f"知识库已重新加载:{result.committees} 个居委、{result.facts} 条信息、"
        f"{result.phrasings} 种问法。"
    )


def reload_failed_text(result: ReloadResult, lang: str) -> str:
    head = (
        "Reloading the knowledge failed; residents are still answered from the previous version."
        if lang == "en"
        else "知识库加载失败,居民仍在使用上一版知识库。请修改以下问题:"
    )
    return "\n".join([head, *(f"• {error}" for error in result.errors)])
