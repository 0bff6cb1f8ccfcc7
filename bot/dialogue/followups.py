"""Follow-ups as residents see them: "you asked … earlier; there is an answer now", and
the /followups on|off command. The records live in `bot.teachlog`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.dialogue import render, texts
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
    buttons = render.back_rows(kb, fact, lang)
    return Reply(text, buttons=buttons, lang=lang, followup_id=followup.log_id)


def followups_command(dialogue: Dialogue, turn: _Turn, arg: str, lang: Lang) -> Reply:
    """/followups off | on."""
    choice = SWITCH.get(arg.casefold())
    journal = dialogue.journal
    if choice is None or journal is None:
        return Reply(texts.FOLLOWUPS_ASK.in_lang(lang), lang=lang)
    if not journal.set_followups(turn.user.id, choice):
        return Reply(texts.SAVE_FAILED.in_lang(lang), lang=lang)
    return Reply((texts.FOLLOWUPS_ON if choice else texts.FOLLOWUPS_OFF).in_lang(lang), lang=lang)


def due_replies(dialogue: Dialogue, user: User, *, mark_sent: bool = True) -> list[Reply]:
    """Follow-ups waiting for `user`: for front ends that show them at the user's next turn
    (console, web) rather than sending them at once (Telegram). Marked sent, or with
    `mark_sent=False` left pending until the front end has shown them and calls
    `acknowledge` with their `followup_id`s (a web page: only its script knows)."""
    if dialogue.journal is None:
        return []
    kb = dialogue.knowledge.current.kb
    journal = dialogue.journal
    due = journal.due_for(user.id) if mark_sent else journal.pending_for(user.id)
    replies = (followup_reply(kb, f) for f in due)
    return [reply for reply in replies if reply is not None]


def acknowledge(dialogue: Dialogue, user: User, followup_ids: Sequence[int]) -> list[Reply]:
    """Mark sent the follow-ups that `user`'s screen has shown (`due_replies(…,
    mark_sent=False)`); the replies marked now, for the front end's record of the chat."""
    if dialogue.journal is None or not followup_ids:
        return []
    shown = {r.followup_id: r for r in due_replies(dialogue, user, mark_sent=False)}
    marked = dialogue.journal.acknowledge(user.id, [i for i in followup_ids if i in shown])
    return [shown[i] for i in marked]
