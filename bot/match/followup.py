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

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING

import bisect
import re

import jieba.posseg

from bot.context import Context
from bot.kb.model import Fact, KnowledgeBase, Lang, Text
from bot.match.answerability import Kind, asked_words, detail_span, given_kinds
from bot.match.details import asked_details
from bot.match.normalize import normalize
from bot.match.tokenize import GENERIC_TERMS
from bot.match.types import ContextUse, Guards, Match, MatchResult, QueryTerm, Reading

if TYPE_CHECKING:
    from bot.match.index import Index
    from bot.match.matcher import Matcher

OTHER_FACT_LEAD = 10.0
"""Points by which another fact of the last committee must beat the last fact to be the
one a follow-up means."""
FUNCTION_TAGS = frozenset("a ad an d m mq q r rr rz u ul uj y p c e o".split())
"""jieba's tags of words that say how, how much or which, not what (具体, 平常, 一个月)."""
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
    if _says_any(reading.question, kb.colloquial.follow_up_words("other_committees")):
        return _elsewhere(matcher, reading, context, street)
    if reading.named is not None:
        return _naming(matcher, reading, fresh, context, street)
    if committee is None and fresh.answered:  # after the street's overview: which one …
        return replace(fresh, context=ContextUse("fresh", "answered on its own", last.id if last else None))
    own = _own_topic(matcher, reading, fresh, last, committee)
    if own:
        if _switches(kb, reading):  # 睿德会呢: the last question's details, of this subject
            return _carried_details(matcher, reading, fresh, context) or fresh
        why = f"a topic of its own ({', '.join(own)}): matched on its own"
        return replace(fresh, context=ContextUse("fresh", why, context.fact_id))
    return _follow_up(matcher, reading, fresh, last, committee, street)


# --- a committee named ----------------------------------------------------------------


def _naming(
    matcher: Matcher, reading: Reading, fresh: MatchResult, context: Context, street: str | None
) -> MatchResult:
    named = reading.named
    elliptical = not reading.terms or _switches(matcher.kb, reading)
    if not elliptical or named == context.committee_id or not context.question:
        picked = _option_of(matcher, reading, context)
        return picked or replace(fresh, context=ContextUse("fresh", "names its own topic"))
    picked = _option_of(matcher, reading, context)
    if picked is not None:
        return picked
    again = _asked_of(matcher, context.question, named, street, extra=reading)
    use = ContextUse("switch", "only a committee named: the last question asked of it",
                     context.fact_id)
    if not again.answered or again.best is None:
        return replace(again, context=use)
    asked = replace(reading, normalized=f"{reading.normalized} {context.question}")
    result = bound_to_fact(matcher, asked, again.candidates, use)
    return replace(result, normalized=reading.normalized)


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
    matcher: Matcher, reading: Reading, fresh: MatchResult, context: Context
) -> MatchResult | None:
    """A new subject with 呢 (睿德会呢): what the last question asked (how many people),
    asked of the fact the new subject names."""
    earlier = asking_spans(matcher.kb, context.question)
    if not earlier or not fresh.answered or fresh.best is None:
        return None
    asked = replace(reading, normalized=" ".join((reading.normalized, *earlier)))
    why = "another subject with 呢: the last question's detail asked of it"
    result = bound_to_fact(matcher, asked, fresh.candidates, ContextUse("switch", why, context.fact_id))
    return replace(result, normalized=reading.normalized)


