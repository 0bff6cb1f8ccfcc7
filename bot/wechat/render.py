"""A `Reply` as WeChat text: buttons become tappable links, and long text is split.

Passive replies have no inline buttons, but a text may hold
`<a href="weixin://bizmsgmenu?msgmenucontent=…&msgmenuid=…">…</a>` links: tapping one
sends its content back as the resident's message. Each option is also numbered, and
typing the number presses it too; `Options` keeps each resident's last options.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from urllib.parse import unquote

from bot.dialogue import Button, ButtonPress, Incoming, Reply, TextMessage
from bot.numbers import parse_whole
from bot.wechat.lru import Recent

MAX_MESSAGE_BYTES = 2048
"""WeChat drops a text message over this many bytes (passive or customer-service)."""
REMEMBERED_RESIDENTS = 20_000
_URL_SPECIAL = frozenset('%&="<>#+? ')


@dataclass(frozen=True)
class Rendered:
    """One turn as WeChat messages (each under the byte limit) and the options shown."""

    messages: tuple[str, ...]
    options: tuple[Button, ...]
    delivers: tuple[Reply, ...] = ()
    """The follow-ups and staff answers among them: marked delivered only once sent."""


def render_turn(replies: Sequence[Reply]) -> Rendered:
    """The replies of one turn (follow-ups first, then the answer) as WeChat messages;
    options are numbered across the turn."""
    options: list[Button] = []
    blocks = []
    for reply in replies:
        lines = [reply.text]
        if reply.flat_buttons:
            lines.append("")
        for button in reply.flat_buttons:
            options.append(button)
            lines.append(option_link(len(options), button.label))
        blocks.append("\n".join(lines))
    return Rendered(split_text("\n\n".join(blocks)), tuple(options))


def option_link(number: int, label: str) -> str:
    # only what would end the link's attribute or query is escaped: Chinese stays as
    # it is, as WeChat's own examples write it, and comes back as the label
    content = "".join(f"%{ord(ch):02X}" if ch in _URL_SPECIAL else ch for ch in label)
    return (
        f'<a href="weixin://bizmsgmenu?msgmenucontent={content}&msgmenuid={number}">'
        f"{number}. {escape(label, quote=False)}</a>"
    )


def split_text(text: str, limit: int = MAX_MESSAGE_BYTES) -> tuple[str, ...]:
    """`text` in pieces of at most `limit` UTF-8 bytes, cut between lines where it can
    (a link is one line, so it is never cut), else between characters."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        for part in _fit_line(line, limit):
            joined = f"{current}\n{part}" if current else part
            if _size(joined) <= limit:
                current = joined
                continue
            if current.strip():
                pieces.append(current.strip("\n"))
            current = part
    if current.strip():
        pieces.append(current.strip("\n"))
    return tuple(pieces) or ("",)


def _fit_line(line: str, limit: int) -> list[str]:
    """A line longer than `limit` bytes in parts that fit, cut after punctuation if near."""
    parts = []
    while _size(line) > limit:
        cut = _cut_at(line, limit)
        parts.append(line[:cut])
        line = line[cut:]
    parts.append(line)
    return parts


def _cut_at(line: str, limit: int) -> int:
    """Where to cut `line` (over `limit` bytes): after a punctuation mark close before
    the limit, else at the last character that fits."""
    fits = len(line.encode()[:limit].decode("utf-8", "ignore"))
    for back in range(fits, max(fits - 60, 0), -1):
        if line[back - 1] in "。!?;,.!?;, ":
            return back
    return fits


def _size(text: str) -> int:
    return len(text.encode())


class Options:
    """Each resident's last options (in memory, per process), so that a tapped link or a
    typed number presses the button it names. Keyed by the resident's hashed id."""

    def __init__(self, size: int = REMEMBERED_RESIDENTS) -> None:
        self._by_resident: Recent[str, tuple[Button, ...]] = Recent(size)

    def remember(self, resident: str, options: tuple[Button, ...]) -> None:
        self._by_resident.put(resident, options)

    def incoming(self, resident: str, text: str) -> Incoming:
        """The resident's text as a button press when it is one of their options' labels
        (a tapped link) or numbers (typed); else the text as it is."""
        options = self._by_resident.get(resident) or ()
        chosen = _chosen(options, text.strip())
        return ButtonPress(chosen.payload) if chosen else TextMessage(text)


def _chosen(options: tuple[Button, ...], text: str) -> Button | None:
    by_label = {button.label: button for button in options}
    tapped = by_label.get(text) or by_label.get(unquote(text))
    if tapped is not None:
        return tapped
    number = parse_whole(text, low=1, high=len(options))
    return options[number - 1] if number is not None else None
