"""The search index over a knowledge base: built once per knowledge base, read-only after.

Every phrasing, title, tag and answer of a fact becomes a *document* of
canonical terms. Terms are weighted by inverse fact frequency, so a rare name
such as 食行生鲜 counts far more than 社区. Side tables serve typo repair: Chinese
terms by their pinyin (for homophones and typed pinyin) and a plain vocabulary
list for rapidfuzz.
"""

from __future__ import annotations

import bisect
import functools
import math
import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, NamedTuple

import jieba

from bot.kb.asking import Kind
from bot.kb.model import Fact, KnowledgeBase, Lang
from bot.match.answerability import given_kinds
from bot.match.names import CommitteeNames, SoundAlikeNames
from bot.match.normalize import cjk_count, normalize, split_syllables
from bot.match.scoring import Scoring
from bot.match.tokenize import ZH_STOPWORDS, Tokenizer, pinyin_key

DocKind = Literal["phrasing", "title", "tag", "answer"]


class Document(NamedTuple):
    """One text of a fact. A named tuple: a city's base holds a million of them, and
    tuples are the smallest to keep and the quickest to load from the cache."""

    fact_index: int
    kind: DocKind
    text: str
    terms: frozenset[str]
    names_committee: str | None = None
    """A phrasing such as 合二有书法班吗 names its committee: it fits a question that
    names the same committee better than one that names none."""
    total_weight: float = 0.0
    """The sum of its terms' weights: how much there is of it to cover."""


@dataclass
class Index:
    kb: KnowledgeBase
    tokenizer: Tokenizer
    facts: tuple[Fact, ...]
    documents: list[Document]
    postings: dict[str, array[int]]  # term -> document numbers, ascending
    idf: dict[str, float]
    unknown_weight: float
    """The idf of a question word the knowledge base never uses: as rare as it gets."""
    core_terms: list[frozenset[str]]
    """Per fact: the terms it is about (title words and words most of its phrasings use)."""
    by_pinyin: dict[tuple[str, ...], str]  # syllables of a Chinese term (2+) -> the term
    by_syllable: dict[str, str]  # one syllable -> a one-character term (typed pinyin only)
    stopword_pinyin: frozenset[tuple[str, ...]]  # juweihui, nali … in typed pinyin
    stopword_syllables: frozenset[str]  # de, le, ma … alone in typed pinyin
    by_syllable_count: dict[int, dict[str, str]]  # n -> {"lv si": 律师} for n-syllable words
    english_words: frozenset[str]  # words of the English texts, to tell English from pinyin
    committee_names: CommitteeNames
    sound_alike: SoundAlikeNames
    """Committee names by sound (禾二居委 for 合二): built here so that the cache keeps it."""
    vocabulary: list[str] = field(default_factory=list)  # every known term, for rapidfuzz
    fact_numbers: dict[str, int] = field(default_factory=dict)  # fact id -> its position
    sole_terms: frozenset[str] = frozenset()
    """Specific Chinese words (窗台绿化) that only one fact uses, if only in its answer."""
    scoring: Scoring = field(default_factory=Scoring)
    street_names: tuple[str, ...] = ()
    """This street's names, normalised (淮海中路, huaihai): a question naming another
    street is about somewhere the knowledge base does not cover."""
    leading_postings: dict[str, array[int]] = field(default_factory=dict)
    """For a term in more than `scoring.max_documents_per_term` documents: that many, the
    ones it would lift highest alone (short phrasings first), ascending."""
    committee_documents: dict[str, tuple[int, int]] = field(default_factory=dict)
    """committee id -> its range of document numbers (a committee's documents are adjacent)."""
    given: dict[tuple[int, Lang], frozenset[Kind]] = field(default_factory=dict)
    """(fact number, language) -> the kinds of information its answer gives. Filled at
    build for a base of up to `scoring.kinds_at_build` facts (the cache keeps them);
    for a larger one, at a fact's first use (jieba's tagger reads 25,000 characters a
    second: a city's base would take minutes to build)."""

    def given_kinds(self, number: int, lang: Lang) -> frozenset[Kind]:
        """What the fact's answer (and its committee's filled contact fields) gives."""
        key = (number, lang)
        kinds = self.given.get(key)
        if kinds is None:
            kinds = self.given[key] = _given_kinds(self.kb, self.facts[number], lang)
        return kinds

    def answer_terms(self, number: int) -> frozenset[str]:
        """The terms of fact `number`'s answer texts. `_documents` writes each fact's
        documents together, in the facts' order, so bisection finds them without a walk
        through every fact's."""
        documents = self.documents
        at = bisect.bisect_left(documents, number, key=lambda document: document.fact_index)
        terms: set[str] = set()
        while at < len(documents) and documents[at].fact_index == number:
            if documents[at].kind == "answer":
                terms |= documents[at].terms
            at += 1
        return frozenset(terms)

    def weight(self, term: str) -> float:
        """How much a term says about which fact is meant: rare in the knowledge base
        and not an everyday word (问题, 家, 看 say little even when rare here)."""
        if term not in self.idf:
            return self.unknown_weight * self.everyday(term)
        # a lone known character (买, 学, 分) is what jieba leaves over of a phrasing,
        # rarely the point of a question; an unknown one (刀 in 买菜刀) may well be
        lone = self.scoring.lone_character_discount if len(term) == 1 else 1.0
        return self.idf[term] * self.everyday(term) * lone

    def everyday(self, term: str) -> float:
        return everyday_discount(term, self.scoring.everyday_floor, self.scoring.everyday_rarity)

    def candidate_documents(self, term: str, named_committee: str | None) -> Sequence[int]:
        """The documents a term makes candidates, ascending: all of them, or for a term
        in many documents the leading ones plus the named committee's (a bound on the
        work of one question however large the base)."""
        postings = self.postings.get(term, ())
        leading = self.leading_postings.get(term)
        if leading is None:
            return postings
        span = self.committee_documents.get(named_committee or "")
        if span is None:
            return leading
        first, last = (bisect.bisect_left(postings, end) for end in span)
        return sorted({*leading, *postings[first:last]})