def _elsewhere(
    matcher: Matcher, reading: Reading, context: Context, street: str | None
) -> MatchResult:
    """别的居委有伐, 还有啥居委也弄楼道的: the question, with what the last one asked (less
    the last committee's own names: 俪童荟), of the committees other than the last one."""
    markers = [
        word
        for word in matcher.kb.colloquial.follow_up_words("other_committees")
        if _says_any(reading.question, (word,))
    ]
    terms = [t for t in reading.terms if not any((t.surface or t.term) in w for w in markers)]
    details = reading.details
    if context.question:
        earlier = matcher.read(context.question, street)
        terms += [
            t
            for t in earlier.terms
            if t.term not in {own.term for own in terms}
            and not _only_of(matcher, t.term, context.committee_id)
        ]
        details = tuple(dict.fromkeys((*details, *earlier.details)))
    asked = replace(reading, named=None, terms=tuple(terms), details=details)
    ranked = matcher.ranker.rank(terms, None, street)
    others = [m for m in ranked if m.committee_id not in (None, context.committee_id)]
    result = matcher.judge(asked, street, ranked=others)
    why = "other committees than the last one asked"
    return replace(result, context=ContextUse("elsewhere", why, context.fact_id))


# --- no committee named -----------------------------------------------------------------


def _own_topic(
    matcher: Matcher,
    reading: Reading,
    fresh: MatchResult,
    last: Fact | None,
    committee: str | None,
) -> list[str]:
    """The question's words that make it a question of its own: weighty words the last
    committee's facts never use and which are what another fact is about (the fresh match
    has them), or which name a thing the knowledge base does not know (医保卡) when the
    question does not lean on 伊/那/it. Asking words (多少钱, 几点钟) say what is asked,
    not about what. A message that neither asks a detail nor points back nor shares a
    word with the last committee (侬好, 测试) is one of its own too."""
    text = asking_text(reading)
    if asks_city_matter(matcher.kb, text):
        return ["(a city matter)"]
    refers_back = _refers_back(matcher.kb, reading)
    known = _terms_of(matcher, last, committee)
    asking = (*asking_spans(matcher.kb, text), *_follow_up_asking(matcher.kb, reading))
    about = _what_it_is_about(matcher, fresh)
    own = []
    for term in _topical(matcher, reading):
        surface = term.surface or term.term
        if term.term in known or any(surface in word or word in surface for word in asking):
            continue
        if term.term in about and not _function_word(surface):
            own.append(surface)
        elif not refers_back and term.term not in matcher.index.idf and _names_a_thing(surface):
            own.append(surface)
    if own or refers_back or asking or _switches(matcher.kb, reading):
        return own
    shared = [t for t in reading.terms if t.term in known and t.term not in GENERIC_TERMS]
    return [] if shared else ["(nothing that points back)"]


def _follow_up_asking(kb: KnowledgeBase, reading: Reading) -> tuple[str, ...]:
    """The follow-up's own asking words in the question (在哪里, 啥人)."""
    words = tuple(
        word
        for name in ("asks_where", "asks_who", "question_words")
        for word in kb.colloquial.follow_up_words(name)
    )
    return tuple(word for word in words if _says_any(reading.question, (word,)))


def _what_it_is_about(matcher: Matcher, fresh: MatchResult) -> frozenset[str]:
    """The words the fact found on its own shares with the question that are what it is
    about: its core terms, and words no other committee's facts use (刘秀军, 无违创建)."""
    best = fresh.best
    if best is None or fresh.outcome == "declined":
        return frozenset()
    index = matcher.index
    core = index.core_terms[index.fact_numbers[best.fact.id]]
    return frozenset(
        t for t in best.shared_terms if t in core or _only_of(matcher, t, best.committee_id)
    )


ONLY_OF_POSTINGS = 200
"""How many documents of a term `_only_of` looks at (a word in more is no name)."""


def _only_of(matcher: Matcher, term: str, committee: str | None) -> bool:
    """Whether only `committee`'s facts use `term` (a name of its: 刘秀军, 无违创建)."""
    index = matcher.index
    postings = index.postings.get(term, ())
    if committee is None or not postings or len(postings) > ONLY_OF_POSTINGS:
        return False
    return all(
        index.facts[index.documents[doc].fact_index].committee_id == committee for doc in postings
    )


