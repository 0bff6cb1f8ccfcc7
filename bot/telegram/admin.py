"""Street staff's commands: /reload, /unanswered [N], /stats."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from telegram import Message, Update
from telegram.ext import ContextTypes

from bot.dialogue.types import Reply
from bot.kb.model import Lang
from bot.numbers import parse_whole
from bot.report import build_report, format_report
from bot.telegram import texts
from bot.telegram.handlers import language_of, send_reply
from bot.telegram.reloading import Reloader, reload_failed_text, reloaded_text

if TYPE_CHECKING:
    from bot.config import Config
    from bot.match.live import LiveKnowledge
    from bot.store import Stats, Store

logger = logging.getLogger(__name__)

COMMANDS = ("reload", "unanswered", "stats")
REPORT_DAYS = 7
DEFAULT_TOP, MAX_TOP = 10, 50


@dataclass
class Admin:
    config: Config
    knowledge: LiveKnowledge
    store: Store
    reloader: Reloader

    async def reload(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if (lang := self._authorise(update, "/reload")) is None:
            return await self._refuse(update, context)
        result = await self.reloader.reload(f"/reload by {_who(update)}")
        self.reloader.mark_reported(result)
        text = reloaded_text(result, lang) if result.ok else reload_failed_text(result, lang)
        await self._answer(update, context, text)

    async def unanswered(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if (lang := self._authorise(update, "/unanswered")) is None:
            return await self._refuse(update, context)
        top = _top_n(context.args)
        report = await asyncio.to_thread(
            build_report, self.store, self.knowledge.current, REPORT_DAYS
        )
        await self._answer(update, context, format_report(report, limit=top, lang=lang))

    async def stats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if (lang := self._authorise(update, "/stats")) is None:
            return await self._refuse(update, context)
        # the store may wait for queued writes: never on the event loop
        stats = await asyncio.to_thread(self.store.stats, datetime.now().astimezone())
        await self._answer(update, context, stats_text(stats, lang))

    def _authorise(self, update: Update, command: str) -> Lang | None:
        """The admin's language if allowed; every use is logged, allowed or not."""
        user = update.effective_user
        allowed = user is not None and user.id in self.config.admin_ids
        logger.info(
            "admin command %s by %s: %s", command, _who(update), "allowed" if allowed else "refused"
        )
        return language_of(user) if allowed else None

    async def _refuse(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._answer(
            update, context, texts.REFUSAL.in_lang(language_of(update.effective_user))
        )

    async def _answer(self, update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
        message = update.effective_message
        if isinstance(message, Message):
            reply_to = None if message.chat.type == "private" else message.message_id
            await send_reply(context.bot, message.chat.id, Reply(text), reply_to=reply_to)


def _who(update: Update) -> str:
    user = update.effective_user
    return f"tg:{user.id}" if user else "unknown"


def _top_n(args: list[str] | None) -> int:
    """How many groups /unanswered lists: its argument if a number from 1, at most MAX_TOP."""
    number = parse_whole(args[0], low=1) if args else None
    return DEFAULT_TOP if number is None else min(MAX_TOP, number)


def stats_text(stats: Stats, lang: Lang) -> str:
    share = "—" if stats.answered_share_week is None else f"{stats.answered_share_week:.0%}"
    return texts.STATS.in_lang(lang).format(
        today=stats.questions_today,
        week=stats.questions_week,
        share=share,
        helpful_week=stats.helpful_week,
        unhelpful_week=stats.unhelpful_week,
        helpful_total=stats.helpful_total,
        unhelpful_total=stats.unhelpful_total,
    )
