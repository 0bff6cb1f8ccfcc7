"""One conversation turn: a resident's message or button press in, a `Reply` out.

Transport-free: the console chat and the Telegram layer both call
`Dialogue.handle()`, so the same question gets the same answer in both.
Routing lives here, with commands and button kinds dispatched through the tables
at the end of this module; which answer to give is `choice.choose()`, and how
replies look is `render`.
"""

from __future__ import annotations

import logging
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bot.context import Context
from bot.dialogue import render, texts
from bot.dialogue.choice import Choice, choose
from bot.dialogue.committees import find_committee, name_like
from bot.dialogue.context import after_fact, after_question
from bot.dialogue.emergency import emergency_reply
from bot.dialogue.followups import followups_command
from bot.dialogue.handoff import handoff_reply
from bot.dialogue.language import LANG_CHOICES, choose_language, conversation_language
from bot.dialogue.payloads import STAFF_KINDS, Kind, decode, encode, parse_log_id, resolve
from bot.dialogue.settings import DEFAULT, DialogueSettings
from bot.dialogue.smalltalk import small_talk
from bot.dialogue.streets import (
    clarify_heading,
    committee_in_street,
    committee_list_text,
    resident_street,
    street_button,
    street_command,
)
from bot.dialogue.types import Button, ButtonPress, Incoming, NonText, Reply, TextMessage, User
from bot.kb.model import Committee, Fact, KnowledgeBase, Lang, Text
from bot.match import LiveKnowledge, MatchResult
from bot.match.answerability import Kind as DetailKind
from bot.match.answerability import detail_span
from bot.match.live import Snapshot
from bot.store import Preferences, Store

if TYPE_CHECKING:
    from bot.handoffs import HandoffDesk
    from bot.teachlog import TeachJournal

logger = logging.getLogger(__name__)

MAX_REPLY_CHARS = 4096  # Telegram's message limit
MAX_READ_CHARS = 4096
"""Longer input is refused unread: Telegram sends no more, and cleaning or matching a
megabyte line (the console reads whatever it is given) would hold the turn for minutes."""
MAX_QUESTION_CHARS = 500
NEAREST_KEPT = 3
"""Nearest facts logged with a question, for the admins' teach buttons."""


def _lead(result: MatchResult, fact: Fact, lang: Lang) -> str | None:
    """What an answer leads with: the detail a follow-up asked (read in context), else
    the clause that gives what the question asked."""
    if result.detail_span and fact is result.best_fact:
        return result.detail_span
    return lead_detail(fact, result.asked, lang)


def lead_detail(fact: Fact, asked: Iterable[DetailKind], lang: Lang) -> str | None:
    """The clause of the answer that gives what the question asked (890人次), if any."""
    spans = (detail_span(fact, kind, lang) for kind in sorted(asked, key=lambda k: k.value))
    return next((span for span in spans if span), None)


@dataclass(frozen=True)
class _Turn:
    """What one turn works with: a single snapshot of the knowledge, read once."""

    snapshot: Snapshot
    user: User
    prefs: Preferences
    context: Context
    """What the resident's conversation is about (expired: only its language)."""

    @property
    def kb(self) -> KnowledgeBase:
        return self.snapshot.kb


