"""Each worker reloads the knowledge when its files change, as the Telegram bot does.

With several workers every process watches on its own, so an admin's saved edit
reaches all of them (the /admin reload button reaches only the worker it hit).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from watchfiles import Change, awatch

from bot.match import LiveKnowledge

logger = logging.getLogger(__name__)

DEBOUNCE_MS = 500
"""Editors write a file in several steps; wait for this much quiet before reloading."""


async def watch_knowledge(knowledge: LiveKnowledge, stop: asyncio.Event) -> None:
    directory = Path(knowledge.directory)
    try:
        async for _changes in awatch(
            directory, watch_filter=is_knowledge_file, debounce=DEBOUNCE_MS, stop_event=stop
        ):
            result = await asyncio.to_thread(knowledge.reload)
            if result.ok:
                logger.info("knowledge reloaded after an edit: %d facts", result.facts)
            else:
                logger.warning("edited knowledge refused, old one serving: %s", result.errors)
    except Exception:  # e.g. the folder was removed; residents are still answered
        logger.exception("stopped watching %s for knowledge edits", directory)


def is_knowledge_file(change: Change, path: str) -> bool:
    name = Path(path).name
    return name.endswith((".yaml", ".yml")) and not name.startswith((".", "~"))
