"""The search index over a knowledge base: built once per knowledge base, read-only after.

Every phrasing, title, tag and answer of a fact becomes a *document* of
canonical terms. Terms are weighted by inverse fact frequency, so a rare name
such as 食行生鲜 counts far more than 社区. Side tables serve typo repair: Chinese
terms by their pinyin (for homophones and typed pinyin) and a plain vocabulary
list for rapidfuzz.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal

from bot.kb.model import Fact, KnowledgeBase
from bot.match.normalize import cjk_count, normalize
from bot.match.tokenize import Tokenizer, pinyin_key

DocKind = Literal["phrasing", "title", "tag", "answer"]

# How much a match against each kind of document counts. Answers are long and
# written for reading, not asking, so they count least.
DOC_KIND_WEIGHT: dict[str, float] = {"phrasing": 1.0, "title": 0.95, "tag": 0.75, "answer": 0.75}


@dataclass(frozen=True)
class Document:
    fact_index: int
    kind: DocKind
    text: str
    terms: frozenset[str]


@dataclass
class Index:
    kb: KnowledgeBase
    tokenizer: Tokenizer
    facts: tuple[Fact, ...]
    documents: list[Document]
    postings: dict[str, list[int]]  # term -> document numbers
    idf: dict[str, float]
    unknown_weight: float
    """The weight of a question word the knowledge base never uses: as rare as it gets."""
    by_pinyin: dict[tuple[str, ...], str]  # syllables of a Chinese term -> the term
    pinyin_starts: dict[str, int]  # first syllable -> longest term length in syllables
    vocabulary: list[str]
    by_syllable_count: dict[int, dict[str, str]]  # n -> {"lv si": "律师"} for n-syllable terms
    english_words: frozenset[str]  # words of the English texts, to tell English from pinyin
    committee_names: list[tuple[str, str]] = field(default_factory=list)  # (name, committee id)

    def weight(self, term: str) -> float:
        return self.idf.get(term, self.unknown_weight)


def build_index(kb: KnowledgeBase) -> Index:
    """Build the complete index for `kb` (the one function a reload calls)."""
    tokenizer = Tokenizer(kb.synonym_groups, _user_words(kb))
    names = _committee_names(kb)
    facts = kb.facts
    documents: list[Document] = []
    for number, fact in enumerate(facts):
        for kind, text in _texts_of(fact, kb):
            stripped = _strip_names(normalize(text), names)
            terms = frozenset(token.term for token in tokenizer.tokens(stripped))
            if terms:
                documents.append(Document(number, kind, text, terms))

    postings: dict[str, list[int]] = defaultdict(list)
    facts_with: dict[str, set[int]] = defaultdict(set)
    for doc_number, doc in enumerate(documents):
        for term in doc.terms:
            postings[term].append(doc_number)
            facts_with[term].add(doc.fact_index)
    count = len(facts)
    idf = {term: math.log(1 + count / len(owners)) for term, owners in facts_with.items()}
    unknown_weight = math.log(1 + count)

    by_pinyin: dict[tuple[str, ...], str] = {}
    pinyin_starts: dict[str, int] = {}
    for term in sorted(idf, key=lambda t: -idf[t]):  # on a clash keep the rarer term
        key = pinyin_key(term)
        if len(key) >= 2 and key not in by_pinyin:
            by_pinyin[key] = term
            pinyin_starts[key[0]] = max(pinyin_starts.get(key[0], 0), len(key))

    by_syllable_count: dict[int, dict[str, str]] = defaultdict(dict)
    for key, term in by_pinyin.items():
        by_syllable_count[len(key)][term] = " ".join(key)
    english_words = frozenset(
        word
        for fact in facts
        for text in (*fact.phrasings_en, fact.title.en, fact.answer.en)
        for word in re.findall(r"[a-z]+", normalize(text))
        if len(word) > 2
    )
    return Index(
        kb=kb,
        tokenizer=tokenizer,
        facts=facts,
        documents=documents,
        postings=dict(postings),
        idf=idf,
        unknown_weight=unknown_weight,
        by_pinyin=by_pinyin,
        pinyin_starts=pinyin_starts,
        vocabulary=sorted(idf),
        by_syllable_count=dict(by_syllable_count),
        english_words=english_words,
        committee_names=names,
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


def _committee_names(kb: KnowledgeBase) -> list[tuple[str, str]]:
    names = {
        normalize(name, drop_filler=False): committee.id
        for committee in kb.committees
        for name in committee.all_names
    }
    return sorted(names.items(), key=lambda pair: len(pair[0]), reverse=True)


def find_committee_names(text: str, names: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(name, committee id) for each committee name in normalised text, longest first."""
    found = []
    for name, committee_id in names:
        if name.isascii():
            if re.search(rf"\b{re.escape(name)}\b", text):
                found.append((name, committee_id))
        elif name in text:
            found.append((name, committee_id))
            text = text.replace(name, " ")
    return found


def _strip_names(text: str, names: list[tuple[str, str]]) -> str:
    for name, _ in find_committee_names(text, names):
        text = _blank(text, name)
    return text


def _blank(text: str, name: str) -> str:
    """Replace a name by spaces of the same length (keeps offsets valid)."""
    if name.isascii():
        return re.sub(rf"\b{re.escape(name)}\b", " " * len(name), text)
    return text.replace(name, " " * len(name))
