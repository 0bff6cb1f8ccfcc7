"""`Text`: one thing said in Chinese and in English, the unit of every message catalogue.

It lives outside `bot.kb` so that `bot.yamlfile` (which `bot.kb` imports) can use it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")


@dataclass(frozen=True)
class Text:
    """The same text in Chinese and English."""

    zh: str
    en: str

    def in_lang(self, lang: Lang) -> str:
        return self.en if lang == "en" else self.zh

    def fill(self, **values: Any) -> Text:
        """Both languages with `values` put in their `{name}` places; a value that is a
        `Text` itself (a hint, a kind of value) goes in in the same language."""
        return Text(zh=_fill(self.zh, "zh", values), en=_fill(self.en, "en", values))

    def __str__(self) -> str:
        return self.en  # logs and exceptions are read by developers; admins get in_lang()


def _fill(template: str, lang: Lang, values: dict[str, Any]) -> str:
    return template.format(
        **{
            key: value.in_lang(lang) if isinstance(value, Text) else value
            for key, value in values.items()
        }
    )
