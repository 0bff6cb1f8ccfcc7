"""`/admin`: the last 7 days for the street's staff, a knowledge reload button, and the
unanswered questions with teach buttons (bot.web.admin_teach).

Open only when `BOT_WEB_ADMIN_TOKEN` is set (16 characters or more); the token is
sent as the password of HTTP Basic auth (the browser asks for it) or as
`Authorization: Bearer <token>`. Serve it over HTTPS only, like the chat.
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

from bot.admin.handoffs import QueueItem, queue_item
from bot.admin.teaching import Outcome, Teaching
from bot.handoffs import ANSWER_MAX_CHARS, Handoff
from bot.match.live import ReloadResult
from bot.numbers import parse_whole
from bot.report import Report, build_report
from bot.web import sessions
from bot.web.admin_handoffs import WEB_STAFF, handoff_section
from bot.web.admin_teach import WEB_ADMIN, teach_section
from bot.web.guard import Refusal, read_body
from bot.web.page import asset_version

if TYPE_CHECKING:
    from bot.admin.teaching import TeachGroup
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
        self.teaching = Teaching(chat.knowledge, chat.store, chat.dialogue.journal)
        self.handoffs = chat.dialogue.handoffs

    async def page(self, request: Request) -> Response:
        try:
            self.gate.check(request)
        except Refusal as refusal:
            return refusal.response()
        return await self._render(request, notice="")

    async def reload(self, request: Request) -> Response:
        try:
            await self._posted(request)
        except Refusal as refusal:
            return refusal.response()
        result = await asyncio.to_thread(self.chat.knowledge.reload)
        return await self._render(request, notice=reload_notice(result))

    async def teach(self, request: Request) -> Response:
        """A ➕ button (or "another fact…"): teach the group's example to that fact."""
        try:
            form = await self._posted(request)
            group = await self._group(form)
        except Refusal as refusal:
            return refusal.response()
        fact_id = _first(form, "fact") or _first(form, "other")
        if group is None or not fact_id:
            return await self._render(request, notice="这组问题已经不在列表里了 / gone")
        outcome = await asyncio.to_thread(
            self.teaching.teach,
            _first(form, "wording").strip() or group.example,  # as the admin edited it
            fact_id,
            by=WEB_ADMIN,
            forms=group.forms_for(form.get("also", [])),  # the ticked wordings' askers too
        )
        return await self._render(request, notice=outcome.message, page=_page_of(form))

    async def ignore(self, request: Request) -> Response:
        try:
            form = await self._posted(request)
            group = await self._group(form)
        except Refusal as refusal:
            return refusal.response()
        outcome = (
            await asyncio.to_thread(self.teaching.ignore, group, by=WEB_ADMIN)
            if group is not None
            else Outcome(False, "—")
        )
        return await self._render(request, notice=outcome.message, page=_page_of(form))

    async def undo(self, request: Request) -> Response:
        try:
            await self._posted(request)
        except Refusal as refusal:
            return refusal.response()
        outcome = await asyncio.to_thread(self.teaching.undo, by=WEB_ADMIN)
        return await self._render(request, notice=outcome.message)

    async def answer(self, request: Request) -> Response:
        """A reply form of the hand-off queue: the answer is kept for the resident (sent to
        Telegram by the running bot, shown at a web or console resident's next visit)."""
        try:
            form = await self._posted(request)
        except Refusal as refusal:
            return refusal.response()
        handoff_id = parse_whole(_first(form, "handoff"), low=1)
        text = _first(form, "answer").strip()
        if self.handoffs is None or handoff_id is None or not text:
            return await self._render(request, notice="没有回复内容 / nothing to send")
        if len(text) > ANSWER_MAX_CHARS:
            return await self._render(request, notice=f"回复太长 / too long (> {ANSWER_MAX_CHARS})")
        answered = await asyncio.to_thread(self.handoffs.answer, handoff_id, text, WEB_STAFF)
        return await self._render(request, notice=answered_notice(answered))

    async def _posted(self, request: Request) -> dict[str, list[str]]:
        """The form of an admin's post; Refusal without the token or the page's CSRF."""
        session_id, _ = sessions.session_of(request)
        self.gate.check(request)
        form = parse_qs((await read_body(request)).decode("utf-8", "replace"))
        if not self.chat.csrf.valid(session_id, _first(form, "csrf")):
            raise Refusal(403, "csrf", "the page has expired; please reload it")
        return form

    async def _group(self, form: dict[str, list[str]]) -> TeachGroup | None:
        log_id = parse_whole(_first(form, "log"), low=1)
        if log_id is None:
            return None
        return await asyncio.to_thread(self.teaching.group_of, log_id)

    async def _render(self, request: Request, notice: str, page: int | None = None) -> Response:
        session_id, new = sessions.session_of(request)
        report = await asyncio.to_thread(
            build_report,
            self.chat.store,
            self.chat.knowledge.current,
            DAYS,
            grouping=self.teaching.grouping,
        )
        number = page or parse_whole(request.query_params.get("page", ""), low=1) or 1
        shown = await asyncio.to_thread(self.teaching.page, number, days=DAYS)
        csrf = self.chat.csrf.token(session_id)
        kb = self.chat.knowledge.current.kb
        teach = teach_section(kb, shown, csrf)
        queue = await asyncio.to_thread(self._queue)
        body = render_admin(report, csrf, notice, teach, handoff_section(queue, csrf))
        response = HTMLResponse(body, headers={"Cache-Control": "no-store"})
        if new:
            sessions.set_session_cookie(response, request, session_id)
        return response

    def _queue(self) -> list[QueueItem]:
        if self.handoffs is None:
            return []
        kb = self.chat.knowledge.current.kb
        try:
            return [queue_item(kb, h, "zh") for h in self.handoffs.open_queue()]
        except self.chat.store.database_errors:
            logger.exception("the hand-off queue cannot be read")
            return []


def answered_notice(answered: Handoff | None) -> str:
    """What the admin is told after answering: never "sent" for what is only saved."""
    if answered is None:
        return "这条留言已经有人回复过了 / this message was answered already"
    if answered.channel == "tg":
        return (
            f"已保存留言 #{answered.id} 的回复,运行中的机器人会在几秒内发到居民的 Telegram / "
            "saved; the running bot sends it to the resident's Telegram within seconds"
        )
    return (
        f"已保存留言 #{answered.id} 的回复,居民下次打开聊天时会看到 / "
        "saved; the resident sees it at their next visit"
    )


def _first(form: dict[str, list[str]], name: str) -> str:
    return (form.get(name) or [""])[0]


def _page_of(form: dict[str, list[str]]) -> int:
    """The list page a form was posted from (1 when it does not say)."""
    return parse_whole(_first(form, "page"), low=1) or 1


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


def render_admin(report: Report, csrf: str, notice: str, teach: str, handoffs: str = "") -> str:
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
        "unanswered": teach,
        "handoffs": handoffs or "<p>—</p>",
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