@lru_cache(maxsize=65536)
def everyday_discount(term: str, floor: float, rarity_range: tuple[float, float]) -> float:
    """1.0 for specific words, down to `floor` for the commonest Chinese words, judged by
    jieba's general word frequencies (the log of corpus size / frequency, between the two
    ends of `rarity_range`)."""
    frequency = jieba.dt.FREQ.get(term) if cjk_count(term) else None
    if not frequency:
        return 1.0
    common, specific = rarity_range
    rarity = math.log(jieba.dt.total / frequency)
    return min(1.0, max(floor, floor + (1 - floor) * (rarity - common) / (specific - common)))


def build_index(kb: KnowledgeBase, scoring: Scoring | None = None) -> Index:
    """Build the complete index for `kb` (the one function a reload calls)."""
    scoring = scoring or Scoring()
    everyday = functools.partial(
        everyday_discount, floor=scoring.everyday_floor, rarity_range=scoring.everyday_rarity
    )
    tokenizer = Tokenizer(kb.synonym_groups, _user_words(kb), kb.colloquial)
    names = CommitteeNames(kb)
    facts = kb.facts
    documents = _documents(kb, tokenizer, names)
    postings, fact_counts = _postings(documents)
    count = len(facts)
    idf = {term: math.log(1 + count / owners) for term, owners in fact_counts.items()}
    documents = _weighed(documents, idf, everyday)
    by_pinyin, by_syllable = _pinyin_tables(idf, tokenizer.synonyms)
    stopword_keys = list(filter(None, map(pinyin_key, ZH_STOPWORDS)))
    return Index(
        kb=kb,
        tokenizer=tokenizer,
        facts=facts,
        documents=documents,
        postings=postings,
        idf=idf,
        unknown_weight=math.log(1 + count),
        core_terms=_core_terms(len(facts), documents),
        by_pinyin=by_pinyin,
        by_syllable=by_syllable,
        stopword_pinyin=frozenset(key for key in stopword_keys if len(key) >= 2),
        stopword_syllables=frozenset(key[0] for key in stopword_keys if len(key) == 1),
        by_syllable_count=_by_syllable_count(by_pinyin),
        english_words=_english_words(facts),
        vocabulary=sorted(idf),
        committee_names=names,
        sound_alike=SoundAlikeNames(kb),
        fact_numbers={fact.id: number for number, fact in enumerate(facts)},
        sole_terms=_sole_terms(fact_counts, postings, documents, facts, everyday),
        scoring=scoring,
        street_names=_street_names(kb),
        leading_postings=_leading_postings(postings, documents, scoring),
        committee_documents=_committee_documents(facts, documents),
        given=_all_given_kinds(kb, scoring),
    )


def _all_given_kinds(
    kb: KnowledgeBase, scoring: Scoring
) -> dict[tuple[int, Lang], frozenset[Kind]]:
    """Every fact's given kinds, for a base small enough to read them all at build."""
    facts = kb.facts
    if len(facts) > scoring.kinds_at_build:
        return {}
    langs: tuple[Lang, ...] = ("zh", "en")
    return {
        (number, lang): _given_kinds(kb, fact, lang)
        for number, fact in enumerate(facts)
        for lang in langs
    }


