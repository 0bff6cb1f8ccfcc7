"""Button payloads: short strings that survive restarts and knowledge reloads.

A payload is a `Kind` and its arguments joined by ':'. It names things by their
stable ids (fact ids, committee ids, tag names, log ids), never by position, so
a button pressed after a reload either still means the same thing or is
recognised as stale. Only a name too long for Telegram's 64 bytes falls back to
the item's position ("#12"), which `resolve` reads back.

Adding a kind is one line here and one handler in the dialogue's button table (the
teach kinds, for admins only, are handled by `bot.telegram.admin`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from bot.dialogue.types import MAX_PAYLOAD_BYTES
from bot.numbers import parse_whole

logger = logging.getLogger(__name__)

T = TypeVar("T")


class Kind(StrEnum):
    """What a button does; the value is the payload's prefix, `arity` its argument count."""

    arity: int

    def __new__(cls, prefix: str, arity: int) -> Kind:
        member = str.__new__(cls, prefix)
        member._value_ = prefix
        member.arity = arity
        return member

    MENU = "m", 0  # the topic menu
    TOPIC = "t", 1  # t:<tag>            facts of a menu topic
    FACT = "f", 1  # f:<fact>            show a fact (browsing)
    PICK = "p", 2  # p:<log_id>:<fact>   a "did you mean" option of a logged question
    NONE_FITS = "n", 1  # n:<log_id>     "none of these" for a logged question
    COMMITTEE = "c", 1  # c:<committee>  a committee's overview and facts
    COMMITTEES = "cs", 0  # the committee list
    HOME = "home", 1  # home:<committee> save the home committee
    LANG = "lang", 1  # lang:<zh|en|auto>
    STREET = "st", 1  # st:<street>     save the street (a base of several streets)
    FEEDBACK = "fb", 2  # fb:<+|->:<log_id>
    # admins teaching an unanswered group, named by one of its logged questions
    TEACH = "tf", 2  # tf:<log_id>:<fact>           teach the group's example to a fact
    TEACH_COMMITTEES = "tcs", 1  # tcs:<log_id>      "another fact…": pick a committee
    TEACH_COMMITTEE = "tc", 2  # tc:<log_id>:<committee|->  then one of its facts
    IGNORE = "ti", 1  # ti:<log_id>                 leave the group out of /unanswered
    TICK = "tt", 2  # tt:<log_id>:<form tag>         tick/untick another wording (follow-ups)
    HANDOFF_REPLY = "ho", 1  # ho:<handoff_id>           an admin answers a resident's message


_BY_PREFIX = {kind.value: kind for kind in Kind}


@dataclass(frozen=True)
class Payload:
    kind: Kind
    args: tuple[str, ...] = ()


def encode(kind: Kind, *args: object) -> str:
    return ":".join((kind.value, *map(str, args)))


def fits(payload: str) -> bool:
    return len(payload.encode()) <= MAX_PAYLOAD_BYTES


def decode(payload: str) -> Payload | None:
    """The parsed payload, or None for anything this version does not understand."""
    prefix, _, rest = payload.partition(":")
    kind = _BY_PREFIX.get(prefix)
    if kind is None:
        return None
    if kind.arity == 0:
        return Payload(kind) if not rest else None
    # the last argument may itself contain ':' (fact ids are free text in YAML)
    args = tuple(rest.split(":", kind.arity - 1))
    if len(args) != kind.arity or not all(args):
        return None
    return Payload(kind, args)


def ref(kind: Kind, *args: object, name: str, position: int) -> str:
    """A payload naming a knowledge item (last argument) by its stable `name`, or by its
    `position` when the name does not fit in a button (that one may go stale on reload)."""
    payload = encode(kind, *args, name)
    if fits(payload):
        return payload
    logger.warning("%r too long for a button; using its position", name)
    return encode(kind, *args, f"#{position}")


def resolve(ref: str, items: Sequence[T], by_name: Callable[[str], T | None]) -> T | None:
    """The item a `ref()` argument names, or None when it is gone or garbled."""
    if ref.startswith("#"):
        index = parse_whole(ref[1:], high=len(items) - 1)
        return items[index] if index is not None else None
    return by_name(ref)


def parse_log_id(ref: str) -> int | None:
    """A question-log id from a payload; None unless a positive 64-bit number."""
    return parse_whole(ref, low=1)


TEACH_KINDS = frozenset(
    {Kind.TEACH, Kind.TEACH_COMMITTEES, Kind.TEACH_COMMITTEE, Kind.IGNORE, Kind.TICK}
)
"""Admins' teach buttons: front ends route them to the admin side, never to the dialogue."""
STAFF_KINDS = TEACH_KINDS | {Kind.HANDOFF_REPLY}
"""Every button only staff may press."""
