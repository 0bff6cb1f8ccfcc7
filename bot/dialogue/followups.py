"""Follow-ups as residents see them: "you asked … earlier; there is an answer now", and
the /followups on|off command. The records live in `bot.teachlog`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.dialogue import render, texts
from bot.dialogue.handoff import answer_reply
from bot.dialogue.types import Reply
from bot.kb.model import KnowledgeBase, Lang

if TYPE_CHECKING:
    from bot.dialogue.conversation import Dialogue, _Turn
    from bot.dialogue.types import User
    from bot.teachlog import FollowUp

SWITCH: dict[str, bool] = {"off": False, "关": False, "关闭": False, "on": True, "开": True}


def followup_reply(kb: KnowledgeBase, followup: FollowUp) -> Reply | None:
    """The message for one follow-up, in the resident's language; None if the fact is gone."""
    fact = kb.fact(followup.fact_id)
    if fact is None:
        return None
    lang: Lang = followup.lang
    text = texts.FOLLOW_UP.in_lang(lang).format(
        question=followup.question, answer=render.fact_text(kb, fact, lang)
    )
    return Reply(text, buttons=render.back_rows(kb, fact, lang), lang=lang)


def followups_command(dialogue: Dialogue, turn: _Turn, arg: str, lang: Lang) -> Reply:
    """/followups off | on."""
    choice = SWITCH.get(arg.casefold())
    journal = dialogue.journal
    if choice is None or journal is None:
        return Reply(texts.FOLLOWUPS_ASK.in_lang(lang), lang=lang)
    if not journal.set_followups(turn.user.id, choice):
        return Reply(texts.SAVE_FAILED.in_lang(lang), lang=lang)
    return Reply((texts.FOLLOWUPS_ON if choice else texts.FOLLOWUPS_OFF).in_lang(lang), lang=lang)


def due_replies(dialogue: Dialogue, user: User) -> list[Reply]:
    """What waits for `user`, marked delivered: follow-ups of taught questions, then staff's
    answers to their hand-offs. For front ends that show them at the user's next turn
    (console, web) rather than sending them at once (Telegram)."""
    due: list[Reply] = []
    if dialogue.journal is not None:
        kb = dialogue.knowledge.current.kb
        replies = (followup_reply(kb, f) for f in dialogue.journal.due_for(user.id))
        due += [reply for reply in replies if reply is not None]
    if dialogue.handoffs is not None:
        due += [answer_reply(handoff) for handoff in dialogue.handoffs.due_for(user.id)]
    return due


def pending_answers(dialogue: Dialogue, user: User) -> list[Reply]:
    """Staff's answers waiting for `user`, left undelivered: for a front end that marks
    them delivered only once its screen has shown them (`acknowledge_answers`)."""
    if dialogue.handoffs is None:
        return []
    return [answer_reply(handoff) for handoff in dialogue.handoffs.pending_for(user.id)]


def acknowledge_answers(dialogue: Dialogue, user: User, handoff_ids: Sequence[int]) -> list[int]:
    """Close the hand-offs whose answers `user`'s screen has shown; the ids closed."""
    if dialogue.handoffs is None or not handoff_ids:
        return []
    return dialogue.handoffs.acknowledge(user.id, list(handoff_ids))
