"""The Starlette application: routes that turn HTTP into dialogue turns and back.

    GET  /             the chat page (topic menu on the first screen)
    POST /ask          a question or button press from a plain form (no JavaScript)
    GET  /api/session  the CSRF token for this session (after a restart or a lost cookie)
    POST /api/message  {"text": "..."}     -> the reply as JSON
    POST /api/button   {"payload": "...", "label": "..."}  -> the reply as JSON
    GET  /api/followups                    -> answers to earlier questions, still pending
    POST /api/followups/ack {"ids": [...]} -> marks those the page has shown as sent
    POST /clear        forgets this session's history (清空记录), back to the first screen
    GET  /healthz      knowledge version and store status, for a process supervisor
    GET|POST /wechat   the WeChat Official Account's callback, when WECHAT_TOKEN is set
    GET  /admin        the staff's page (bot.web.admin): log in at /admin/login (an account
         from `python -m bot admin add`) or send BOT_WEB_ADMIN_TOKEN as a Bearer token;
         POST /admin/reload, /admin/teach, /ignore, /undo, /admin/handoff (answers a
         resident's message to staff), /admin/logout

Dialogue turns run in worker threads (`asyncio.to_thread`): matching and SQLite
never block the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.dialogue import ButtonPress, Dialogue, Incoming, Reply, TextMessage, User
from bot.dialogue.followups import acknowledge, delivery_key, due_replies
from bot.kb.model import Lang
from bot.match import LiveKnowledge
from bot.store import Store
from bot.web import health, sessions
from bot.web.admin import AdminPages, AdminRefusal
from bot.web.guard import (
    RateLimits,
    Refusal,
    SecurityHeaders,
    button_payload,
    json_object,
    message_text,
    read_body,
)
from bot.web.history import followup_json, resident_spoke, turn_entry
from bot.web.page import (
    notice_html,
    question_html,
    render_page,
    reply_html,
    reply_json,
    turn_html,
)
from bot.web.watch import KnowledgeStatus, watch_knowledge

if TYPE_CHECKING:
    from bot.wechat.endpoint import WeChatFront

logger = logging.getLogger(__name__)

CSRF_HEADER = "x-csrf-token"
START = TextMessage("/start")
MAX_ACKNOWLEDGED = 50


@dataclass
class WebChat:
    """What the routes share: one dialogue, its knowledge and store, limits and CSRF keys."""

    dialogue: Dialogue
    knowledge: LiveKnowledge
    store: Store
    limits: RateLimits
    csrf: sessions.CsrfTokens

    # --- the turn ---------------------------------------------------------------

    async def turn(self, request: Request, session_id: str, incoming: Incoming) -> Reply:
        user = web_user(request, session_id)
        return await asyncio.to_thread(self.dialogue.handle, user, incoming)

    def _turn_and_language(self, user: User, incoming: Incoming) -> tuple[Reply, Lang]:
        """The reply, and the conversation's language after it (the page's, which a one-word
        English question answered in English does not change)."""
        reply = self.dialogue.handle(user, incoming)
        return reply, self.dialogue.conversation_language(user)

    def admit(self, request: Request, session_id: str, token: str | None) -> None:
        """Refuse floods (per address, then per session) and forged posts."""
        lang = ui_language(request)
        self.limits.check_address(client_address(request), lang)
        self.authentic(request, session_id, token)
        self.limits.check_session(session_id, lang)

    def authentic(self, request: Request, session_id: str, token: str | None) -> None:
        """Refuse a post that this session's page did not make."""
        if request.headers.get("sec-fetch-site") == "cross-site":
            raise Refusal(403, "csrf", "requests from other sites are not accepted")
        if not self.csrf.valid(session_id, token):
            raise Refusal(403, "csrf", "the page has expired; please reload it / 页面已过期,请刷新")

    # --- the page ---------------------------------------------------------------

    async def page(self, request: Request) -> Response:
        """The chat so far (or the first screen), then answers to earlier questions: the
        script acknowledges those once they are on screen (they stay pending till then)."""
        session_id, new = sessions.session_of(request)
        user = web_user(request, session_id)
        token = self.csrf.token(session_id)
        history = await asyncio.to_thread(self.store.history, user.id)
        due = await asyncio.to_thread(due_replies, self.dialogue, user, mark_sent=False)
        if resident_spoke(history):
            lang = await asyncio.to_thread(self.dialogue.conversation_language, user)
            start = ""
        else:
            reply = await self.turn(request, session_id, START)
            lang, start = reply.lang, reply_html(reply, token)
        earlier = "".join(reply_html(r, token) for r in due)
        body = render_page(lang, token, turn_html(history, token) + earlier + start)
        return self._html(request, session_id, new, body, 200)

    async def form_post(self, request: Request) -> Response:
        """`/ask` from the plain forms: the answer as a new page."""
        session_id, new = sessions.session_of(request)
        token = self.csrf.token(session_id)
        lang = ui_language(request)
        try:
            form = parse_qs((await read_body(request)).decode("utf-8", "replace"))
            self.admit(request, session_id, first(form, "csrf"))
            incoming, shown = form_incoming(form)
            user = web_user(request, session_id)
            # without a script, the page that comes back is the only sign of being shown
            due = await asyncio.to_thread(due_replies, self.dialogue, user)
            reply, page_lang = await asyncio.to_thread(self._turn_and_language, user, incoming)
        except Refusal as refusal:
            body = render_page(lang, token, notice_html(refusal.message))
            return self._html(request, session_id, new, body, refusal.status)
        if due:
            self.store.add_history(user.id, turn_entry(None, due))
        self.store.add_history(user.id, turn_entry(shown, [reply]))
        messages = "".join(reply_html(r, token, earlier=True) for r in due)
        messages += (question_html(shown) if shown else "") + reply_html(reply, token)
        return self._html(request, session_id, new, render_page(page_lang, token, messages), 200)

    async def clear(self, request: Request) -> Response:
        """`/clear` (清空记录): this session's history goes; back to the first screen."""
        session_id, new = sessions.session_of(request)
        try:
            form = parse_qs((await read_body(request)).decode("utf-8", "replace"))
            self.authentic(request, session_id, first(form, "csrf"))
        except Refusal as refusal:
            token = self.csrf.token(session_id)
            body = render_page(ui_language(request), token, notice_html(refusal.message))
            return self._html(request, session_id, new, body, refusal.status)
        self.store.clear_history(sessions.user_id(session_id))
        return RedirectResponse("/", 303, headers={"Cache-Control": "no-store"})

    def _html(
        self, request: Request, session_id: str, new: bool, body: str, status: int
    ) -> Response:
        response = HTMLResponse(body, status, headers={"Cache-Control": "no-store"})
        if new:
            sessions.set_session_cookie(response, request, session_id)
        return response

    # --- the JSON API -----------------------------------------------------------

    async def session(self, request: Request) -> Response:
        session_id, new = sessions.session_of(request)
        response = JSONResponse({"csrf": self.csrf.token(session_id)})
        if new:
            sessions.set_session_cookie(response, request, session_id)
        return response

    async def message(self, request: Request) -> Response:
        return await self._api(request, "text")

    async def button(self, request: Request) -> Response:
        return await self._api(request, "payload")

    async def _api(self, request: Request, field: str) -> Response:
        session_id, _ = sessions.session_of(request)
        try:
            body = await read_body(request)
            self.admit(request, session_id, request.headers.get(CSRF_HEADER))
            document = json_object(body)
            if field == "text":
                shown = message_text(document.get("text"))
                incoming: Incoming = TextMessage(shown)
            else:
                incoming = ButtonPress(button_payload(document.get("payload")))
                label = document.get("label")
                shown = label if isinstance(label, str) else ""
        except Refusal as refusal:
            return refusal.response()
        user = web_user(request, session_id)
        reply, lang = await asyncio.to_thread(self._turn_and_language, user, incoming)
        self.store.add_history(user.id, turn_entry(shown, [reply]))  # queued: never waits
        data = {**reply_json(reply), "page_lang": lang}
        return JSONResponse(data, headers={"Cache-Control": "no-store"})

    # --- answers to earlier questions --------------------------------------------

    async def followups(self, request: Request) -> Response:
        """What the page's poll asks (every 20 s while it is open): one indexed read."""
        session_id, _ = sessions.session_of(request)
        user = web_user(request, session_id)
        due = await asyncio.to_thread(due_replies, self.dialogue, user, mark_sent=False)
        body = {"followups": [followup_json(reply) for reply in due]}
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    async def acknowledge(self, request: Request) -> Response:
        """The page has shown these follow-ups: mark them sent, and keep them in the history."""
        session_id, _ = sessions.session_of(request)
        try:
            body = await read_body(request)
            self.authentic(request, session_id, request.headers.get(CSRF_HEADER))
            keys = delivery_keys(json_object(body).get("ids"))
        except Refusal as refusal:
            return refusal.response()
        user = web_user(request, session_id)
        shown = await asyncio.to_thread(acknowledge, self.dialogue, user, keys)
        if shown:
            self.store.add_history(user.id, turn_entry(None, shown))
        marked = [delivery_key(reply) for reply in shown]
        return JSONResponse({"acknowledged": marked}, headers={"Cache-Control": "no-store"})

    async def healthz(self, request: Request) -> Response:
        report = await asyncio.to_thread(health.report, self.knowledge, self.store)
        return JSONResponse(report, 200 if report["status"] == "ok" else 503)


