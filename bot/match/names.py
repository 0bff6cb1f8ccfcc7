"""Committee names in a question: exactly as written, or typed by sound.

`CommitteeNames` finds the names, aliases and English names as written. A pinyin
input method offers every character that sounds right, so a resident who means 合一
may send 和衣: what the exact names miss, `SoundAlikeNames` finds by sound — but only
right before 居委 / 居委会 / 居民区, where a name is certain to stand, never anywhere in
the question.
"""

from __future__ import annotations

import re
from typing import Any

from bot.kb.model import KnowledgeBase
from bot.match.normalize import normalize
from bot.match.tokenize import PinyinKeys, pinyin_key, pinyin_readings

_NAME_BEFORE_SUFFIX = re.compile(r"([\u4e00-\u9fff0-9]{2,3})(?=居委会|居委|居民区)")
_DIGITS = str.maketrans("0123456789", "零一二三四五六七八九")


class SoundAlikeNames:
    def __init__(self, kb: KnowledgeBase) -> None:
        owners: dict[tuple[str, ...], set[str]] = {}
        for committee in kb.committees:
            key = pinyin_key(normalize(committee.short_name).translate(_DIGITS))
            if len(key) >= 2:
                owners.setdefault(key, set()).add(committee.id)
        # two committees that sound the same cannot be told apart by sound
        self.by_sound = {key: ids.pop() for key, ids in owners.items() if len(ids) == 1}
        self.lengths = sorted({len(key) for key in self.by_sound}, reverse=True)
        self.sounds = PinyinKeys(self.by_sound)

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, committee id) of each name that sounds like a committee's."""
        found = []
        for match in _NAME_BEFORE_SUFFIX.finditer(text):
            hit = self._sounds_like(match.group(1), match.end())
            if hit:
                found.append(hit)
        return found

    def _sounds_like(self, written: str, end: int) -> tuple[int, int, str] | None:
        """The longest tail of `written` (新天地 has three characters, 合一 two) that
        sounds like a committee's short name."""
        for length in self.lengths:
            tail = written[-length:].translate(_DIGITS)
            if len(tail) < length or not self.sounds.may_spell(tail):
                continue  # too short, or no reading of it is a name (asking pypinyin costs)
            for reading in pinyin_readings(tail):
                committee_id = self.by_sound.get(reading)
                if committee_id:
                    return end - length, end, committee_id
        return None


class CommitteeNames:
    """Finds committee names (Chinese names, aliases, English/pinyin names) in normalised
    text by walking a character trie from each position, so a scan costs the same with
    16 committees or 2,000."""

    _END = ""  # trie key marking that a name ends here

    def __init__(self, kb: KnowledgeBase) -> None:
        owners: dict[str, dict[str, None]] = {}
        for committee in kb.committees:
            for name in committee.all_names:
                owners.setdefault(normalize(name, drop_filler=False), {})[committee.id] = None
        self.owners = {name: tuple(ids) for name, ids in owners.items()}
        """name -> the committees of that name: one, or one in each of several streets."""
        self.street_of = {committee.id: committee.street for committee in kb.committees}
        self.trie: dict[str, Any] = {}
        for name in self.owners:
            if len(name) >= 2:
                node = self.trie
                for char in name:
                    node = node.setdefault(char, {})
                node[self._END] = name

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, name) of each name in the text, left to right, longest first."""
        found = []
        position = 0
        while position < len(text):
            name = self._longest_at(text, position)
            if name:
                found.append((position, position + len(name), name))
                position += len(name)
            else:
                position += 1
        return found

    def _longest_at(self, text: str, position: int) -> str | None:
        node: dict[str, Any] | None = self.trie
        longest = None
        for index in range(position, len(text)):
            node = node.get(text[index]) if node is not None else None
            if node is None:
                break
            name = node.get(self._END)
            if name and _stands_alone(name, text, position, index + 1):
                longest = name
        return longest

    def find(self, text: str) -> list[tuple[str, str]]:
        """(name, committee id) for each name in the text, in order of appearance (of
        namesakes in several streets, the first: see `resolve`)."""
        return [(name, self.owners[name][0]) for _, _, name in self.spans(text)]

    def resolve(self, name: str, street: str | None) -> tuple[str | None, tuple[str, ...]]:
        """The committee `name` means to a resident of `street`: (its id, ()), or, when
        several streets have a committee of that name and none is `street`, (None, their
        ids): which one is meant is the resident's to say, never the bot's to guess."""
        owners = self.owners[name]
        if len(owners) == 1:
            return owners[0], ()
        own = [owner for owner in owners if self.street_of[owner] == street]
        return (own[0], ()) if own else (None, owners)

    def blank(self, text: str) -> str:
        """The text with every committee name replaced by spaces (offsets stay valid)."""
        return blank_spans(text, self.spans(text))


def blank_spans(text: str, spans: list[tuple[int, int, str]]) -> str:
    """`text` with each (start, end, …) span replaced by as many spaces."""
    for start, end, _ in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


# 复兴中路, 复兴公园, 新华路: a road or a park named like a committee is not the committee
_PLACE_AFTER = re.compile(r"[中东西南北]?路|公园|广场|大厦|医院|[小中大]学|大街")


def _stands_alone(name: str, text: str, start: int, end: int) -> bool:
    """A Chinese name not followed by a place word; an English one between word breaks."""
    if name.isascii():
        return _word_bounded(text, start, end)
    return _PLACE_AFTER.match(text, end) is None


def _word_bounded(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum())
