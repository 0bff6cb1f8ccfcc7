"""Map a resident's question onto the facts of the knowledge base.

The pipeline, one module per step:
  normalise → colloquial words → committee names (index.CommitteeNames)
  → terms with typo repair (repair.QuestionReader)
  → score facts (rank.Ranker)
  → evidence of the best fact → calibrated probabilities → decide (calibration)

Scores run 0–100; the decision comes from the calibrated probability that the
best fact is right (knowledge/calibration.yaml), so an out-of-scope question that
shares a word with a fact is declined rather than guessed.
"""

from __future__ import annotations

import copy
from dataclasses import replace

from bot.kb.calibration import DecisionModel
from bot.kb.model import KnowledgeBase
from bot.match.calibration import UNCALIBRATED, decide, evidence, probability
from bot.match.details import Detail, asked_details, unanswered_detail
from bot.match.index import Index, build_index
from bot.match.normalize import detect_language, normalize
from bot.match.rank import Ranker
from bot.match.repair import QuestionReader
from bot.match.scoring import Scoring
from bot.match.types import Guards, Match, MatcherSettings, MatchResult, QueryTerm


class Matcher:
    """Scores questions against one knowledge base. Immutable after construction."""

    def __init__(
        self,
        kb: KnowledgeBase,
        settings: MatcherSettings | None = None,
        *,
        scoring: Scoring | None = None,
        index: Index | None = None,
    ) -> None:
        """Builds the index of `kb`, unless given one already built for it (the cache's)."""
        self.settings = settings or MatcherSettings()
        self.scoring = scoring or (index.scoring if index else Scoring())
        self.index: Index = index or build_index(kb, self.scoring)
        self.reader = QuestionReader(self.index, self.scoring)
        self.ranker = Ranker(self.index, self.scoring)

    @property
    def kb(self) -> KnowledgeBase:
        return self.index.kb

    def with_settings(self, settings: MatcherSettings) -> Matcher:
        """The same index with other thresholds, without rebuilding it."""
        clone = copy.copy(self)
        clone.settings = settings
        return clone

    # --- public API ----------------------------------------------------------
    def match(self, question: str) -> MatchResult:
        """Rank the facts for `question` and decide what the bot should do."""
        question = question[: self.scoring.max_question_chars]
        normalized = normalize(question)
        lang = detect_language(question)
        names = self.index.committee_names
        named = names.find(normalized)
        named_id = named[0][1] if named else None
        terms = self.query_terms(names.blank(normalized))
        candidates = self.rank(terms, named_id)
        limit = max(self.settings.max_alternatives, 3)
        result = MatchResult(
            question=question,
            normalized=normalized,
            lang=lang,
            outcome="declined",
            candidates=tuple(candidates[:limit]),
            named_committee=named_id,
        )
        if not candidates:
            return result
        features = evidence(candidates, terms, self.index, named_id, lang)
        return self._decide(replace(result, evidence=features), candidates, terms)

    def query_terms(self, text: str) -> list[QueryTerm]:
        """The question's terms after typo repair, each with its weight."""
        return self.reader.terms(text)

    def rank(self, terms: list[QueryTerm], named_committee: str | None = None) -> list[Match]:
        """All facts that share a term with the question, best first."""
        return self.ranker.rank(terms, named_committee)

    # --- the decision --------------------------------------------------------
    @property
    def decision(self) -> DecisionModel:
        return self.kb.decision or UNCALIBRATED

    def _decide(
        self, result: MatchResult, candidates: list[Match], terms: list[QueryTerm]
    ) -> MatchResult:
        """Answer, ask "did you mean…" or decline, from the calibrated probabilities."""
        settings, model = self.settings, self.decision
        best = candidates[0]
        confident = probability(model.answer, result.evidence)
        plausible = probability(model.offer, result.evidence)
        answer_at = _first_set(settings.answer_confidence, model.answer_at)
        clarify_at = _first_set(settings.clarify_confidence, model.clarify_at)
        guards = Guards(
            offerable=best.score >= settings.clarify_threshold,
            too_close=self.too_close(best, candidates, terms),
            missing_detail=self.unknown_detail(result.normalized, best) is not None,
        )
        outcome = decide(confident, plausible, answer_at, clarify_at, guards)
        # a question about the fee of a class the knowledge base describes: what it knows
        offered = guards.offerable and plausible >= clarify_at
        related = (best,) if guards.missing_detail and offered else ()
        return replace(
            result, outcome=outcome, confidence=round(confident, 3), related=related, guards=guards
        )

    def unknown_detail(self, normalized: str, best: Match) -> Detail | None:
        """A detail the question asks for (a fee, hours) that the best fact does not give."""
        details = asked_details(normalized)
        if not details:
            return None
        return unanswered_detail(details, best.fact, self.kb.committee_of(best.fact))

    def too_close(self, best: Match, candidates: list[Match], terms: list[QueryTerm]) -> bool:
        """Another committee's fact is as good, or owns much of what the best leaves out."""
        rival = next(
            (m for m in candidates[1:] if m.fact.committee_id != best.fact.committee_id), None
        )
        if rival and best.score - rival.score < self.settings.clarify_margin:
            return True
        return _split_between_committees(best, candidates, terms, self.scoring.split_share)


def _first_set(value: float | None, default: float) -> float:
    return default if value is None else value


def _split_between_committees(
    best: Match, candidates: list[Match], terms: list[QueryTerm], share: float
) -> bool:
    """True when much of what the best fact leaves out of the question is what another
    committee's fact is about (宠物 at one, 医院 at another: 宠物医院 is neither)."""
    weight = {t.term: t.weight for t in terms}
    total = sum(weight.values())
    uncovered = weight.keys() - set(best.shared_terms)
    for other in candidates[1:]:
        if other.fact.committee_id == best.fact.committee_id:
            continue
        taken = sum(weight[t] for t in uncovered.intersection(other.shared_terms))
        if total and taken / total >= share:
            return True
    return False


def explain(match: Match) -> str:
    """One line an admin can read: score, phrasing, shared terms."""
    terms = ", ".join(match.shared_terms) or "-"
    return f"{match.score:5.1f}  {match.fact.id}  ← “{match.phrasing}”  [{terms}]"


__all__ = ["Matcher", "explain"]
