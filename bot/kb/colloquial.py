"""`colloquial.yaml`: Shanghainese, everyday and voice-input words → Mandarin ones.

Residents write 阿拉屋里厢 and 小菜场 while the knowledge base says 我们家里 and 菜场.
The matcher reads these entries before anything else, one word at a time, so an
admin can teach it a new dialect word without touching the phrasings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.kb.messages import say
from bot.yamlfile import Checker, PathKey, Problem, YamlDocument

SECTIONS = ("function_words", "content_words")
FOLLOW_UP_LISTS = (
    *("refer_back", "same_of_another", "other_committees", "asks_where", "asks_who"),
    *("asks_when", "question_words", "besides"),
    *("place_endings", "motion_prefixes", "question_particles", "doubled_verbs", "counted"),
)
"""The lists of the optional `follow_ups:` section."""


@dataclass(frozen=True)
class Colloquial:
    """What residents type → the words the knowledge base uses."""

    words: Mapping[str, str] = field(default_factory=dict)
    """One colloquial word → one or more Mandarin words, separated by spaces."""
    fillers: frozenset[str] = frozenset()
    """Voice-input fillers (嗯, 那个): read as nothing."""
    follow_ups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """The words of follow-up questions, by what they do (FOLLOW_UP_LISTS; bot/match/
    followup.py reads them): 伊拉 points back, 呢 asks the same of another …"""

    def follow_up_words(self, name: str) -> tuple[str, ...]:
        return self.follow_ups.get(name, ())


def parse_colloquial(doc: YamlDocument, problems: list[Problem]) -> Colloquial:
    check = Checker(doc, problems)
    top = check.mapping(doc.data, (), optional=(*SECTIONS, "fillers", "follow_ups"))
    if top is None:
        return Colloquial()
    seen: dict[str, PathKey] = {}
    words: dict[str, str] = {}
    for section in SECTIONS:
        words.update(_section(check, top.get(section), (section,), seen))
    fillers = check.text_list(top.get("fillers"), ("fillers",))
    for i, filler in enumerate(fillers):
        _claim(check, filler, ("fillers", i), seen)
    for word, mandarin in words.items():
        for part in mandarin.split():
            if part in words and part != word:
                check.report(seen[word], say("maps_onto_mapped", part=part))
    follow_ups = _follow_ups(check, top.get("follow_ups"))
    return Colloquial(words=words, fillers=frozenset(fillers), follow_ups=follow_ups)


def _follow_ups(check: Checker, value: Any) -> dict[str, tuple[str, ...]]:
    """The `follow_ups:` lists, each word in lower case (questions are read so)."""
    if value is None:
        return {}
    lists = check.mapping(value, ("follow_ups",), optional=FOLLOW_UP_LISTS)
    if lists is None:
        return {}
    return {
        name: tuple(
            word.casefold() for word in check.text_list(lists.get(name), ("follow_ups", name))
        )
        for name in FOLLOW_UP_LISTS
    }


def _section(check: Checker, value: Any, path: PathKey, seen: dict[str, PathKey]) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        check.report(path, say("not_word_mapping"))
        return {}
    words = {}
    for word, mandarin in value.items():
        where = (*path, word)
        text = check.text(mandarin, where)
        if not isinstance(word, str) or not word.strip() or " " in word.strip():
            check.report(where, say("not_one_word"))
            continue
        if text is None or not _claim(check, word, where, seen):
            continue
        if text == word:
            check.report(where, say("maps_onto_itself"))
            continue
        words[word] = text
    return words


def _claim(check: Checker, word: str, path: PathKey, seen: dict[str, PathKey]) -> bool:
    if word in seen:
        first = check.document.line_of(seen[word])
        check.report(path, say("word_listed", word=word, first=first))
        return False
    seen[word] = path
    return True
