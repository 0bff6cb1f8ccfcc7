"""Follow-ups in WeChat: "您之前问的…,现在有答案了" as a customer-service message, and
staff's answers to a resident's hand-off the same way.

WeChat accepts those only within 48 hours of the resident's last message. Inside that
window the follow-up is claimed (so it goes out once), sent, and marked sent only once
WeChat said so; later, it stays pending and `due_replies` gives it with the resident's
next reply. Where to send it (the openid) is sealed in the journal, as Telegram's chat
ids are, and tagged with its channel so that each front end sends only its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bot.dialogue.followups import followup_reply
from bot.dialogue.handoff import answer_reply
from bot.wechat.api import OUT_OF_WINDOW, UNSUBSCRIBED, WeChatApi, WeChatApiError
from bot.wechat.render import render_turn

if TYPE_CHECKING:
    from bot.handoffs import HandoffDesk
    from bot.match.live import LiveKnowledge
    from bot.teachlog import FollowUp, Status, TeachJournal
    from bot.wechat.lru import Recent

logger = logging.getLogger(__name__)

CHANNEL = "wechat"
WINDOW = 48 * 3600
"""Seconds after a resident's last message in which WeChat takes customer-service messages."""
OWED_EVERY = 30.0
"""Seconds between looks for follow-ups that teaches (here or elsewhere) queued."""


def is_wechat(followup: FollowUp) -> bool:
    return followup.channel == CHANNEL


async def deliver(
    api: WeChatApi,
    journal: TeachJournal,
    knowledge: LiveKnowledge,
    last_seen: Recent[str, float],
    clock: Callable[[], float] = time.time,
) -> int:
    """Send the WeChat follow-ups owed to residents who wrote within 48 hours; the
    number sent. The others wait for the resident's next message."""
    owed = await asyncio.to_thread(journal.undelivered)
    sent = 0
    for followup in filter(is_wechat, owed):
        address: dict[str, Any] = followup.address or {}
        last = max(float(address.get("at", 0)), last_seen.get(followup.user_key) or 0.0)
        if clock() - last >= WINDOW:
            continue  # WeChat would refuse (45015): given with the next reply instead
        reply = followup_reply(knowledge.current.kb, followup)
        if reply is None or not await asyncio.to_thread(journal.claim, followup.log_id):
            continue
        # no links: the resident's current options belong to their last reply
        messages = render_turn([replace(reply, buttons=())]).messages
        status = await _send(api, str(address.get("openid", "")), messages)
        await asyncio.to_thread(journal.finish, followup.log_id, status)
        sent += status == "sent"
    return sent


async def deliver_answers(
    api: WeChatApi,
    desk: HandoffDesk,
    last_seen: Recent[str, float],
    clock: Callable[[], float] = time.time,
) -> int:
    """Send staff's answers to WeChat residents who wrote within 48 hours; the number
    sent. The others come with the resident's next reply (`due_replies`)."""
    sent = 0
    for handoff in await asyncio.to_thread(desk.undelivered, CHANNEL):
        last = max(handoff.opened_at, last_seen.get(handoff.user_key) or 0.0)
        user = str((handoff.address or {}).get("user", ""))
        if clock() - last >= WINDOW or not user.startswith(f"{CHANNEL}:"):
            continue
        if not await asyncio.to_thread(desk.claim_delivery, handoff.id):
            continue  # another process took it, or the resident's next reply did
        messages = render_turn([answer_reply(handoff)]).messages
        status = await _send(api, user.removeprefix(f"{CHANNEL}:"), messages)
        if status == "pending":
            await asyncio.to_thread(desk.reopen_delivery, handoff.id, handoff.address)
        sent += status == "sent"
    return sent


async def _send(api: WeChatApi, openid: str, messages: tuple[str, ...]) -> Status:
    try:
        for text in messages:
            await asyncio.to_thread(api.send_text, openid, text)
    except WeChatApiError as exc:
        if exc.errcode == UNSUBSCRIBED:
            return "blocked"
        if exc.errcode == OUT_OF_WINDOW:
            logger.info("a follow-up is past WeChat's 48 h: it goes with the next reply")
        return "pending"
    return "sent"


async def keep_delivering(
    api: WeChatApi,
    journal: TeachJournal,
    knowledge: LiveKnowledge,
    last_seen: Recent[str, float],
    stop: asyncio.Event,
    every: float = OWED_EVERY,
    desk: HandoffDesk | None = None,
) -> None:
    """Until `stop`: send what teaches queued for WeChat residents, and staff's answers."""
    while not stop.is_set():
        try:
            await deliver(api, journal, knowledge, last_seen)
            if desk is not None:
                await deliver_answers(api, desk, last_seen)
        except Exception:  # the loop must outlive any one failure
            logger.exception("sending WeChat follow-ups failed; trying again later")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)
