"""`/admin`: the street staff's page (Chinese): the figures and charts, the knowledge
reload, the unanswered questions with teach buttons, and who did what.

Who may open it:
- staff with an account (`python -m bot admin add NAME`), logged in at /admin/login: a
  session cookie (HttpOnly, SameSite=Strict, Secure and `__Host-` over HTTPS, a new id at
  every login, over after 8 h unused) and, on every post, a CSRF token bound to that
  session;
- scripts with `Authorization: Bearer <BOT_WEB_ADMIN_TOKEN>` (optional, 16 characters or
  more): no cookie, so no CSRF token either.
A resident's chat cookie opens nothing here: it is another cookie, and no staff session.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.admin.accounts import Accounts
from bot.admin.dashboard import dashboard
from bot.admin.handoffs import QueueItem, queue_item
from bot.admin.teaching import Outcome, Teaching
from bot.handoffs import ANSWER_MAX_CHARS, Handoff
from bot.kb.model import KnowledgeBase
from bot.kb.publish import Draft, drafts, publish
from bot.kb.teach import TeachError
from bot.match.live import ReloadResult
from bot.numbers import parse_whole
from bot.web.guard import Refusal, read_body
from bot.web.page import asset_version
from bot.web.templating import render
from bot.web.throttle import LoginThrottle
from bot.web.watch import KnowledgeStatus

if TYPE_CHECKING:
    from bot.admin.teaching import TeachGroup
    from bot.web.app import WebChat

logger = logging.getLogger(__name__)

ENV_ADMIN_TOKEN = "BOT_WEB_ADMIN_TOKEN"
MIN_TOKEN_CHARS = 16
TOKEN_NAME = "(令牌)"
"""Who a script with the token is in the action log (no account can have this name)."""
COOKIE = "hh_admin"
SECURE_COOKIE = "__Host-hh_admin"
"""Over HTTPS: a cookie no other host (a sibling subdomain) can set or overwrite."""
NAME_CHARS = 40
WHY = {
    "expired": "登录已经过期(8 小时没有使用),请重新登录。",
    "out": "已退出登录。",
}


@dataclass(frozen=True)
class Staff:
    """Who is asking: an account's name and its session (None: a script with the token)."""

    name: str
    session_id: str | None = None


