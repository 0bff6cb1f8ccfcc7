"""Matching residents' questions onto facts (no telegram import here)."""

from bot.match.index import Index, build_index
from bot.match.live import LiveKnowledge, ReloadResult, Snapshot
from bot.match.matcher import Matcher, explain
from bot.match.normalize import detect_language, normalize
from bot.match.types import Match, MatcherSettings, MatchResult, Outcome

__all__ = [
    "Index",
    "LiveKnowledge",
    "Match",
    "MatchResult",
    "Matcher",
    "MatcherSettings",
    "Outcome",
    "ReloadResult",
    "Snapshot",
    "build_index",
    "detect_language",
    "explain",
    "normalize",
]
