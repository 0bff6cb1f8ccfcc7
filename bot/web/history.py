"""The web chat's history: each turn as the page rendered it, kept in the store with the
session (`Store.add_history` / `history`), so that a reload, a browser restart or a
second worker shows the same conversation.

A turn is JSON: what the resident typed or pressed (None for follow-ups that arrived on
their own) and the replies shown, each as `reply_json` gave it to the page (with
`earlier` for "an answer to your earlier question"). The page turns it back into
bubbles with `page.turn_html`; the script never sees a session id or a URL of it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from bot.dialogue.followups import delivery_key
from bot.dialogue.types import Button, Reply
from bot.kb.model import Lang

logger = logging.getLogger(__name__)

MAX_SHOWN_CHARS = 200
"""A pressed button's label, as the page showed it: no longer than the longest label."""


def reply_json(reply: Reply) -> dict[str, object]:
    """A reply as the page's script reads it (and as the history keeps it)."""
    data: dict[str, object] = {
        "text": reply.text,
        "lang": reply.lang,
        "buttons": [
            [{"label": button.label, "payload": button.payload} for button in row]
            for row in reply.buttons
        ],
        "asks_feedback": reply.asks_feedback,
        "replace_previous": reply.replace_previous,
    }
    if delivery_key(reply) is not None:
        data["earlier"] = True  # an answer to a question asked before
    return data


def followup_json(reply: Reply) -> dict[str, object]:
    """A follow-up still to acknowledge: the page posts its `id` back once it shows it."""
    return {**reply_json(reply), "id": delivery_key(reply)}


def turn_entry(shown: str | None, replies: Sequence[Reply]) -> str:
    """One turn for the store: the resident's words (if any) and the replies shown."""
    question = shown[:MAX_SHOWN_CHARS] if shown else None
    return json.dumps(
        {"question": question, "replies": [reply_json(r) for r in replies]}, ensure_ascii=False
    )


def read_turn(entry: str) -> tuple[str | None, list[tuple[Reply, bool]]] | None:
    """A stored turn: the resident's words, and each reply with whether it was a
    follow-up; None for an entry this version cannot read (it is skipped, not shown)."""
    try:
        data = json.loads(entry)
        question = data.get("question")
        replies = [(_reply(r), bool(r.get("earlier"))) for r in data["replies"]]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        logger.warning("a stored chat turn cannot be read (%s); left out", exc)
        return None
    return (question if isinstance(question, str) else None), replies


def resident_spoke(entries: Sequence[str]) -> bool:
    """Whether the stored turns hold anything the resident typed or pressed (else the
    page still opens with the greeting and its topic menu)."""
    turns = (read_turn(entry) for entry in entries)
    return any(turn is not None and turn[0] for turn in turns)


def _reply(data: Mapping[str, Any]) -> Reply:
    rows = tuple(
        tuple(Button(str(b["label"]), str(b["payload"])) for b in row) for row in data["buttons"]
    )
    lang: Lang = "en" if data.get("lang") == "en" else "zh"
    return Reply(str(data["text"]), rows, lang, asks_feedback=bool(data.get("asks_feedback")))
