"""Whether the fact a follow-up is about answers it (bot.match.answerability: the kinds
of information a question asks, the kinds an answer gives), with what a follow-up adds:
the committee is known, so "where" asks the exact place, "who" is answered by who they
are (退休教师), and a bare "when" by a time, a day or how often."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bot.kb.model import Fact, KnowledgeBase, Lang, Text
from bot.match.answerability import (
    Kind,
    asked_words,
    counts_what_is_asked,
    detail_span,
    given_for_the_question,
)
from bot.match.followwords import (
    asking_text,
    content_word,
    fact_terms,
    noun_stem,
    refers_back,
    said,
    says_any,
    topical,
    unpunctuated,
    with_close_topics,
    words,
)
from bot.match.types import ContextUse, Guards, Match, MatchResult, QueryTerm, Reading

if TYPE_CHECKING:
    from bot.match.matcher import Matcher

WHEN_KINDS = frozenset({Kind.HOURS, Kind.WEEKDAY, Kind.FREQUENCY})
"""What answers a follow-up's bare "when" (菜啥辰光送到): a time, a day or how often."""
PAST_WHEN_KINDS = WHEN_KINDS | {Kind.DATE}
"""What answers "when" of something that happened (啥辰光上线的, when was it set up): a date too."""
WHEN_ALREADY_ASKED = PAST_WHEN_KINDS | {Kind.FOUNDED}
"""Kinds that already say which "when" is meant (啥辰光成立: when it began)."""
PAST_ENDINGS = ("的", "了", "过", "个")  # 个: Shanghainese 的 (开出来个)
PAST_WORDS_EN = frozenset({"did", "was", "were", "started", "began", "opened"})
WHEN_LABEL = Text("具体时间", "the exact time")
PEOPLE = re.compile(r"[\u4e00-\u9fff](?:者|员|师|居民|市民|村民)")
"""A noun ending that names people by who they are: 志愿者, 队员, 退休教师, 居民."""

EVERY = re.compile(r"每(?:个)?(?:月|周|星期|礼拜|天|日|年)|定期")
AVERAGE = re.compile(r"平均|average")
"""平均每天: a statistic, not a schedule."""

Asked = dict[Kind, tuple[str, ...]]


@dataclass(frozen=True)
class Answerability:
    """What a question asks of one fact: whether it asks a detail at all, the label of
    a kind the fact lacks, or the span of its answer that gives what was asked."""

    asked: bool = False
    missing: Text | None = None
    span: str | None = None


def bound_to_fact(
    matcher: Matcher,
    reading: Reading,
    candidates: tuple[Match, ...],
    use: ContextUse,
    *,
    vouched: bool = False,
) -> MatchResult:
    """A follow-up about `candidates[0]`'s fact: answered from it, leading with the detail
    asked when it gives it; declined with the fact offered when it does not; declined
    plainly when it asks nothing in particular but speaks of things the fact never does
    (our building has no elevator …). `vouched`: the fact was found for the question on
    its own, which speaks for it."""
    best = candidates[0]
    detail = answerability(matcher, best.fact, asking_text(reading), reading.lang)
    answered = detail.missing is None and (
        vouched or detail.asked or not unexplained(matcher, reading, best.fact)
    )
    result = MatchResult(
        question=reading.question,
        normalized=reading.normalized,
        lang=reading.lang,
        outcome="answered" if answered else "declined",
        candidates=candidates,
        named_committee=reading.named,
        confidence=1.0 if answered else 0.0,
        context=use,
        detail_span=detail.span,
    )
    if detail.missing is None:
        return result
    return replace(result, guards=Guards(missing_detail=detail.missing), related=(best,))


def unexplained(matcher: Matcher, reading: Reading, fact: Fact) -> list[str]:
    """The question's words for things the fact never mentions: English words, and
    Chinese nouns unless the question points back (伊是啥个身份 asks of the person)."""
    index = matcher.index
    number = index.fact_numbers.get(fact.id)
    its_terms = fact_terms(index, number) if number is not None else frozenset()
    its_terms = with_close_topics(matcher.kb, its_terms)
    answer = f"{fact.answer.zh} {fact.answer.en.casefold()}"
    lenient = refers_back(matcher.kb, reading)
    missing = []
    for term in topical(index, reading):
        surface = term.surface or term.term
        if _spoken_of(matcher.kb, term, its_terms, answer):
            continue
        if surface.isascii() or (not lenient and content_word(index, term)):
            missing.append(surface)
    return missing


def _spoken_of(kb: KnowledgeBase, term: QueryTerm, its_terms: frozenset[str], answer: str) -> bool:
    """The fact speaks of the term: among its terms, in its answer, by its noun's stem
    (队里 → 队), or for English as the start of an answer's word (teaches: teachers)."""
    surface = term.surface or term.term
    if term.term in its_terms or surface in answer or noun_stem(kb, surface) in its_terms:
        return True
    return surface.isascii() and _begins_a_word_of(term.term, answer)


