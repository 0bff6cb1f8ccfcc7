"""Sending follow-ups in Telegram: a private message, or a reply in the group where the
resident asked. Each is claimed first, so it goes out once; a resident who blocked the
bot (403) is recorded and never tried again; other failures are tried on the next teach."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable, Coroutine, Iterable
from typing import TYPE_CHECKING, Any

from telegram import Bot
from telegram.error import Forbidden, TelegramError

from bot.dialogue.followups import followup_reply
from bot.telegram.handlers import send_reply

if TYPE_CHECKING:
    from bot.dialogue.types import Reply
    from bot.match.live import LiveKnowledge
    from bot.teachlog import FollowUp, Status, TeachJournal

logger = logging.getLogger(__name__)

OWED_EVERY = 30.0
"""Seconds between looks for follow-ups queued by teaches outside the running bot."""


async def deliver(
    bot: Bot, journal: TeachJournal, knowledge: LiveKnowledge, followups: Iterable[FollowUp]
) -> set[int]:
    """Send the follow-ups that have a Telegram address (and earlier ones still owed);
    the log ids of those Telegram accepted."""
    owed = await asyncio.to_thread(journal.undelivered)
    waiting = {f.log_id: f for f in (*followups, *owed) if is_telegram(f)}
    sent = set()
    for followup in waiting.values():
        reply = followup_reply(knowledge.current.kb, followup)
        if reply is None or not await asyncio.to_thread(journal.claim, followup.log_id):
            continue
        status = await _send(bot, followup, reply)
        await asyncio.to_thread(journal.finish, followup.log_id, status)
        if status == "sent":
            sent.add(followup.log_id)
    return sent


async def keep_delivering(
    bot: Bot,
    journal: TeachJournal,
    knowledge: LiveKnowledge,
    stop: asyncio.Event,
    every: float = OWED_EVERY,
) -> None:
    """Until `stop`: send what teaches from the command line or the web page queued (they
    cannot reach Telegram themselves), and what failed earlier for a passing reason."""
    while not stop.is_set():
        try:
            await deliver(bot, journal, knowledge, ())
        except Exception:  # the loop must outlive any one failure
            logger.exception("sending owed follow-ups failed; trying again later")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)


def owed_sender(
    bot: Bot, journal: TeachJournal | None, knowledge: LiveKnowledge
) -> Callable[[asyncio.Event], Coroutine[Any, Any, None]] | None:
    """The background task that sends owed follow-ups, or None without a journal."""
    if journal is None:
        return None
    return functools.partial(keep_delivering, bot, journal, knowledge)


def is_telegram(followup: FollowUp) -> bool:
    """A follow-up with a Telegram chat to send to (WeChat's carry their own channel)."""
    return followup.channel == "tg"


async def _send(bot: Bot, followup: FollowUp, reply: Reply) -> Status:
    address = followup.address or {}
    try:
        chat_id = int(address["chat_id"])
        reply_to = address.get("reply_to")
        await send_reply(bot, chat_id, reply, reply_to=int(reply_to) if reply_to else None)
    except Forbidden as exc:
        logger.info("follow-up %d not sent, the resident blocked the bot: %s", followup.log_id, exc)
        return "blocked"
    except (TelegramError, KeyError, TypeError, ValueError) as exc:
        logger.warning("follow-up %d not sent (%s); trying again later", followup.log_id, exc)
        return "pending"
    return "sent"