def _terms_of(matcher: Matcher, last: Fact | None, committee: str | None) -> frozenset[str]:
    """Every term of the last fact's documents and of its committee's facts."""
    index = matcher.index
    wanted = {last.id} if last else set()
    owner = matcher.kb.committee(committee)
    if owner is not None:
        wanted.update(fact.id for fact in owner.facts)
    terms: set[str] = set()
    for fact_id in wanted:
        if fact_id in index.fact_numbers:
            terms.update(fact_terms(index, index.fact_numbers[fact_id]))
    return frozenset(terms)


def fact_terms(index: Index, fact_number: int) -> frozenset[str]:
    """The terms of one fact's documents (phrasings, title, tags, answer). The index lists
    documents fact by fact, so they are found by bisection, however large the base."""
    documents = index.documents
    start = bisect.bisect_left(documents, fact_number, key=lambda d: d.fact_index)
    end = bisect.bisect_right(documents, fact_number, lo=start, key=lambda d: d.fact_index)
    return frozenset().union(*(doc.terms for doc in documents[start:end]))


def _follow_up(
    matcher: Matcher,
    reading: Reading,
    fresh: MatchResult,
    last: Fact | None,
    committee: str | None,
    street: str | None,
) -> MatchResult:
    """The question read as about the last committee: the fact the question fits best
    among its facts, else the last fact; then whether that fact gives what is asked."""
    fresh_best = fresh.best
    if fresh.answered and fresh_best and committee and fresh_best.committee_id == committee:
        why = "answered on its own from the last committee"
        use = ContextUse("follow-up", why, last.id if last else None)
        return bound_to_fact(matcher, reading, fresh.candidates, use, vouched=True)
    scoped = replace(reading, named=committee) if committee else reading
    ranked = matcher.ranker.rank(list(scoped.terms), committee, street) if scoped.terms else []
    best = _fact_meant(matcher, ranked, last, committee, reading.lang)
    if best is None:
        return fresh
    if last is not None and best.fact.id == last.id:
        why = "no topic of its own: read as about the last fact"
    else:
        why = "no topic of its own: read as about the last committee"
    rest = [m for m in ranked if m.fact.id != best.fact.id]
    use = ContextUse("follow-up", why, last.id if last else None)
    return bound_to_fact(matcher, scoped, (best, *rest[:2]), use)


