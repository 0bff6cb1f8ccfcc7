"""Which language to answer in: the one rule, written once for every front end."""

from __future__ import annotations

from bot.kb.model import Lang

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
    question: Lang | None,
    last: Lang | None,
    hint: str | None,
    default: Lang,
) -> Lang:
    """The language to answer in: a stored /lang choice, else the question's language,
    else the last question's (kept in the resident's context), else the client's UI
    language, else `default`. The turn keeps what this returns without `chosen` as the
    resident's last language (Dialogue._lang)."""
    if chosen:
        return chosen
    if question:
        return question
    return last or lang_from_hint(hint, default)
