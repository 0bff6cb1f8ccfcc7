"""Reading a question in the conversation so far.

Residents talk: after an answer about 孝和's grocery app they ask 伊拉一天多少单, 那合一呢 or
要付钞票伐, with no topic of their own. Such a follow-up is still answered from a fact of
the knowledge base, or declined; context only says which fact it is about:

- a question with no topic of its own (its weighty words, if any, are all words of the
  last committee's facts, or it leans on 伊/那/it) is read against the last committee's
  facts, the last fact first; a detail it asks is answered from that fact, or declined
  with that fact offered ("关于… 我只知道…");
- a committee named alone (那合一呢, what about Heyi?) asks the last question again of that
  committee; another subject with 呢 (睿德会呢) asks the last question's details of it;
- a committee named among the last "did you mean" options picks that option;
- anything else, a question of its own, is matched fresh, as if nothing came before.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bot.context import Context
from bot.kb.model import Fact
from bot.match.details import asked_details
from bot.match.normalize import normalize
from bot.match.tokenize import GENERIC_TERMS
from bot.match.types import ContextUse, Match, MatchResult, QueryTerm, Reading

if TYPE_CHECKING:
    from bot.match.matcher import Matcher

REFERRING = ("那", "这个", "这", "伊", "它", "其", "他们", "她们", "它们", "那里", "该")
"""Words that point back at what was just said (read after normalisation: 伊拉 → 他们)."""
REFERRING_EN = ("it", "its", "they", "them", "their", "that", "this", "there", "he", "she")
SWITCH_ENDINGS = ("呢",)
SWITCH_STARTS_EN = ("what about", "how about", "and ")
TOPIC_WEIGHT = 0.5
"""A question term from this share of an unknown word's weight is a topic of its own,
unless the last committee's facts use it."""


def read_in_context(
    matcher: Matcher, reading: Reading, fresh: MatchResult, context: Context, street: str | None
) -> MatchResult:
    """`fresh` (the question matched on its own), or the question read as a follow-up of
    `context` when it has no topic of its own."""
    kb = matcher.kb
    last = kb.fact(context.fact_id) if context.fact_id else None
    committee = context.committee_id if kb.committee(context.committee_id) else None
    if last is None and committee is None:
        return fresh
    if reading.named is not None:
        return _naming(matcher, reading, fresh, context, street)
    own = _own_topic(matcher, reading, last, committee)
    if own:
        if _switches(reading):  # 睿德会呢: the last question's details, of this subject
            return _carried_details(matcher, reading, context, street) or fresh
        why = f"a topic of its own ({', '.join(own)}): matched on its own"
        return replace(fresh, context=ContextUse("fresh", why, context.fact_id))
    return _follow_up(matcher, reading, fresh, last, committee, street)


# --- a committee named ----------------------------------------------------------------


def _naming(
    matcher: Matcher, reading: Reading, fresh: MatchResult, context: Context, street: str | None
) -> MatchResult:
    named = reading.named
    if _topical(matcher, reading) or named == context.committee_id or not context.question:
        picked = _option_of(matcher, reading, context)
        return picked or replace(fresh, context=ContextUse("fresh", "names its own topic"))
    picked = _option_of(matcher, reading, context)
    if picked is not None:
        return picked
    again = _asked_of(matcher, context.question, named, street, extra=reading)
    why = "only a committee named: the last question asked of it"
    return replace(again, context=ContextUse("switch", why, context.fact_id))


def _option_of(matcher: Matcher, reading: Reading, context: Context) -> MatchResult | None:
    """The last "did you mean" offered a fact of the committee now named: that one."""
    kb = matcher.kb
    for fact_id in context.options:
        fact = kb.fact(fact_id)
        if fact is not None and fact.committee_id == reading.named:
            match = Match(fact, 100.0, fact.title.in_lang(reading.lang), (), "option")
            use = ContextUse("option", "names the committee of a “did you mean” option", fact_id)
            return _answered(reading, match, use)
    return None


def _asked_of(
    matcher: Matcher, question: str, committee_id: str | None, street: str | None, extra: Reading
) -> MatchResult:
    """`question` (an earlier one) asked again of another committee."""
    earlier = matcher.read(question, street)
    details = tuple(dict.fromkeys((*earlier.details, *extra.details)))
    reading = replace(
        earlier,
        question=extra.question,
        lang=extra.lang,
        named=committee_id,
        details=details,
    )
    return matcher.judge(reading, street)


