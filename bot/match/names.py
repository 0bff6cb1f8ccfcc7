"""Committee names typed with the wrong characters: 禾二居委 for 合二, 溪成居委 for 西成.

A pinyin input method offers every character that sounds right, so a resident who
means 合一 may send 和衣. The exact names are found by `index.CommitteeNames`; what
it misses, this finds by sound — but only right before 居委 / 居委会 / 居民区, where a
name is certain to stand, never anywhere in the question.
"""

from __future__ import annotations

import re

from bot.kb.model import KnowledgeBase
from bot.match.normalize import normalize
from bot.match.tokenize import pinyin_key, pinyin_readings

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
            if len(tail) < length:
                continue
            for reading in pinyin_readings(tail):
                committee_id = self.by_sound.get(reading)
                if committee_id:
                    return end - length, end, committee_id
        return None
