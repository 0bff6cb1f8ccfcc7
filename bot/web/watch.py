"""Each worker reloads the knowledge when its files change, as the Telegram bot does,
and (with PostgreSQL) when another worker or machine taught or reloaded an edit.

With several workers every process watches on its own, so an admin's saved edit
reaches all of them; the /admin reload button and a teach reach the worker they hit,
and through its notice (bot.reloads) the others. The folder is followed by path
(`bot.kb.watch`), so a swapped or recreated knowledge folder keeps being watched.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from bot.match import LiveKnowledge
from bot.match.live import ReloadResult
from bot.reloads import follow_knowledge
from bot.store import Store

logger = logging.getLogger(__name__)


@dataclass
class KnowledgeStatus:
    """The last reload this worker saw refused, for the admin page's banner (cleared by
    the next good one): a web-only deployment has no Telegram admin to tell."""

    refused: ReloadResult | None = None

    def saw(self, result: ReloadResult) -> None:
        self.refused = None if result.ok else result

    def banner(self) -> list[str]:
        """The refused edit's problems (file:line: field: message, in Chinese); [] if none."""
        if self.refused is None:
            return []
        return [p.in_lang("zh") for p in self.refused.problems] or list(self.refused.errors)


async def watch_knowledge(
    knowledge: LiveKnowledge,
    store: Store,
    stop: asyncio.Event,
    status: KnowledgeStatus | None = None,
) -> None:
    async def reload(reason: str) -> None:
        result = await asyncio.to_thread(knowledge.reload)
        if status is not None:
            status.saw(result)
        if result.ok:
            logger.info("knowledge reloaded (%s): %d facts", reason, result.facts)
        else:
            logger.warning("edited knowledge refused, old one serving: %s", result.errors)

    await follow_knowledge(knowledge, store, reload, stop)
