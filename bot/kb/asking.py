"""`details.yaml`: the words that show which kind of information a question asks for.

A question about the fee of the calligraphy class shares every topic word with the
calligraphy fact, and yet the fact cannot answer it. The matcher reads which kind of
information a question asks (`asks`), and which kinds a fact's answer gives (from its
numbers, dates, names and contact fields, see bot/match/answerability.py, helped by
`told_by`). The words are data an admin can extend; the mechanism is code.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.kb.messages import say
from bot.text import Text
from bot.yamlfile import Checker, PathKey, Problem, YamlDocument, load_yaml

SHIPPED_DETAILS = Path(__file__).resolve().parent.parent.parent / "knowledge" / "details.yaml"
GAP = "…"
"""In an asking word: up to three characters in between (多少…人 reads 多少个老人)."""
GAP_PATTERN = r"[^\s,。!?;]{0,3}?"


class Kind(enum.Enum):
    """A kind of information a question may ask for and an answer may give."""

    PEOPLE_COUNT = "people_count"
    TIMES_COUNT = "times_count"
    DATE = "date"
    FREQUENCY = "frequency"
    PERSON_NAME = "person_name"
    PLACE = "place"
    PRICE = "price"
    PROCEDURE = "procedure"
    HOURS = "hours"
    PROPERTY = "property"
    """A yes/no about a property (an age limit, meals, the language it is held in)."""
    # added after the first ten: more exact readings of what a question asks
    WEEKDAY = "weekday"
    DURATION = "duration"
    NAME = "name"
    """The name of a thing (what the app is called): a quoted name or a person's name."""
    ORGANISATION = "organisation"
    PHONE = "phone"
    DEADLINE = "deadline"
    REFUND = "refund"
    AWARD = "award"
    AGE = "age"
    """How old a place or a team is (近百年历史)."""
    STAFF = "staff"
    AMOUNT = "amount"
    """How many of anything else (books, committees): given only by that very count."""
    LATER = "later"
    """This year's or later plans, whether it still runs: the base describes one year."""
    CITY_MATTER = "city_matter"
    """A city service next to a committee's work (a pension, a licence)."""
    EXHIBITION = "exhibition"
    """Whether a class or team has shown its work (办过展览): no prize, an event of its own."""
    ITEMS = "items"
    """Which things exactly (the dishes served, the flowers grown, the papers read): an
    answer gives them only by naming them, which no answer of the base does."""
    FOUNDED = "founded"
    """When a team, room or service began (啥辰光成立): given only by a date the answer
    ties to its beginning (2018年初建起来), not by any year it names."""
    DELIVERY = "delivery"
    """Whether a service comes to the resident's home (送到屋里): given only by an answer
    that says it comes to the door."""
    CHOICE = "choice"
    """Which of two things (推轮椅还是车子接送, 乒乓还是太极): given only by an answer that
    speaks of one of them. Its asking words join the two (还是); the two are read from
    the question (answerability.either_or)."""
    WHICH = "which"
    """Which one of a thing (哪家食堂, 哪位老师): given only by an answer that speaks of that
    thing. Its asking words are the question words (哪家, 哪一个); the thing is read from
    the question (answerability.which_things), unless it is a plain noun (`plain_nouns`)."""


@dataclass(frozen=True)
class KindWords:
    """How residents ask for one kind, and what the bot calls it."""

    label: Text
    asks: tuple[str, ...] = ()
    told_by: tuple[str, ...] = ()
    """Words in an answer that show it gives this kind."""

    @property
    def asked_in(self) -> re.Pattern[str]:
        """One expression for every asking word: a scan per kind, not per word."""
        return words_pattern(self.asks)

    @property
    def told_in(self) -> re.Pattern[str]:
        return words_pattern(self.told_by)


