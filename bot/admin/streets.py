"""`--street NAME` of `check`, `eval` and `report`: one street of a knowledge base of
several, seen as a resident of that street sees it (the whole base answers, that
street's facts first). Without it, the commands cover every street."""

from __future__ import annotations

import sys
from typing import Any

from bot.admin.language import LANG_OPTION
from bot.kb.model import Fact, KnowledgeBase
from bot.text import Lang, Text

STREET_OPTION: tuple[tuple[str, ...], dict[str, Any]] = (
    ("--street",),
    {
        "metavar": "NAME",
        "help": "only this street of a knowledge base of several (its folder under "
        "knowledge/streets/); default: every street",
    },
)
PER_STREET_OPTIONS = (STREET_OPTION, LANG_OPTION)
"""The options of the admin commands that work per street: --street and --lang."""

UNKNOWN_STREET = Text(
    zh="没有叫 '{name}' 的街道;知识库里的街道:{known}",
    en="there is no street '{name}'; the knowledge base has: {known}",
)
ONE_STREET = Text(
    zh="这个知识库只有一个街道(没有 streets/ 文件夹),不用 --street",
    en="this knowledge base has one street (no streets/ folder): leave out --street",
)


def chosen_street(kb: KnowledgeBase, name: str | None, lang: Lang) -> tuple[bool, str | None]:
    """(usable, the street id): (True, None) for every street; (False, None) after saying
    on stderr why `name` is not a street of `kb`."""
    if name is None:
        return True, None
    if not kb.streets:
        print(ONE_STREET.in_lang(lang), file=sys.stderr)
        return False, None
    if kb.street_by_id(name) is None:
        known = ", ".join(street.id for street in kb.streets)
        print(UNKNOWN_STREET.in_lang(lang).format(name=name, known=known), file=sys.stderr)
        return False, None
    return True, name


def in_street(kb: KnowledgeBase, fact_id: str | None, street: str | None) -> bool:
    """Whether the fact belongs to `street` (any fact, for every street)."""
    if street is None:
        return True
    fact: Fact | None = kb.fact(fact_id) if fact_id else None
    return fact is not None and fact.street == street
