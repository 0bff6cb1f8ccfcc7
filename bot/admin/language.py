"""Which language the admin tools speak: `--lang`, then the config, then the locale.

The street's staff read Chinese, so Chinese is the default; a developer on an English
system (`LANG=en_GB.UTF-8`) gets English without asking.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from typing import Any

from bot.text import LANGS, Lang

LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")
"""POSIX order: the first one that is set decides."""
DEFAULT_ADMIN_LANGUAGE: Lang = "zh"

LANG_OPTION: tuple[tuple[str, ...], dict[str, Any]] = (
    ("--lang",),
    {
        "choices": LANGS,
        "help": "language of the messages (default: admin_language in the config, else the "
        "locale, else zh)",
    },
)
"""The `--lang` option of the admin commands, as `ArgumentParser.add_argument` takes it."""


def admin_language(
    chosen: Lang | None, configured: Lang | None, environ: Mapping[str, str]
) -> Lang:
    """`--lang`, else the config's `admin_language`, else the locale, else Chinese."""
    return chosen or configured or locale_language(environ) or DEFAULT_ADMIN_LANGUAGE


def locale_language(environ: Mapping[str, str]) -> Lang | None:
    """zh or en from the locale (`zh_CN.UTF-8`, `en_US`); None for C, POSIX or unset."""
    for name in LOCALE_VARIABLES:
        value = environ.get(name, "").strip().lower()
        if value:
            if value.startswith("zh"):
                return "zh"
            if value.startswith("en"):
                return "en"
            return None
    return None


def command_language(args: argparse.Namespace, configured: Lang | None) -> Lang:
    """The language of a command's messages: its --lang (if it has one), else the rest."""
    return admin_language(getattr(args, "lang", None), configured, os.environ)
