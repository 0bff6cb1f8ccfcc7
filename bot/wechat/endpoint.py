"""`/wechat`: the Official Account's developer message callback.

    GET  /wechat   URL verification: the echostr, once the signature is right
    POST /wechat   a push (plain or safe mode) -> a passive reply, or `success`

A push is verified first (403 for a bad signature or a replayed timestamp: nothing is
read or logged), opened (decrypted in safe mode, XML without a DTD), then answered. The
turn runs in a worker thread; WeChat drops a passive reply after 5 s, so an answer not
ready within `budget` seconds is replaced by `success` and sent as a customer-service
message once it is. WeChat retries a slow push up to three times with the same MsgId: a
retry gets the same passive reply (or `success`), and is not matched, logged or counted
again. What does not fit in one message (2,048 bytes) follows as customer-service
messages after the passive reply has gone.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from wechatpy.messages import BaseMessage

from bot.dialogue import Dialogue, Incoming, NonText, Reply, TextMessage, User
from bot.dialogue.flood import FloodGate, Verdict
from bot.dialogue.followups import acknowledge, delivery_key, due_replies
from bot.dialogue.types import ButtonPress
from bot.web.guard import Refusal, read_body
from bot.wechat import followups, texts
from bot.wechat.api import WeChatApi, WeChatApiError
from bot.wechat.lru import Recent
from bot.wechat.protocol import MAX_BODY_BYTES, Envelope, Protocol, Refused
from bot.wechat.render import Options, Rendered, render_turn
from bot.wechat.settings import WeChatSettings

logger = logging.getLogger(__name__)

PASSIVE_BUDGET = 4.0
"""Seconds a push waits for its answer before `success` (WeChat waits 5)."""
SUCCESS = "success"
"""What WeChat reads as "no passive reply"."""
REMEMBERED_PUSHES = 10_000
REMEMBERED_RESIDENTS = 20_000


@dataclass
class _Answer:
    """One push's answer: the turn in hand, and its passive reply once one was given."""

    task: asyncio.Task[Rendered | None]
    passive: str | None = None


