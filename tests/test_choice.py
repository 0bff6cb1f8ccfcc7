"""`choose()` on its own: which answer a match result gets, with no store and no dialogue."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.dialogue.choice import choose
from bot.dialogue.settings import DialogueSettings
from bot.kb import KnowledgeBase, load_knowledge
from bot.match import Match, MatcherSettings, MatchResult

KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"
ELDERLY = ["jianer-volunteer-services", "heyi-elderly-care", "fusan-senior-teams"]


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(KNOWLEDGE)


def result(kb: KnowledgeBase, outcome: str, scores: list[tuple[str, float]], **kw) -> MatchResult:
    matches = tuple(
        Match(fact=kb.fact(fact_id), score=score, phrasing="", shared_terms=("老人",))  # type: ignore[arg-type]
        for fact_id, score in scores
    )
    return MatchResult("老人", "老人", "zh", outcome, matches, **kw)  # type: ignore[arg-type]


def test_the_home_committee_answers_among_similar_services(kb):
    choice = choose(
        result(kb, "answered", [(ELDERLY[0], 80), (ELDERLY[1], 72)]), "heyi", DialogueSettings()
    )
    assert choice.outcome == "answered" and choice.home_first
    assert choice.match is not None and choice.match.fact.id == ELDERLY[1]
    assert [m.fact.id for m in choice.options] == [ELDERLY[0]]


def test_a_home_committee_far_behind_is_not_preferred(kb):
    settings = DialogueSettings(similar_window=5)
    choice = choose(result(kb, "answered", [(ELDERLY[0], 80), (ELDERLY[1], 72)]), "heyi", settings)
    assert not choice.home_first and choice.match.fact.id == ELDERLY[0]  # type: ignore[union-attr]
    assert choice.options == ()


@pytest.mark.parametrize("configured", [1, 2, 3])
def test_clarify_offers_the_configured_number_of_options(kb, configured):
    settings = DialogueSettings().following(MatcherSettings(max_alternatives=configured))
    choice = choose(result(kb, "clarify", [(f, 60) for f in ELDERLY]), None, settings)
    assert choice.outcome == "clarify" and len(choice.options) == configured


def test_a_named_committee_is_not_overridden_by_home(kb):
    named = result(kb, "answered", [(ELDERLY[0], 80), (ELDERLY[1], 79)], named_committee="jianer")
    assert not choose(named, "heyi", DialogueSettings()).home_first


def test_nothing_found_is_declined_and_logged_without_a_fact(kb):
    choice = choose(result(kb, "declined", []), "heyi", DialogueSettings())
    assert choice.outcome == "declined" and choice.match is None
