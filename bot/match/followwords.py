"""The words of a follow-up question, read in one place for followup.py and
followanswer.py: what points back (伊拉, it), what asks the same of another (呢, what
about), which of its words are topics and which only ask (the lists live in
knowledge/colloquial.yaml, `follow_ups:`)."""

from __future__ import annotations

import bisect
import re
from functools import lru_cache
from typing import TYPE_CHECKING

import jieba.posseg

from bot.kb.model import KnowledgeBase
from bot.match.answerability import Kind, asked_words
from bot.match.tokenize import GENERIC_TERMS
from bot.match.types import QueryTerm, Reading

if TYPE_CHECKING:
    from bot.match.index import Index

TOPIC_WEIGHT = 0.5
"""A question term from this share of an unknown word's weight can be a topic."""
FUNCTION_TAGS = frozenset("a ad an d m mq q r rr rz u ul uj y p c e o".split())
"""jieba's tags of words that say how, how much or which, not what (具体, 平常, 一个月)."""
ONLY_OF_POSTINGS = 200
"""How many documents of a term `only_of` looks at (a word in more is no name)."""
_END_PUNCTUATION = re.compile(r"[?？!！.。~～\s]+$")


def words(kb: KnowledgeBase, name: str) -> tuple[str, ...]:
    """One list of colloquial.yaml's `follow_ups:` (refer_back, asks_where …)."""
    return kb.colloquial.follow_up_words(name)


def says_any(question: str, listed: tuple[str, ...]) -> bool:
    """Chinese words anywhere; English words as whole words."""
    return _words_pattern(listed).search(question.casefold()) is not None


def said(question: str, listed: tuple[str, ...]) -> tuple[str, ...]:
    """The listed words the question says."""
    return tuple(word for word in listed if says_any(question, (word,)))


@lru_cache(maxsize=256)
def _words_pattern(listed: tuple[str, ...]) -> re.Pattern[str]:
    chinese = [re.escape(w) for w in listed if not w.isascii()]
    english = [re.escape(w) for w in listed if w.isascii()]
    parts = chinese + ([r"(?<![a-z])(?:" + "|".join(english) + r")(?![a-z])"] if english else [])
    return re.compile("|".join(parts) or r"(?!)")  # (?!) never matches


def unpunctuated(text: str) -> str:
    return _END_PUNCTUATION.sub("", text.strip())


def refers_back(kb: KnowledgeBase, reading: Reading) -> bool:
    """伊拉一天多少单, does it cost anything: the question points back at the last topic."""
    return says_any(reading.question, words(kb, "refer_back"))


def switches(kb: KnowledgeBase, reading: Reading) -> bool:
    """那合一呢, what about Heyi: the same question of something else (Chinese words at
    the end, English ones at the start)."""
    text = unpunctuated(reading.question.casefold())
    return any(
        text.startswith(f"{word} ") if word.isascii() else text.endswith(word)
        for word in words(kb, "same_of_another")
    )


def asking_text(reading: Reading) -> str:
    """The question as asking words are looked for in it: as typed, in the words the
    knowledge base uses (要付钞票伐 also reads 付钱) and with the asking words the matcher
    read in Mandarin (多少辰光搞一趟 as 多长时间搞一趟), each on a line of its own."""
    in_mandarin = " ".join(word for found in reading.asked.values() for word in found)
    return f"{reading.normalized}\n{''.join(t.term for t in reading.terms)}\n{in_mandarin}"


def asking_spans(kb: KnowledgeBase, question: str) -> tuple[str, ...]:
    """The asking words in a question (多少钱, 几点钟): what it asks, not what about."""
    return tuple(word for found in asked_words(question, kb.asking).values() for word in found)


def follow_up_asking(kb: KnowledgeBase, reading: Reading) -> tuple[str, ...]:
    """The follow-up's own asking words in the question (在哪里, 啥人, 几)."""
    listed = tuple(
        word for name in ("asks_where", "asks_who", "question_words") for word in words(kb, name)
    )
    return said(reading.question, listed)


def asks_city_matter(kb: KnowledgeBase, question: str) -> bool:
    """A pension, a licence: a city matter is a question of its own, whatever came before."""
    return Kind.CITY_MATTER in asked_words(question, kb.asking)


def topical(index: Index, reading: Reading) -> list[QueryTerm]:
    """The question's terms weighty enough to be what it is about."""
    floor = TOPIC_WEIGHT * index.unknown_weight
    return [
        t for t in reading.terms if t.term not in GENERIC_TERMS and index.weight(t.term) >= floor
    ]


def function_word(surface: str) -> bool:
    return jieba_tag(surface) in FUNCTION_TAGS


def names_a_thing(surface: str) -> bool:
    """A Chinese noun by jieba's dictionary (医保卡, 押金); English words are not judged."""
    return jieba_tag(surface)[:1] in ("n", "j")  # j: an abbreviation (居住证)


def known_noun(index: Index, surface: str) -> bool:
    """The base uses the word, or its stem before a place ending (队里 → 队)."""
    return surface in index.idf or noun_stem(index.kb, surface) in index.idf


def noun_stem(kb: KnowledgeBase, surface: str) -> str:
    """The noun before a place ending (队里 → 队; colloquial.yaml's `place_endings`); the
    word itself without one. Callers look the stem up as a term of the base, never as a
    substring of a text (心里 → 心 would be found in 中心)."""
    if len(surface) >= 2 and surface[-1] in words(kb, "place_endings"):
        return surface[:-1]
    return surface


def only_an_action(kb: KnowledgeBase, surface: str) -> bool:
    """A verb and nothing else (送到; 来教, an unknown word of a `motion_prefixes` word
    and a verb): what is done, which makes no topic of its own."""
    tag = jieba_tag(surface)
    if not tag and len(surface) >= 2 and surface[0] in words(kb, "motion_prefixes"):
        tag = jieba_tag(surface[1:])
    return tag == "v"


def content_word(index: Index, term: QueryTerm) -> bool:
    """A noun, or a word of two or more characters the knowledge base never uses that
    jieba reads as a verb or an abbreviation (电梯, 装修, 居住证): what a question is about."""
    surface = term.surface or term.term
    if names_a_thing(surface):
        return True
    return term.term not in index.idf and len(surface) >= 2 and jieba_tag(surface)[:1] == "v"


def jieba_tag(word: str) -> str:
    return jieba.posseg.dt.word_tag_tab.get(word, "")


def fact_terms(index: Index, fact_number: int) -> frozenset[str]:
    """The terms of one fact's documents (phrasings, title, tags, answer). The index lists
    documents fact by fact, so they are found by bisection, however large the base."""
    documents = index.documents
    start = bisect.bisect_left(documents, fact_number, key=lambda d: d.fact_index)
    end = bisect.bisect_right(documents, fact_number, lo=start, key=lambda d: d.fact_index)
    return frozenset().union(*(doc.terms for doc in documents[start:end]))


def with_close_topics(kb: KnowledgeBase, terms: frozenset[str]) -> frozenset[str]:
    """`terms` with the topics synonyms.yaml calls close to them (助医 beside 健康医疗): a
    follow-up may speak of a service in a close group's words."""
    close = [topics for topics in kb.related_topics if topics & terms]
    return terms.union(*close)


def only_of(index: Index, term: str, committee: str | None) -> bool:
    """Whether only `committee`'s facts use `term` (a name of its: 刘秀军, 无违创建)."""
    postings = index.postings.get(term, ())
    if committee is None or not postings or len(postings) > ONLY_OF_POSTINGS:
        return False
    return all(
        index.facts[index.documents[doc].fact_index].committee_id == committee for doc in postings
    )
