"""Finding phrases from the knowledge YAML in a message, for the dialogue's first steps
(emergency.py, handoff.py).

A text is read as *units* after the matcher's normalisation: a Latin word or a number is
one unit, every other character (a Chinese one) is one. A phrase matches where its units
stand in a row, so spaces between Chinese characters (voice input) do not matter and
English words match whole (`fire` is not found in `firefly`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.match.normalize import normalize

Units = tuple[str, ...]
_UNIT_RE = re.compile(r"[a-z0-9]+|\S")
GAP = "\0"
"""Stands where a phrase was cut out: nothing matches across it."""


def units(text: str) -> Units:
    """A text as the matcher normalises it, in units."""
    return tuple(_UNIT_RE.findall(normalize(text, drop_filler=False)))


def phrase_units(phrases: Iterable[str]) -> tuple[Units, ...]:
    """Phrases in units; one that normalises to nothing is left out."""
    return tuple(u for u in map(units, phrases) if u)


def positions(text: Units, phrase: Units) -> list[int]:
    """Where `phrase` starts in `text`."""
    n, head = len(phrase), phrase[0]
    return [i for i, unit in enumerate(text) if unit == head and text[i : i + n] == phrase]


def first_of(text: Units, phrases: Iterable[Units]) -> tuple[int, Units] | None:
    """The earliest of `phrases` found in `text`: (where, which)."""
    present = set(text)  # most phrases start with a unit the message lacks: skip them at once
    found = [(pos[0], p) for p in phrases if p[0] in present and (pos := positions(text, p))]
    return min(found, key=lambda item: item[0]) if found else None


def cut(text: Units, phrases: Iterable[Units]) -> Units:
    """`text` with every occurrence of `phrases` replaced by gaps."""
    result, present = list(text), set(text)
    for phrase in phrases:
        if phrase[0] not in present:
            continue
        for start in positions(text, phrase):
            result[start : start + len(phrase)] = [GAP] * len(phrase)
    return tuple(result)


def spelt(phrase: Units) -> str:
    """Units as text again: Latin words spaced, Chinese characters run together."""
    text = ""
    for unit in phrase:
        latin = unit.isascii() and unit.isalnum()
        text += f" {unit}" if latin and text else unit
    return text
