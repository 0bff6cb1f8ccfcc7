"""Find the committee a resident means by name: Chinese name, alias, English name, pinyin, typos."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from pypinyin import lazy_pinyin
from rapidfuzz import fuzz, process

from bot.dialogue.settings import DEFAULT
from bot.kb.model import Committee, KnowledgeBase

MAX_ECHOED_NAME = 20

_SUFFIXES = ("居民委员会", "居委会", "居民区", "居委", "committee", "residents", "neighbourhood")


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if ch.isalnum())


def _strip_suffixes(text: str) -> str:
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


def _pinyin(text: str) -> str:
    return "".join(lazy_pinyin(text))


def name_keys(committee: Committee) -> set[str]:
    """Every normalised spelling of a committee's names, with and without suffixes, and pinyin."""
    keys: set[str] = set()
    for name in committee.all_names:
        plain = _plain(name)
        keys.update({plain, _strip_suffixes(plain)})
    keys.update({_pinyin(key) for key in list(keys)})
    return {key for key in keys if key}


@lru_cache(maxsize=2)  # the serving knowledge base, and the one a reload is swapping in
def _spellings(kb: KnowledgeBase) -> dict[str, Committee]:
    choices: dict[str, Committee] = {}
    for committee in kb.committees:
        for key in name_keys(committee):
            choices.setdefault(key, committee)
    return choices


def find_committee(
    kb: KnowledgeBase, name: str, *, cutoff: float = DEFAULT.name_cutoff
) -> Committee | None:
    """The committee `name` refers to, tolerating typos and homophones; None if unsure.

    `cutoff`: see `DialogueSettings.name_cutoff`."""
    query = _strip_suffixes(_plain(name))
    if not query:
        return None
    choices = _spellings(kb)
    if query in choices:
        return choices[query]
    if _has_cjk(query):
        query = query.translate(_DIGITS)  # 复3 → 复三
        return choices.get(query) or choices.get(_pinyin(query))
    found = process.extractOne(
        query,
        [key for key in choices if not _has_cjk(key)],
        scorer=fuzz.ratio,
        score_cutoff=cutoff,
    )
    return choices[found[0]] if found else None


_DIGITS = str.maketrans("0123456789", "零一二三四五六七八九")


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def name_like(text: str) -> str | None:
    """`text` if it could be a committee's name (short; letters, digits and spaces only),
    else None: so that a "not found" reply never repeats a link or an @mention."""
    if len(text) > MAX_ECHOED_NAME or not all(ch.isalnum() or ch == " " for ch in text):
        return None
    return text
