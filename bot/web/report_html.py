"""`python -m bot report --html FILE`: the admin page as one file, for e-mail or print.

The same template and charts as /admin, without its buttons, with its styles inlined
(no link to the server), read from the database without writing to it.
"""

from __future__ import annotations

import sys
from importlib.resources import files
from pathlib import Path

from bot.admin import texts
from bot.admin.dashboard import dashboard
from bot.admin.teaching import Teaching
from bot.config import Config
from bot.kb import KnowledgeBaseError
from bot.match.live import LiveKnowledge
from bot.report import READ_TIMEOUT
from bot.store import Store
from bot.teachlog import TeachJournal
from bot.web.templating import render


def inline_styles() -> str:
    static = files("bot.web").joinpath("static")
    return "\n".join(static.joinpath(name).read_text("utf-8") for name in ("chat.css", "admin.css"))


def html_report(teaching: Teaching) -> str:
    return render(
        "admin.html",
        **dashboard(teaching),
        banner=[],
        notice="",
        csrf="",
        staff="",
        standalone=True,
        inline_css=inline_styles(),
        assets="",
    )


def run_html_report(config: Config, out: Path) -> int:
    try:
        knowledge = LiveKnowledge(config.knowledge_dir, config.matcher)
    except KnowledgeBaseError as exc:
        print(texts.INVALID_KNOWLEDGE.zh, file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem.in_lang('zh')}", file=sys.stderr)
        return 1
    store = Store(config.db_path, read_only=True, read_timeout=READ_TIMEOUT)
    try:
        page = html_report(Teaching(knowledge, store, TeachJournal(store)))
    finally:
        store.close()
    try:
        out.write_text(page, encoding="utf-8")
    except OSError as exc:
        print(f"✗ 写不了 {out}:{exc.strerror}", file=sys.stderr)
        return 2
    print(f"✓ 已写好 {out}(用浏览器打开,可以打印或作为邮件附件)")
    return 0
