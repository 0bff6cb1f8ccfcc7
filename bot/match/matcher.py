"""Map a resident's question onto the facts of the knowledge base.

The pipeline, one module per step:
  normalise → colloquial words → committee names (names.CommitteeNames)
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

from bot.context import Context
from bot.kb.calibration import DecisionModel
from bot.kb.model import KnowledgeBase, Text
from bot.match.calibration import UNCALIBRATED, decide, evidence, probability
from bot.match.details import Detail, asked_details, unanswered_detail
from bot.match.followup import read_in_context
from bot.match.index import Index, build_index
from bot.match.names import blank_spans
from bot.match.normalize import detect_language, normalize
from bot.match.rank import Ranker
from bot.match.repair import QuestionReader
from bot.match.scoring import Scoring
from bot.match.streets import which_street
from bot.match.types import Guards, Match, MatcherSettings, MatchResult, QueryTerm, Reading


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
    def match(
        self, question: str, *, street: str | None = None, context: Context | None = None
    ) -> MatchResult:
        """Rank the facts for `question` and decide what the bot should do; `street`:
        the resident's (a base of several streets prefers its facts); `context`: what the
        conversation is about so far, to read a follow-up in (followup.py)."""
        reading = self.read(question, street)
        if reading.namesakes:
            return which_street(
                reading.question,
                reading.normalized,
                reading.lang,
                self.ranker,
                list(reading.terms),
                reading.namesakes,
            )
        fresh = self.judge(reading, street)
        if context is None or not context.has_topic:
            return fresh
        return read_in_context(self, reading, fresh, context, street)

    def read(self, question: str, street: str | None = None) -> Reading:
        """The question as the matcher reads it: normalised, its committee, terms, details."""
        question = question[: self.scoring.max_question_chars]
        normalized = normalize(question)
        named_id, text, namesakes = self._committee_named(normalized, street)
        return Reading(
            question=question,
            normalized=normalized,
            lang=detect_language(question),
            named=named_id,
            terms=tuple(self.query_terms(text)),
            details=asked_details(normalized, self.index.street_names),
            namesakes=namesakes,
        )

    def judge(
        self, reading: Reading, street: str | None, ranked: list[Match] | None = None
    ) -> MatchResult:
        """Rank (unless given `ranked`) and decide for one reading of a question."""
        terms, named_id, asked = list(reading.terms), reading.named, reading.details
        if ranked is None:
            ranked = self.ranker.rank(terms, named_id, street)
        candidates = self._fact_giving_detail(asked, ranked, reading.normalized)
        limit = max(self.settings.max_alternatives, 3)
        result = MatchResult(
            question=reading.question,
            normalized=reading.normalized,
            lang=reading.lang,
            outcome="declined",
            candidates=tuple(candidates[:limit]),
            named_committee=named_id,
        )
        if not candidates:
            return result
        missing = self._missing_detail(asked, candidates[0], reading.normalized)
        given = bool(asked) and missing is None
        features = evidence(candidates, terms, self.index, named_id, reading.lang, given)
        return self._decide(replace(result, evidence=features), candidates, missing)

    def _committee_named(
        self, normalized: str, street: str | None
    ) -> tuple[str | None, str, tuple[str, ...]]:
        """The committee the question names, if any, the question without the name, and
        the namesakes to choose from when several streets have a committee of that name."""
        names = self.index.committee_names
        named = names.find(normalized)
        if named:
            committee_id, namesakes = names.resolve(named[0][0], street)
            return committee_id, names.blank(normalized), namesakes
        sounding = self.index.sound_alike.spans(normalized)
        return (sounding[0][2] if sounding else None), blank_spans(normalized, sounding), ()

    def query_terms(self, text: str) -> list[QueryTerm]:
        """The question's terms after typo repair, each with its weight."""
        return self.reader.terms(text)

    # --- the decision --------------------------------------------------------
    @property
    def decision(self) -> DecisionModel:
        return self.kb.decision or UNCALIBRATED

    def _decide(
        self, result: MatchResult, candidates: list[Match], missing_detail: Text | None
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
            too_close=self.too_close(best, candidates, result.named_committee),
            missing_detail=missing_detail,
        )
        outcome = decide(confident, plausible, answer_at, clarify_at, guards)
        # a question about the fee of a class the knowledge base describes: what it knows
        offered = guards.offerable and plausible >= clarify_at
        related = (best,) if guards.missing_detail is not None and offered else ()
        return replace(
            result, outcome=outcome, confidence=round(confident, 3), related=related, guards=guards
        )

    def _fact_giving_detail(
        self, details: tuple[Detail, ...], candidates: list[Match], question: str
    ) -> list[Match]:
        """A named committee's overview came first, but the question asks for a detail
        (how many people) that one of the committee's own facts gives: that fact first."""
        if not details or not candidates or not candidates[0].fact.overview:
            return candidates
        committee = self.kb.committee_of(candidates[0].fact)
        if committee is None:
            return candidates
        giving = next(
            (
                fact
                for fact in committee.facts
                if not fact.overview
                and unanswered_detail(details, fact, committee, question) is None
            ),
            None,
        )
        if giving is None:
            return candidates
        return [replace(candidates[0], fact=giving, phrasing=giving.title.zh), *candidates[1:]]

    def _missing_detail(
        self, details: tuple[Detail, ...], best: Match, question: str
    ) -> Text | None:
        """The name of a detail the question asks for (a fee, hours) that the best fact
        does not give."""
        if not details:
            return None
        committee = self.kb.committee_of(best.fact)
        missing = unanswered_detail(details, best.fact, committee, question)
        return missing.label if missing else None

    def too_close(self, best: Match, candidates: list[Match], named: str | None) -> bool:
        """Another committee's fact is about as good: never answer outright. A committee
        the resident named is what they asked about, whatever the others score."""
        if named is not None and best.committee_id == named:
            return False
        rival = next(
            (m for m in candidates[1:] if m.fact.committee_id != best.fact.committee_id), None
        )
        return rival is not None and best.score - rival.score < self.settings.clarify_margin


def _first_set(value: float | None, default: float) -> float:
    return default if value is None else value


def explain(match: Match) -> str:
    """One line an admin can read: score, phrasing, shared terms."""
    terms = ", ".join(match.shared_terms) or "-"
    return f"{match.score:5.1f}  {match.fact.id}  ← “{match.phrasing}”  [{terms}]"


__all__ = ["Matcher", "explain"]
