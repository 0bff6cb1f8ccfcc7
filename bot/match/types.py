"""Small typed records the matcher returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from bot.kb.asking import Kind
from bot.kb.model import Fact, Lang, Text

Outcome = Literal["answered", "clarify", "declined"]


@dataclass(frozen=True)
class QueryTerm:
    """One term of a question, as the matcher reads it."""

    term: str
    weight: float
    """How much it says about which fact is meant (rare and specific: heavy)."""
    credit: float
    """1.0 when written as is; less when reached by typo repair."""
    surface: str


@dataclass(frozen=True)
class Reading:
    """A question as the matcher reads it, before ranking: what a follow-up rewrites."""

    question: str
    normalized: str
    lang: Lang
    named: str | None
    """The committee the question names (its id), if any."""
    terms: tuple[QueryTerm, ...]
    """The terms, the committee's name left out, after typo repair."""
    asked: Mapping[Kind, tuple[str, ...]] = field(default_factory=dict)
    """The kinds of information it asks for, with the words that ask them."""
    namesakes: tuple[str, ...] = ()
    """Committees of the named name in several streets (then "which street?")."""
    wants_list: bool = False
    """It asks which committees do something (哪几个居委)."""


@dataclass(frozen=True)
class Match:
    """One fact scored against one question, with the reasons an admin needs."""

    fact: Fact
    score: float
    """0-100; 100 is a perfect match of the question's terms."""
    phrasing: str
    """The phrasing, title, tag or name of the fact that matched best."""
    shared_terms: tuple[str, ...] = ()
    """Normalised terms the question and that phrasing have in common."""
    kind: str = "phrasing"
    """Where the evidence came from: phrasing, title, tag, answer, several (documents of
    the fact together) or name (the committee was named)."""

    @property
    def committee_id(self) -> str | None:
        return self.fact.committee_id


@dataclass(frozen=True)
class Guards:
    """Rules that overrule the probabilities (kept so `calibrate` can replay the decision)."""

    offerable: bool = False
    """The best fact scores high enough to be offered at all."""
    too_close: bool = False
    """Another committee's fact is as good: never answer outright."""
    missing_detail: Text | None = None
    """The detail the question asks for (a fee, hours) that the best fact does not give."""
    keywords: bool = False
    """A few English keywords (reading club) that the best fact covers: at least offered."""
    listing: bool = False
    """"Which committees…" answered by several committees' facts: the list is what is
    offered, however close they are to one another."""


@dataclass(frozen=True)
class MatchResult:
    question: str
    normalized: str
    """The question after normalisation (what the log and the report group on)."""
    lang: Lang
    outcome: Outcome
    candidates: tuple[Match, ...] = field(default=())
    """Ranked best first; for *answered* the first is the answer, for *clarify* they are
    the "did you mean" options, for *declined* the nearest facts (for admins only)."""
    named_committee: str | None = None
    """The id of a committee the question names, if any."""
    namesakes: tuple[str, ...] = ()
    """The question names a committee that several streets have, none of them the
    resident's: their ids. The outcome is then clarify, one option per street."""
    confidence: float = 0.0
    """The calibrated probability (0-1) that the best candidate is the right answer."""
    evidence: Mapping[str, float] = field(default_factory=dict)
    """The features the decision was made on (see bot/match/calibration.py)."""
    guards: Guards = field(default=Guards())
    related: tuple[Match, ...] = field(default=())
    """For a decline of a question next to a known topic (the fee of a class the knowledge
    base describes): the fact it is next to, offered as "what I do know"."""
    context: ContextUse | None = None
    """How the conversation so far shaped this reading; None: no context to read it in."""
    detail_span: str | None = None
    """For a follow-up answered from the last fact: the part of its answer that gives the
    detail asked (每天平均14.86单), which the reply leads with."""
    listing: bool = False
    """The question asks which committees do something: the candidates are the list, one
    fact per committee, best first."""
    asked: frozenset[Kind] = frozenset()
    """The kinds of information the question asks for (a count, a date): an answer
    leads with the clause that gives them (answerability.detail_span)."""

    @property
    def answered(self) -> bool:
        return self.outcome == "answered"

    @property
    def best(self) -> Match | None:
        return self.candidates[0] if self.candidates else None

    @property
    def best_fact(self) -> Fact | None:
        return self.candidates[0].fact if self.candidates else None

    @property
    def runner_up(self) -> Match | None:
        return self.candidates[1] if len(self.candidates) > 1 else None


@dataclass(frozen=True)
class MatcherSettings:
    """What the bot does with the calibrated probability that its best fact is right."""

    answer_confidence: float | None = None
    """Answer outright from this probability (0-1) that the best fact is right.
    None: the threshold fitted with the calibration (knowledge/calibration.yaml)."""
    clarify_confidence: float | None = None
    """Below answer_confidence, ask "did you mean…" from this probability (0-1) that one
    of the offered facts is right; below it, decline. None: the fitted threshold."""
    clarify_threshold: float = 20.0
    """The lowest score (0-100) a fact may have to be offered as an option at all."""
    clarify_margin: float = 2.0
    """A best fact of another committee within this many points always makes the bot ask."""
    max_alternatives: int = 3
    """How many facts a "did you mean" offers."""


@dataclass(frozen=True)
class ContextUse:
    """How the last turns shaped this reading of a question (shown by `ask`)."""

    how: str
    """follow-up (read as about the last fact), switch (the same of another committee),
    option (one of the last "did you mean" options) or fresh (matched on its own)."""
    why: str
    """One line for an admin: what in the question made it so."""
    fact_id: str | None = None
    """The fact of the context it was read against."""
