"""What a turn leaves for the next one to be read in: pure, so `eval` keeps a
conversation exactly as the chat does."""

from __future__ import annotations

from bot.context import Context
from bot.dialogue.choice import Choice
from bot.kb.model import Fact, Lang
from bot.match import MatchResult

KEEPS_QUESTION = frozenset({"switch", "option"})
"""Readings whose own text says nothing (那合一呢): the question before them stays the one
a next 那…呢 asks again."""


def after_question(
    context: Context, result: MatchResult, choice: Choice, lang: Lang, now: float
) -> Context:
    """The context after answering, asking back or declining `result` as `choice` did."""
    question = _question_kept(context, result)
    if choice.outcome == "answered" and choice.match is not None:
        return _about(choice.match.fact, question, lang, now)
    if choice.outcome == "clarify":
        return _asked_back(choice, question, lang, now)
    if result.related:  # a detail the fact lacks: the fact is still what it is about
        return _about(result.related[0].fact, question, lang, now)
    # nothing known of it: what came before is still what a 伊/那 would point at
    return Context(
        context.fact_id, context.committee_id, context.options, context.question, lang, now
    )


def _question_kept(context: Context, result: MatchResult) -> str:
    """The question a next 那…呢 asks again: this one, unless it said nothing itself."""
    kept = result.context is not None and result.context.how in KEEPS_QUESTION
    return context.question if kept and context.question else result.normalized


def _asked_back(choice: Choice, question: str, lang: Lang, now: float) -> Context:
    """After "did you mean": its options, and their committee when they share one."""
    options = tuple(m.fact.id for m in choice.options)
    committees = {m.fact.committee_id for m in choice.options}
    committee = committees.pop() if len(committees) == 1 else None
    return Context(None, committee, options, question, lang, now)


def after_fact(context: Context, fact: Fact, now: float) -> Context:
    """The context after showing `fact` (a button: a topic's fact, a "did you mean" pick)."""
    return _about(fact, context.question, context.lang, now)


def _about(fact: Fact, question: str, lang: Lang | None, now: float) -> Context:
    return Context(fact.id, fact.committee_id, (), question, lang, now)
