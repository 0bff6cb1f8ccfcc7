"""What goes into one conversation turn and what comes out, free of any transport."""

from __future__ import annotations

from dataclasses import dataclass

from bot.kb.model import Lang

MAX_PAYLOAD_BYTES = 64  # Telegram's callback_data limit


@dataclass(frozen=True)
class User:
    """Who is talking. `id` is transport-specific but stable ("tg:123", "console:alice")."""

    id: str
    language_code: str | None = None
    """The client's UI language, if known (a hint only; the question's language wins)."""
    is_admin: bool = False


@dataclass(frozen=True)
class TextMessage:
    text: str


@dataclass(frozen=True)
class ButtonPress:
    payload: str


@dataclass(frozen=True)
class NonText:
    """A sticker, photo, voice message … anything the bot cannot read."""

    kind: str = "other"


Incoming = TextMessage | ButtonPress | NonText


@dataclass(frozen=True)
class Button:
    label: str
    payload: str

    def __post_init__(self) -> None:
        if len(self.payload.encode()) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"button payload over {MAX_PAYLOAD_BYTES} bytes: {self.payload!r}")


@dataclass(frozen=True)
class Reply:
    """Plain text (safe to send as-is) plus buttons, laid out in rows."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    lang: Lang = "zh"
    asks_feedback: bool = False
    """True when `buttons` include the 👍/👎 feedback row for an answered question."""
    replace_previous: bool = False
    """True when the reply is a step in browsing (menus): a front end may edit the
    message whose button was pressed instead of sending a new one."""
    open_log_id: int | None = None
    """The logged question this reply leaves without an answer (declined, "did you mean"):
    a front end keeps where it was asked, to send the answer once it is taught."""
    followup_id: int | None = None
    """The follow-up this reply delivers ("an answer to your earlier question"): a front
    end that marks it sent only once shown acknowledges it by this id."""
    handoff_id: int | None = None
    """The hand-off to staff this reply opened (bot.handoffs): a front end that can reach
    the admins at once (Telegram) tells them, and keeps where to answer."""
    answers_handoff: int | None = None
    """The hand-off whose staff answer this reply delivers: a front end that closes it only
    once shown acknowledges it by this id (`followups.acknowledge_answers`)."""

    @property
    def flat_buttons(self) -> tuple[Button, ...]:
        return tuple(button for row in self.buttons for button in row)