def form_incoming(form: dict[str, list[str]]) -> tuple[Incoming, str | None]:
    """A form's button press or typed text, and the typed text to show back (if any)."""
    payload = first(form, "payload")
    if payload is not None:
        return ButtonPress(button_payload(payload)), None
    text = message_text(first(form, "text") or "")
    return TextMessage(text), text


_DELIVERY_KEY = re.compile(r"[fh][0-9]{1,19}")


def delivery_keys(value: object) -> list[str]:
    """What a page acknowledges: a short list of delivery keys ("f12" a follow-up, "h3" a
    staff answer; `followups.delivery_key`)."""
    if not isinstance(value, list) or len(value) > MAX_ACKNOWLEDGED:
        raise Refusal(422, "bad_payload", f'"ids" must be a list of at most {MAX_ACKNOWLEDGED}')
    if not all(isinstance(key, str) and _DELIVERY_KEY.fullmatch(key) for key in value):
        raise Refusal(422, "bad_payload", '"ids" must be the ids the page was given')
    return value


def web_user(request: Request, session_id: str) -> User:
    return User(id=sessions.user_id(session_id), language_code=accept_language(request))


def first(form: dict[str, list[str]], name: str) -> str | None:
    values = form.get(name)
    return values[0] if values else None


def client_address(request: Request) -> str:
    # behind a reverse proxy on 127.0.0.1, uvicorn has already put X-Forwarded-For here
    return request.client.host if request.client else "unknown"


