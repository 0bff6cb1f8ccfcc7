"""Turning a dialogue `Reply` into what the Bot API accepts: text chunks and a keyboard."""

from __future__ import annotations

from collections.abc import Iterator

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
    for piece in _pieces(text, limit):
        if len(current) + len(piece) > limit:
            chunks.append(current)
            current = ""
        current += piece
    if current:
        chunks.append(current)
    # the line breaks we split at would show as blank space at a chunk's edge
    stripped = [chunk.strip("\n") for chunk in chunks]
    return [chunk for chunk in stripped if chunk.strip()] or ["…"]


def _pieces(text: str, limit: int) -> Iterator[str]:
    """Each line with its break; a line longer than `limit` in pieces of `limit`."""
    for line in text.splitlines(keepends=True):
        for start in range(0, len(line), limit):
            yield line[start : start + limit]


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
