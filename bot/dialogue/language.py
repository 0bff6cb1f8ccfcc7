"""Which language to answer in: the one rule, written once for every front end."""

from __future__ import annotations

import threading
from collections import OrderedDict

from bot.kb.model import Lang

REMEMBERED_USERS = 10_000
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


class LanguageMemory:
    """The language of each user's last question, so that buttons and commands answer in it.

    Bounded (least recently asked users are forgotten) and safe to use from several threads.
    """

    def __init__(self, capacity: int = REMEMBERED_USERS) -> None:
        self.capacity = capacity
        self._last: OrderedDict[str, Lang] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, user_id: str, lang: Lang) -> None:
        with self._lock:
            self._last[user_id] = lang
            self._last.move_to_end(user_id)
            while len(self._last) > self.capacity:
                self._last.popitem(last=False)

    def recall(self, user_id: str) -> Lang | None:
        with self._lock:
            return self._last.get(user_id)

    def choose(
        self,
        user_id: str,
        *,
        chosen: Lang | None,
        question: Lang | None,
        hint: str | None,
        default: Lang,
    ) -> Lang:
        """A stored /lang choice, else the question's language, else the last one seen,
        else the client's UI language, else `default`."""
        if chosen:
            return chosen
        if question:
            self.remember(user_id, question)
            return question
        return self.recall(user_id) or lang_from_hint(hint, default)