class Dialogue:
    """Turns residents' messages into replies; safe to call from several threads."""

    def __init__(
        self,
        knowledge: LiveKnowledge,
        store: Store,
        *,
        default_language: Lang = "zh",
        settings: DialogueSettings = DEFAULT,
        journal: TeachJournal | None = None,
        handoffs: HandoffDesk | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.store = store
        self.journal = journal  # follow-ups; None: /followups only explains itself
        self.handoffs = handoffs  # messages to staff; None: residents are told they cannot
        self.default_language = default_language
        self.settings = settings

    # --- entry point --------------------------------------------------------

    def handle(self, user: User, incoming: Incoming) -> Reply:
        """Answer one message or button press; never raises."""
        turn = _Turn(
            self.knowledge.current, user, self.store.preferences(user.id), self._context(user)
        )
        try:
            reply = self._dispatch(turn, incoming)
        except Exception:
            logger.exception("turn failed for %s", type(incoming).__name__)
            reply = self._say(texts.ERROR, self._lang(turn))
        return _fit(reply)

    def conversation_language(self, user: User) -> Lang:
        """The language of `user`'s conversation (a page's, its menus'): what a button
        press would be answered in."""
        prefs, context = self.store.preferences(user.id), self._context(user)
        return self._lang(_Turn(self.knowledge.current, user, prefs, context))

    def _dispatch(self, turn: _Turn, incoming: Incoming) -> Reply:
        if isinstance(incoming, TextMessage):
            return self._text(turn, incoming.text)
        if isinstance(incoming, ButtonPress):
            return self._button(turn, incoming.payload)
        if isinstance(incoming, NonText):
            return self._say(texts.NON_TEXT, self._lang(turn))
        raise TypeError(f"unexpected incoming {incoming!r}")

    def _lang(self, turn: _Turn, text: str | None = None) -> Lang:
        """The language to answer in; `text`: what the resident wrote (None: a button)."""
        return choose_language(
            chosen=turn.prefs.language,
            text=text,
            last=turn.context.lang,
            hint=turn.user.language_code,
            default=self.default_language,
        )

    # --- the conversation's context (kept in the store) ------------------------

    def _context(self, user: User) -> Context:
        lifetime = 60 * self.settings.context_minutes
        return self.store.context(user.id).as_of(time.time(), lifetime)

    def _last_lang(self, turn: _Turn, text: str) -> Lang:
        """The conversation's language after the resident wrote `text` (kept in the context)."""
        return conversation_language(
            text=text,
            last=turn.context.lang,
            hint=turn.user.language_code,
            default=self.default_language,
        )

    def _keep_language(self, turn: _Turn, text: str) -> None:
        lang = self._last_lang(turn, text)
        if lang != turn.context.lang:
            self.store.set_context(turn.user.id, replace(turn.context, lang=lang, at=time.time()))

    def _keep_context(self, turn: _Turn, text: str, result: MatchResult, choice: Choice) -> None:
        """What this question leaves for the next one to be read in."""
        now, last_lang = time.time(), self._last_lang(turn, text)
        after = after_question(turn.context, result, choice, last_lang, now)
        self.store.set_context(turn.user.id, after)

    def _keep_fact(self, turn: _Turn, fact: Fact) -> None:
        self.store.set_context(turn.user.id, after_fact(turn.context, fact, time.time()))

    @staticmethod
    def _say(text: Text, lang: Lang, **fields: str) -> Reply:
        return Reply(
            text.in_lang(lang).format(**fields) if fields else text.in_lang(lang), lang=lang
        )

    # --- text ---------------------------------------------------------------

    def _text(self, turn: _Turn, raw: str) -> Reply:
        text = clean_text(raw[:MAX_READ_CHARS])
        if len(raw) > MAX_READ_CHARS or len(text) > MAX_QUESTION_CHARS:
            self._keep_language(turn, text[:MAX_QUESTION_CHARS])
            return self._say(texts.TOO_LONG, self._lang(turn, text[:MAX_QUESTION_CHARS]))
        if text.startswith("/"):
            return self._command(turn, text)
        if not any(ch.isalnum() for ch in text):
            return self._say(texts.EMPTY, self._lang(turn))
        first = self._first_steps(turn, text)
        if first is not None:
            self._keep_language(turn, text)
            return first
        greeting = small_talk(text)
        if greeting:
            self._keep_language(turn, text)
            return self._say(greeting, self._lang(turn, text))
        return self._question(turn, text)

    def _first_steps(self, turn: _Turn, text: str) -> Reply | None:
        """What comes before any matching: an emergency's numbers (emergency.py), then a
        request for a person (handoff.py)."""
        lang = self._lang(turn, text)
        return emergency_reply(turn.kb, text, lang) or handoff_reply(
            self.handoffs, turn.kb, turn.user.id, text, lang
        )

    def _question(self, turn: _Turn, text: str) -> Reply:
        street = resident_street(turn.kb, turn.prefs)
        result = turn.snapshot.matcher.match(text, street=street, context=turn.context)
        lang = self._lang(turn, text)
        settings = self.settings.following(self.knowledge.settings)
        choice = choose(result, turn.prefs.home_committee, settings)
        log_id = self._log(turn, result, choice)
        self._keep_context(turn, text, result, choice)
        if result.listing and result.answered:
            return replace(render.listing(turn.kb, result.candidates, lang), open_log_id=log_id)
        if choice.outcome == "answered" and choice.match is not None:
            return render.answer(
                turn.kb,
                choice.match.fact,
                choice.options,
                lang,
                log_id,
                home_first=choice.home_first,
                lead=_lead(result, choice.match.fact, lang),
            )
        if choice.outcome == "clarify":
            heading = clarify_heading(result, texts.DID_YOU_MEAN)
            reply = render.did_you_mean(turn.kb, choice.options, lang, log_id, heading=heading)
        elif (detail := result.guards.missing_detail) is not None and result.related:
            fallback = turn.kb.fallback.in_lang(lang)
            reply = render.detail_unknown(turn.kb, detail, result.related[0].fact, lang, fallback)
        else:
            reply = self._declined(turn, lang)
        return replace(reply, open_log_id=log_id)

    def _log(self, turn: _Turn, result: MatchResult, choice: Choice) -> int | None:
        match = choice.match
        return self.store.log_question(
            turn.user.id,
            question=result.question,
            normalized=result.normalized,
            outcome=choice.outcome,
            fact_id=match.fact.id if match else None,
            score=match.score if match else None,
            lang=result.lang,
            nearest=[(m.fact.id, m.score) for m in result.candidates[:NEAREST_KEPT]],
        )

    def _declined(self, turn: _Turn, lang: Lang) -> Reply:
        text = texts.DECLINED.in_lang(lang).format(fallback=turn.kb.fallback.in_lang(lang))
        return Reply(text, buttons=render.topic_rows(turn.kb, lang), lang=lang)

    # --- commands (dispatched through COMMANDS) -------------------------------

    def _command(self, turn: _Turn, text: str) -> Reply:
        head, _, arg = text.partition(" ")
        name = head[1:].split("@", 1)[0].casefold()  # "/start@HuaihaiBot" in groups
        arg = arg.strip()
        lang = self._lang(turn, arg if arg and name == "committee" else None)
        command = COMMANDS.get(name)
        if command is None:
            return self._say(texts.UNKNOWN_COMMAND, lang)
        return command(self, turn, arg, lang)

    def _start(self, turn: _Turn, arg: str, lang: Lang) -> Reply:
        if turn.context.has_topic:  # a new start: nothing to follow up on
            self.store.set_context(turn.user.id, turn.context.without_topic())
        return Reply(
            texts.WELCOME.in_lang(lang), buttons=render.topic_rows(turn.kb, lang), lang=lang
        )

    def _help(self, turn: _Turn, arg: str, lang: Lang) -> Reply:
        return self._say(texts.HELP, lang)

    def _committee_list(self, turn: _Turn, arg: str, lang: Lang) -> Reply:
        return Reply(
            committee_list_text(turn.kb, lang),
            buttons=render.committee_rows(turn.kb, lang, Kind.COMMITTEE),
            lang=lang,
        )

    def _committee_named(self, turn: _Turn, arg: str, lang: Lang) -> Reply:
        if not arg:
            return self._committee_list(turn, arg, lang)
        committee = find_committee(turn.kb, arg, cutoff=self.settings.name_cutoff)
        if committee is not None:
            return committee_in_street(self, turn, committee, lang)
        # the name is echoed only when it looks like one: in a group, a link would go live
        echoed = name_like(arg)
        text = (
            texts.COMMITTEE_NOT_FOUND.in_lang(lang).format(name=echoed)
            if echoed
            else texts.COMMITTEE_NOT_FOUND_UNNAMED.in_lang(lang)
        )
        rows = render.committee_rows(turn.kb, lang, Kind.COMMITTEE)
        return Reply(text, buttons=rows, lang=lang)

    def _committee(self, turn: _Turn, committee: Committee, lang: Lang) -> Reply:
        kb, overview = turn.kb, committee.overview
        facts = [fact for fact in committee.facts if not fact.overview]
        name = render.name(committee, lang)
        parts = [render.fact_text(kb, overview, lang) if overview else name]
        if facts:
            parts.append(texts.COMMITTEE_FACTS.in_lang(lang).format(name=name))
        elif not overview:
            parts.append(texts.COMMITTEE_NO_FACTS.in_lang(lang).format(name=name))
        back = Button(texts.BACK_TO_COMMITTEES.in_lang(lang), encode(Kind.COMMITTEES))
        buttons = (*render.fact_rows(kb, facts, lang), (back,))
        return Reply("\n\n".join(parts), buttons=buttons, lang=lang)

    def _my_committee(self, turn: _Turn, arg: str, lang: Lang) -> Reply:
        text = texts.MY_COMMITTEE_ASK.in_lang(lang)
        current = turn.kb.committee(turn.prefs.home_committee)
        if current:
            current_name = render.name(current, lang)
            text += "\n" + texts.MY_COMMITTEE_CURRENT.in_lang(lang).format(name=current_name)
        return Reply(text, buttons=render.committee_rows(turn.kb, lang, Kind.HOME), lang=lang)

    def _set_lang(self, turn: _Turn, arg: str, lang: Lang) -> Reply:
        key = arg.casefold()
        if key not in LANG_CHOICES:
            buttons = (
                Button("中文", encode(Kind.LANG, "zh")),
                Button("English", encode(Kind.LANG, "en")),
                Button("自动 / Auto", encode(Kind.LANG, "auto")),
            )
            return Reply(texts.LANG_ASK.in_lang(lang), buttons=(buttons,), lang=lang)
        new = LANG_CHOICES[key]
        if not self.store.set_language(turn.user.id, new):
            return self._say(texts.SAVE_FAILED, lang)
        return self._say(texts.LANG_SET, new) if new else self._say(texts.LANG_AUTO, lang)

    # --- buttons (dispatched through BUTTONS) ---------------------------------

    def _button(self, turn: _Turn, raw: str) -> Reply:
        lang = self._lang(turn)
        payload = decode(raw)
        reply = BUTTONS[payload.kind](self, turn, payload.args, lang) if payload else None
        # None: the button names something that is gone, or is not one of ours
        return reply or self._say(texts.CHANGED, lang)

    def _menu(self, turn: _Turn, args: tuple[str, ...], lang: Lang) -> Reply:
        rows = render.topic_rows(turn.kb, lang)
        return Reply(texts.TOPIC_MENU.in_lang(lang), buttons=rows, lang=lang, replace_previous=True)

    def _committees_button(self, turn: _Turn, args: tuple[str, ...], lang: Lang) -> Reply:
        return replace(self._committee_list(turn, "", lang), replace_previous=True)

    def _topic(self, turn: _Turn, args: tuple[str, ...], lang: Lang) -> Reply | None:
        kb = turn.kb
        tag = resolve(args[0], kb.tags, kb.tag)
        tagged = kb.facts_tagged(tag.name) if tag else ()
        # a topic lists services; committee overviews are reached through /committees
        facts = [fact for fact in tagged if not fact.overview] or list(tagged)
        if tag is None or not facts:
            return None
        back = Button(texts.BACK_TO_TOPICS.in_lang(lang), encode(Kind.MENU))
        return Reply(
            texts.TOPIC_FACTS.in_lang(lang).format(topic=tag.label(lang)),
            buttons=(*render.fact_rows(kb, facts, lang), (back,)),
            lang=lang,
            replace_previous=True,
        )

    def _fact(self, turn: _Turn, args: tuple[str, ...], lang: Lang) -> Reply | None:
        fact = _fact(turn.kb, args[0])
        if fact is None:
            return None
        rows = render.back_rows(turn.kb, fact, lang)
        self._keep_fact(turn, fact)
        return Reply(render.fact_text(turn.kb, fact, lang), buttons=rows, lang=lang)

    def _committee_button(self, turn: _Turn, args: tuple[str, ...], lang: Lang) -> Reply | None:
        committee = _committee(turn.kb, args[0])
        return self._committee(turn, committee, lang) if committee else None

    def _save_home(self, turn: _Turn, args: tuple[str, ...], lang: Lang) -> Reply | None:
        committee = _committee(turn.kb, args[0])
        if committee is None:
            return None
        if not self.store.set_home_committee(turn.user.id, committee.id):
            return self._say(texts.SAVE_FAILED, lang)
        name = render.name(committee, lang)
        return replace(self._say(texts.MY_COMMITTEE_SAVED, lang, name=name), replace_previous=True)

    def _lang_button(self, turn: _Turn, args: tuple[str, ...], lang: Lang) -> Reply:
        return self._set_lang(turn, args[0], lang)

    def _picked(self, turn: _Turn, args: tuple[str, ...], lang: Lang) -> Reply | None:
        fact = _fact(turn.kb, args[1])
        if fact is None:
            return None
        logged = parse_log_id(args[0])
        recorded = logged is not None and self.store.record_choice(logged, turn.user.id, fact.id)
        if recorded and logged is not None:
            rows: render.Rows = (render.feedback_row(logged, lang),)
        else:
            rows = render.back_rows(turn.kb, fact, lang)
        text = render.fact_text(turn.kb, fact, lang)
        self._keep_fact(turn, fact)
        return Reply(text, buttons=rows, lang=lang, asks_feedback=recorded)

    def _none_fits(self, turn: _Turn, args: tuple[str, ...], lang: Lang) -> Reply:
        logged = parse_log_id(args[0])
        if logged is not None:
            self.store.record_rejection(logged, turn.user.id)
        text = texts.NONE_REPLY.in_lang(lang).format(fallback=turn.kb.fallback.in_lang(lang))
        return Reply(text, buttons=render.topic_rows(turn.kb, lang), lang=lang)

    def _feedback(self, turn: _Turn, args: tuple[str, ...], lang: Lang) -> Reply | None:
        sign, logged = args[0], parse_log_id(args[1])
        if sign not in ("+", "-") or logged is None:
            return None
        helpful = sign == "+"
        self.store.record_feedback(logged, turn.user.id, helpful)
        if helpful:
            return self._say(texts.THANKS_HELPFUL, lang)
        return self._say(texts.THANKS_NOT_HELPFUL, lang, fallback=turn.kb.fallback.in_lang(lang))

    def _staff_only(self, turn: _Turn, args: tuple[str, ...], lang: Lang) -> Reply:
        return self._say(texts.STAFF_ONLY, lang)


Command = Callable[[Dialogue, _Turn, str, Lang], Reply]
ButtonHandler = Callable[[Dialogue, _Turn, tuple[str, ...], Lang], Reply | None]

COMMANDS: dict[str, Command] = {
    "start": Dialogue._start,
    "help": Dialogue._help,
    "committees": Dialogue._committee_list,
    "committee": Dialogue._committee_named,
    "mycommittee": Dialogue._my_committee,
    "lang": Dialogue._set_lang,
    "followups": followups_command,
    "street": street_command,
}
"""/name → handler(dialogue, turn, argument, lang)."""

BUTTONS: dict[Kind, ButtonHandler] = {
    Kind.MENU: Dialogue._menu,
    Kind.TOPIC: Dialogue._topic,
    Kind.FACT: Dialogue._fact,
    Kind.PICK: Dialogue._picked,
    Kind.NONE_FITS: Dialogue._none_fits,
    Kind.COMMITTEE: Dialogue._committee_button,
    Kind.COMMITTEES: Dialogue._committees_button,
    Kind.HOME: Dialogue._save_home,
    Kind.LANG: Dialogue._lang_button,
    Kind.STREET: street_button,
    Kind.FEEDBACK: Dialogue._feedback,
    # admins' teach and hand-off buttons belong to bot.telegram: here (forged, console) refused
    **dict.fromkeys(STAFF_KINDS, Dialogue._staff_only),
}
"""Button kind → handler(dialogue, turn, payload arguments, lang); None means stale."""


# --- helpers ------------------------------------------------------------------


def clean_text(raw: str) -> str:
    """Control and format characters become spaces; whitespace is collapsed."""
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in raw)
    return " ".join(text.split())


def _fact(kb: KnowledgeBase, ref: str) -> Fact | None:
    return resolve(ref, kb.facts, kb.fact)


def _committee(kb: KnowledgeBase, ref: str) -> Committee | None:
    return resolve(ref, kb.committees, kb.committee)


def _fit(reply: Reply) -> Reply:
    if len(reply.text) <= MAX_REPLY_CHARS:
        return reply
    return replace(reply, text=reply.text[: MAX_REPLY_CHARS - 1] + "…")
