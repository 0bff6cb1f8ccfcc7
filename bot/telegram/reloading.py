"""Reloading the knowledge base: on /reload and whenever its files change on disk.

The blocking `LiveKnowledge.reload()` runs in a worker thread; residents keep
being answered from the current snapshot meanwhile, and after a failed reload.
Admins hear about a broken edit once, not again for the same errors, and they
hear when a reload that worked lost a committee or more than a few facts. The
file watching itself (which survives the folder being replaced) is `bot.kb.watch`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.kb.model import Lang, Text
from bot.kb.watch import DEBOUNCE_MS, FOLDER_CHECK_SECONDS, watch_folder
from bot.reloads import follow_knowledge

if TYPE_CHECKING:
    from bot.match.live import LiveKnowledge, ReloadResult
    from bot.store import Store

logger = logging.getLogger(__name__)

LOST_FACTS_NOTICE = 3
"""A reload that loses more facts than this (or any committee) is reported to admins."""
MAX_LISTED = 20
"""Problems or lost ids listed in one notice; the rest are counted (`check` lists all)."""

# What this module tells admins, in both languages. Fields in braces are filled in.
RELOADED = Text(
    zh="知识库已重新加载:{committees} 个居委、{facts} 条信息、{phrasings} 种问法。",
    en="Knowledge reloaded: {committees} committees, {facts} facts, {phrasings} phrasings.",
)
RELOAD_FAILED = Text(
    zh="知识库加载失败,居民仍在使用上一版知识库。请修改以下问题:",
    en="Reloading the knowledge failed; residents are still answered from the previous "
    "version. Please fix:",
)
LOST_COMMITTEES = Text(
    zh="⚠️ 与上一版相比少了 {count} 个居委:{ids}",
    en="⚠️ {count} committee(s) are gone since the previous version: {ids}",
)
LOST_FACTS = Text(
    zh="⚠️ 与上一版相比少了 {count} 条信息:{ids}",
    en="⚠️ {count} fact(s) are gone since the previous version: {ids}",
)
LOSS_ADVICE = Text(
    zh="如果不是有意删除,请恢复这些文件;在此之前居民得不到这些回答。",
    en="If that was not intended, restore the files; until then residents get no answers "
    "from them.",
)
AND_MORE = Text(
    zh="…… 还有 {count} 条(运行 python -m bot check 查看全部)",
    en="… and {count} more (run python -m bot check to see all)",
)

NotifyAdmins = Callable[[Text], Awaitable[None]]
"""Sends a notice to every admin, each in their own language."""


class Reloader:
    def __init__(
        self, knowledge: LiveKnowledge, notify_admins: NotifyAdmins, store: Store | None = None
    ) -> None:
        self.knowledge = knowledge
        self.notify_admins = notify_admins
        self.store = store
        """With a store, `watch` also follows other processes' notices (bot.reloads)."""
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
        if is_big_loss(result):
            logger.warning(
                "the reload lost committees %s and %d facts: %s",
                result.lost_committees,
                len(result.lost_facts),
                result.lost_facts,
            )
        return result

    async def reload_and_report(self, reason: str) -> ReloadResult:
        """Reload; tell admins about errors unless they were already told about these,
        and about a reload that lost a committee or many facts."""
        result = await self.reload(reason)
        if result.ok:
            self._reported = ()
            if is_big_loss(result):
                await self.notify_admins(reloaded_notice(result))
        elif result.errors != self._reported:
            self._reported = result.errors
            await self.notify_admins(failed_notice(result))
        return result

    def mark_reported(self, result: ReloadResult) -> None:
        """An admin saw this result (via /reload): do not send the same errors again."""
        self._reported = () if result.ok else result.errors

    async def watch(
        self,
        stop: asyncio.Event,
        *,
        debounce_ms: int = DEBOUNCE_MS,
        check_seconds: float = FOLDER_CHECK_SECONDS,
    ) -> None:
        """Reload after each burst of edits, and when the folder is replaced, and (with
        PostgreSQL) after another process changed the knowledge, until `stop`."""
        if self.store is not None:
            await follow_knowledge(
                self.knowledge,
                self.store,
                self.reload_and_report,
                stop,
                debounce_ms=debounce_ms,
                check_seconds=check_seconds,
            )
            return
        await watch_folder(
            Path(self.knowledge.directory),
            self.reload_and_report,
            stop,
            debounce_ms=debounce_ms,
            check_seconds=check_seconds,
        )


# --- what admins are told ------------------------------------------------------------------


def is_big_loss(result: ReloadResult) -> bool:
    return bool(result.lost_committees) or len(result.lost_facts) > LOST_FACTS_NOTICE


def reloaded_notice(result: ReloadResult) -> Text:
    counts = {
        "committees": result.committees,
        "facts": result.facts,
        "phrasings": result.phrasings,
    }
    parts = [fill(RELOADED, **counts)]
    if result.lost_committees:
        parts.append(_listed(LOST_COMMITTEES, result.lost_committees))
    if result.lost_facts and is_big_loss(result):
        parts.append(_listed(LOST_FACTS, result.lost_facts))
    if is_big_loss(result):
        parts.append(LOSS_ADVICE)
    return join_lines(parts)


def failed_notice(result: ReloadResult) -> Text:
    errors = [
        Text(f"• {problem.in_lang('zh')}", f"• {problem.in_lang('en')}")
        for problem in result.problems[:MAX_LISTED]
    ] or [Text(f"• {error}", f"• {error}") for error in result.errors[:MAX_LISTED]]
    lines = [RELOAD_FAILED, *errors]
    if len(result.errors) > MAX_LISTED:
        lines.append(fill(AND_MORE, count=len(result.errors) - MAX_LISTED))
    return join_lines(lines)


def admin_language(store: Store, admin_id: int, default: Lang) -> Lang:
    """The language an admin chose with /lang, else the bot's default (blocking: a thread)."""
    return store.preferences(f"tg:{admin_id}").language or default


def reloaded_text(result: ReloadResult, lang: Lang | str) -> str:
    return reloaded_notice(result).in_lang("en" if lang == "en" else "zh")


def reload_failed_text(result: ReloadResult, lang: Lang | str) -> str:
    return failed_notice(result).in_lang("en" if lang == "en" else "zh")


def _listed(template: Text, ids: tuple[str, ...]) -> Text:
    shown = ", ".join(ids[:MAX_LISTED]) + (" …" if len(ids) > MAX_LISTED else "")
    return fill(template, count=len(ids), ids=shown)


def fill(template: Text, **values: Any) -> Text:
    return Text(zh=template.zh.format(**values), en=template.en.format(**values))


def join_lines(parts: list[Text]) -> Text:
    return Text(zh="\n".join(p.zh for p in parts), en="\n".join(p.en for p in parts))
