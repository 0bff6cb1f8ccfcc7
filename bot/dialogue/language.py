"""Which language to answer in: the one rule, written once for every front end.

A conversation has a language (the page's, the menus'). It changes when the resident
chooses one (/lang, the page's English/中文 button) or writes a real sentence in the
other language (`switches_language`); "OK", "hi", "1", a link or a pinyin name such as
"xiaohe" are no sign of a switch. An English question still gets an English answer
(`answer_language`) without turning the conversation English when it is one word.
"""

from __future__ import annotations

import re

from bot.kb.model import Lang
from bot.match import detect_language
from bot.match.normalize import cjk_count, looks_like_pinyin

LANG_CHOICES: dict[str, Lang | None] = {
    "zh": "zh",
    "cn": "zh",
    "中文": "zh",
    "en": "en",
    "english": "en",
    "英文": "en",
    "auto": None,
    "自动": None,
}
"""What /lang accepts, and the language each means (None: follow the question)."""


# links and addresses say nothing about the language they are typed in
_LINK_RE = re.compile(r"\S*(?:://|www\.|@)\S*|\b[a-z0-9-]+(?:\.[a-z0-9-]+)+(?:/\S*)?", re.I)
_LATIN_WORD_RE = re.compile(r"[a-z]+", re.I)
SENTENCE_WORD_LETTERS = 3
"""Letters an English word needs to count towards a sentence on its own ("is", "ok" do
not: two of them are no sentence, "where is it" is one)."""
QUESTION_WORD_LETTERS = 5
"""Letters of a single English word that make it an English question ("library")
rather than a token ("ok", "bye", "thx")."""


def _latin_words(text: str) -> list[str]:
    """The Latin words of `text`, lower case, links left out."""
    return [w.lower() for w in _LATIN_WORD_RE.findall(_LINK_RE.sub(" ", text))]


def _english(words: list[str]) -> list[str]:
    """The words that are English rather than pinyin ("xiaohe", "juwei")."""
    return [w for w in words if not looks_like_pinyin([w])]


def sentence_language(text: str) -> Lang | None:
    """The language `text` is written in, when it says so: Chinese writing (or English
    words around a Chinese name, "tell me about 孝和"), or a real English sentence; None
    for a token (OK, hi, 1, a link, a pinyin name)."""
    if cjk_count(text):
        return detect_language(text)
    words = _latin_words(text)
    english = _english(words)
    long_words = [w for w in english if len(w) >= SENTENCE_WORD_LETTERS]
    if len(long_words) >= 2 or (len(words) >= 3 and len(english) >= 2 and long_words):
        return "en"
    return None


def switches_language(text: str, current: Lang | None) -> Lang | None:
    """The language a message switches the conversation to, or None when it stays."""
    said = sentence_language(text)
    return said if said is not None and said != current else None


def answer_language(text: str, current: Lang) -> Lang:
    """The language to answer `text` in: its own when it has one (a sentence, or an
    English word such as "library"), else the conversation's."""
    said = sentence_language(text)
    if said is not None:
        return said
    if any(len(w) >= QUESTION_WORD_LETTERS for w in _english(_latin_words(text))):
        return "en"
    return current


def lang_from_hint(code: str | None, default: Lang = "zh") -> Lang:
    """A client's UI language code ("en-GB", "zh-hans", None) as the language to answer in."""
    hint = (code or "").lower()
    if hint.startswith("en"):
        return "en"
    if hint.startswith("zh"):
        return "zh"
    return default


def choose_language(
    *,
    chosen: Lang | None,
    text: str | None,
    last: Lang | None,
    hint: str | None,
    default: Lang,
) -> Lang:
    """The language to answer `text` in (None: a button, a command): a stored /lang
    choice, else the text's own (`answer_language`), else the conversation's: the last
    switch seen (kept in the resident's stored context), else the client's UI language,
    else `default`."""
    if chosen:
        return chosen
    current = last or lang_from_hint(hint, default)
    if text is None:
        return current
    return answer_language(text, current)


def conversation_language(
    *, text: str | None, last: Lang | None, hint: str | None, default: Lang
) -> Lang:
    """The conversation's language after `text` (what the context keeps): it changes
    only when `text` switches it (`switches_language`)."""
    current = last or lang_from_hint(hint, default)
    if text is None:
        return current
    return switches_language(text, current) or current
