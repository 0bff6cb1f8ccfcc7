"""The chat page, rendered on the server: the first screen, and every answer without JavaScript.

The template is a static file with `{{name}}` slots; every value put into it is
escaped here, and the script (a separate static file) only ever sets text with
`textContent`. Buttons are real forms posting to `/ask`, so the page works with
JavaScript off; with it on, the script sends the same presses as JSON instead.
"""

from __future__ import annotations

import hashlib
import html
from functools import cache
from importlib.resources import files

from bot.dialogue.followups import delivery_key
from bot.dialogue.types import Reply
from bot.web.history import read_turn, reply_json

__all__ = ["notice_html", "render_page", "reply_html", "reply_json", "turn_html"]

UI = {
    "zh": {
        "title": "淮海家 居民助手",
        "placeholder": "请输入您的问题",
        "send": "发送",
        "large": "大字",
        "other_lang": "English",
        "other_lang_payload": "lang:en",
        "topics": "主题",
        "noscript": "没有开启 JavaScript:每次提问会打开一个新页面。",
        "clear": "清空记录",
        "earlier": "↩ 回答您之前的问题",
    },
    "en": {
        "title": "Huaihai Home resident helper",
        "placeholder": "Type your question",
        "send": "Send",
        "large": "Large text",
        "other_lang": "中文",
        "other_lang_payload": "lang:zh",
        "topics": "Topics",
        "noscript": "JavaScript is off: each question opens a new page.",
        "clear": "Clear history",
        "earlier": "↩ An answer to your earlier question",
    },
}


@cache
def template() -> str:
    return files("bot.web").joinpath("templates/page.html").read_text(encoding="utf-8")


@cache
def asset_version() -> str:
    """A digest of the script and style: their URLs change with them, so WeChat's
    browser, which caches hard, never runs an old script against a new server."""
    static = files("bot.web").joinpath("static")
    digest = hashlib.sha256()
    for name in ("chat.js", "chat.css", "admin.css"):
        digest.update(static.joinpath(name).read_bytes())
    return digest.hexdigest()[:10]


def render_page(lang: str, csrf: str, messages: str) -> str:
    """The whole page; `messages` is HTML made by `reply_html` / `question_html`."""
    ui = UI.get(lang, UI["zh"])
    slots = {f"ui.{key}": html.escape(value) for key, value in ui.items()}
    slots.update(
        lang=html.escape(lang), csrf=html.escape(csrf), assets=asset_version(), messages=messages
    )
    page = template()
    for name, value in slots.items():
        page = page.replace("{{" + name + "}}", value)
    return page


def question_html(text: str) -> str:
    return f'<div class="msg me"><p class="text">{html.escape(text)}</p></div>'


def reply_html(reply: Reply, csrf: str, *, earlier: bool = False) -> str:
    """A reply as a bubble; its buttons are a form that posts the pressed payload.
    `earlier`: a follow-up, marked as the answer to a question asked before (a pending
    one carries its id, for the script to acknowledge once it is on screen)."""
    kind = "bot answer" if reply.asks_feedback else "bot"
    lang = html.escape(reply.lang)
    key = delivery_key(reply)
    if earlier or key is not None:
        pending = "" if key is None else f' data-followup="{key}"'
        parts = [f'<div class="msg bot followup" lang="{lang}"{pending}>']
        parts.append(f'<p class="tag">{html.escape(UI[reply.lang]["earlier"])}</p>')
    else:
        parts = [f'<div class="msg {kind}" lang="{lang}">']
    parts.append(f'<p class="text">{html.escape(reply.text)}</p>')
    if reply.buttons:
        parts.append('<form class="buttons" method="post" action="/ask">')
        parts.append(f'<input type="hidden" name="csrf" value="{html.escape(csrf)}">')
        for row in reply.buttons:
            parts.append('<div class="row">')
            parts += [
                f'<button type="submit" name="payload" value="{html.escape(button.payload)}">'
                f"{html.escape(button.label)}</button>"
                for button in row
            ]
            parts.append("</div>")
        parts.append("</form>")
    parts.append("</div>")
    return "".join(parts)


def notice_html(text: str) -> str:
    """A refusal (too fast, too long …) shown as the bot's message, announced at once."""
    return f'<div class="msg bot notice" role="alert"><p class="text">{html.escape(text)}</p></div>'


def turn_html(entries: list[str], csrf: str) -> str:
    """The stored turns of a chat (bot.web.history), as they were shown."""
    parts = []
    for entry in entries:
        turn = read_turn(entry)
        if turn is None:
            continue
        question, replies = turn
        if question:
            parts.append(question_html(question))
        parts += [reply_html(reply, csrf, earlier=earlier) for reply, earlier in replies]
    return "".join(parts)