def _begins_a_word_of(stem: str, text: str) -> bool:
    """An English stem (teach) that begins a word of the text (teachers); four letters
    at least, so that no short stem begins half the words."""
    return len(stem) >= 4 and re.search(rf"\b{re.escape(stem)}", text) is not None


def answerability(matcher: Matcher, fact: Fact, question: str, lang: Lang) -> Answerability:
    """The one place follow-ups ask whether a fact gives the detail asked."""
    kb = matcher.kb
    asked = asked_in_follow_up(kb, question)
    when = _asks_when(kb, question, asked)
    if not asked and not when:
        return Answerability()
    given = _given(matcher, fact, lang, asked)
    if Kind.AMOUNT in asked and counts_what_is_asked(question, fact):
        given.add(Kind.AMOUNT)  # how many registered users: 475 registered users
    given = given_for_the_question(given, asked, question, fact, kb.asking)
    if _misses_when(fact, given, when):
        return Answerability(asked=True, missing=WHEN_LABEL)
    for kind in _by_precision(asked):
        if kind not in given:
            return Answerability(asked=True, missing=kb.asking.kinds[kind].label)
    kind = next(iter(_by_precision(asked)), None) or min(given & when, key=str)
    return Answerability(asked=True, span=detail_span(fact, kind, lang, asking=kb.asking))


def lacks_the_time_asked(matcher: Matcher, fact: Fact, question: str, lang: Lang) -> bool:
    """The question asks a bare "when" (一般什么时候送到) and the fact gives no time, day
    or frequency. A fresh question's "where" asks which committee, so only "when" counts."""
    kb = matcher.kb
    asked = asked_in_follow_up(kb, question)
    when = _asks_when(kb, question, asked)
    return bool(when) and _misses_when(fact, _given(matcher, fact, lang, asked), when)


def _misses_when(fact: Fact, given: set[Kind], when: frozenset[Kind]) -> bool:
    """A "when" is asked and the fact gives none of the kinds that answer it."""
    return bool(when) and not _gives_when(fact, given & when)


def asks_a_detail(matcher: Matcher, reading: Reading) -> bool:
    """The question asks a kind of information (a count, a name, where, when)."""
    text = asking_text(reading)
    asked = asked_in_follow_up(matcher.kb, text)
    return bool(asked or _asks_when(matcher.kb, text, asked) or _asks_who(matcher.kb, text))


def _asks_who(kb: KnowledgeBase, question: str) -> bool:
    return says_any(question, words(kb, "asks_who"))


def gives_what_is_asked(matcher: Matcher, fact: Fact, question: str, lang: Lang) -> bool:
    """The question asks a detail, and the fact gives it."""
    detail = answerability(matcher, fact, question, lang)
    return detail.asked and detail.missing is None


def _gives_when(fact: Fact, given: set[Kind]) -> bool:
    """A time, a day, or how often it happens; an average (平均每天14.86单) is a rate of
    use, not when it happens."""
    if given != {Kind.FREQUENCY}:
        return bool(given)
    return any(
        not AVERAGE.search(fact.answer.zh[: m.start()][-4:]) for m in EVERY.finditer(fact.answer.zh)
    )


def asked_in_follow_up(kb: KnowledgeBase, question: str) -> Asked:
    """The kinds asked, "where" as the exact place (the committee is already known)."""
    asked = dict(asked_words(question, kb.asking))
    where = said(question, words(kb, "asks_where"))
    if where and Kind.PLACE not in asked:
        asked[Kind.PLACE] = where
    return asked


def _given(matcher: Matcher, fact: Fact, lang: Lang, asked: Asked) -> set[Kind]:
    """The kinds the fact gives (the index keeps them per fact); "who" also by a role."""
    index = matcher.index
    given = set(index.given_kinds(index.fact_numbers[fact.id], lang))
    if _only_who(matcher.kb, asked) and PEOPLE.search(fact.answer.zh):
        given.add(Kind.PERSON_NAME)
    return given


def _asks_when(kb: KnowledgeBase, question: str, asked: Asked) -> frozenset[Kind]:
    """The kinds that answer a bare "when" (啥辰光) in the question, not already read as a
    date (啥辰光开始), hours (几点) or a beginning (啥辰光成立); empty when it asks none."""
    if asked.keys() & WHEN_ALREADY_ASKED or not says_any(question, words(kb, "asks_when")):
        return frozenset()
    text = unpunctuated(question.split("\n")[0])  # as typed (see asking_text)
    past = text.endswith(PAST_ENDINGS) or bool(PAST_WORDS_EN & set(text.split()))
    return PAST_WHEN_KINDS if past else WHEN_KINDS


def _only_who(kb: KnowledgeBase, asked: Asked) -> bool:
    """A person was asked for only by "who" (啥人), not by name (叫啥, 姓啥)."""
    who = words(kb, "asks_who")
    found = asked.get(Kind.PERSON_NAME, ())
    return bool(found) and all(any(w in word for w in who) for word in found)


def _by_precision(asked: Asked) -> list[Kind]:
    """The kinds asked, the one asked in the longest words first (多少单 before 多少)."""
    return sorted(asked, key=lambda kind: -max(len(word) for word in asked[kind]))
