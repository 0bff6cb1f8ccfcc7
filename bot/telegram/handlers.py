"""Residents' side: Telegram updates in, one dialogue turn, the reply out."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram import Bot, Chat, Message, MessageEntity, ReplyParameters, Update
from telegram import User as TgUser
from telegram.constants import ChatType, MessageAttachmentType
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
from telegram.ext import ContextTypes

from bot.dialogue.language import lang_from_hint
from bot.dialogue.types import ButtonPress, Incoming, NonText, Reply, TextMessage, User
from bot.kb.model import Lang
from bot.store import user_log_key
from bot.telegram import texts
from bot.telegram.flood import FloodGate, Verdict
from bot.telegram.render import MAX_TEXT, keyboard, split_text
from bot.telegram.turns import Turns

if TYPE_CHECKING:
    from bot.config import Config
    from bot.dialogue import Dialogue

logger = logging.getLogger(__name__)

SEND_ATTEMPTS = 3
RETRY_DELAY = 0.5
"""Seconds before the first resend; doubled for each further one."""
ASK_COMMAND = "/ask"


@dataclass
class Residents:
    """The resident-facing handlers; one instance per application."""

    config: Config
    dialogue: Dialogue
    flood: FloodGate
    clock: Callable[[], float] = field(default=time.monotonic)
    handoff_opened: Callable[[Bot, int, dict[str, Any]], Awaitable[None]] | None = None
    """Told of each hand-off a resident's message opened, with where to answer them."""
    turns: Turns = field(init=False)
    """Dialogue turns run off the event loop: a slow question holds up no one else."""

    def __post_init__(self) -> None:
        self.turns = Turns(self.dialogue.handle)

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message is None or message.text is None:
            return
        text = addressed_text(message, context.bot)
        if text is not None:
            await self._converse(message, context.bot, TextMessage(text))

    async def on_non_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message is None:
            return
        if is_private(message.chat) or replies_to_bot(message, context.bot):
            await self._converse(message, context.bot, NonText(attachment_kind(message)))

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        user = self.user_of(query.from_user)
        verdict = self.flood.check(user.id, self.clock())
        if verdict is not Verdict.ALLOW:
            # a press must always be answered, or the client shows a spinner for long
            lang = language_of(query.from_user)
            notice = texts.SLOW_DOWN.in_lang(lang) if verdict is Verdict.WARN else None
            await answer_quietly(query.answer(notice))
            return
        await answer_quietly(query.answer())
        reply = await self.turns.run(user, ButtonPress(query.data or ""))
        message = query.message
        if reply.replace_previous and isinstance(message, Message) and len(reply.text) <= MAX_TEXT:
            try:
                await query.edit_message_text(reply.text, reply_markup=keyboard(reply))
                return
            except BadRequest as exc:  # "message is not modified", too old to edit …
                logger.info("editing message failed, sending a new one: %s", exc)
        chat_id = message.chat.id if message is not None else query.from_user.id
        await send_reply(context.bot, chat_id, reply)

    async def _converse(self, message: Message, bot: Bot, incoming: Incoming) -> None:
        if message.from_user is None:  # channel posts and anonymous admins
            return
        user = self.user_of(message.from_user)
        verdict = self.flood.check(user.id, self.clock())
        if verdict is Verdict.DROP:
            logger.info("flood limit: dropped a message from %s", user_log_key(user.id))
            return
        reply_to = None if is_private(message.chat) else message.message_id
        if verdict is Verdict.WARN:
            logger.info("flood limit: %s told to slow down", user_log_key(user.id))
            notice = Reply(texts.SLOW_DOWN.in_lang(language_of(message.from_user)))
            await send_reply(bot, message.chat.id, notice, reply_to=reply_to)
            return
        reply = await self.turns.run(user, incoming)
        await send_reply(bot, message.chat.id, reply, reply_to=reply_to)
        journal = self.dialogue.journal
        if reply.open_log_id is not None and journal is not None:
            # where to send the answer if an admin teaches it (sealed in the database)
            address = {"chat_id": message.chat.id, "reply_to": reply_to}
            journal.remember_address(reply.open_log_id, address)  # queued, never waits
        if reply.handoff_id is not None and self.handoff_opened is not None:
            address = {"chat_id": message.chat.id, "reply_to": reply_to}
            await self.handoff_opened(bot, reply.handoff_id, address)

    def user_of(self, tg_user: TgUser) -> User:
        return User(
            id=f"tg:{tg_user.id}",
            language_code=tg_user.language_code,
            is_admin=tg_user.id in self.config.admin_ids,
        )


