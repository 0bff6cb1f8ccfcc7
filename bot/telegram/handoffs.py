"""Hand-offs in Telegram: every admin is told of a resident's message, with a reply button;
the admin presses it (or replies to the notice) and types the answer, which goes to a
Telegram resident at once (to the chat they asked in) and waits for a web or console
resident's next visit.

Hand-offs opened elsewhere (the web chat, the console) and answers given on /admin reach
Telegram through `keep_going`, which looks every `EVERY` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram import Bot, ForceReply, Message, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.admin.handoffs import notice_text, queue_item
from bot.dialogue.handoff import answer_reply
from bot.dialogue.payloads import Kind, decode, encode
from bot.dialogue.types import Button, Reply
from bot.handoffs import ANSWER_MAX_CHARS, Handoff, HandoffDesk
from bot.kb.model import Lang
from bot.numbers import parse_whole
from bot.store import user_log_key
from bot.telegram import texts
from bot.telegram.handlers import answer_quietly, language_of, send_reply
from bot.telegram.reloading import admin_language

if TYPE_CHECKING:
    from bot.config import Config
    from bot.match.live import LiveKnowledge
    from bot.store import Store

logger = logging.getLogger(__name__)

EVERY = 10.0
"""Seconds between looks for hand-offs opened, and answers given, outside this process."""
BUTTON_PATTERN = f"^{Kind.HANDOFF_REPLY.value}:"
TextHandler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


@dataclass
class StaffDesk:
    """The admins' side of hand-offs; one per application."""

    config: Config
    desk: HandoffDesk
    knowledge: LiveKnowledge
    store: Store

    async def _lang(self, admin_id: int) -> Lang:
        return await asyncio.to_thread(
            admin_language, self.store, admin_id, self.config.default_language
        )

    # --- telling the admins ---------------------------------------------------------------

    async def opened(self, bot: Bot, handoff_id: int, address: dict[str, Any]) -> None:
        """A Telegram resident's hand-off: keep where to answer, then tell the admins."""
        await asyncio.to_thread(self.desk.remember_address, handoff_id, address)
        await self.notify_new(bot)

    async def notify_new(self, bot: Bot) -> int:
        """Tell every admin of the hand-offs no one was told of yet; how many there were."""
        handoffs = await asyncio.to_thread(self.desk.claim_unnotified)
        for handoff in handoffs:
            for admin_id in sorted(self.config.admin_ids):
                await self._notify(bot, admin_id, handoff)
        return len(handoffs)

    async def _notify(self, bot: Bot, admin_id: int, handoff: Handoff) -> None:
        lang = await self._lang(admin_id)
        item = queue_item(self.knowledge.current.kb, handoff, lang)
        button = Button(
            texts.HANDOFF_REPLY_BUTTON.in_lang(lang), encode(Kind.HANDOFF_REPLY, handoff.id)
        )
        try:
            await send_reply(bot, admin_id, Reply(notice_text(item, lang), buttons=((button,),)))
        except TelegramError as exc:  # "chat not found" until the admin has started the bot
            admin = user_log_key(f"tg:{admin_id}")  # ids only as keyed hashes, in logs too
            logger.warning("could not tell admin %s of hand-off %d: %s", admin, handoff.id, exc)

    # --- an admin answers -----------------------------------------------------------------

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The reply button: the admin's next message is the answer."""
        query = update.callback_query
        if query is None:
            return
        admin = query.from_user
        if admin.id not in self.config.admin_ids:
            refusal = texts.REFUSAL.in_lang(language_of(admin))
            return await answer_quietly(query.answer(refusal, show_alert=True))
        await answer_quietly(query.answer())
        payload = decode(query.data or "")
        handoff_id = parse_whole(payload.args[0], low=1) if payload else None
        lang = await self._lang(admin.id)
        handoff = await asyncio.to_thread(self.desk.get, handoff_id) if handoff_id else None
        if handoff is None or handoff.status != "open":
            await send_reply(context.bot, admin.id, Reply(texts.HANDOFF_GONE.in_lang(lang)))
            return
        await asyncio.to_thread(self.desk.choose, f"tg:{admin.id}", handoff.id)
        prompt = texts.HANDOFF_PROMPT.in_lang(lang).format(id=handoff.id)
        await context.bot.send_message(admin.id, prompt, reply_markup=ForceReply(selective=True))

    async def on_command(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Any command from an admin cancels the answer they chose (the prompt says so);
        it runs before the command's own handler, which then goes on as usual."""
        message = update.message
        admin = message.from_user if message else None
        if admin is not None and admin.id in self.config.admin_ids:
            await asyncio.to_thread(self.desk.take_choice, f"tg:{admin.id}")

    def or_else(self, residents_text: TextHandler) -> TextHandler:
        """The text handler: an admin's answer is taken here, anything else goes on."""

        async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            if not await self.take_answer(update, context):
                await residents_text(update, context)

        return handle

    async def take_answer(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
        """Record an admin's answer to the hand-off they chose; False when this message is
        not one (then it is an ordinary question). A command cancels the answer."""
        message = update.message
        admin = message.from_user if message else None
        if message is None or admin is None or admin.id not in self.config.admin_ids:
            return False
        # after the button (kept in the store, so across a restart too); or a reply to the
        # notice or the prompt
        chosen = await asyncio.to_thread(self.desk.take_choice, f"tg:{admin.id}")
        handoff_id = chosen or replied_handoff(message, context.bot)
        text = (message.text or "").strip()
        if handoff_id is None or not text or text.startswith("/"):
            return False
        lang = await self._lang(admin.id)
        await send_reply(
            context.bot,
            admin.id,
            Reply(await self._answer(context.bot, admin.id, handoff_id, text, lang)),
        )
        return True

    async def _answer(self, bot: Bot, admin_id: int, handoff_id: int, text: str, lang: Lang) -> str:
        """Record and deliver one answer; what to tell the admin."""
        if len(text) > ANSWER_MAX_CHARS:
            # the next message tries again
            await asyncio.to_thread(self.desk.choose, f"tg:{admin_id}", handoff_id)
            return texts.HANDOFF_TOO_LONG.in_lang(lang).format(limit=ANSWER_MAX_CHARS)
        answered = await asyncio.to_thread(self.desk.answer, handoff_id, text, f"tg:{admin_id}")
        if answered is None:
            return texts.HANDOFF_GONE.in_lang(lang)
        outcome = await self.deliver(bot, answered) if answered.channel == "tg" else None
        return _confirmation(answered, outcome, lang)

    # --- the answer to the resident ---------------------------------------------------------

    async def deliver(self, bot: Bot, handoff: Handoff) -> str:
        """Send an answered Telegram hand-off to the resident: sent, blocked or later."""
        if not await asyncio.to_thread(self.desk.claim_delivery, handoff.id):
            return "taken"  # another process is sending it: saved, not known to be sent
        address = handoff.address or {}
        try:
            chat_id = int(address.get("chat_id") or str(address["user"]).removeprefix("tg:"))
            reply_to = address.get("reply_to")
            await send_reply(bot, chat_id, answer_reply(handoff), reply_to=reply_to)
        except Forbidden as exc:
            logger.info(
                "hand-off %d not delivered, the resident blocked the bot: %s", handoff.id, exc
            )
            return "blocked"  # closed: never tried again
        except (TelegramError, KeyError, TypeError, ValueError) as exc:
            logger.warning("hand-off %d not delivered (%s); trying again later", handoff.id, exc)
            await asyncio.to_thread(self.desk.reopen_delivery, handoff.id, handoff.address)
            return "later"
        return "sent"

    async def keep_going(self, bot: Bot, stop: asyncio.Event, every: float = EVERY) -> None:
        """Until `stop`: tell admins of hand-offs opened elsewhere, and send Telegram
        residents the answers given on /admin (or earlier sends that failed)."""
        while not stop.is_set():
            try:
                await self.notify_new(bot)
                for handoff in await asyncio.to_thread(self.desk.undelivered, "tg"):
                    await self.deliver(bot, handoff)
            except Exception:  # the loop must outlive any one failure
                logger.exception("hand-off round failed; trying again later")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=every)


def _confirmation(handoff: Handoff, outcome: str | None, lang: Lang) -> str:
    if outcome is None:
        return texts.HANDOFF_SAVED.in_lang(lang).format(id=handoff.id)
    notice = {
        "sent": texts.HANDOFF_SENT,
        "blocked": texts.HANDOFF_BLOCKED,
        "later": texts.HANDOFF_LATER,
        "taken": texts.HANDOFF_TAKEN,
    }[outcome]
    return notice.in_lang(lang).format(id=handoff.id)


_HANDOFF_MARK = re.compile(r"#(\d+)")


def replied_handoff(message: Message, bot: Bot) -> int | None:
    """The hand-off named in the bot's message that `message` replies to (its notice or the
    prompt), if any."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != bot.id:
        return None
    found = _HANDOFF_MARK.search(replied.text or "")
    return parse_whole(found.group(1), low=1) if found else None