class AdminRefusal(Exception):
    """A request the admin page will not serve; the message is Chinese."""

    def __init__(self, status: int, message: str, *, to_login: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.to_login = to_login
        """Send a browser to the login page instead (with this reason), e.g. no session."""

    def response(self) -> Response:
        if self.to_login is not None:
            return RedirectResponse(f"/admin/login?why={self.to_login}", 303)
        body = render("admin_error.html", message=self.message)
        return HTMLResponse(body, self.status, headers={"Cache-Control": "no-store"})


def refusals_shown(handler: Callable[[Any, Request], Awaitable[Response]]) -> Any:
    """A route method whose AdminRefusal becomes its Chinese page (or the login page)."""

    async def route(self: Any, request: Request) -> Response:
        try:
            return await handler(self, request)
        except AdminRefusal as refusal:
            return refusal.response()
        except Refusal as refusal:  # a body too large, a client gone
            return AdminRefusal(refusal.status, "请求没有收到或太大,请重试。").response()
        except self.chat.store.database_errors:
            logger.exception("the admin page could not use the database")
            return AdminRefusal(503, "数据库暂时用不了(可能正忙),请稍后再试。").response()
        except OSError as exc:  # a read-only or missing knowledge folder, a full disk
            logger.warning("an admin action could not write the knowledge files: %s", exc)
            reason = exc.strerror or type(exc).__name__
            return AdminRefusal(500, f"知识库的文件写不了({reason}),请让技术同事检查。").response()

    return route


def cookie_name(request: Request) -> str:
    return SECURE_COOKIE if request.url.scheme == "https" else COOKIE


def check_token(token: str | None) -> bytes | None:
    if token and len(token) < MIN_TOKEN_CHARS:
        logger.warning(
            "%s is shorter than %d characters: scripts cannot use it",
            ENV_ADMIN_TOKEN,
            MIN_TOKEN_CHARS,
        )
        return None
    return token.encode() if token else None


def refuse_other_sites(request: Request) -> None:
    """Posts only from our own pages: not another site, nor a sibling host of ours."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        raise AdminRefusal(403, "不接受从其他网站提交的操作。")


class AdminPages:
    def __init__(self, chat: WebChat, token: str | None, status: KnowledgeStatus) -> None:
        self.chat = chat
        self.token = check_token(token)
        self.status = status
        self.accounts = Accounts(chat.store)
        self.throttle = LoginThrottle()
        self.teaching = Teaching(chat.knowledge, chat.store, chat.dialogue.journal)
        self.handoffs = chat.dialogue.handoffs

    # --- logging in and out ----------------------------------------------------------------

    @refusals_shown
    async def login_form(self, request: Request) -> Response:
        notice = WHY.get(request.query_params.get("why", ""), "")
        return await self._login_page(notice, "", 200)

    @refusals_shown
    async def login(self, request: Request) -> Response:
        refuse_other_sites(request)
        form = parse_qs((await read_body(request)).decode("utf-8", "replace"))
        name, password = _first(form, "name").strip()[:NAME_CHARS], _first(form, "password")
        address = request.client.host if request.client else "unknown"
        wait = self.throttle.wait_left(name, address)
        if wait > 0:
            refused = self.throttle.refused(name, address)
            if _worth_logging(refused):  # 1, 10, 100 …: a flood leaves a few lines, not one each
                logger.warning(
                    "admin login: %d tries from %s refused unchecked while waiting",
                    refused,
                    address,
                )
            return await self._login_page(
                f"密码错了太多次,请 {math.ceil(wait)} 秒后再试。", name, 429
            )
        if not await asyncio.to_thread(self.accounts.verify, name, password):
            return await self._wrong_password(name, address)
        self.throttle.succeeded(name)
        old = request.cookies.get(cookie_name(request), "")
        if old:
            await asyncio.to_thread(self.accounts.end_session, old)
        session = await asyncio.to_thread(self.accounts.start_session, name)
        await asyncio.to_thread(self.accounts.record, name, "login")
        logger.info("admin %s logged in", name)
        response = RedirectResponse("/admin", 303)
        response.set_cookie(
            cookie_name(request),
            session.id,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
        return response

    async def _wrong_password(self, name: str, address: str) -> Response:
        in_a_row = self.throttle.failed(name, address)
        known = await asyncio.to_thread(self.accounts.exists, name)
        # an unknown "name" may be a password typed in the wrong box: it is never logged
        logger.warning(
            "admin login refused: wrong password for %s from %s (%d in a row)",
            name if known else "an unknown name",
            address,
            in_a_row,
        )
        return await self._login_page("账号或密码不对。", name, 401)

    async def _login_page(self, notice: str, name: str, status: int) -> Response:
        has_accounts = bool(await asyncio.to_thread(self.accounts.all))
        body = render(
            "admin_login.html",
            notice=notice,
            name=name,
            has_accounts=has_accounts,
        )
        return HTMLResponse(body, status, headers={"Cache-Control": "no-store"})

    @refusals_shown
    async def logout(self, request: Request) -> Response:
        staff, _ = await self._posted(request)
        if staff.session_id is not None:
            await asyncio.to_thread(self.accounts.end_session, staff.session_id)
            await asyncio.to_thread(self.accounts.record, staff.name, "logout")
        response = RedirectResponse("/admin/login?why=out", 303)
        response.delete_cookie(cookie_name(request), path="/")
        return response

    # --- who is asking --------------------------------------------------------------------

    async def _staff(self, request: Request) -> Staff:
        header = request.headers.get("authorization", "")
        if header:
            return self._script(header)
        session_id = request.cookies.get(cookie_name(request), "")
        session = await asyncio.to_thread(self.accounts.session, session_id)
        if session is None and request.method == "GET":
            raise AdminRefusal(401, "请先登录。", to_login="expired" if session_id else "")
        if session is None:  # a post: say so (a script is told too), the page links to login
            raise AdminRefusal(401, "请先登录(或登录已经过期),然后再点一次。")
        return Staff(session.name, session.id)

    def _script(self, header: str) -> Staff:
        scheme, _, value = header.partition(" ")
        if self.token is None or scheme.lower() != "bearer":
            raise AdminRefusal(
                401, f"管理令牌不能用:没有设置 {ENV_ADMIN_TOKEN},或请求不是 Bearer 令牌。"
            )
        if not hmac.compare_digest(value.strip().encode(), self.token):
            logger.warning("a request to /admin with a wrong token")
            raise AdminRefusal(401, "管理令牌不对。")
        return Staff(TOKEN_NAME)

    async def _posted(self, request: Request) -> tuple[Staff, dict[str, list[str]]]:
        """Who posts and the form; refused from another site or without the session's CSRF."""
        staff = await self._staff(request)
        form = parse_qs((await read_body(request)).decode("utf-8", "replace"))
        if staff.session_id is not None:
            refuse_other_sites(request)
            if not self.chat.csrf.valid(f"admin:{staff.session_id}", _first(form, "csrf")):
                raise AdminRefusal(403, "页面已过期或不是从管理页面提交的,请刷新页面后再试。")
        return staff, form

    # --- the page and its buttons -----------------------------------------------------------

    @refusals_shown
    async def page(self, request: Request) -> Response:
        page = parse_whole(request.query_params.get("page", ""), low=1) or 1
        return await self._render(await self._staff(request), notice="", page=page)

    @refusals_shown
    async def reload(self, request: Request) -> Response:
        staff, _ = await self._posted(request)
        result = await asyncio.to_thread(self.chat.knowledge.reload)
        self.status.saw(result)
        await asyncio.to_thread(self.accounts.record, staff.name, "reload", reload_notice(result))
        return await self._render(staff, notice=reload_notice(result))

    @refusals_shown
    async def teach(self, request: Request) -> Response:
        """A ➕ button (or "another fact…"): teach the group's example to that fact."""
        staff, form = await self._posted(request)
        group = await self._group(form)
        fact_id = _first(form, "fact") or _first(form, "other")
        if group is None or not fact_id:
            return await self._render(staff, notice="这组问题已经不在列表里了(已经教过或忽略了?)。")
        outcome = await asyncio.to_thread(
            self.teaching.teach,
            _first(form, "wording").strip() or group.example,  # as the admin edited it
            fact_id,
            by=_by(staff),
            forms=group.forms_for(form.get("also", [])),  # the ticked wordings' askers too
        )
        return await self._render(staff, notice=outcome.message, page=_page_of(form))

    @refusals_shown
    async def ignore(self, request: Request) -> Response:
        staff, form = await self._posted(request)
        group = await self._group(form)
        outcome = (
            await asyncio.to_thread(self.teaching.ignore, group, by=_by(staff))
            if group is not None
            else Outcome(False, "这组问题已经不在列表里了。")
        )
        return await self._render(staff, notice=outcome.message, page=_page_of(form))

    @refusals_shown
    async def undo(self, request: Request) -> Response:
        staff, _ = await self._posted(request)
        outcome = await asyncio.to_thread(self.teaching.undo, by=_by(staff))
        return await self._render(staff, notice=outcome.message)

    @refusals_shown
    async def answer(self, request: Request) -> Response:
        """A reply form of the hand-off queue: the answer is kept for the resident (sent to
        Telegram by the running bot, shown at a web or console resident's next visit)."""
        staff, form = await self._posted(request)
        handoff_id = parse_whole(_first(form, "handoff"), low=1)
        text = _first(form, "answer").strip()
        if self.handoffs is None or handoff_id is None or not text:
            return await self._render(staff, notice="没有回复内容。")
        if len(text) > ANSWER_MAX_CHARS:
            return await self._render(staff, notice=f"回复太长:最多 {ANSWER_MAX_CHARS} 个字。")
        answered = await asyncio.to_thread(self.handoffs.answer, handoff_id, text, _by(staff))
        if answered is not None:
            detail = f"#{handoff_id}: {text}"
            await asyncio.to_thread(self.accounts.record, staff.name, "answer", detail)
        return await self._render(staff, notice=answered_notice(answered))

    @refusals_shown
    async def publish(self, request: Request) -> Response:
        """ "审核完了,发布": a reviewed draft moves into its committee file, then a reload."""
        staff, form = await self._posted(request)
        draft_id = _first(form, "draft")
        try:
            published = await asyncio.to_thread(publish, self.chat.knowledge.directory, draft_id)
        except TeachError as exc:
            return await self._render(staff, notice=f"没有发布:{exc.message.zh}")
        result = await asyncio.to_thread(self.chat.knowledge.reload)
        self.status.saw(result)
        detail = f"{published.fact_id} → {published.file.name}"
        await asyncio.to_thread(self.accounts.record, staff.name, "publish", detail)
        return await self._render(staff, notice=f"已发布 {detail}。{reload_notice(result)}")

    async def _group(self, form: dict[str, list[str]]) -> TeachGroup | None:
        log_id = parse_whole(_first(form, "log"), low=1)
        if log_id is None:
            return None
        return await asyncio.to_thread(self.teaching.group_of, log_id)

    async def _render(self, staff: Staff, notice: str, page: int = 1) -> Response:
        context = await asyncio.to_thread(dashboard, self.teaching, page=page)
        queue = await asyncio.to_thread(self._queue)
        waiting = await asyncio.to_thread(self._drafts)
        csrf = self.chat.csrf.token(f"admin:{staff.session_id}") if staff.session_id else ""
        body = render(
            "admin.html",
            **context,
            banner=self.status.banner(),
            handoffs=queue,
            drafts=waiting,
            answer_max=ANSWER_MAX_CHARS,
            notice=notice,
            csrf=csrf,
            staff=staff.name,
            standalone=False,
            inline_css="",
            assets=asset_version(),
        )
        return HTMLResponse(body, headers={"Cache-Control": "no-store"})

    def _drafts(self) -> list[DraftItem]:
        kb = self.chat.knowledge.current.kb
        try:
            return [draft_item(kb, d) for d in drafts(self.chat.knowledge.directory)]
        except TeachError as exc:  # a drafts file the admin broke: say so, keep the page
            return [DraftItem("", "—", "—", exc.message.zh, "", "")]

    def _queue(self) -> list[QueueItem]:
        if self.handoffs is None:
            return []
        kb = self.chat.knowledge.current.kb
        try:
            return [queue_item(kb, h, "zh") for h in self.handoffs.open_queue()]
        except self.chat.store.database_errors:
            logger.exception("the hand-off queue cannot be read")
            return []


@dataclass(frozen=True)
class DraftItem:
    """One imported draft as the page shows it."""

    id: str
    title: str
    committee: str
    answer: str
    lines: str
    file: str


def draft_item(kb: KnowledgeBase, draft: Draft) -> DraftItem:
    record = draft.record
    committee = kb.committee(draft.committee_id)
    return DraftItem(
        id=draft.id,
        title=str(_zh(record.get("title")) or draft.id),
        committee=committee.name if committee else draft.committee_id,
        answer=str(_zh(record.get("answer"))),
        lines=_source_lines(record.get("source")),
        file=draft.file.name,
    )


def _source_lines(source: object) -> str:
    """Where in the article a draft comes from; "" when the admin changed `source` oddly."""
    return str(source.get("lines", "")) if isinstance(source, dict) else ""


def _zh(text: object) -> object:
    return text.get("zh", "") if isinstance(text, dict) else ""


def _worth_logging(count: int) -> bool:
    return count > 0 and str(count).strip("0") == "1"


def _by(staff: Staff) -> str:
    """Who acts, for the teach journal and the hand-offs (bot.teachlog names web staff by
    this)."""
    return f"web:{staff.name}"


def answered_notice(answered: Handoff | None) -> str:
    """What the admin is told after answering: never "sent" for what is only saved."""
    if answered is None:
        return "这条留言已经有人回复过了。"
    if answered.channel == "tg":
        return f"已保存留言 #{answered.id} 的回复,运行中的机器人会在几秒内发到居民的 Telegram。"
    return f"已保存留言 #{answered.id} 的回复,居民下次打开聊天时会看到。"


def _page_of(form: dict[str, list[str]]) -> int:
    """The list page a form was posted from (1 when it does not say)."""
    return parse_whole(_first(form, "page"), low=1) or 1


def _first(form: dict[str, list[str]], name: str) -> str:
    return (form.get(name) or [""])[0]


def reload_notice(result: ReloadResult) -> str:
    if result.ok:
        return (
            f"已重新加载:{result.committees} 个居委,{result.facts} 条回答,"
            f"{result.phrasings} 种问法。"
        )
    lines = [p.in_lang("zh") for p in result.problems] or list(result.errors)
    return "重新加载失败,旧的知识库继续回答:\n" + "\n".join(lines)
