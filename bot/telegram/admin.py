"""Street staff's commands: /reload, /unanswered [N] (with teach buttons), /wording,
/undo, /stats.

/unanswered sends one message per group of unanswered questions (the first N), with
the wording a teach will write, a toggle per other wording of the group, and a button
per nearest fact; pressing one teaches the wording (as /wording changed it) to that
fact (bot.kb.teach via `Teaching`), the running knowledge is reloaded at once, and
residents who asked that wording, or a ticked one, are sent the answer
(bot.telegram.followups). Teaching runs in a worker thread: it reads and writes files
and the database.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from telegram import CallbackQuery, Message, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.admin import teach_replies
from bot.admin import teach_texts as teach_text
from bot.admin.teaching import TeachGroup, Teaching
from bot.dialogue.payloads import TEACH_KINDS, Kind, decode, parse_log_id, resolve
from bot.dialogue.types import Reply
from bot.kb.model import Lang
from bot.numbers import parse_whole
from bot.store import user_log_key
from bot.telegram import texts
from bot.telegram.followups import deliver
from bot.telegram.handlers import answer_quietly, language_of, send_reply
from bot.telegram.reloading import Reloader, reload_failed_text, reloaded_text
from bot.telegram.render import MAX_TEXT, keyboard

if TYPE_CHECKING:
    from bot.config import Config
    from bot.match.live import LiveKnowledge
    from bot.store import Stats, Store

logger = logging.getLogger(__name__)

COMMANDS = ("reload", "unanswered", "wording", "undo", "stats")
REPORT_DAYS = 7
DEFAULT_TOP, MAX_TOP = 5, 20
BUTTON_PATTERN = "^(" + "|".join(kind.value for kind in TEACH_KINDS) + "):"
"""The callback data of admins' buttons (routed here, not to the residents' dialogue)."""
REMEMBERED_CHOICES = 200
"""Groups whose edited wording and ticks are kept in memory (the newest)."""


@dataclass
class Choice:
    """What an admin chose for one group before pressing ➕: the wording and the ticks."""

    wording: str | None = None
    ticked: set[str] = field(default_factory=set)


@dataclass
class Admin:
    config: Config
    knowledge: LiveKnowledge
    store: Store
    reloader: Reloader
    teaching: Teaching
    choices: OrderedDict[int, Choice] = field(default_factory=OrderedDict)
    """Per group (its log id in the buttons): the edited wording and the ticked forms."""

    async def reload(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if (lang := self._authorise(update, "/reload")) is None:
            return await self._refuse(update, context)
        result = await self.reloader.reload(f"/reload by {_logged_who(update)}")
        self.reloader.mark_reported(result)
        await asyncio.to_thread(self._record_reload, _who(update), result.ok)
        text = reloaded_text(result, lang) if result.ok else reload_failed_text(result, lang)
        await self._answer(update, context, Reply(text))

    def _record_reload(self, by: str, ok: bool) -> None:
        """Who reloaded, for the web page's and the report's action log."""
        journal = self.teaching.journal
        if journal is None:
            return
        try:
            journal.record_reload(by, "/reload: " + ("ok" if ok else "refused"))
        except self.store.database_errors:
            logger.exception("the reload by an admin was not recorded")

    async def unanswered(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A header, then each group with its teach buttons."""
        if (lang := self._authorise(update, "/unanswered")) is None:
            return await self._refuse(update, context)
        top = _top_n(context.args)
        page = await asyncio.to_thread(self.teaching.page, 1, top, days=REPORT_DAYS, lang=lang)
        if not page.groups:
            text = teach_text.NO_GROUPS.in_lang(lang).format(days=REPORT_DAYS)
            return await self._answer(update, context, Reply(text))
        header = teach_text.UNANSWERED_HEADER.in_lang(lang).format(
            days=REPORT_DAYS, total=page.total, shown=len(page.groups)
        )
        await self._answer(update, context, Reply(header))
        for n, group in enumerate(page.groups, start=page.first):
            await self._answer(update, context, self._group_reply(group, n, page.total, lang))

    def _group_reply(self, group: TeachGroup, n: int, total: int, lang: Lang) -> Reply:
        choice = self.choices.get(group.log_id, Choice())
        kb = self.knowledge.current.kb
        return teach_replies.group_reply(
            kb, group, n, total, lang, wording=choice.wording, ticked=choice.ticked
        )

    def _choice(self, log_id: int) -> Choice:
        """The group's choice, made if new; the oldest are forgotten past the limit."""
        choice = self.choices.setdefault(log_id, Choice())
        self.choices.move_to_end(log_id)
        while len(self.choices) > REMEMBERED_CHOICES:
            self.choices.popitem(last=False)
        return choice

    async def wording(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/wording LOG_ID new wording: what the next ➕ of that group writes."""
        if (lang := self._authorise(update, "/wording")) is None:
            return await self._refuse(update, context)
        args = context.args or []
        log_id = parse_log_id(args[0]) if args else None
        wording = " ".join(args[1:]).strip()
        group = await asyncio.to_thread(self.teaching.group_of, log_id, lang) if log_id else None
        if log_id is None or not wording:
            return await self._answer(
                update, context, Reply(teach_text.WORDING_USAGE.in_lang(lang))
            )
        if group is None:
            return await self._answer(update, context, Reply(teach_text.GROUP_GONE.in_lang(lang)))
        self._choice(log_id).wording = wording
        text = teach_text.WORDING_SET.in_lang(lang).format(wording=wording)
        await self._answer(update, context, Reply(text))

    async def undo(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if (lang := self._authorise(update, "/undo")) is None:
            return await self._refuse(update, context)
        outcome = await asyncio.to_thread(self.teaching.undo, by=_who(update), lang=lang)
        await self._answer(update, context, Reply(outcome.message))

    async def stats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if (lang := self._authorise(update, "/stats")) is None:
            return await self._refuse(update, context)
        # the store may wait for queued writes: never on the event loop
        stats = await asyncio.to_thread(self.store.stats, datetime.now().astimezone())
        await self._answer(update, context, Reply(stats_text(stats, lang)))

    # --- the teach buttons ---------------------------------------------------------------

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        lang = self._authorise(update, f"button {query.data}")
        if lang is None:
            refusal = texts.REFUSAL.in_lang(language_of(update.effective_user))
            return await answer_quietly(query.answer(refusal, show_alert=True))
        await answer_quietly(query.answer())
        payload = decode(query.data or "")
        log_id = parse_log_id(payload.args[0]) if payload else None
        group = await asyncio.to_thread(self.teaching.group_of, log_id, lang) if log_id else None
        if payload is None or group is None or log_id is None:
            return await _show(query, context, Reply(teach_text.GROUP_GONE.in_lang(lang)))
        if payload.kind is Kind.TICK:
            return await self._tick(query, context, group, (log_id, payload.args[1]), lang)
        handler = BUTTONS[payload.kind]
        reply = await handler(self, group, payload.args, _who(update), lang, context)
        await _show(query, context, reply)

    async def _teach(
        self, group: TeachGroup, args: tuple[str, ...], by: str, lang: Lang, context: Context
    ) -> Reply:
        kb = self.knowledge.current.kb
        fact = resolve(args[1], kb.facts, kb.fact)
        if fact is None:
            return Reply(teach_text.GROUP_GONE.in_lang(lang))
        choice = self.choices.get(int(args[0]), Choice())
        outcome = await asyncio.to_thread(
            self.teaching.teach,
            choice.wording or group.example,
            fact.id,
            by=by,
            lang=lang,
            forms=group.forms_for(choice.ticked),
        )
        if outcome.ok:
            self.choices.pop(int(args[0]), None)
        if self.teaching.journal is None or not outcome.followups:
            return Reply(outcome.message)
        journal = self.teaching.journal
        sent = await deliver(context.bot, journal, self.knowledge, outcome.followups)
        return Reply(outcome.delivered(sent, lang))

    async def _pick_committee(
        self, group: TeachGroup, args: tuple[str, ...], by: str, lang: Lang, context: Context
    ) -> Reply:
        return teach_replies.committee_picker(self.knowledge.current.kb, group, lang)

    async def _pick_fact(
        self, group: TeachGroup, args: tuple[str, ...], by: str, lang: Lang, context: Context
    ) -> Reply:
        kb = self.knowledge.current.kb
        committee = None
        if args[1] != teach_replies.STREET:
            committee = resolve(args[1], kb.committees, kb.committee)
            if committee is None:
                return Reply(teach_text.GROUP_GONE.in_lang(lang))
        return teach_replies.fact_picker(kb, group, committee, lang)

    async def _ignore(
        self, group: TeachGroup, args: tuple[str, ...], by: str, lang: Lang, context: Context
    ) -> Reply:
        outcome = await asyncio.to_thread(self.teaching.ignore, group, by=by, lang=lang)
        return Reply(outcome.message)

    async def _tick(
        self,
        query: CallbackQuery,
        context: Context,
        group: TeachGroup,
        pressed: tuple[int, str],
        lang: Lang,
    ) -> None:
        """Toggle whether the askers of one other wording are told too; the group's
        message keeps its text, its buttons show the ticks. `pressed`: (log id, form tag)."""
        log_id, tag = pressed
        form = next((f for f, _ in group.others if teach_replies.form_tag(f) == tag), None)
        if form is not None:
            self._choice(log_id).ticked.symmetric_difference_update({form})
        reply = self._group_reply(group, 1, 1, lang)
        message = query.message
        if isinstance(message, Message) and message.text:
            reply = replace(reply, text=message.text)
        await _show(query, context, reply)

    # --- helpers ------------------------------------------------------------------------

    def _authorise(self, update: Update, command: str) -> Lang | None:
        """The admin's language if allowed; every use is logged, allowed or not."""
        user = update.effective_user
        allowed = user is not None and user.id in self.config.admin_ids
        logger.info(
            "admin command %s by %s: %s",
            command,
            _logged_who(update),
            "allowed" if allowed else "refused",
        )
        return language_of(user) if allowed else None

    async def _refuse(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        text = texts.REFUSAL.in_lang(language_of(update.effective_user))
        await self._answer(update, context, Reply(text))

    async def _answer(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, reply: Reply
    ) -> None:
        message = update.effective_message
        if isinstance(message, Message):
            reply_to = None if message.chat.type == "private" else message.message_id
            await send_reply(context.bot, message.chat.id, reply, reply_to=reply_to)


Context = ContextTypes.DEFAULT_TYPE
ButtonHandler = Callable[[Admin, TeachGroup, tuple[str, ...], str, Lang, Context], Awaitable[Reply]]
BUTTONS: dict[Kind, ButtonHandler] = {
    Kind.TEACH: Admin._teach,
    Kind.TEACH_COMMITTEES: Admin._pick_committee,
    Kind.TEACH_COMMITTEE: Admin._pick_fact,
    Kind.IGNORE: Admin._ignore,
}
"""Admin button kind → handler(admin, group, payload arguments, who, lang, context)."""


async def _show(query: CallbackQuery, context: Context, reply: Reply) -> None:
    """Replace the pressed message with the reply (the group is settled or the picker
    moves on), or send it anew when the message cannot be edited."""
    message = query.message
    if isinstance(message, Message) and len(reply.text) <= MAX_TEXT:
        try:
            await query.edit_message_text(reply.text, reply_markup=keyboard(reply))
            return
        except BadRequest as exc:
            logger.info("editing the admin's message failed, sending a new one: %s", exc)
    chat_id = message.chat.id if message is not None else query.from_user.id
    await send_reply(context.bot, chat_id, reply)


def _who(update: Update) -> str:
    """The user id teaching records and undo looks up (the journal stores it hashed)."""
    user = update.effective_user
    return f"tg:{user.id}" if user else "unknown"


def _logged_who(update: Update) -> str:
    """How a log line names the user: the keyed hash, as the store does, never the id."""
    return user_log_key(_who(update)) if update.effective_user else "unknown"


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
