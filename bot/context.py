"""What a resident's conversation is about: a plain record the matcher reads follow-ups
in and the store keeps (so it imports neither)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.text import Lang


@dataclass(frozen=True)
class Context:
    """What a resident's conversation is about so far: what a follow-up is read against.

    Kept in the store under the resident's keyed id (any front end, any process sees it),
    and empty once it is older than the dialogue's `context_minutes` or after /start."""

    fact_id: str | None = None
    """The fact last answered (or the one a detail it lacks was declined for)."""
    committee_id: str | None = None
    """The committee last answered about or named."""
    options: tuple[str, ...] = ()
    """The fact ids of the last "did you mean", when the last turn asked back."""
    question: str = ""
    """The last question (normalised), so that 那合一呢 can be asked again of 合一."""
    lang: Lang | None = None
    """The language of the resident's last question (buttons and commands answer in it)."""
    at: float = 0.0
    """Unix time of the turn that left this context."""

    @property
    def has_topic(self) -> bool:
        return bool(self.fact_id or self.committee_id or self.options)

    def as_of(self, now: float, lifetime: float) -> Context:
        """This context, or only its language once it is older than `lifetime` seconds."""
        if self.has_topic and now - self.at > lifetime:
            return self.without_topic()
        return self

    def without_topic(self) -> Context:
        """The same language, nothing to follow up on (expired, or /start)."""
        return Context(lang=self.lang, at=self.at)


NO_CONTEXT = Context()
