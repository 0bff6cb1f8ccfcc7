"""The `/admin` queue of residents' messages to staff: each open hand-off with the turns
before it and a reply form (a plain form, no script). The data comes from
`bot.admin.handoffs` (the same as Telegram's notice), so this module is only HTML.
Replies post to /admin/handoff."""

from __future__ import annotations

import html
from collections.abc import Sequence

from bot.admin.handoffs import QueueItem
from bot.handoffs import ANSWER_MAX_CHARS

WEB_STAFF = "web:admin"
"""Who answers from the web page, for the record (one token, one identity)."""


def handoff_section(items: Sequence[QueueItem], csrf: str) -> str:
    """Every open hand-off with its reply form; "—" when none is waiting."""
    if not items:
        return "<p>—</p>"
    return "".join(_item_html(item, csrf) for item in items)


def _item_html(item: QueueItem, csrf: str) -> str:
    earlier = "".join(f"<li>{html.escape(line)}</li>" for line in item.earlier)
    return (
        f'<section class="handoff" id="handoff-{item.id}">'
        f"<p><strong>{html.escape(item.heading)}</strong></p>"
        f"<blockquote>{html.escape(item.message)}</blockquote>"
        + (f"<ul>{earlier}</ul>" if earlier else "")
        + f'<p class="delivery">{html.escape(item.delivery)}</p>'
        f'<form method="post" action="/admin/handoff">'
        f'<input type="hidden" name="csrf" value="{html.escape(csrf)}">'
        f'<input type="hidden" name="handoff" value="{item.id}">'
        f'<textarea name="answer" rows="3" maxlength="{ANSWER_MAX_CHARS}" required '
        f'aria-label="回复 / answer"></textarea>'
        '<button type="submit">回复居民 / answer</button></form></section>'
    )