def _carried_details(
    matcher: Matcher, reading: Reading, context: Context, street: str | None
) -> MatchResult | None:
    """A new subject with 呢: what the last question asked (how many people), of it."""
    if not context.question:
        return None
    earlier = asked_details(normalize(context.question), matcher.index.street_names)
    if not earlier:
        return None
    details = tuple(dict.fromkeys((*reading.details, *earlier)))
    result = matcher.judge(replace(reading, details=details), street)
    why = "another subject with 呢: the last question's details asked of it"
    return replace(result, context=ContextUse("switch", why, context.fact_id))


# --- no committee named -----------------------------------------------------------------


def _own_topic(
    matcher: Matcher, reading: Reading, last: Fact | None, committee: str | None
) -> list[str]:
    """The question's weighty words that the last committee's facts (or the last fact)
    never use: a topic of its own. None when it leans on 伊/那/it."""
    if _refers_back(reading):
        return []
    index = matcher.index
    known = _terms_of(matcher, last, committee)
    floor = TOPIC_WEIGHT * index.unknown_weight
    return [
        t.surface or t.term
        for t in reading.terms
        if t.term not in GENERIC_TERMS and t.term not in known and index.weight(t.term) >= floor
    ]


def _terms_of(matcher: Matcher, last: Fact | None, committee: str | None) -> frozenset[str]:
    index = matcher.index
    wanted = {last.id} if last else set()
    if committee is not None:
        owner = matcher.kb.committee(committee)
        wanted.update(fact.id for fact in owner.facts) if owner else None
    numbers = {index.fact_numbers[f] for f in wanted if f in index.fact_numbers}
    terms: set[str] = set()
    for doc in index.documents:
        if doc.fact_index in numbers:
            terms.update(doc.terms)
    return frozenset(terms)


def _follow_up(
    matcher: Matcher,
    reading: Reading,
    fresh: MatchResult,
    last: Fact | None,
    committee: str | None,
    street: str | None,
) -> MatchResult:
    """The question read as about the last committee, the last fact unless another of
    its facts fits the question better."""
    scoped = replace(reading, named=committee) if committee else reading
    ranked = matcher.ranker.rank(list(scoped.terms), committee, street) if scoped.terms else []
    own = [m for m in ranked if m.fact.committee_id == committee and m.kind != "name"]
    floor = matcher.scoring.named_fact_floor
    if own and own[0].score >= floor and (last is None or own[0].fact.id != last.id):
        best = own[0]
        why = "no topic of its own: read as about the last committee"
    elif last is not None:
        best = next((m for m in ranked if m.fact.id == last.id), None) or Match(
            last, floor, last.title.in_lang(reading.lang), (), "context"
        )
        why = "no topic of its own: read as about the last fact"
    else:
        return fresh
    rest = [m for m in ranked if m.fact.id != best.fact.id]
    result = matcher.judge(scoped, street, ranked=[best, *rest])
    return replace(result, context=ContextUse("follow-up", why, last.id if last else None))


# --- helpers ----------------------------------------------------------------------------


def _topical(matcher: Matcher, reading: Reading) -> list[QueryTerm]:
    floor = TOPIC_WEIGHT * matcher.index.unknown_weight
    return [
        t
        for t in reading.terms
        if t.term not in GENERIC_TERMS and matcher.index.weight(t.term) >= floor
    ]


def _refers_back(reading: Reading) -> bool:
    text = reading.normalized
    if reading.lang == "en":
        words = set(text.replace("?", " ").replace("'", " ").split())
        return bool(words.intersection(REFERRING_EN))
    return any(word in text for word in REFERRING)


def _switches(reading: Reading) -> bool:
    text = reading.normalized.rstrip("?？!! .。")
    return text.endswith(SWITCH_ENDINGS) or text.startswith(SWITCH_STARTS_EN)


def _answered(reading: Reading, match: Match, use: ContextUse) -> MatchResult:
    return MatchResult(
        question=reading.question,
        normalized=reading.normalized,
        lang=reading.lang,
        outcome="answered",
        candidates=(match,),
        named_committee=reading.named,
        confidence=1.0,
        context=use,
    )
