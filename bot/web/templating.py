"""The admin pages' templates: Jinja2, escaping every value unless marked safe.

A resident's words (an unanswered question, `{{top}}` included) are data in a
template's context, never template source, so they are shown as typed. Only the
server's own SVG charts are marked safe (bot.admin.svg escapes their texts).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from bot.report import channels_text
from bot.web.page import asset_version


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("bot.web", "templates"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,  # a misspelt name in a template fails its test
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["channels"] = channels_text  # where a group was asked: 微信×2 Telegram×1
    return env


def render(template: str, **context: Any) -> str:
    """The page; what the shared frame (admin_base.html) needs defaults to no login."""
    frame = {"inline_css": "", "staff": "", "csrf": "", "assets": asset_version()}
    return environment().get_template(template).render(**{**frame, **context})
