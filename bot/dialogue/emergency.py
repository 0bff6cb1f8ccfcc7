"""Emergencies first: a message that says something is happening now (someone fell,
fire or gas, a crime) gets the national numbers before anything else, never as
"did you mean". The words are data (`knowledge/emergency.yaml`), the numbers too
(`street.yaml`, `emergency:`); this module is the mechanism that reads a message.

A message is read in units (`bot.dialogue.phrases`: spaces between Chinese characters do
not matter, English words match whole). In order:

1. `not_emergency` phrases (火锅, 救命稻草) are cut out: they hold a trigger but are none.
2. A call for help (救命, 快叫救护车) is an emergency, whatever else the message says.
3. A message that is about a topic (讲座, 演习, 如果 …) is no emergency otherwise.
4. A situation (胸口痛, 着火了) is one; so is a state (摔倒) shortly after a subject (老人).

The kind whose evidence comes first in the message decides which number leads.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from bot.dialogue import texts
from bot.dialogue.phrases import GAP, Units, cut, first_of, phrase_units, positions, spelt, units
from bot.dialogue.types import Reply
from bot.kb.emergency import EmergencyNumbers, EmergencyWords
from bot.kb.model import KnowledgeBase, Lang

STATE_WINDOW = 8
"""A state counts when it starts within this many units after its subject's end
(有人在楼下 … 晕倒了): far enough for a place in between, near enough to stay in the clause."""


@dataclass(frozen=True)
class _Kind:
    name: str
    situations: tuple[Units, ...]
    subjects: tuple[Units, ...]
    states: tuple[Units, ...]
    calls: tuple[Units, ...]


@dataclass(frozen=True)
class _Compiled:
    kinds: tuple[_Kind, ...]
    calls: tuple[Units, ...]
    whole_messages: frozenset[Units]
    not_emergency: tuple[Units, ...]
    topics: tuple[Units, ...]


@dataclass(frozen=True)
class Emergency:
    """What was recognised: the kind that leads (None: a call for help of no kind) and
    the words that said so."""

    kind: str | None
    evidence: str


@lru_cache(maxsize=8)
def _compiled(words: EmergencyWords) -> _Compiled:
    """The words in units, once per loaded knowledge (EmergencyWords hashes by identity)."""
    kinds = tuple(
        _Kind(
            k.name,
            phrase_units(k.situations),
            phrase_units(k.subjects),
            phrase_units(k.states),
            phrase_units(k.calls),
        )
        for k in words.kinds
    )
    return _Compiled(
        kinds,
        phrase_units(words.calls),
        frozenset(phrase_units(words.whole_messages)),
        phrase_units(words.not_emergency),
        phrase_units(words.topics),
    )


def _state_after_subject(text: Units, kind: _Kind) -> tuple[int, Units] | None:
    """The first subject followed closely by a state: (where the subject is, the state)."""
    for start, subject in sorted((p, s) for s in kind.subjects for p in positions(text, s)):
        end = start + len(subject)
        window = text[end : end + STATE_WINDOW + max(map(len, kind.states), default=0)]
        hit = first_of(window, kind.states)
        if hit is not None and hit[0] <= STATE_WINDOW and GAP not in window[: hit[0]]:
            return start, subject + hit[1]
    return None


def _situation(text: Units, kind: _Kind) -> tuple[int, Units] | None:
    found = [
        hit for hit in (first_of(text, kind.situations), _state_after_subject(text, kind)) if hit
    ]
    return min(found, key=lambda item: item[0]) if found else None


def recognise(words: EmergencyWords, text: str) -> Emergency | None:
    """The emergency `text` describes, or None (see the module docstring for the steps)."""
    compiled = _compiled(words)
    message = units(text)
    if message in compiled.whole_messages:
        return Emergency(None, " ".join(message))
    message = cut(message, compiled.not_emergency)
    calls = _calls(message, compiled)
    situations = [(hit, k.name) for k in compiled.kinds if (hit := _situation(message, k))]
    if calls:
        return _earliest(calls + situations)
    if situations and first_of(message, compiled.topics) is None:
        return _earliest(situations)
    return None


def _calls(message: Units, compiled: _Compiled) -> list[tuple[tuple[int, Units], str]]:
    """Calls for help, each with its kind ("" for one of no kind)."""
    calls = [(hit, k.name) for k in compiled.kinds if (hit := first_of(message, k.calls))]
    if (hit := first_of(message, compiled.calls)) is not None:
        calls.append((hit, ""))
    return calls


def _earliest(hits: list[tuple[tuple[int, Units], str]]) -> Emergency:
    """The hit that comes first in the message; a kind-less call gives way to a kind
    found anywhere in the message (救命 老人摔倒了 → 120 first)."""
    (_, phrase), kind = min(hits, key=lambda item: item[0][0])
    if not kind:
        kinded = [(hit, name) for hit, name in hits if name]
        if kinded:
            kind = min(kinded, key=lambda item: item[0][0])[1]
    return Emergency(kind or None, spelt(phrase))


def emergency_text(numbers: EmergencyNumbers, kind: str | None, lang: Lang) -> str:
    """The reply residents see: call now, the numbers (that kind's first), where they come from."""
    lines = [texts.EMERGENCY_CALL_NOW.in_lang(lang)]
    lines += [
        texts.EMERGENCY_NUMBER.in_lang(lang).format(number=n.number, label=n.label.in_lang(lang))
        for n in numbers.first(kind)
    ]
    lines.append(numbers.note.in_lang(lang) + texts.EMERGENCY_NO_CALL.in_lang(lang))
    return "\n".join(lines)


def emergency_reply(kb: KnowledgeBase, text: str, lang: Lang) -> Reply | None:
    """The emergency reply for `text`, or None when it describes no emergency (or the
    knowledge base has no emergency words or numbers)."""
    words, numbers = kb.emergency_words, kb.emergency_numbers
    if words is None or numbers is None:
        return None
    found = recognise(words, text)
    if found is None:
        return None
    return Reply(emergency_text(numbers, found.kind, lang), lang=lang)
