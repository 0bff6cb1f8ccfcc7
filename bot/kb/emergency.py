"""Emergencies: the national numbers (`street.yaml`, `emergency:`) and the words that say
something is happening now (`emergency.yaml`). Both are data admins edit; the mechanism
that reads a message with them is `bot.dialogue.emergency`.

The words are kept as written; the dialogue reads them in units (see there), after the
matcher's normalisation, so that 摔倒 matches 摔 倒 typed with a space by voice input
and `fire` never matches inside `firefly`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.kb.messages import say, unknown
from bot.text import Text
from bot.yamlfile import Checker, PathKey, Problem, YamlDocument

Phrases = tuple[str, ...]


@dataclass(frozen=True)
class EmergencyNumber:
    """One public national number, e.g. 120 for an ambulance."""

    kind: str
    number: str
    label: Text


@dataclass(frozen=True)
class EmergencyNumbers:
    """`street.yaml`'s `emergency:` block: the numbers in the order residents see them,
    and the note saying where they come from (shown with them)."""

    numbers: tuple[EmergencyNumber, ...]
    note: Text

    def first(self, kind: str | None) -> tuple[EmergencyNumber, ...]:
        """Every number, that kind's first."""
        lead = [n for n in self.numbers if n.kind == kind]
        return (*lead, *(n for n in self.numbers if n.kind != kind))


@dataclass(frozen=True)
class EmergencyKind:
    """What says one kind of emergency is happening (medical, fire, police)."""

    name: str
    situations: Phrases = ()
    """An emergency on its own (胸口痛, 着火了) unless the message is about a topic."""
    subjects: Phrases = ()
    states: Phrases = ()
    """A state (摔倒, fainted) counts only shortly after a subject (老人, someone)."""
    calls: Phrases = ()
    """A call for help (快叫救护车): an emergency even beside a topic word."""


@dataclass(frozen=True, eq=False)  # compared and hashed by identity, as snapshots are
class EmergencyWords:
    """`emergency.yaml`."""

    kinds: tuple[EmergencyKind, ...]
    calls: Phrases = ()
    """A call for help of no particular kind (救命): every number, in street.yaml's order."""
    whole_messages: Phrases = ()
    """Emergencies only as the whole message (`help`, `fire`): inside a sentence they are
    everyday words."""
    not_emergency: Phrases = ()
    """Phrases that hold a trigger but are no emergency (火锅, 救命稻草): read as nothing."""
    topics: Phrases = ()
    """Words that make a mention a topic (讲座, 演习, 如果): situations and states are then
    not read as happening now; calls still are."""


KIND_FIELDS = ("situations", "subjects", "states", "calls")
TOP_FIELDS = ("kinds", "calls", "whole_messages", "not_emergency", "topics")


def parse_numbers(
    doc: YamlDocument, value: Any, problems: list[Problem]
) -> EmergencyNumbers | None:
    """street.yaml's `emergency:` block (None when it is absent or broken)."""
    if value is None:
        return None
    check = Checker(doc, problems)
    path: PathKey = ("emergency",)
    block = check.mapping(value, path, required=("note", "numbers"))
    if block is None:
        return None
    note = _text_pair(check, block.get("note"), (*path, "note"))
    entries = _open_mapping(check, block.get("numbers"), (*path, "numbers"))
    found = (_number(check, kind, entry, (*path, "numbers", kind)) for kind, entry in entries)
    numbers = tuple(number for number in found if number is not None)
    return EmergencyNumbers(numbers, note) if note is not None and numbers else None


def _open_mapping(check: Checker, value: Any, path: PathKey) -> list[tuple[str, Any]]:
    """A mapping whose keys are the admins' to choose, as (key, value) pairs."""
    entries = check.mapping(value, path, optional=tuple(value) if isinstance(value, dict) else ())
    return list((entries or {}).items())


def _number(check: Checker, kind: str, entry: Any, where: PathKey) -> EmergencyNumber | None:
    """One `kind: {number: "120", zh: …, en: …}` line."""
    if check.mapping(entry, where, required=("number", "zh", "en")) is None:
        return None
    number = check.text(entry.get("number"), (*where, "number"))
    if number is not None and not number.isdecimal():
        check.report((*where, "number"), say("not_phone_number"))
        return None
    label = _text_pair(check, entry, where)
    return EmergencyNumber(kind, number, label) if number and label else None


def _text_pair(check: Checker, value: Any, path: PathKey) -> Text | None:
    if not isinstance(value, dict):
        check.report(path, say("not_text_pair"))
        return None
    zh = check.text(value.get("zh"), (*path, "zh"))
    en = check.text(value.get("en"), (*path, "en"))
    return Text(zh, en) if zh and en else None


def parse_words(
    doc: YamlDocument,
    problems: list[Problem],
    numbers: EmergencyNumbers | None,
    *,
    street_read: bool = True,
) -> EmergencyWords | None:
    """emergency.yaml; each kind must be one that street.yaml gives a number for (checked
    only when street.yaml could be read: else its own problem says what is wrong)."""
    check = Checker(doc, problems)
    top = check.mapping(doc.data, (), required=("kinds",), optional=TOP_FIELDS[1:])
    if top is None:
        return None
    if numbers is None and street_read:
        check.report((), say("emergency_without_numbers"))
    known = {n.kind for n in numbers.numbers} if numbers else None
    found = (
        _kind(check, name, entry, known)
        for name, entry in _open_mapping(check, top.get("kinds"), ("kinds",))
    )
    rest = {key: _phrases(check, top.get(key), (key,)) for key in TOP_FIELDS[1:]}
    return EmergencyWords(tuple(kind for kind in found if kind is not None), **rest)


def _kind(check: Checker, name: str, entry: Any, known: set[str] | None) -> EmergencyKind | None:
    """One kind's words; `known`: the kinds street.yaml has numbers for (None: no numbers)."""
    path: PathKey = ("kinds", name)
    if known is not None and name not in known:
        check.report(path, unknown("emergency_kind", name, known))
    if check.mapping(entry, path, optional=KIND_FIELDS) is None:
        return None
    fields = {key: _phrases(check, entry.get(key), (*path, key)) for key in KIND_FIELDS}
    if bool(fields["subjects"]) != bool(fields["states"]):
        check.report(path, say("subjects_need_states"))
    return EmergencyKind(name, **fields)


def _phrases(check: Checker, value: Any, path: PathKey) -> Phrases:
    return check.text_list(value, path)
