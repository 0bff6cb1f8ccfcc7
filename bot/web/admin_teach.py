"""The teach buttons of the web `/admin` page: plain forms (no script needed).

Each unanswered group gets one ➕ button per nearest fact, a list of every other fact
(by committee) with its own ➕, and "ignore"; the page also has "undo my last teach".
They post to /admin/teach, /admin/ignore and /admin/undo, which go through the same
`Teaching` as Telegram's buttons and the command line.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from bot.admin import teach_texts as texts
from bot.admin.teaching import TeachGroup
from bot.dialogue.render import fact_label, street_name
from bot.kb.model import Fact, KnowledgeBase
from bot.report import channels_text

WEB_ADMIN = "web:admin"
"""Who teaches from the web page, for the audit log (one token, one identity)."""
GROUPS_SHOWN = 15


def teach_section(kb: KnowledgeBase, groups: Sequence[TeachGroup], csrf: str) -> str:
    """The unanswered groups with their teach forms, then the undo form."""
    token = _hidden("csrf", csrf)
    parts = [_group_html(kb, group, token) for group in groups[:GROUPS_SHOWN]] or ["<p>—</p>"]
    undo = (
        f'<form method="post" action="/admin/undo">{token}'
        '<button type="submit">↩ 撤销上一次 / undo the last teach</button></form>'
    )
    return "".join(parts) + undo


def _group_html(kb: KnowledgeBase, group: TeachGroup, token: str) -> str:
    hidden = token + _hidden("log", str(group.log_id))
    example = html.escape(group.example)
    nearest = "".join(
        f'<button type="submit" name="fact" value="{html.escape(near.fact_id)}">'
        f"{html.escape(texts.TEACH_BUTTON.zh.format(label=near.label))}</button>"
        for near in group.nearest
    )
    other = (
        f'<select name="other" aria-label="another fact">'
        f'<option value="">{html.escape(texts.ANOTHER_FACT.zh)} / another fact…</option>'
        f"{_fact_options(kb)}</select>"
        f'<button type="submit" name="fact" value="">➕</button>'
    )
    asked_in = html.escape(channels_text(group.channels))
    return (
        f'<section class="teach"><p><strong>{group.count}×</strong> {example}</p>'
        f'<p class="channels">{asked_in}</p>'
        f'<form method="post" action="/admin/teach">{hidden}{nearest}{other}</form>'
        f'<form method="post" action="/admin/ignore">{hidden}'
        f'<button type="submit">{html.escape(texts.IGNORE.zh)} / ignore</button></form>'
        "</section>"
    )


def _fact_options(kb: KnowledgeBase) -> str:
    sections: list[tuple[str, Sequence[Fact]]] = [(street_name(kb, "zh"), kb.street_facts)]
    sections += [(c.name, c.facts) for c in kb.committees]
    return "".join(
        f'<optgroup label="{html.escape(label)}">'
        + "".join(
            f'<option value="{html.escape(f.id)}">{html.escape(fact_label(kb, f, "zh"))}</option>'
            for f in facts
        )
        + "</optgroup>"
        for label, facts in sections
    )


def _hidden(name: str, value: str) -> str:
    return f'<input type="hidden" name="{name}" value="{html.escape(value)}">'
