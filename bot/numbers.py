"""Whole numbers typed by people: residents' button data, console choices, admins' arguments.

`str.isdigit()` accepts "²" and "①", which `int()` then refuses, and an unbounded
number overflows SQLite's 64-bit integers: parse with `isdecimal()` and a range.
"""

from __future__ import annotations

SQLITE_MAX_INT = 2**63 - 1


def parse_whole(text: str, *, low: int = 0, high: int = SQLITE_MAX_INT) -> int | None:
    """`text` as an int within `low..high`, or None for anything else ("²", "-1", "1e9")."""
    text = text.strip()
    # 20 digits hold any 64-bit number; longer input is out of range without converting it
    if not text.isdecimal() or not text.isascii() or len(text) > 20:
        return None
    number = int(text)
    return number if low <= number <= high else None
