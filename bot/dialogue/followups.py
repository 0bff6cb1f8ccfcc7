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
    """What waits for `user`: follow-ups of taught questions, then staff's answers to their
    hand-offs. For front ends that show them at the user's next turn (console, web) rather
    than sending them at once (Telegram). Marked delivered, or with `mark_sent=False` left
    pending until the front end has shown them and calls `acknowledge` with their
    `delivery_key`s (a web page: only its script knows what reached the screen)."""
    return _followups(dialogue, user, mark_sent) + _staff_answers(dialogue, user, mark_sent)


def _followups(dialogue: Dialogue, user: User, mark_sent: bool) -> list[Reply]:
    journal = dialogue.journal
    if journal is None:
        return []
    kb = dialogue.knowledge.current.kb
    due = journal.due_for(user.id) if mark_sent else journal.pending_for(user.id)
    replies = (followup_reply(kb, f) for f in due)
    return [reply for reply in replies if reply is not None]


def _staff_answers(dialogue: Dialogue, user: User, mark_sent: bool) -> list[Reply]:
    desk = dialogue.handoffs
    if desk is None:
        return []
    due = desk.due_for(user.id) if mark_sent else desk.pending_for(user.id)
    return [answer_reply(handoff) for handoff in due]


def delivery_key(reply: Reply) -> str | None:
    """What a front end acknowledges a delayed reply by: "f<id>" for a follow-up, "h<id>"
    for a staff answer (two tables, so two id spaces); None for an ordinary reply."""
    if reply.followup_id is not None:
        return f"f{reply.followup_id}"
    if reply.answers_handoff is not None:
        return f"h{reply.answers_handoff}"
    return None


def acknowledge(dialogue: Dialogue, user: User, keys: Sequence[str]) -> list[Reply]:
    """Mark delivered what `user`'s screen has shown (`due_replies(…, mark_sent=False)`);
    the replies marked now, for the front end's record of the chat."""
    if not keys:
        return []
    pending = {delivery_key(r): r for r in due_replies(dialogue, user, mark_sent=False)}
    shown = [pending[key] for key in dict.fromkeys(keys) if key in pending]
    marked = _mark_followups(dialogue, user, shown) | _mark_answers(dialogue, user, shown)
    return [reply for reply in shown if delivery_key(reply) in marked]


def _mark_followups(dialogue: Dialogue, user: User, shown: list[Reply]) -> set[str]:
    ids = [reply.followup_id for reply in shown if reply.followup_id is not None]
    if not ids or dialogue.journal is None:
        return set()
    return {f"f{i}" for i in dialogue.journal.acknowledge(user.id, ids)}


def _mark_answers(dialogue: Dialogue, user: User, shown: list[Reply]) -> set[str]:
    ids = [reply.answers_handoff for reply in shown if reply.answers_handoff is not None]
    if not ids or dialogue.handoffs is None:
        return set()
    return {f"h{i}" for i in dialogue.handoffs.acknowledge(user.id, ids)}
