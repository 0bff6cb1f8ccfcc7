"""`/admin`: the last 7 days for the street's staff, and a knowledge reload button.

Open only when `BOT_WEB_ADMIN_TOKEN` is set (16 characters or more); the token is
sent as the password of HTTP Basic auth (the browser asks for it) or as
`Authorization: Bearer <token>`. Serve it over HTTPS only, like the chat.
The teach buttons of the Telegram admin view are not here yet: the teach
operation they call does not exist.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import html
import logging
from collections.abc import Iterable, Sequence
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from bot.match.live import ReloadResult
from bot.report import Report, build_report
from bot.web import sessions
from bot.web.guard import Refusal, read_body
from bot.web.page import asset_version

if TYPE_CHECKING:
    from bot.web.app import WebChat

logger = logging.getLogger(__name__)

ENV_ADMIN_TOKEN = "BOT_WEB_ADMIN_TOKEN"
MIN_TOKEN_CHARS = 16
DAYS = 7
ROWS = 15
CHALLENGE = {"WWW-Authenticate": 'Basic realm="huaihai admin", charset="UTF-8"'}


class AdminGate:
    """Lets in requests that carry the admin token; nobody when no usable token is set."""

    def __init__(self, token: str | None) -> None:
        if token and len(token) < MIN_TOKEN_CHARS:
            logger.warning(
                "%s is shorter than %d characters: /admin stays closed",
                ENV_ADMIN_TOKEN,
                MIN_TOKEN_CHARS,
            )
            token = None
        self._token = token.encode() if token else None

    def check(self, request: Request) -> None:
        if self._token is None:
            raise Refusal(403, "admin_off", f"the admin page is off; set {ENV_ADMIN_TOKEN}")
        offered = offered_token(request.headers.get("authorization", ""))
        if offered is None or not hmac.compare_digest(offered.encode(), self._token):
            raise Refusal(401, "unauthorized", "the admin token is missing or wrong", CHALLENGE)


def offered_token(header: str) -> str | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2] or None
    return None


class AdminPages:
    def __init__(self, chat: WebChat, gate: AdminGate) -> None:
        self.chat = chat
        self.gate = gate

    async def page(self, request: Request) -> Response:
        try:
            self.gate.check(request)
        except Refusal as refusal:
            return refusal.response()
        return await self._render(request, notice="")

    async def reload(self, request: Request) -> Response:
        session_id, _ = sessions.session_of(request)
        try:
            self.gate.check(request)
            form = parse_qs((await read_body(request)).decode("utf-8", "replace"))
            if not self.chat.csrf.valid(session_id, (form.get("csrf") or [""])[0]):
                raise Refusal(403, "csrf", "the page has expired; please reload it")
        except Refusal as refusal:
            return refusal.response()
        result = await asyncio.to_thread(self.chat.knowledge.reload)
        return await self._render(request, notice=reload_notice(result))

    async def _render(self, request: Request, notice: str) -> Response:
        session_id, new = sessions.session_of(request)
        report = await asyncio.to_thread(
            build_report, self.chat.store, self.chat.knowledge.current, DAYS
        )
        body = render_admin(report, self.chat.csrf.token(session_id), notice)
        response = HTMLResponse(body, headers={"Cache-Control": "no-store"})
        if new:
            sessions.set_session_cookie(response, request, session_id)
        return response


def reload_notice(result: ReloadResult) -> str:
    if result.ok:
        return (
            f"已重新加载 / reloaded: {result.committees} committees, {result.facts} facts, "
            f"{result.phrasings} phrasings"
        )
    return "重新加载失败,旧知识继续使用 / reload refused, the old knowledge keeps serving:\n" + (
        "\n".join(result.errors)
    )


@cache
def template() -> str:
    return files("bot.web").joinpath("templates/admin.html").read_text(encoding="utf-8")


def render_admin(report: Report, csrf: str, notice: str) -> str:
    share = f"{report.answered / report.total:.0%}" if report.total else "—"
    helpful = sum(f.helpful for f in report.feedback)
    unhelpful = sum(f.unhelpful for f in report.feedback)
    slots = {
        "csrf": html.escape(csrf),
        "assets": asset_version(),
        "notice": f'<p class="notice">{html.escape(notice)}</p>' if notice else "",
        "days": str(DAYS),
        "total": str(report.total),
        "share": share,
        "helpful": str(helpful),
        "unhelpful": str(unhelpful),
        "unanswered": table(
            ("次数 count", "问题 question", "最接近 nearest fact"),
            ((g.count, g.example, g.nearest_fact_title or "—") for g in report.unanswered),
        ),
        "top": table(
            ("次数 asked", "服务 fact", "👍", "👎"),
            ((f.asked, f.title, f.helpful, f.unhelpful) for f in report.top_facts),
        ),
    }
    page = template()
    for name, value in slots.items():
        page = page.replace("{{" + name + "}}", value)
    return page


def table(head: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """An HTML table of at most ROWS rows; every cell escaped."""
    cells = [f"<th>{html.escape(h)}</th>" for h in head]
    lines = [f"<table><tr>{''.join(cells)}</tr>"]
    for n, row in enumerate(rows):
        if n == ROWS:
            break
        lines.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>")
    if len(lines) == 1:
        lines.append(f'<tr><td colspan="{len(head)}">—</td></tr>')
    return "".join(lines) + "</table>"
