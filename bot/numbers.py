"""Whole numbers typed by people: residents' button data, console choices, admins' arguments.

`str.isdigit()` accepts "²" and "①", which `int()` then refuses, and an unbounded
number overflows SQLite's 64-bit integers: parse with `isdecimal()` and a range.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

SQLITE_MAX_INT = 2**63 - 1


def parse_whole(text: str, *, low: int = 0, high: int = SQLITE_MAX_INT) -> int | None:
    """`text` as an int within `low..high`, or None for anything else ("²", "-1", "1e9")."""
    text = text.strip()
    # 20 digits hold any 64-bit number; longer input is out of range without converting it
    if not text.isdecimal() or not text.isascii() or len(text) > 20:
        return None
    number = int(text)
    return number if low <= number <= high else None


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from `low` to `high`, else a clear usage error."""

    def parse(text: str) -> int:
        number = parse_whole(text, low=low, high=high)
        if number is None:
            raise argparse.ArgumentTypeError(f"must be a whole number from {low} to {high}")
        return number

    parse.__name__ = "whole number"  # argparse names the type in some messages
    return parse