@dataclass
class WeChatFront:
    """The callback over one dialogue; `api` sends customer-service messages (None:
    WECHAT_SECRET is unset, so only passive replies can be given)."""

    dialogue: Dialogue
    protocol: Protocol
    api: WeChatApi | None = None
    flood: FloodGate | None = None
    """The Telegram flood rule, per resident (None: no limit)."""
    budget: float = PASSIVE_BUDGET
    options: Options = field(default_factory=Options)
    last_seen: Recent[str, float] = field(default_factory=lambda: Recent(REMEMBERED_RESIDENTS))
    """When each resident (by hashed id) last wrote: follow-ups may be sent for 48 h."""
    _pushes: Recent[str, _Answer] = field(default_factory=lambda: Recent(REMEMBERED_PUSHES))
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def keep_sending(self, stop: asyncio.Event) -> Coroutine[Any, Any, None] | None:
        """The background task that sends follow-ups and staff's answers (None: no API or
        no journal)."""
        journal = self.dialogue.journal
        if self.api is None or journal is None:
            return None
        knowledge, desk = self.dialogue.knowledge, self.dialogue.handoffs
        return followups.keep_delivering(
            self.api, journal, knowledge, self.last_seen, stop, desk=desk
        )

    def routes(self) -> list[Route]:
        return [
            Route("/wechat", self.verify_url, methods=["GET"]),
            Route("/wechat", self.push, methods=["POST"]),
        ]

    # --- HTTP ------------------------------------------------------------------------

    async def verify_url(self, request: Request) -> Response:
        envelope = Envelope.of(request.query_params)
        try:
            echo = self.protocol.echo(envelope, request.query_params.get("echostr", ""))
        except Refused as refused:
            return PlainTextResponse(refused.reason, refused.status)
        return PlainTextResponse(echo)

    async def push(self, request: Request) -> Response:
        envelope = Envelope.of(request.query_params)
        try:
            self.protocol.verify(envelope)
            message = self.protocol.open(envelope, await self._body(request))
        except Refused as refused:
            logger.info("push refused: %s", refused.reason)
            return PlainTextResponse(refused.reason, refused.status)
        passive, rest, delivers = await self._answer(message)
        if passive is None:
            return PlainTextResponse(SUCCESS)
        xml = self.protocol.seal(envelope, self.protocol.reply_xml(message, passive))
        # after the response: the rest as customer-service messages, then (only if all of
        # it went out) the follow-ups it carried are marked delivered
        after = BackgroundTask(self._send_all, message.source, rest, delivers)
        return Response(xml, media_type="application/xml", background=after)

    @staticmethod
    async def _body(request: Request) -> bytes:
        try:
            return await read_body(request, MAX_BODY_BYTES)
        except Refusal as refusal:
            raise Refused(refusal.status, refusal.message) from None

    # --- the answer, once per push ---------------------------------------------------------

    async def _answer(
        self, message: BaseMessage
    ) -> tuple[str | None, tuple[str, ...], tuple[Reply, ...]]:
        """The passive reply (None: `success`), the messages to send after it, and the
        follow-ups they carry."""
        key = push_key(message)
        known = self._pushes.get(key)
        if known is not None:  # WeChat's retry: the same reply, nothing done again
            return known.passive, (), ()
        flood = self.flood
        verdict = None if flood is None else flood.check(str(message.source), time.monotonic())
        if verdict is Verdict.DROP:
            return None, (), ()
        if verdict is Verdict.WARN:  # said once; later ones get no reply until it passes
            return texts.SLOW_DOWN.zh + "\n" + texts.SLOW_DOWN.en, (), ()
        task = asyncio.create_task(asyncio.to_thread(self._turn, message))
        answer = _Answer(task)
        self._pushes.put(key, answer)
        try:
            rendered = await asyncio.wait_for(asyncio.shield(task), self.budget)
        except TimeoutError:
            logger.warning(
                "an answer took over %.1f s: sent as a customer-service message", self.budget
            )
            task.add_done_callback(lambda done: self._send_late(message.source, done))
            return None, (), ()
        except Exception:
            logger.exception("a WeChat turn failed")  # the dialogue itself never raises
            return None, (), ()
        if rendered is None:
            return None, (), ()
        messages = self._sendable(rendered.messages)
        answer.passive = messages[0]
        # cut short (no API for the rest): what it carried stays owed
        delivers = rendered.delivers if len(messages) == len(rendered.messages) else ()
        return messages[0], messages[1:], delivers

    def _sendable(self, messages: tuple[str, ...]) -> tuple[str, ...]:
        if self.api is not None or len(messages) == 1:
            return messages
        logger.warning("a long answer was cut: set WECHAT_SECRET to send the rest")
        return (messages[0].rstrip() + "…",)

    def _send_late(self, openid: str, done: asyncio.Task[Rendered | None]) -> None:
        if done.cancelled() or done.exception() is not None:
            return  # the dialogue logs its own failures
        rendered = done.result()
        if rendered is not None:
            self._background(self._send_all(openid, rendered.messages, rendered.delivers))

    def _background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)  # held until done: the loop keeps only weak references
        task.add_done_callback(self._tasks.discard)

    async def _send_all(
        self, openid: str, messages: Sequence[str], delivers: Sequence[Reply] = ()
    ) -> None:
        """Customer-service messages, in order; the rest is dropped after a failure. Once
        all went out, the follow-ups and staff answers among them are marked delivered
        (until then they stay owed, and come again)."""
        if messages and not await self._send_texts(openid, messages):
            return
        keys = [key for key in map(delivery_key, delivers) if key is not None]
        if keys:
            user = User(id=f"wechat:{openid}")
            await asyncio.to_thread(acknowledge, self.dialogue, user, keys)

    async def _send_texts(self, openid: str, messages: Sequence[str]) -> bool:
        """True when WeChat took every one of `messages`."""
        if self.api is None:
            logger.warning("an answer was not sent: WECHAT_SECRET is not set")
            return False
        for text in messages:
            try:
                await asyncio.to_thread(self.api.send_text, openid, text)
            except WeChatApiError:
                return False  # logged with its errcode
        return True

    # --- the turn (in a worker thread) -----------------------------------------------------

    def _turn(self, message: BaseMessage) -> Rendered | None:
        said = incoming_of(message)
        if said is None:
            return None
        openid = str(message.source)
        user = User(id=f"wechat:{openid}")
        resident = self.dialogue.store.user_key(user.id)
        self.last_seen.put(resident, time.time())
        if isinstance(said, Reply):
            return render_turn([said])
        if isinstance(said, TextMessage):
            said = self.options.incoming(resident, said.text)
        reply = self.dialogue.handle(user, said)
        journal = self.dialogue.journal
        if reply.open_log_id is not None and journal is not None:
            address = {"channel": "wechat", "openid": openid, "at": time.time()}
            journal.remember_address(reply.open_log_id, address)  # queued, never waits
        due = due_replies(self.dialogue, user, mark_sent=False)  # marked once they went out
        rendered = replace(render_turn([*due, reply]), delivers=tuple(due))
        self.options.remember(resident, rendered.options)
        return rendered


def incoming_of(message: BaseMessage) -> Incoming | Reply | None:
    """What a push says to the dialogue; a Reply the front end gives itself; None: silence."""
    kind = message.type
    if kind == "text":
        return TextMessage(str(message.content or ""))
    if kind == "voice":
        heard = str(message.recognition or "").strip()
        return (
            TextMessage(heard)
            if heard
            else Reply(texts.NO_RECOGNITION.zh + "\n" + texts.NO_RECOGNITION.en)
        )
    if kind == "event":
        return _event(message)
    return NonText(kind)  # image, location, link, video …: one polite line


def _event(message: BaseMessage) -> Incoming | None:
    event = str(getattr(message, "event", "")).lower()
    if event in ("subscribe", "subscribe_scan"):
        return TextMessage("/start")  # the welcome with the topic menu
    if event == "click":
        key = str(getattr(message, "key", "") or "")
        return TextMessage(key) if key.startswith("/") else ButtonPress(key)
    return None  # unsubscribe, a menu link opened, a position reported …: no reply


def push_key(message: BaseMessage) -> str:
    """What WeChat keeps the same across retries: the MsgId, or for events (which have
    none) the sender, the time and the event."""
    if message.id:
        return f"{message.source}|{message.id}"
    raw = getattr(message, "_data", {})
    return "|".join(
        str(raw.get(name, "")) for name in ("FromUserName", "CreateTime", "Event", "EventKey")
    )


def wechat_front(
    dialogue: Dialogue, settings: WeChatSettings, flood: FloodGate | None = None
) -> WeChatFront | None:
    """The callback for `settings` (None without WECHAT_TOKEN: no /wechat)."""
    if settings.token is None:
        return None
    api = WeChatApi(settings) if settings.can_send else None
    return WeChatFront(dialogue, Protocol(settings), api, flood)
