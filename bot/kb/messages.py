"""Every problem the knowledge-base loader reports, in one table (so it can be translated).

Messages about YAML itself and about single fields live in `bot.yamlfile.MESSAGES`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from bot.yamlfile import say as say_yaml

MESSAGES = {
    # the folder and its files
    "no_directory": "knowledge directory does not exist",
    "unreadable_directory": "cannot list the folder ({reason})",
    "no_committees": "no committee files",
    "not_committee_file": (
        "not a committee file: only .yaml or .yml files are read here, so this committee "
        "is missing; rename it back, or move it out of committees/"
    ),
    "committee_twice": "committee '{committee}' is written twice ({first} and this file)",
    "committee_count": (
        "{expected} committees expected, but committees/ holds {found}; was a file renamed "
        "or deleted? (if the street really has {found} now, change this number)"
    ),
    # fields
    "not_count": "should be a whole number above 0",
    "not_word_groups": "should be a list of word lists",
    "word_in_two_groups": "'{word}' is already in another group",
    "one_overview": "exactly one fact should have 'overview: true'",
    "not_fact_list": "should be a list of facts",
    # across files
    "id_used": "id '{fact_id}' is already used at {place}",
    "name_shared": "the name '{name}' is used by several committees: {committees}",
    "unknown_reference": "unknown {kind} '{value}'{hint}; it must be defined in street.yaml",
}


def say(name: str, /, **values: Any) -> str:
    """The message `name` of `MESSAGES`, filled in."""
    return MESSAGES[name].format(**values)


def unknown(kind: str, value: str, known: Iterable[str]) -> str:
    """An unknown reference, with the closest known name as a hint."""
    close = difflib.get_close_matches(value, list(known), n=1)
    hint = say_yaml("did_you_mean", name=close[0]) if close else ""
    return say("unknown_reference", kind=kind, value=value, hint=hint)