@dataclass(frozen=True, eq=False)  # compared and hashed by identity, like a snapshot
class AskingWords:
    """Every kind's asking words (knowledge/details.yaml)."""

    kinds: Mapping[Kind, KindWords] = field(default_factory=dict)
    surnames: frozenset[str] = frozenset()
    lists: tuple[str, ...] = ()
    """Words that ask which committees do something: the reply lists them all."""
    plain_nouns: frozenset[str] = frozenset()
    """Nouns a "which" asks nothing particular of (哪个居委, 哪个地方)."""

    @property
    def list_asked_in(self) -> re.Pattern[str]:
        return words_pattern(self.lists)

    def label(self, kind: Kind) -> Text:
        words = self.kinds.get(kind)
        return words.label if words else Text(kind.value, kind.value.replace("_", " "))


@lru_cache(maxsize=1024)
def asking_parts(words: tuple[str, ...]) -> tuple[str, ...]:
    """The pieces of asking words between their gaps (送到…家里: 送到, 家里)."""
    return tuple(part for word in words for part in word.split(GAP) if part)


@lru_cache(maxsize=1024)  # compiled once per list (and kept out of the pickled index)
def words_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """Chinese words anywhere (… a short gap); English words only as whole words."""
    chinese = [_gapped(w) for w in words if not w.isascii()]
    english = [re.escape(w) for w in words if w.isascii()]
    parts = [*chinese]
    if english:
        parts.append(r"(?<![a-z])(?:" + "|".join(english) + r")(?![a-z])")
    return re.compile("|".join(parts) or r"(?!)")  # (?!) never matches


def _gapped(word: str) -> str:
    return GAP_PATTERN.join(re.escape(part) for part in word.split(GAP))


def parse_asking(doc: YamlDocument, problems: list[Problem]) -> AskingWords:
    check = Checker(doc, problems)
    top = check.mapping(
        doc.data, (), required=("kinds",), optional=("surnames", "lists", "plain_nouns")
    )
    if top is None:
        return AskingWords()
    seen: dict[str, PathKey] = {}
    kinds = _kinds(check, top.get("kinds"), seen)
    surnames = check.text(top.get("surnames"), ("surnames",), required=False) or ""
    lists = _words(check, top.get("lists"), ("lists",), seen) if "lists" in top else ()
    plain = (
        check.text_list(top.get("plain_nouns"), ("plain_nouns",)) if "plain_nouns" in top else []
    )
    return AskingWords(kinds, frozenset(surnames) - frozenset(" \n"), lists, frozenset(plain))


def _kinds(check: Checker, value: Any, seen: dict[str, PathKey]) -> dict[Kind, KindWords]:
    if check.mapping(value, ("kinds",), optional=tuple(k.value for k in Kind)) is None:
        return {}
    kinds: dict[Kind, KindWords] = {}
    for name, entry in value.items():
        path: PathKey = ("kinds", name)
        known = check.mapping(entry, path, required=("label", "asks"), optional=("told_by",))
        if known is None or name not in Kind._value2member_map_:
            continue
        label = check.mapping(known.get("label"), (*path, "label"), required=("zh", "en"))
        zh = check.text(label.get("zh"), (*path, "label", "zh")) if label else None
        en = check.text(label.get("en"), (*path, "label", "en")) if label else None
        asks = _words(check, known.get("asks"), (*path, "asks"), seen)
        told_by = check.text_list(known.get("told_by"), (*path, "told_by"))
        kinds[Kind(name)] = KindWords(Text(zh or name, en or name), asks, told_by)
    return kinds


def _words(check: Checker, value: Any, path: PathKey, seen: dict[str, PathKey]) -> tuple[str, ...]:
    """Asking words, each lower case and listed under one kind only."""
    words = check.text_list(value, path, min_items=1)
    kept = []
    for i, word in enumerate(words):
        where = (*path, i)
        if word != word.casefold():
            check.report(where, say("asking_word_case"))
        elif word in seen:
            first = check.document.line_of(seen[word])
            check.report(where, say("word_listed", word=word, first=first))
        else:
            seen[word] = where
            kept.append(word)
    return tuple(kept)


def load_shipped_asking() -> AskingWords:
    """The shipped details.yaml (for callers without a knowledge base at hand)."""
    problems: list[Problem] = []
    try:
        words = parse_asking(load_yaml(SHIPPED_DETAILS), problems)
    except Exception:  # a missing or broken shipped file: no asking words, not a crash
        return AskingWords()
    return words if not problems else AskingWords()