def _given_kinds(kb: KnowledgeBase, fact: Fact, lang: Lang) -> frozenset[Kind]:
    committee = kb.committee_of(fact)
    return given_kinds(
        fact,
        lang,
        contact=committee.contact if committee else None,
        asking=kb.asking,
        not_names=_committee_names(kb),
    )


@lru_cache(maxsize=8)
def _committee_names(kb: KnowledgeBase) -> tuple[str, ...]:
    return tuple(name for c in kb.committees for name in c.all_names if len(name) >= 2)


def _documents(kb: KnowledgeBase, tokenizer: Tokenizer, names: CommitteeNames) -> list[Document]:
    """Every text of every fact as a document (its total weight still to come)."""
    # many committees' facts share phrasings (哪里可以买菜): read each text once, and
    # keep one frozenset per distinct set of terms
    readings: dict[str, tuple[frozenset[str], str | None]] = {}
    interned: dict[frozenset[str], frozenset[str]] = {}
    documents = []
    for number, fact in enumerate(kb.facts):
        for kind, text in _texts_of(fact, kb):
            reading = readings.get(text)
            if reading is None:
                terms, named = _read_text(text, tokenizer, names)
                reading = readings[text] = (interned.setdefault(terms, terms), named)
            terms, named = reading
            if terms:
                # a name in several streets means the one in the fact's own street
                named_id = (
                    names.resolve(named, fact.street)[0] if named and kind == "phrasing" else None
                )
                documents.append(Document(number, kind, text, terms, named_id))
    return documents


def _street_names(kb: KnowledgeBase) -> tuple[str, ...]:
    """Every street's names: in a several-streets base, none of them is "another street"."""
    names: list[str] = []
    for street in kb.streets or (kb.street,):
        english = normalize(street.english_name).split()
        names += [normalize(street.name).removesuffix("街道"), *english[:1]]
    return tuple(names)


def _read_text(
    text: str, tokenizer: Tokenizer, names: CommitteeNames
) -> tuple[frozenset[str], str | None]:
    """A text's terms, and the committee name it gives first (if any)."""
    normalized = normalize(text)
    named = names.find(normalized)
    terms = frozenset(token.term for token in tokenizer.tokens(names.blank(normalized)))
    return terms, named[0][0] if named else None


def _weighed(
    documents: list[Document], idf: dict[str, float], everyday: Callable[[str], float]
) -> list[Document]:
    """The documents with their total weight (the sum of their terms' weights), replaced
    one by one in the same list: a city's million documents are not held twice."""
    totals: dict[frozenset[str], float] = {}
    for number, doc in enumerate(documents):
        total = totals.get(doc.terms)
        if total is None:
            total = totals[doc.terms] = sum(idf[t] * everyday(t) for t in doc.terms)
        documents[number] = Document(
            doc.fact_index, doc.kind, doc.text, doc.terms, doc.names_committee, total
        )
    return documents


def _postings(documents: list[Document]) -> tuple[dict[str, array[int]], dict[str, int]]:
    """term -> the documents that use it, and term -> how many facts do."""
    # unsigned 32-bit arrays: a tenth of the memory of lists of ints at 50,000 facts
    postings: dict[str, array[int]] = defaultdict(lambda: array("I"))
    fact_counts: dict[str, int] = defaultdict(int)
    last_fact: dict[str, int] = {}
    for doc_number, doc in enumerate(documents):
        for term in doc.terms:
            postings[term].append(doc_number)
            if last_fact.get(term) != doc.fact_index:  # a fact's documents are adjacent
                last_fact[term] = doc.fact_index
                fact_counts[term] += 1
    return dict(postings), dict(fact_counts)


def _leading_postings(
    postings: dict[str, array[int]], documents: list[Document], scoring: Scoring
) -> dict[str, array[int]]:
    """For each term in too many documents, the ones it lifts highest on its own.

    A term alone scores a document by its kind and by how much of the document it
    covers, so the same order serves every term: short phrasings first."""
    bound = scoring.max_documents_per_term
    long_lists = {term: docs for term, docs in postings.items() if len(docs) > bound}
    if not long_lists:
        return {}
    precision = 1 - scoring.query_recall_exponent
    impact = [
        scoring.kind_weight[doc.kind]
        * (scoring.other_named_phrasing if doc.names_committee else 1.0)
        / max(doc.total_weight, 1e-9) ** precision
        for doc in documents
    ]
    return {
        term: array("I", sorted(sorted(docs, key=lambda d: -impact[d])[:bound]))
        for term, docs in long_lists.items()
    }


def _committee_documents(
    facts: tuple[Fact, ...], documents: list[Document]
) -> dict[str, tuple[int, int]]:
    """committee id -> (first document, last + 1): documents follow the facts' order."""
    spans: dict[str, tuple[int, int]] = {}
    for doc_number, doc in enumerate(documents):
        committee_id = facts[doc.fact_index].committee_id
        if committee_id is not None:
            first = spans.get(committee_id, (doc_number, doc_number))[0]
            spans[committee_id] = (first, doc_number + 1)
    return spans


