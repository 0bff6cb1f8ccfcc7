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
from collections.abc import Mapping
from dataclasses import replace

from bot.context import Context
from bot.kb.asking import Kind, asking_parts
from bot.kb.calibration import DecisionModel
from bot.kb.model import Fact, KnowledgeBase, Lang, Text
from bot.match.answerability import (
    asked_words,
    asks_for_a_list,
    counts_what_is_asked,
    given_for_the_question,
    years_named,
)
from bot.match.calibration import UNCALIBRATED, decide, evidence, probability
from bot.match.details import OTHER_STREET, names_other_street, unanswered_kind
from bot.match.followup import read_in_context
from bot.match.index import Index, build_index
from bot.match.names import blank_spans
from bot.match.normalize import detect_language, normalize
from bot.match.rank import Ranker
from bot.match.repair import QuestionReader
from bot.match.scoring import Scoring
from bot.match.streets import which_street
from bot.match.types import Guards, Match, MatcherSettings, MatchResult, QueryTerm, Reading

QUESTION_WORDS = frozenset(
    "what how where when who which why is are do does can could should any anyone".split()
)
"""Words that make English a question, not a list of keywords."""
COUNTS = frozenset({Kind.PEOPLE_COUNT, Kind.TIMES_COUNT, Kind.AMOUNT})


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
        self.years = frozenset(y for fact in self.kb.facts for y in years_named(fact.answer.zh))
        """The years the knowledge base describes: a question about another is about
        plans or history it does not record."""

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
        """The question as the matcher reads it: normalised, its committee, terms, and the
        kinds of information it asks."""
        question = question[: self.scoring.max_question_chars]
        normalized = normalize(question)
        named_id, text, namesakes = self._committee_named(normalized, street)
        wants_list = asks_for_a_list(normalized, self.kb.asking)
        if wants_list:  # 哪几个居委 says nothing about the topic
            text = self.kb.asking.list_asked_in.sub(" ", text)
        asked = self._asked(normalized)
        return Reading(
            question=question,
            normalized=normalized,
            lang=detect_language(question),
            named=named_id,
            terms=self._without_asking_words(self.query_terms(text), asked),
            asked=asked,
            namesakes=namesakes,
            wants_list=wants_list,
        )

    def _without_asking_words(
        self, terms: list[QueryTerm], asked: Mapping[Kind, tuple[str, ...]]
    ) -> tuple[QueryTerm, ...]:
        """The terms, less words the base does not know that are part of an asking word
        (年数 of 有多少年数): they say what is asked, not what about, and an unknown word
        weighs as much as a rare topic would. Only the asking word's own characters count,
        not a gap's (送到…家里), and English words count whole (dress is not in address)."""
        parts = self._asking_parts(asked)
        if not parts:
            return tuple(terms)
        idf = self.index.idf

        def asks(term: QueryTerm) -> bool:
            surface = term.surface or term.term
            if surface.isascii():
                return any(surface in part.split() for part in parts)
            return any(surface in part for part in parts)

        return tuple(t for t in terms if t.term in idf or not asks(t))

    def _asking_parts(self, asked: Mapping[Kind, tuple[str, ...]]) -> list[str]:
        """The pieces (between gaps) of the asking words of `asked` that its hits show."""
        hits = " ".join(hit for found in asked.values() for hit in found)
        kinds = self.kb.asking.kinds
        return [
            part
            for kind in asked
            if kind in kinds
            for part in asking_parts(kinds[kind].asks)
            if part in hits
        ]

    def judge(
        self, reading: Reading, street: str | None, ranked: list[Match] | None = None
    ) -> MatchResult:
        """Rank (unless given `ranked`) and decide for one reading of a question."""
        terms, named_id, lang, normalized = (
            list(reading.terms),
            reading.named,
            reading.lang,
            reading.normalized,
        )
        asked = dict(reading.asked)
        if ranked is None:
            ranked = self.ranker.rank(terms, named_id, street)
        listed = self._listed(ranked, named_id) if reading.wants_list else []
        if listed:
            asked.pop(Kind.AMOUNT, None)  # 哪几个居委 asks which, not how many
        candidates = listed or self._fact_giving_kinds(asked, ranked, lang, normalized)
        limit = max(self.settings.max_alternatives, len(listed), 3)
        result = MatchResult(
            question=reading.question,
            normalized=normalized,
            lang=lang,
            outcome="declined",
            candidates=tuple(candidates[:limit]),
            named_committee=named_id,
            asked=frozenset(asked),
            listing=bool(listed),
        )
        if not candidates:
            return result
        missing = self._missing_detail(asked, candidates[0], lang, normalized)
        if names_other_street(normalized, self.index.street_names):
            missing = OTHER_STREET
        given = bool(asked) and missing is None
        features = evidence(candidates, terms, self.index, named_id, lang, given)
        return self._decide(replace(result, evidence=features), candidates, missing)

    def _listed(self, ranked: list[Match], named_id: str | None) -> list[Match]:
        """For "which committees …": the best fact of each committee that scores close
        enough to the best one, best first; empty unless two or more qualify."""
        if named_id or not ranked:
            return []
        floor = max(self.settings.clarify_threshold, ranked[0].score * self.scoring.list_share)
        seen: set[str] = set()
        listed = []
        for match in ranked:
            committee = match.committee_id
            if committee and committee not in seen and match.score >= floor:
                seen.add(committee)
                listed.append(match)
        return listed[: self.scoring.max_listed] if len(listed) >= 2 else []

    def _asked(self, normalized: str) -> dict[Kind, tuple[str, ...]]:
        """The kinds of information the question asks, with the words that ask them (as
        typed, or in Mandarin: 哪能办 asks as 怎么办 does); a year the knowledge base does
        not describe asks for plans it does not record."""
        asked = asked_words(self._asking_text(normalized), self.kb.asking)
        other_years = tuple(sorted(years_named(normalized) - self.years))
        if other_years and self.years:
            asked[Kind.LATER] = asked.get(Kind.LATER, ()) + other_years
        return asked

    def _asking_text(self, normalized: str) -> str:
        """The question as asking words are looked for in it: as typed and, on a line of
        its own, in Mandarin (几化居委 also reads 多少居委)."""
        mandarin = self.index.tokenizer.in_mandarin(normalized)
        return normalized if mandarin == normalized else f"{normalized}\n{mandarin}"

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
            # a list is meant to hold several committees' facts
            too_close=not result.listing
            and self.too_close(best, candidates, result.named_committee),
            missing_detail=missing_detail,
            keywords=self._keywords_covered(result),
            listing=result.listing,
        )
        outcome = decide(confident, plausible, answer_at, clarify_at, guards)
        if result.listing and outcome == "clarify":
            outcome = "answered"  # the list offers every committee that matched
        # a question about the fee of a class the knowledge base describes: what it knows
        offered = guards.offerable and plausible >= clarify_at
        related = (best,) if guards.missing_detail is not None and offered else ()
        return replace(
            result, outcome=outcome, confidence=round(confident, 3), related=related, guards=guards
        )

    def _fact_giving_kinds(
        self,
        asked: Mapping[Kind, tuple[str, ...]],
        candidates: list[Match],
        lang: Lang,
        question: str,
    ) -> list[Match]:
        """The best fact lacks a detail the question asks for (how many people), but
        another fact of its committee gives it: that fact first. It may be a lower
        candidate, or — when the committee's overview came first — any of its facts."""
        if not asked or not candidates or self._gives(asked, candidates[0].fact, lang, question):
            return candidates
        best = candidates[0]
        giving = self._same_committee_giving(asked, candidates, lang, question)
        if giving is not None:
            return [giving, *(m for m in candidates if m is not giving)]
        fact = self._own_fact_giving(asked, best, lang, question) if best.fact.overview else None
        if fact is None:
            return candidates
        return [replace(best, fact=fact, phrasing=fact.title.zh), *candidates[1:]]

    def _same_committee_giving(
        self,
        asked: Mapping[Kind, tuple[str, ...]],
        candidates: list[Match],
        lang: Lang,
        question: str,
    ) -> Match | None:
        """A lower candidate of the best one's committee that gives what is asked."""
        best = candidates[0]
        same = (m for m in candidates[1:] if m.committee_id and m.committee_id == best.committee_id)
        return next((m for m in same if self._gives(asked, m.fact, lang, question)), None)

    def _own_fact_giving(
        self, asked: Mapping[Kind, tuple[str, ...]], best: Match, lang: Lang, question: str
    ) -> Fact | None:
        """Any fact of the (named) committee whose overview came first that gives it."""
        committee = self.kb.committee_of(best.fact)
        if committee is None:
            return None
        facts = (f for f in committee.facts if not f.overview)
        return next((f for f in facts if self._gives(asked, f, lang, question)), None)

    def _gives(
        self, asked: Mapping[Kind, tuple[str, ...]], fact: Fact, lang: Lang, question: str
    ) -> bool:
        return self._unanswered(asked, fact, lang, question) is None

    def _unanswered(
        self, asked: Mapping[Kind, tuple[str, ...]], fact: Fact, lang: Lang, question: str
    ) -> Kind | None:
        given = self.index.given_kinds(self.index.fact_numbers[fact.id], lang)
        if COUNTS & asked.keys() and counts_what_is_asked(self._asking_text(question), fact):
            given |= COUNTS
        for_it = given_for_the_question(given, asked, question, fact, self.kb.asking)
        return unanswered_kind(self._as_terms_too(asked), frozenset(for_it), self._spoken_of(fact))

    def _as_terms_too(self, asked: Mapping[Kind, tuple[str, ...]]) -> dict[Kind, tuple[str, ...]]:
        """The asking words with the terms their synonyms stand for (中饭 → 助餐), so an
        answer that speaks of the thing in any word of its synonym group (吃饭, 饭菜)
        speaks of it all the same."""
        synonyms = self.index.tokenizer.synonyms
        return {
            kind: (*hits, *(synonyms[hit] for hit in hits if hit in synonyms))
            for kind, hits in asked.items()
        }

    def _spoken_of(self, fact: Fact) -> str:
        """The fact's answer in both languages, with the terms of its answer texts."""
        terms = self.index.answer_terms(self.index.fact_numbers[fact.id])
        return f"{fact.answer.zh} {fact.answer.en.casefold()} {' '.join(sorted(terms))}"

    def _missing_detail(
        self, asked: Mapping[Kind, tuple[str, ...]], best: Match, lang: Lang, question: str
    ) -> Text | None:
        """The name of a detail the question asks for (a fee, hours) that the best fact
        does not give."""
        if not asked:
            return None
        missing = self._unanswered(asked, best.fact, lang, question)
        return self.kb.asking.label(missing) if missing else None

    def _keywords_covered(self, result: MatchResult) -> bool:
        """Two or three English words, no question (reading club, dog owners etiquette),
        most of whose weight the best fact covers."""
        words = result.normalized.split()
        return (
            result.lang == "en"
            and 1 < len(words) <= self.scoring.keyword_words
            and not QUESTION_WORDS.intersection(words)
            and result.evidence.get("coverage", 0.0) >= self.scoring.keyword_coverage
        )

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
