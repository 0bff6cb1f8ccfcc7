"""`python -m bot wechat-menu`: the account's custom menu from the knowledge base's
menu tags, within WeChat's limits, posted to `/cgi-bin/menu/create` (or printed).

WeChat allows 3 buttons of at most 16 bytes, each with at most 5 entries of at most
60 bytes; a click sends the entry's key (at most 128 bytes) back as a CLICK event.
Keys are the dialogue's own button payloads (a topic, the committee list) or a
command ("/help"), so a click means what the same button means in Telegram.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from bot.config import Config
from bot.dialogue.payloads import Kind, encode
from bot.dialogue.render import tag_ref
from bot.kb import KnowledgeBaseError
from bot.kb.model import KnowledgeBase, Lang
from bot.match import LiveKnowledge
from bot.wechat import texts
from bot.wechat.api import WeChatApi, WeChatApiError
from bot.wechat.settings import ENV_APPID, ENV_SECRET, WeChatConfigError, settings_from_env

BUTTONS = 3
ENTRIES = 5
BUTTON_BYTES = 16
ENTRY_BYTES = 60


def build_menu(kb: KnowledgeBase, lang: Lang = "zh") -> tuple[dict[str, Any], list[str]]:
    """The menu, and the topics left out for want of room."""
    topics = [_click(tag.label(lang), tag_ref(kb, tag)) for tag in kb.menu_tags]
    room = (BUTTONS - 1) * ENTRIES  # the last button is the committees'
    shown, left_out = topics[:room], [entry["name"] for entry in topics[room:]]
    titles = (texts.MENU_TOPICS, texts.MENU_MORE_TOPICS)
    buttons = [
        {"name": _fit(titles[n].in_lang(lang), BUTTON_BYTES), "sub_button": shown[i : i + ENTRIES]}
        for n, i in enumerate(range(0, len(shown), ENTRIES))
    ]
    committees = [
        _click(texts.MENU_COMMITTEE_LIST.in_lang(lang), encode(Kind.COMMITTEES)),
        _click(texts.MENU_MY_COMMITTEE.in_lang(lang), "/mycommittee"),
        _click(texts.MENU_HELP.in_lang(lang), "/help"),
    ]
    buttons.append(
        {"name": _fit(texts.MENU_COMMITTEES.in_lang(lang), BUTTON_BYTES), "sub_button": committees}
    )
    return {"button": buttons}, left_out


def _click(name: str, key: str) -> dict[str, str]:
    return {"type": "click", "name": _fit(name, ENTRY_BYTES), "key": key}


def _fit(name: str, limit: int) -> str:
    """`name` within `limit` UTF-8 bytes, shortened with "…" when it must be."""
    if len(name.encode()) <= limit:
        return name
    while len((name + "…").encode()) > limit:
        name = name[:-1]
    return name + "…"


def run_menu(config: Config, env: dict[str, str], *, print_only: bool, lang: Lang = "zh") -> int:
    """Build the menu; print it (`--print`) or post it. Exit 0, 1 (knowledge), 2 (settings
    or WeChat refused)."""
    try:
        kb = LiveKnowledge(config.knowledge_dir, config.matcher).current.kb
    except KnowledgeBaseError as exc:
        print(f"error: the knowledge base is invalid:\n{exc}", file=sys.stderr)
        return 1
    menu, left_out = build_menu(kb, lang)
    for name in left_out:
        print(f"note: no room in the menu for the topic {name!r}", file=sys.stderr)
    if print_only:
        print(json.dumps(menu, ensure_ascii=False, indent=2))
        return 0
    try:
        settings = settings_from_env(env)
    except WeChatConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not settings.can_send:
        print(f"error: posting the menu needs {ENV_APPID} and {ENV_SECRET}", file=sys.stderr)
        return 2
    try:
        WeChatApi(settings).create_menu(menu)
    except WeChatApiError as exc:
        print(f"error: WeChat refused the menu (errcode {exc.errcode})", file=sys.stderr)
        return 2
    print(f"menu posted: {len(menu['button'])} buttons")
    return 0
