"""Button payloads: short strings that survive restarts and knowledge reloads.

A payload names things by their stable ids (fact ids, committee ids, tag names,
log ids), never by position, so a button pressed after a reload either still
means the same thing or is recognised as stale.

    m                   topic menu
    t:<tag>             facts of a menu topic
    f:<fact_id>         show a fact (browsing)
    p:<log_id>:<fact>   pick a "did you mean" option of a logged question
    n:<log_id>          "none of these" for a logged question
    c:<committee_id>    a committee's overview and facts
    cs                  committee list
    home:<committee_id> save home committee
    lang:<zh|en|auto>   language choice
    fb:<+|->:<log_id>   feedback on a logged answer
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.dialogue.types import MAX_PAYLOAD_BYTES


@dataclass(frozen=True)
class Payload:
    kind: str
    args: tuple[str, ...] = ()


_ARITY = {"m": 0, "cs": 0, "t": 1, "f": 1, "c": 1, "home": 1, "lang": 1, "n": 1, "p": 2, "fb": 2}


def encode(kind: str, *args: object) -> str:
    payload = ":".join((kind, *map(str, args)))
    return payload


def fits(payload: str) -> bool:
    return len(payload.encode()) <= MAX_PAYLOAD_BYTES


def decode(payload: str) -> Payload | None:
    """The parsed payload, or None for anything this version does not understand."""
    kind, _, rest = payload.partition(":")
    arity = _ARITY.get(kind)
    if arity is None:
        return None
    if arity == 0:
        return Payload(kind) if not rest else None
    # the last argument may itself contain ':' (fact ids are free text in YAML)
    args = tuple(rest.split(":", arity - 1))
    if len(args) != arity or not all(args):
        return None
    return Payload(kind, args)