def accept_language(request: Request) -> str | None:
    header = request.headers.get("accept-language", "")
    return header.split(",", 1)[0].split(";", 1)[0].strip() or None


def ui_language(request: Request) -> str:
    """The page's language for refusals: the script says it; else the browser's."""
    said = request.headers.get("x-chat-lang", "")
    if said in ("zh", "en"):
        return said
    return "en" if (accept_language(request) or "").lower().startswith("en") else "zh"


def create_app(
    dialogue: Dialogue,
    *,
    limits: RateLimits,
    csrf_secret: str,
    admin_token: str | None = None,
    watch: bool = False,
    close_store: bool = True,
    wechat: WeChatFront | None = None,
) -> Starlette:
    """The ASGI application over one dialogue (its knowledge and store come with it);
    with `wechat`, the Official Account's callback at /wechat too."""
    chat = WebChat(
        dialogue=dialogue,
        knowledge=dialogue.knowledge,
        store=dialogue.store,
        limits=limits,
        csrf=sessions.CsrfTokens(csrf_secret),
    )
    status = KnowledgeStatus()
    admin = AdminPages(chat, admin_token, status)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stop = asyncio.Event()
        watching = watch_knowledge(chat.knowledge, chat.store, stop, status) if watch else None
        watcher = asyncio.create_task(watching) if watching is not None else None
        sending = wechat.keep_sending(stop) if wechat is not None else None
        sender = asyncio.create_task(sending) if sending is not None else None
        yield
        stop.set()
        for task in (watcher, sender):
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                    await asyncio.wait_for(task, timeout=5)
        if close_store:
            if dialogue.journal is not None:
                dialogue.journal.close()
            dialogue.store.close()

    routes = [
        Route("/", chat.page, methods=["GET"]),
        Route("/ask", chat.form_post, methods=["POST"]),
        Route("/api/session", chat.session, methods=["GET"]),
        Route("/api/message", chat.message, methods=["POST"]),
        Route("/api/button", chat.button, methods=["POST"]),
        Route("/api/followups", chat.followups, methods=["GET"]),
        Route("/api/followups/ack", chat.acknowledge, methods=["POST"]),
        Route("/clear", chat.clear, methods=["POST"]),
        Route("/healthz", chat.healthz, methods=["GET"]),
        Route("/admin", admin.page, methods=["GET"]),
        Route("/admin/login", admin.login_form, methods=["GET"]),
        Route("/admin/login", admin.login, methods=["POST"]),
        Route("/admin/logout", admin.logout, methods=["POST"]),
        Route("/admin/reload", admin.reload, methods=["POST"]),
        Route("/admin/teach", admin.teach, methods=["POST"]),
        Route("/admin/ignore", admin.ignore, methods=["POST"]),
        Route("/admin/undo", admin.undo, methods=["POST"]),
        Route("/admin/handoff", admin.answer, methods=["POST"]),
        Route("/admin/publish", admin.publish, methods=["POST"]),
        Mount("/static", StaticFiles(packages=[("bot.web", "static")]), name="static"),
        *(wechat.routes() if wechat is not None else ()),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders)],
        lifespan=lifespan,
        exception_handlers={404: not_found, 405: not_allowed, 500: server_error},
    )
    app.state.chat = chat
    return app


def is_admin_path(request: Request) -> bool:
    return request.url.path == "/admin" or request.url.path.startswith("/admin/")


async def not_found(request: Request, exc: Exception) -> Response:
    if is_admin_path(request):  # the staff's pages speak Chinese
        return AdminRefusal(404, "没有这个页面。").response()
    return JSONResponse({"error": "not_found", "message": "no such page"}, 404)


async def not_allowed(request: Request, exc: Exception) -> Response:
    if is_admin_path(request):
        return AdminRefusal(405, "这个地址不能这样打开,请从管理页面点按钮。").response()
    return JSONResponse({"error": "method_not_allowed", "message": "method not allowed"}, 405)


async def server_error(request: Request, exc: Exception) -> Response:
    # logged with the traceback by Starlette; the resident sees no internals
    return JSONResponse({"error": "internal", "message": "something went wrong; try again"}, 500)