def _by_syllable_count(by_pinyin: dict[tuple[str, ...], str]) -> dict[int, dict[str, str]]:
    """n -> {"lv si": 律师} for the n-syllable terms (near-sound typo repair)."""
    table: dict[int, dict[str, str]] = defaultdict(dict)
    for key, term in by_pinyin.items():
        table[len(key)][" ".join(key)] = term
    return dict(table)


def _sole_terms(
    fact_counts: dict[str, int],
    postings: dict[str, array[int]],
    documents: list[Document],
    facts: Sequence[Fact],
    everyday: Callable[[str], float],
) -> frozenset[str]:
    """Specific Chinese words that only one service uses: alone they point at it. A
    committee's overview sums its services up, so it does not count as a second user."""

    def services_using(term: str) -> int:
        owners = {documents[number].fact_index for number in postings[term]}
        return sum(not facts[owner].overview for owner in owners)

    return frozenset(
        term
        for term, owners in fact_counts.items()
        if owners <= 2
        and cjk_count(term) >= 2
        and everyday(term) == 1.0
        and services_using(term) == 1
    )


def _core_terms(fact_count: int, documents: list[Document]) -> list[frozenset[str]]:
    """Title terms plus terms that at least a fifth (and two) of a fact's phrasings use."""
    phrasing_counts: list[Counter[str]] = [Counter() for _ in range(fact_count)]
    phrasing_totals = [0] * fact_count
    core: list[set[str]] = [set() for _ in range(fact_count)]
    for doc in documents:
        if doc.kind == "title":
            core[doc.fact_index].update(doc.terms)
        elif doc.kind == "phrasing":
            phrasing_counts[doc.fact_index].update(doc.terms)
            phrasing_totals[doc.fact_index] += 1
    for number, counts in enumerate(phrasing_counts):
        needed = max(2, phrasing_totals[number] // 5)
        core[number].update(term for term, n in counts.items() if n >= needed)
    return [frozenset(terms) for terms in core]


def _pinyin_tables(
    idf: dict[str, float], synonyms: dict[str, str]
) -> tuple[dict[tuple[str, ...], str], dict[str, str]]:
    """Known terms by their pinyin, then every synonym by its pinyin (电瓶车 → 非机动车),
    so a homophone of any word residents use finds its canonical term."""
    by_pinyin: dict[tuple[str, ...], str] = {}
    by_syllable: dict[str, str] = {}
    for term in sorted(idf, key=lambda t: -idf[t]):  # on a clash keep the rarer term
        key = pinyin_key(term)
        if len(key) >= 2:
            by_pinyin.setdefault(key, term)
        elif len(key) == 1 and len(term) == 1:
            by_syllable.setdefault(key[0], term)
    for word, canonical in synonyms.items():
        key = pinyin_key(word)
        if len(key) >= 2 and canonical in idf:
            by_pinyin.setdefault(key, canonical)
    return by_pinyin, by_syllable


def _english_words(facts: tuple[Fact, ...]) -> frozenset[str]:
    """Words of the English texts, less romanised names (Shixing, Xintiandi): those are
    pinyin when a resident types them."""
    return frozenset(
        word
        for fact in facts
        for text in (*fact.phrasings_en, fact.title.en, fact.answer.en)
        for word in re.findall(r"[a-z]+", normalize(text))
        if len(word) > 2 and len(split_syllables(word) or ()) < 2
    )


def _texts_of(fact: Fact, kb: KnowledgeBase) -> list[tuple[DocKind, str]]:
    texts: list[tuple[DocKind, str]] = [("phrasing", p) for p in fact.phrasings]
    texts += [("title", fact.title.zh), ("title", fact.title.en)]
    for tag_name in fact.tags:
        tag = kb.tag(tag_name)
        texts.append(("tag", tag_name))
        if tag:
            texts.append(("tag", tag.en))
    texts += [("answer", fact.answer.zh), ("answer", fact.answer.en)]
    return texts


def _user_words(kb: KnowledgeBase) -> set[str]:
    """Names jieba must never split: committees, tags and quoted project names."""
    words = {tag.name for tag in kb.tags}
    for committee in kb.committees:
        words.update(normalize(name) for name in committee.all_names)
        for fact in committee.facts:
            for text in (fact.answer.zh, fact.title.zh):
                words.update(normalize(q) for q in re.findall(r"[“\"]([^”\"]{2,12})[”\"]", text))
    return {word for word in words if cjk_count(word) >= 2 and " " not in word}
