"""The dialogue's tuning values in one place, each with what it does (cf. Datasette's SETTINGS).

The matcher's own scores and thresholds live in `bot.match`; the two values the
dialogue shares with it are copied from the configured `MatcherSettings` by
`DialogueSettings.following()`, so that `config.yaml` stays the one place to set them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.match import MatcherSettings


@dataclass(frozen=True)
class DialogueSettings:
    max_options: int = MatcherSettings.max_alternatives
    """How many facts a "did you mean" offers, and how many candidates a home committee is
    looked for among when the matcher asks back: the configured `matcher.max_alternatives`."""
    similar_floor: float = MatcherSettings.clarify_threshold
    """Other committees' facts below this score are never offered as "similar services":
    the configured `matcher.clarify_threshold`."""
    similar_window: float = 15.0
    """Facts of other committees within this many points of the answer count as "similar
    services": wider than the matcher's clarify margin, because an answered question by
    definition has no runner-up within that margin."""
    name_cutoff: float = 80.0
    """rapidfuzz `ratio` (0-100) a name typed after /committee must reach against some
    spelling of a committee. Chinese names are two or three characters, where one wrong
    character already costs 33-50 points, so Chinese typos are caught by comparing pinyin
    exactly (孝禾 → xiaohe) and fuzzy matching is kept for Latin spellings (xiaoeh → xiaohe)."""
    context_minutes: float = 30.0
    """How long a conversation's context lasts after its last turn: within it a follow-up
    (伊拉一天多少单, 那合一呢) is read as about the last fact; after it, on its own."""
    group_similarity: float = 75.0
    """rapidfuzz `ratio` (0-100) above which two logged questions fall into one group of the
    admins' report (`python -m bot report`, /unanswered)."""

    def following(self, matcher: MatcherSettings) -> DialogueSettings:
        """These settings with the values shared with the configured matcher."""
        if (self.max_options, self.similar_floor) == (
            matcher.max_alternatives,
            matcher.clarify_threshold,
        ):
            return self
        return replace(
            self, max_options=matcher.max_alternatives, similar_floor=matcher.clarify_threshold
        )


DEFAULT = DialogueSettings()