def language_of(tg_user: TgUser | None) -> Lang:
    """The language to write to a Telegram user in when no conversation has set one."""
    return lang_from_hint(tg_user.language_code if tg_user else None)


def is_private(chat: Chat) -> bool:
    return chat.type == ChatType.PRIVATE


def replies_to_bot(message: Message, bot: Bot) -> bool:
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == bot.id)


def addressed_text(message: Message, bot: Bot) -> str | None:
    """The text meant for the bot, or None when a group message is not for it.

    Private chats: everything. Groups: `/ask 问题`, commands suffixed with our
    @name, messages mentioning @name (the mention is removed) and replies to
    the bot's own messages.
    """
    text = message.text or ""
    private = is_private(message.chat)
    username = (bot.username or "").lower()
    command = command_text(text, username, private=private)
    if command is not None:
        return command
    if private:
        return text
    mentioned = without_mentions(message, username)
    if mentioned is not None:
        return mentioned
    return text if replies_to_bot(message, bot) else None


def command_text(text: str, username: str, *, private: bool) -> str | None:
    """A command for us: any in a private chat, `/name@us` or `/ask` in a group."""
    command, _, rest = text.partition(" ")
    name, _, target = command.partition("@")
    if not command.startswith("/") or (target and target.lower() != username):
        return None
    if name.lower() == ASK_COMMAND:
        return rest.strip() or "/start"
    return f"{name} {rest}".strip() if private or target else None


def without_mentions(message: Message, username: str) -> str | None:
    """The text with our @mentions cut out, or None when it does not mention us."""
    mentions = [
        entity
        for entity, value in message.parse_entities([MessageEntity.MENTION]).items()
        if value.lower() == f"@{username}"
    ]
    if not mentions:
        return None
    text = message.text or ""
    for entity in sorted(mentions, key=lambda e: e.offset, reverse=True):
        text = remove_entity(text, entity)
    return " ".join(text.split()) or "/start"


def remove_entity(text: str, entity: MessageEntity) -> str:
    """Cut an entity out; its offsets count UTF-16 code units, as Telegram's do."""
    encoded = text.encode("utf-16-le")
    start, end = entity.offset * 2, (entity.offset + entity.length) * 2
    return (encoded[:start] + encoded[end:]).decode("utf-16-le")


def attachment_kind(message: Message) -> str:
    for kind in MessageAttachmentType:
        if getattr(message, kind.value, None):
            return kind.value
    return "other"


async def send_reply(bot: Bot, chat_id: int, reply: Reply, *, reply_to: int | None = None) -> None:
    """Send as plain text (no parse_mode), split at 4096 characters, buttons on the last part."""
    chunks = split_text(reply.text)
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        await send_with_retry(
            bot,
            chat_id=chat_id,
            text=chunk,
            reply_markup=keyboard(reply) if last else None,
            reply_parameters=(
                ReplyParameters(reply_to, allow_sending_without_reply=True)
                if reply_to is not None and i == 0
                else None
            ),
        )


async def send_with_retry(bot: Bot, **kwargs: object) -> None:
    """sendMessage, retried on 5xx and connection failures.

    Not retried: time-outs (the message may have gone out; a retry would duplicate
    it) and BadRequest (retrying cannot help). 429s are retried by AIORateLimiter.
    """
    for attempt in range(SEND_ATTEMPTS):
        try:
            await bot.send_message(**kwargs)  # type: ignore[arg-type]
            return
        except (TimedOut, BadRequest):
            raise
        except NetworkError as exc:
            if attempt == SEND_ATTEMPTS - 1:
                raise
            logger.warning("sendMessage failed (%s), retrying", exc)
            await asyncio.sleep(RETRY_DELAY * 2**attempt)


async def answer_quietly(answering: Awaitable[bool]) -> None:
    """Await a callback-query answer; a stale query must not stop the reply."""
    try:
        await answering
    except TelegramError as exc:  # "query is too old", a network blip …
        logger.info("answerCallbackQuery failed: %s", exc)
