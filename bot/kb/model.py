"""Typed, immutable objects for the knowledge base (what `knowledge/` holds)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from bot.kb.asking import AskingWords
from bot.kb.calibration import DecisionModel
from bot.kb.colloquial import Colloquial
from bot.kb.emergency import EmergencyNumbers, EmergencyWords
from bot.kb.handoff import HandoffWords
from bot.text import LANGS as LANGS  # re-exported: the layers import these from here
from bot.text import Lang as Lang
from bot.text import Text as Text


@dataclass(frozen=True)
class Source:
    """Where a fact comes from: a document listed in street.yaml and its section."""

    article: str
    section: str


@dataclass(frozen=True)
class SourceDocument:
    title: str
    published: str


@dataclass(frozen=True)
class Contact:
    """Contact fields; None until an admin fills them from a real source."""

    address: str | None = None
    phone: str | None = None
    hours: str | None = None

    def filled(self) -> list[tuple[str, str]]:
        """(field, value) pairs that have a value, in display order."""
        pairs = [("address", self.address), ("phone", self.phone), ("hours", self.hours)]
        return [(name, value) for name, value in pairs if value]


@dataclass(frozen=True)
class Fact:
    id: str
    committee_id: str | None  # None for a street-level fact
    title: Text
    answer: Text
    tags: tuple[str, ...]
    phrasings_zh: tuple[str, ...]
    phrasings_en: tuple[str, ...]
    source: Source
    overview: bool = False
    see_also: tuple[str, ...] = ()
    street: str | None = None
    """The id of its street (its folder under streets/); None in a one-street base."""

    @property
    def phrasings(self) -> tuple[str, ...]:
        return self.phrasings_zh + self.phrasings_en


@dataclass(frozen=True)
class Committee:
    id: str  # the file stem, e.g. "xiaohe"
    name: str  # 孝和居委
    short_name: str  # 孝和
    english_name: str  # Xiaohe
    aliases: tuple[str, ...]
    theme: str
    contact: Contact
    facts: tuple[Fact, ...]
    street: str | None = None
    """The id of its street; None in a one-street base (then `id` is the file stem,
    else `<street>/<file stem>`: names need only be unique within a street)."""

    @property
    def all_names(self) -> tuple[str, ...]:
        """Every name a resident might use for this committee."""
        return (self.name, self.short_name, self.english_name, *self.aliases)

    def display_name(self, lang: Lang) -> str:
        return f"{self.english_name} committee" if lang == "en" else self.name

    @property
    def overview(self) -> Fact | None:
        return next((fact for fact in self.facts if fact.overview), None)


@dataclass(frozen=True)
class Tag:
    name: str  # the Chinese tag as written in facts
    en: str
    menu: bool = False

    def label(self, lang: Lang) -> str:
        return self.en if lang == "en" else self.name


@dataclass(frozen=True)
class Street:
    name: str
    english_name: str
    district: str
    city: str
    slogan: str
    committee_count: int
    id: str = ""
    """Its folder under streets/; "" in a one-street base."""

    def display_name(self, lang: Lang) -> str:
        return self.english_name if lang == "en" else self.name


@dataclass(frozen=True, eq=False)  # a snapshot: compared and hashed by identity
class KnowledgeBase:
    street: Street
    fallback: Text
    themes: dict[str, Text]
    tags: tuple[Tag, ...]
    committees: tuple[Committee, ...]
    street_facts: tuple[Fact, ...]
    synonym_groups: tuple[tuple[str, ...], ...]
    sources: dict[str, SourceDocument] = field(default_factory=dict)
    related_topics: tuple[frozenset[str], ...] = ()
    """synonyms.yaml's close topics (助医 and 健康医疗), each as its groups' first words: a
    follow-up on one still leans on an answer about the other."""
    colloquial: Colloquial = field(default_factory=Colloquial)
    decision: DecisionModel | None = None
    """The fitted decision (calibration.yaml); None: the matcher's uncalibrated default."""
    asking: AskingWords = field(default_factory=AskingWords)
    """The words that show which kind of information a question asks (details.yaml)."""
    emergency_numbers: EmergencyNumbers | None = None
    """street.yaml's national emergency numbers (the first street's, with several)."""
    emergency_words: EmergencyWords | None = None
    """emergency.yaml: what says an emergency is happening; None: none are recognised."""
    handoff_words: HandoffWords | None = None
    """handoff.yaml: how residents ask for a person; None: they cannot."""
    streets: tuple[Street, ...] = ()
    """Every street of a base laid out as streets/<street>/ (`street` is then the first);
    empty for the one-street layout."""
    _facts_by_id: dict[str, Fact] = field(init=False, repr=False, compare=False)
    _committees_by_id: dict[str, Committee] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_facts_by_id", {fact.id: fact for fact in self.facts})
        object.__setattr__(self, "_committees_by_id", {c.id: c for c in self.committees})

    @property
    def facts(self) -> tuple[Fact, ...]:
        """Street facts first, then each committee's facts in file order."""
        return self.street_facts + tuple(f for c in self.committees for f in c.facts)

    @property
    def phrasing_count(self) -> int:
        return sum(len(fact.phrasings) for fact in self.facts)

    def fact(self, fact_id: str) -> Fact | None:
        return self._facts_by_id.get(fact_id)

    def committee(self, committee_id: str | None) -> Committee | None:
        return self._committees_by_id.get(committee_id) if committee_id else None

    def committee_of(self, fact: Fact) -> Committee | None:
        return self.committee(fact.committee_id)

    def facts_tagged(self, tag: str) -> tuple[Fact, ...]:
        return tuple(fact for fact in self.facts if tag in fact.tags)

    @property
    def menu_tags(self) -> tuple[Tag, ...]:
        return tuple(tag for tag in self.tags if tag.menu)

    def tag(self, name: str) -> Tag | None:
        return next((tag for tag in self.tags if tag.name == name), None)

    # --- several streets ------------------------------------------------------------
    @property
    def several_streets(self) -> bool:
        """More than one street: answers name theirs, and residents may choose one."""
        return len(self.streets) > 1

    def street_by_id(self, street_id: str | None) -> Street | None:
        return next((s for s in self.streets if s.id == street_id), None) if street_id else None

    def in_street(self, street_id: str) -> KnowledgeBase:
        """The part of the base that is one street's (for `check`/`eval --street`)."""
        street = self.street_by_id(street_id)
        if street is None:
            raise KeyError(street_id)
        return replace(
            self,
            street=street,
            committees=tuple(c for c in self.committees if c.street == street_id),
            street_facts=tuple(f for f in self.street_facts if f.street == street_id),
            streets=(street,),
        )