def _fact_meant(
    matcher: Matcher, ranked: list[Match], last: Fact | None, committee: str | None, lang: Lang
) -> Match | None:
    """Another fact of the committee when the question fits it clearly better than the
    last fact (有书法班伐 after its reading room), else the last fact."""
    own = [
        m
        for m in ranked
        if m.fact.committee_id == committee and m.kind != "name" and not m.fact.overview
    ]
    at_last = next((m for m in ranked if last is not None and m.fact.id == last.id), None)
    floor = matcher.scoring.named_fact_floor
    lead = own[0] if own else None
    if lead is not None and lead.score >= floor and (
        last is None or lead.score > (at_last.score if at_last else 0.0) + OTHER_FACT_LEAD
    ):
        return lead
    if last is None:
        return None
    return at_last or Match(last, floor, last.title.in_lang(lang), (), "context")


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
    detail = answerability(matcher.kb, best.fact, asking_text(reading), reading.lang)
    answered = detail.missing is None and (
        vouched or detail.asked or not _unexplained(matcher, reading, best.fact)
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


def _unexplained(matcher: Matcher, reading: Reading, fact: Fact) -> list[str]:
    """The question's words for things the fact never mentions: English words, and
    Chinese nouns unless the question points back (伊是啥个身份 asks of the person)."""
    index = matcher.index
    number = index.fact_numbers.get(fact.id)
    said = fact_terms(index, number) if number is not None else frozenset()
    answer = f"{fact.answer.zh} {fact.answer.en.casefold()}"
    refers_back = _refers_back(matcher.kb, reading)
    missing = []
    for term in _topical(matcher, reading):
        surface = term.surface or term.term
        if term.term in said or surface in answer:
            continue
        if surface.isascii() or (not refers_back and _content_word(matcher, term)):
            missing.append(surface)
    return missing


def _content_word(matcher: Matcher, term: QueryTerm) -> bool:
    """A noun, or a word of two or more characters the knowledge base never uses that
    jieba reads as a noun or verb (电梯, 装修, 居住证): what the question is about."""
    surface = term.surface or term.term
    if _names_a_thing(surface):
        return True
    tag = _jieba_tag(surface)
    return term.term not in matcher.index.idf and len(surface) >= 2 and tag[:1] in ("v", "j")


# --- what the fact gives ----------------------------------------------------------------


@dataclass(frozen=True)
class Answerability:
    """What a question asks of one fact: whether it asks a detail at all, the label of
    a kind the fact lacks, or the span of its answer that gives what was asked."""

    asked: bool = False
    missing: Text | None = None
    span: str | None = None


def answerability(kb: KnowledgeBase, fact: Fact, question: str, lang: Lang) -> Answerability:
    """The one place follow-ups ask whether a fact gives the detail asked
    (bot.match.answerability: the kinds a question asks, the kinds an answer gives), with
    what a follow-up adds: "where" asks the exact place, "who" is answered by who they are."""
    asked = dict(asked_words(question, kb.asking))
    where = [w for w in kb.colloquial.follow_up_words("asks_where") if _says_any(question, (w,))]
    if where and Kind.PLACE not in asked:
        asked[Kind.PLACE] = tuple(where)
    if not asked and not _asks_when(kb, question, asked):
        return Answerability()
    committee = kb.committee_of(fact)
    contact = committee.contact if committee else None
    not_names = [c.short_name for c in kb.committees]
    given = set(given_kinds(fact, lang, contact=contact, asking=kb.asking, not_names=not_names))
    if _only_who(kb, asked) and describes_people(fact.answer.zh):
        given.add(Kind.PERSON_NAME)
    when = _asks_when(kb, question, asked)
    if when and not given & when:
        return Answerability(asked=True, missing=WHEN_LABEL)
    for kind in _by_precision(asked):
        if kind not in given:
            return Answerability(asked=True, missing=kb.asking.kinds[kind].label)
    kind = next(iter(_by_precision(asked)), None) or min(given & when, key=str)
    return Answerability(asked=True, span=detail_span(fact, kind, lang, asking=kb.asking))


WHEN_KINDS = frozenset({Kind.HOURS, Kind.WEEKDAY, Kind.FREQUENCY})
"""What answers a follow-up's bare "when" (菜啥辰光送到): a time, a day or how often."""
PAST_WHEN_KINDS = WHEN_KINDS | {Kind.DATE}
"""What answers "when" of something that happened (啥辰光上线的, when was it set up): a date too."""
PAST_ENDINGS = ("的", "了", "过")
PAST_WORDS_EN = frozenset({"did", "was", "were", "started", "began", "opened"})
WHEN_LABEL = Text("具体时间", "the exact time")


def _asks_when(
    kb: KnowledgeBase, question: str, asked: dict[Kind, tuple[str, ...]]
) -> frozenset[Kind]:
    """The kinds that answer a bare "when" (啥辰光) in the question, not already read as a
    date (啥辰光开始) or hours (几点); empty when it asks none."""
    if asked.keys() & PAST_WHEN_KINDS or not _says_any(
        question, kb.colloquial.follow_up_words("asks_when")
    ):
        return frozenset()
    text = question.split("\n")[0].rstrip("?？!!.。 ")  # as typed (see asking_text)
    past = text.endswith(PAST_ENDINGS) or bool(PAST_WORDS_EN & set(text.split()))
    return PAST_WHEN_KINDS if past else WHEN_KINDS


def _only_who(kb: KnowledgeBase, asked: dict[Kind, tuple[str, ...]]) -> bool:
    """A person was asked for only by "who" (啥人), not by name (叫啥, 姓啥)."""
    who = kb.colloquial.follow_up_words("asks_who")
    words = asked.get(Kind.PERSON_NAME, ())
    return bool(words) and all(any(w in word for w in who) for word in words)


PEOPLE = re.compile(r"[\u4e00-\u9fff](?:者|员|师|居民|市民|村民)")
"""A noun ending that names people by who they are: 志愿者, 队员, 退休教师, 居民."""


def describes_people(text: str) -> bool:
    """The text says who takes part or does the work: people by their role."""
    return PEOPLE.search(text) is not None


def _by_precision(asked: dict[Kind, tuple[str, ...]]) -> list[Kind]:
    """The kinds asked, the one asked in the longest words first (多少单 before 多少)."""
    return sorted(asked, key=lambda kind: -max(len(word) for word in asked[kind]))


def asking_text(reading: Reading) -> str:
    """The question as asking words are looked for in it: as typed, and in the words the
    knowledge base uses (要付钞票伐 also reads 付钱)."""
    return f"{reading.normalized}\n{''.join(t.term for t in reading.terms)}"


def asks_city_matter(kb: KnowledgeBase, question: str) -> bool:
    """A pension, a licence: a city matter is a question of its own, whatever came before."""
    return Kind.CITY_MATTER in asked_words(question, kb.asking)


def asking_spans(kb: KnowledgeBase, question: str) -> tuple[str, ...]:
    """The asking words in a question (多少钱, 几点钟): what it asks, not what about."""
    return tuple(word for words in asked_words(question, kb.asking).values() for word in words)


# --- helpers ----------------------------------------------------------------------------


def _topical(matcher: Matcher, reading: Reading) -> list[QueryTerm]:
    floor = TOPIC_WEIGHT * matcher.index.unknown_weight
    return [
        t
        for t in reading.terms
        if t.term not in GENERIC_TERMS and matcher.index.weight(t.term) >= floor
    ]


def _function_word(surface: str) -> bool:
    return _jieba_tag(surface) in FUNCTION_TAGS


def _names_a_thing(surface: str) -> bool:
    """A Chinese noun by jieba's dictionary (医保卡, 押金): words of its own that a follow-up
    would not use for the last topic. English words are not judged (no tagger)."""
    return _jieba_tag(surface)[:1] in ("n", "j")  # j: an abbreviation (居住证)


def _jieba_tag(word: str) -> str:
    return jieba.posseg.dt.word_tag_tab.get(word, "")


def _refers_back(kb: KnowledgeBase, reading: Reading) -> bool:
    """伊拉一天多少单, does it cost anything: the question points back at the last topic."""
    return _says_any(reading.question, kb.colloquial.follow_up_words("refer_back"))


def _switches(kb: KnowledgeBase, reading: Reading) -> bool:
    """那合一呢, what about Heyi: the same question of something else (Chinese words at
    the end, English ones at the start)."""
    text = reading.question.casefold().strip().rstrip("?？!!.。 ")
    for word in kb.colloquial.follow_up_words("same_of_another"):
        if (text.endswith(word) if not word.isascii() else text.startswith(f"{word} ")):
            return True
    return False


def _says_any(question: str, words: tuple[str, ...]) -> bool:
    """Chinese words anywhere; English words as whole words."""
    return _words_pattern(words).search(question.casefold()) is not None


@lru_cache(maxsize=256)
def _words_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    chinese = [re.escape(w) for w in words if not w.isascii()]
    english = [re.escape(w) for w in words if w.isascii()]
    parts = chinese + ([r"(?<![a-z])(?:" + "|".join(english) + r")(?![a-z])"] if english else [])
    return re.compile("|".join(parts) or r"(?!)")  # (?!) never matches


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
