"""One conversation turn, free of any transport (no telegram import here)."""

from bot.dialogue.conversation import Dialogue
from bot.dialogue.render import fact_text
from bot.dialogue.types import (
    MAX_PAYLOAD_BYTES,
    Button,
    ButtonPress,
    Incoming,
    NonText,
    Reply,
    TextMessage,
    User,
)

__all__ = [
    "MAX_PAYLOAD_BYTES",
    "Button",
    "ButtonPress",
    "Dialogue",
    "Incoming",
    "NonText",
    "Reply",
    "TextMessage",
    "User",
    "fact_text",
]
