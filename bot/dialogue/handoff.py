"""Reaching a person: a message that asks for one (找工作人员, 转人工, 我要留言, talk to a
person — the words are data, `knowledge/handoff.yaml`) opens a hand-off to the street's
staff (bot.handoffs), and the resident is told plainly who will see it and how long an
answer may take. Staff's answer comes back through `answer_reply`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from bot.dialogue import texts
from bot.dialogue.phrases import Units, cut, first_of, phrase_units, units
from bot.dialogue.types import Reply
from bot.kb.handoff import HandoffWords
from bot.kb.model import KnowledgeBase, Lang

if TYPE_CHECKING:
    from bot.handoffs import Handoff, HandoffDesk

QUOTED_CHARS = 60
"""How much of the resident's message the answer quotes back."""


@lru_cache(maxsize=8)
def _compiled(words: HandoffWords) -> tuple[tuple[Units, ...], tuple[Units, ...]]:
    return phrase_units(words.asks), phrase_units(words.not_handoff)


def asks_for_person(words: HandoffWords | None, text: str) -> bool:
    """True when `text` asks for a person (a phrase of handoff.yaml's `asks`)."""
    if words is None:
        return False
    asks, not_handoff = _compiled(words)
    return first_of(cut(units(text), not_handoff), asks) is not None


def handoff_reply(
    desk: HandoffDesk | None, kb: KnowledgeBase, user_id: str, text: str, lang: Lang
) -> Reply | None:
    """The reply to a message asking for a person (a hand-off opened, or why not), or
    None when it asks for no one."""
    if not asks_for_person(kb.handoff_words, text):
        return None
    fallback = kb.fallback.in_lang(lang)
    if desk is None:  # a front end without the queue (tests, tools): say so, promise nothing
        return Reply(texts.HANDOFF_UNAVAILABLE.in_lang(lang).format(fallback=fallback), lang=lang)
    opened = desk.open(user_id, text, lang)
    staff = texts.HANDOFF_STAFF.in_lang(lang).format(street=kb.street.display_name(lang))
    if opened.outcome == "opened":
        message = texts.HANDOFF_OPENED.in_lang(lang).format(id=opened.handoff_id, staff=staff)
        return Reply(message, lang=lang, handoff_id=opened.handoff_id)
    if opened.outcome == "added":
        return Reply(texts.HANDOFF_ADDED.in_lang(lang).format(id=opened.handoff_id), lang=lang)
    if opened.outcome == "limited":
        return Reply(texts.HANDOFF_LIMITED.in_lang(lang).format(fallback=fallback), lang=lang)
    return Reply(texts.HANDOFF_FAILED.in_lang(lang).format(fallback=fallback), lang=lang)


def answer_reply(handoff: Handoff) -> Reply:
    """Staff's answer as the resident reads it, quoting what they asked."""
    asked = " ".join(handoff.message.split())
    if len(asked) > QUOTED_CHARS:
        asked = asked[: QUOTED_CHARS - 1] + "…"
    text = texts.HANDOFF_ANSWER.in_lang(handoff.lang).format(
        id=handoff.id, message=asked, answer=handoff.answer or ""
    )
    return Reply(text, lang=handoff.lang, answers_handoff=handoff.id)
