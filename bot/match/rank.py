"""Scoring every fact that shares a term with a question, best first.

A fact scores high when the question's *weighted* terms are covered by one of its
documents (a phrasing, the title, a tag, the answer), or, a little less, by its
documents together. A question naming a committee goes to that committee.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import replace

from bot.kb.model import KnowledgeBase
from bot.match.index import Index
from bot.match.scoring import Scoring
from bot.match.tokenize import GENERIC_TERMS
from bot.match.types import Match, QueryTerm


class Ranker:
    def __init__(self, index: Index, scoring: Scoring) -> None:
        self.index = index
        self.scoring = scoring

    @property
    def kb(self) -> KnowledgeBase:
        return self.index.kb

    def rank(
        self, terms: list[QueryTerm], named_committee: str | None = None, street: str | None = None
    ) -> list[Match]:
        """All facts that share a term with the question, best first; those of `street`
        (the resident's) before other streets' alike."""
        total = sum(term.weight for term in terms)
        topical = [t for t in terms if t.term not in GENERIC_TERMS]
        if named_committee and not topical:
            return self._named_overview(named_committee, terms)
        if total == 0:
            return []
        best_doc, union = self._score_documents(terms, total, named_committee)
        matches = [
            self._fact_match(fact_index, best, union[fact_index], terms, total)
            for fact_index, best in best_doc.items()
            if self._may_answer(fact_index, named_committee)
        ]
        matches = self._prefer_street(matches, street)
        ranked = heapq.nlargest(len(matches), matches, key=lambda m: (m.score, -len(m.fact.id)))
        return self._prefer_named(ranked, named_committee, terms) if named_committee else ranked

    def rank_namesakes(self, terms: list[QueryTerm], committee_ids: Sequence[str]) -> list[Match]:
        """A question naming a committee that several streets have: the best fact of
        each, as the options of "which street?"."""
        return [ranked[0] for c in committee_ids if (ranked := self.rank(terms, c))]

    def _prefer_street(self, matches: list[Match], street: str | None) -> list[Match]:
        """Other streets' facts scaled down (`Scoring.other_street`); none without a street."""
        if street is None:
            return matches
        credit = self.scoring.other_street
        return [
            m if m.fact.street in (None, street) else replace(m, score=round(m.score * credit, 1))
            for m in matches
        ]

    def _may_answer(self, fact_index: int, named_committee: str | None) -> bool:
        """Overviews answer "what does X do?", and only when X is named."""
        fact = self.index.facts[fact_index]
        return not fact.overview or fact.committee_id == named_committee

    def _fact_match(
        self,
        fact_index: int,
        best_doc: tuple[float, int],
        union: dict[str, float],
        terms: list[QueryTerm],
        total: float,
    ) -> Match:
        """One fact's score: its best document, or its documents together, plus a lift
        for the share of the question that is what the fact is about."""
        index, scoring = self.index, self.scoring
        doc_score, doc_number = best_doc
        core = index.core_terms[fact_index]
        union_score = scoring.union_credit * sum(union.values()) / total
        if not any(t.term in core for t in terms) and not index.sole_terms.intersection(union):
            # words gathered from several phrasings, none of them what the fact is
            # about nor its alone (买 + 手机 for the vegetable market): not enough
            union_score = min(union_score, scoring.core_miss_cap)
        score = max(doc_score, union_score)
        core_share = sum(t.weight * t.credit for t in terms if t.term in core) / total
        score += (1 - score) * scoring.core_bonus * core_share
        doc = index.documents[doc_number]
        shared_terms = tuple(sorted(union, key=lambda t: -index.weight(t)))
        kind = doc.kind if doc_score >= union_score else "several"
        return Match(index.facts[fact_index], round(100 * score, 1), doc.text, shared_terms, kind)

    def _prefer_named(
        self, ranked: list[Match], committee_id: str, terms: list[QueryTerm]
    ) -> list[Match]:
        """The resident named a committee: its matching fact first. If it has none, its
        overview as a low-scored option beside the facts that do match (did you mean…)."""
        own = [m for m in ranked if m.fact.committee_id == committee_id]
        others = [m for m in ranked if m.fact.committee_id != committee_id]
        others = [
            replace(m, score=round(m.score * self.scoring.named_elsewhere, 1)) for m in others
        ]
        if own and own[0].score >= self.scoring.named_fact_floor:
            return own + others
        overview = self._named_overview(committee_id, terms)[:1]
        # what the overview really shares with the question: often only the name
        really = {m.fact.id: m.shared_terms for m in own}
        unsure = [
            replace(
                m, score=self.scoring.named_mismatch_score, shared_terms=really.get(m.fact.id, ())
            )
            for m in overview
        ]
        return unsure + others

    def _score_documents(
        self, terms: list[QueryTerm], total: float, named_committee: str | None
    ) -> tuple[dict[int, tuple[float, int]], dict[int, dict[str, float]]]:
        """Per fact: its best document's score and number, and the best credit each
        question term earned in any of its documents (for the across-phrasings score).

        Term at a time: the postings of the essential terms pick the candidate
        documents (a bounded number of them), the other terms are only looked up in those."""
        documents = self.index.documents
        gained: dict[int, float] = defaultdict(float)  # doc -> weight * credit shared
        shared: dict[int, float] = defaultdict(float)  # doc -> weight shared
        union: dict[int, dict[str, float]] = defaultdict(dict)
        # words the base does not know find no document: only known ones can be essential
        # (four unknown words beside 退休 and 志愿者 left no term to find a fact by)
        known = [t for t in terms if t.term in self.index.postings]
        known_total = sum(t.weight for t in known)
        essential = set(_essential_terms(known, known_total, self.scoring.essential_share))

        def share(doc_number: int, term: QueryTerm) -> None:
            doc = documents[doc_number]
            credited = term.weight * term.credit
            gained[doc_number] += credited
            shared[doc_number] += term.weight
            seen = union[doc.fact_index]
            credited *= self.scoring.kind_weight[doc.kind]
            if credited > seen.get(term.term, 0.0):
                seen[term.term] = credited

        sources = self._candidate_sources(essential, named_committee)
        for term in terms:
            for doc_number in sources.get(term.term, ()):
                share(doc_number, term)
        candidates = list(gained)
        for term in terms:
            for doc_number in self._also_using(term.term, candidates, sources.get(term.term)):
                share(doc_number, term)

        best_doc: dict[int, tuple[float, int]] = {}
        for doc_number in candidates:
            score = self._document_score(
                doc_number, gained[doc_number] / total, shared[doc_number], named_committee
            )
            fact_index = documents[doc_number].fact_index
            if score > best_doc.get(fact_index, (0.0, -1))[0]:
                best_doc[fact_index] = (score, doc_number)
        return best_doc, union

    def _candidate_sources(
        self, essential: set[str], named_committee: str | None
    ) -> dict[str, Sequence[int]]:
        """term -> the documents it makes candidates: the rarest terms' first, until
        `max_scored_documents` are found (the commoner terms only add to their scores)."""
        index = self.index
        budget = self.scoring.max_scored_documents
        sources: dict[str, Sequence[int]] = {}
        for term in sorted(essential, key=lambda t: (len(index.postings.get(t, ())), t)):
            if budget <= 0:
                break
            sources[term] = index.candidate_documents(term, named_committee)
            budget -= len(sources[term])
        return sources

    def _also_using(
        self, term: str, candidates: list[int], listed: Sequence[int] | None
    ) -> Iterator[int]:
        """The candidates that use `term` but were not among the documents it listed."""
        if listed is not None and len(listed) == len(self.index.postings.get(term, ())):
            return  # it listed every document that uses it
        documents = self.index.documents
        taken = set(listed or ())
        for doc_number in candidates:
            if doc_number not in taken and term in documents[doc_number].terms:
                yield doc_number

    def _document_score(
        self, doc_number: int, recall: float, shared_weight: float, named_committee: str | None
    ) -> float:
        """How well one document covers the question (recall) and itself (precision)."""
        doc, scoring = self.index.documents[doc_number], self.scoring
        precision = shared_weight / doc.total_weight
        exponent = scoring.query_recall_exponent
        score = scoring.kind_weight[doc.kind] * recall**exponent * precision ** (1 - exponent)
        if doc.names_committee and doc.names_committee != named_committee:
            score *= scoring.other_named_phrasing
        return score

    def _named_overview(self, committee_id: str, terms: list[QueryTerm]) -> list[Match]:
        committee = self.kb.committee(committee_id)
        if committee is None or committee.overview is None:
            return []
        overview = committee.overview
        others = [
            Match(fact, self.scoring.named_other_facts_score, fact.title.zh, (), "name")
            for fact in committee.facts
            if fact is not overview
        ]
        shared = (committee.short_name, *(t.term for t in terms))
        return [
            Match(overview, self.scoring.named_overview_score, committee.name, shared, "name"),
            *others,
        ]


def _essential_terms(terms: list[QueryTerm], total: float, share: float) -> list[str]:
    """The terms a fact must share at least one of to be worth scoring. The question's
    weakest terms, together under `share` of its weight, cannot lift a fact to a
    "did you mean" on their own, and skipping facts that only share those keeps a large
    knowledge base fast (老人 is in thousands of phrasings)."""
    ordered = sorted(terms, key=lambda t: t.weight)
    weak = 0.0
    skipped = 0
    for term in ordered:
        if weak + term.weight >= share * total:
            break
        weak += term.weight
        skipped += 1
    return [t.term for t in ordered[skipped:]]
