"""A question naming a committee that several streets have, from a resident whose street
is none of them: the bot asks which street, with one option per street, never a guess."""

from __future__ import annotations

from bot.kb.model import Lang
from bot.match.rank import Ranker
from bot.match.types import MatchResult, QueryTerm


def which_street(
    question: str,
    normalized: str,
    lang: Lang,
    ranker: Ranker,
    terms: list[QueryTerm],
    namesakes: tuple[str, ...],
) -> MatchResult:
    """ "Which street?": the best fact of each namesake committee, as clarify options."""
    return MatchResult(
        question=question,
        normalized=normalized,
        lang=lang,
        outcome="clarify",
        candidates=tuple(ranker.rank_namesakes(terms, namesakes)),
        namesakes=namesakes,
    )
