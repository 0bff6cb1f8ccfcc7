"""Each worker reloads the knowledge when its files change, as the Telegram bot does.

With several workers every process watches on its own, so an admin's saved edit
reaches all of them (the /admin reload button reaches only the worker it hit).
The folder is followed by path (`bot.kb.watch`), so a swapped or recreated
knowledge folder keeps being watched.
"""

from __future__ import annotations

import asyncio
import logging

from bot.kb.watch import watch_folder
from bot.match import LiveKnowledge

logger = logging.getLogger(__name__)


async def watch_knowledge(knowledge: LiveKnowledge, stop: asyncio.Event) -> None:
    async def reload(reason: str) -> None:
        result = await asyncio.to_thread(knowledge.reload)
        if result.ok:
            logger.info("knowledge reloaded (%s): %d facts", reason, result.facts)
        else:
            logger.warning("edited knowledge refused, old one serving: %s", result.errors)

    await watch_folder(knowledge.directory, reload, stop)
