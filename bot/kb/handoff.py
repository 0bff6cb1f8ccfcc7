"""`handoff.yaml`: what residents say when they want a person (找工作人员, 转人工,
talk to a person). The mechanism that reads messages with it is `bot.dialogue.handoff`."""

from __future__ import annotations

from dataclasses import dataclass

from bot.yamlfile import Checker, Problem, YamlDocument


@dataclass(frozen=True, eq=False)  # compared and hashed by identity, as snapshots are
class HandoffWords:
    asks: tuple[str, ...]
    """Phrases that ask for a person anywhere in a message (转人工, talk to a person)."""
    not_handoff: tuple[str, ...] = ()
    """Phrases that hold one of those but ask for no person (人工智能, 留言板在哪): read
    as nothing."""


def parse_handoff(doc: YamlDocument, problems: list[Problem]) -> HandoffWords | None:
    check = Checker(doc, problems)
    top = check.mapping(doc.data, (), required=("asks",), optional=("not_handoff",))
    if top is None:
        return None
    asks = check.text_list(top.get("asks"), ("asks",), min_items=1)
    return HandoffWords(asks, check.text_list(top.get("not_handoff"), ("not_handoff",)))
