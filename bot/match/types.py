"""Small typed records the matcher returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from bot.kb.model import Fact, Lang

Outcome = Literal["answered", "clarify", "declined"]


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

    @property
    def committee_id(self) -> str | None:
        return self.fact.committee_id


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
    confidence: float = 0.0
    """The calibrated probability (0-1) that the best candidate is the right answer."""
    related: tuple[Match, ...] = field(default=())
    """For a decline of a question next to a known topic (the fee of a class the knowledge
    base describes): the fact it is next to, offered as "what I do know"."""

    @property
    def answered(self) -> bool:
        return self.outcome == "answered"

    @property
    def best(self) -> Match | None:
        return self.candidates[0] if self.candidates else None

    @property
    def runner_up(self) -> Match | None:
        return self.candidates[1] if len(self.candidates) > 1 else None


@dataclass(frozen=True)
class MatcherSettings:
    """Score thresholds (0-100) that decide answered / clarify / declined."""

    answer_threshold: float = 58.0
    """A best score at or above this answers, unless a runner-up is too close."""
    clarify_threshold: float = 35.0
    """Between this and answer_threshold the bot asks "did you mean…"; below, it declines."""
    clarify_margin: float = 6.0
    """A runner-up within this many points of the best makes the bot ask instead of answer."""
    max_alternatives: int = 3
    """How many facts a "did you mean" offers."""
