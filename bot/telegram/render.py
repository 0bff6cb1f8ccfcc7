"""Turning a dialogue `Reply` into what the Bot API accepts: text chunks and a keyboard."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import MessageLimit

from bot.dialogue.types import Reply

MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH  # 4096


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split into chunks of at most `limit` characters, at line breaks where possible.

    A single line longer than `limit` is cut hard. Empty text yields one "…" chunk,
    because Telegram refuses an empty message.
    """
    if not text.strip():
        return ["…"]
    chunks: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while len(line) > limit:  # no line break to split at
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        if len(current) + len(line) > limit:
            chunks.append(current)
            current = ""
        current += line
    if current:
        chunks.append(current)
    # the line breaks we split at would show as blank space at a chunk's edge
    stripped = [chunk.strip("\n") for chunk in chunks]
    return [chunk for chunk in stripped if chunk.strip()] or ["…"]


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(button.label, callback_data=button.payload) for button in row]
            for row in reply.buttons
            if row
        ]
    )
