"""`colloquial.yaml`: Shanghainese, everyday and voice-input words → Mandarin ones.

Residents write 阿拉屋里厢 and 小菜场 while the knowledge base says 我们家里 and 菜场.
The matcher reads these entries before anything else, one word at a time, so an
admin can teach it a new dialect word without touching the phrasings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.yamlfile import Checker, PathKey, Problem, YamlDocument

SECTIONS = ("function_words", "content_words")


@dataclass(frozen=True)
class Colloquial:
    """What residents type → the words the knowledge base uses."""

    words: Mapping[str, str] = field(default_factory=dict)
    """One colloquial word → one or more Mandarin words, separated by spaces."""
    fillers: frozenset[str] = frozenset()
    """Voice-input fillers (嗯, 那个): read as nothing."""


def parse_colloquial(doc: YamlDocument, problems: list[Problem]) -> Colloquial:
    check = Checker(doc, problems)
    top = check.mapping(doc.data, (), optional=(*SECTIONS, "fillers"))
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
                check.report(seen[word], f"maps onto '{part}', which is itself mapped")
    return Colloquial(words=words, fillers=frozenset(fillers))


def _section(check: Checker, value: Any, path: PathKey, seen: dict[str, PathKey]) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        check.report(path, "should be a mapping of 'word: Mandarin word(s)'")
        return {}
    words = {}
    for word, mandarin in value.items():
        where = (*path, word)
        text = check.text(mandarin, where)
        if not isinstance(word, str) or not word.strip() or " " in word.strip():
            check.report(where, "the left side should be one word")
            continue
        if text is None or not _claim(check, word, where, seen):
            continue
        if text == word:
            check.report(where, "maps a word onto itself")
            continue
        words[word] = text
    return words


def _claim(check: Checker, word: str, path: PathKey, seen: dict[str, PathKey]) -> bool:
    if word in seen:
        first = check.document.line_of(seen[word])
        check.report(path, f"'{word}' is already listed (line {first})")
        return False
    seen[word] = path
    return True
