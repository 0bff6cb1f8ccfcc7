"""Which answer to give for a match result: pure, so it is testable without a store.

The matcher ranks facts street-wide; the dialogue adds what it knows about the
resident. When several committees offer the same kind of service and the
resident's home committee is among them, its fact comes first and the others
are listed as similar services.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.dialogue.settings import DialogueSettings
from bot.match import Match, MatchResult, Outcome


@dataclass(frozen=True)
class Choice:
    outcome: Outcome
    match: Match | None = None
    """answered: the fact to show; clarify: the best option; declined: the nearest miss.
    This is the match the question is logged with."""
    options: tuple[Match, ...] = ()
    """answered: other committees' similar services; clarify: the facts to choose from."""
    home_first: bool = False
    """The answer is the resident's home committee's, chosen among similar ones."""


def choose(result: MatchResult, home: str | None, settings: DialogueSettings) -> Choice:
    """What to reply to `result` for a resident whose home committee is `home`."""
    candidates = result.candidates
    if not candidates:
        return Choice("declined")
    best = candidates[0]
    if result.outcome == "declined":
        return Choice("declined", best)
    home_choice = _home_choice(result, home, settings)
    if home_choice is not None:
        return home_choice
    if result.outcome == "clarify":
        return Choice("clarify", best, tuple(candidates[: settings.max_options]))
    return Choice("answered", best, tuple(similar(candidates, best, settings)))


def _home_choice(
    result: MatchResult, home: str | None, settings: DialogueSettings
) -> Choice | None:
    """The home committee's fact first, with the other committees' similar ones, when
    the candidates offer the same kind of service in several committees, home among them."""
    if not home or (result.named_committee and result.named_committee != home):
        return None  # no home, or the resident asked about another committee by name
    if result.outcome == "clarify":
        chosen, others = _home_among_options(result.candidates, home, settings)
    else:
        chosen, others = _home_among_similar(result.candidates, home, settings)
    if chosen is None or not others:
        return None
    return Choice("answered", chosen, tuple(others), home_first=True)


def _home_among_options(
    candidates: Sequence[Match], home: str, settings: DialogueSettings
) -> tuple[Match | None, list[Match]]:
    # the matcher already judged the options too close to choose between
    options = candidates[: settings.max_options]
    chosen = next((m for m in options if m.committee_id == home), None)
    return chosen, one_per_committee(options, exclude=home)


def _home_among_similar(
    candidates: Sequence[Match], home: str, settings: DialogueSettings
) -> tuple[Match | None, list[Match]]:
    best = candidates[0]
    chosen = next(
        (m for m in candidates if m.committee_id == home and alike(best, m, settings)), None
    )
    return chosen, similar(candidates, chosen, settings) if chosen else []


def alike(reference: Match, other: Match, settings: DialogueSettings) -> bool:
    """`other` offers something like `reference`: close in score and matching every term
    the reference matched (when the matcher reports terms)."""
    if other.score < settings.similar_floor:
        return False
    if abs(reference.score - other.score) > settings.similar_window:
        return False
    return set(reference.shared_terms) <= set(other.shared_terms)


def similar(candidates: Sequence[Match], chosen: Match, settings: DialogueSettings) -> list[Match]:
    """The best fact of each other committee that offers something like `chosen`."""
    alike_ones = [m for m in candidates if alike(chosen, m, settings)]
    return one_per_committee(alike_ones, exclude=chosen.committee_id)


def one_per_committee(matches: Iterable[Match], *, exclude: str | None) -> list[Match]:
    """The first match of each committee other than `exclude` (street facts left out)."""
    seen = {exclude}
    kept = []
    for match in matches:
        if match.committee_id is not None and match.committee_id not in seen:
            seen.add(match.committee_id)
            kept.append(match)
    return kept
