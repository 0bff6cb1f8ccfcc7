"""Protection for the web chat: security headers, body and message limits, rate limits.

Every refusal is a small JSON object `{"error": code, "message": text}` with a 4xx
status, so the page can show the message and a script can act on the code.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.dialogue.flood import FloodGate, Verdict

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 32 * 1024
"""Room for the longest message (4,096 characters of up to 4 UTF-8 bytes) plus JSON."""
MAX_MESSAGE_CHARS = 4096
"""The same limit as a Telegram message, so both front ends accept the same questions."""
IP_SHARE = 6
"""An address may send this many sessions' worth of messages: a family's Wi-Fi or a
mobile carrier's NAT puts many residents behind one address."""

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)
SLOW_DOWN = {
    "zh": "您发消息有点快,请稍等片刻再问。",
    "en": "You are sending messages a little fast; please wait a moment before asking again.",
}


class Refusal(Exception):
    """A request the chat will not serve; becomes a 4xx JSON response."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or ({"Retry-After": "10"} if status == 429 else {})

    def response(self) -> JSONResponse:
        return JSONResponse(
            {"error": self.code, "message": self.message}, self.status, headers=self.headers
        )


class SecurityHeaders:
    """Adds the CSP and anti-framing headers to every response (a pure ASGI middleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, refused once it passes `limit` bytes (without reading the rest)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise Refusal(413, "too_large", f"request body over {limit} bytes")
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise Refusal(413, "too_large", f"request body over {limit} bytes")
    except ClientDisconnect:
        raise Refusal(400, "disconnected", "the request body did not arrive") from None
    return bytes(body)


def json_object(body: bytes) -> dict[str, object]:
    """The body as a JSON object; anything else is refused with 400 and one log line."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _bad_json(f"the body is not valid JSON: {exc}") from None
    except RecursionError:  # nested deeper than the parser's recursion allows
        raise _bad_json("the body is nested too deeply") from None
    except ValueError:  # an integer of more digits than Python converts (4,300)
        raise _bad_json("the body holds a number too long to read") from None
    if not isinstance(document, dict):
        raise Refusal(400, "bad_json", "the body must be a JSON object")
    return document


def _bad_json(reason: str) -> Refusal:
    # a line without the body (a resident's words) and without a traceback
    logger.warning("refused a request body: %s", reason)
    return Refusal(400, "bad_json", reason)


def message_text(value: object) -> str:
    """A typed message, checked like Telegram would: text, not empty, ≤ 4,096 characters."""
    if not isinstance(value, str):
        raise Refusal(422, "bad_payload", '"text" must be a string')
    if not value.strip():
        raise Refusal(422, "bad_payload", '"text" is empty')
    if len(value) > MAX_MESSAGE_CHARS:
        raise Refusal(
            422,
            "too_long",
            f"the message is over {MAX_MESSAGE_CHARS} characters; please shorten it",
        )
    return value


def button_payload(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise Refusal(422, "bad_payload", '"payload" must be a non-empty string')
    if len(value.encode()) > 64:
        raise Refusal(422, "bad_payload", '"payload" is over 64 bytes')
    return value


@dataclass
class RateLimits:
    """The Telegram flood rule per session, and a looser one per client address."""

    messages: int
    seconds: float
    clock: Callable[[], float] = time.monotonic
    sessions: FloodGate = field(init=False)
    addresses: FloodGate = field(init=False)

    def __post_init__(self) -> None:
        self.sessions = FloodGate(self.messages, self.seconds)
        self.addresses = FloodGate(self.messages * IP_SHARE, self.seconds)

    def check_address(self, address: str, lang: str) -> None:
        if self.addresses.check(address, self.clock()) is not Verdict.ALLOW:
            raise Refusal(429, "rate_limited", SLOW_DOWN.get(lang, SLOW_DOWN["zh"]))

    def check_session(self, session_id: str, lang: str) -> None:
        if self.sessions.check(session_id, self.clock()) is not Verdict.ALLOW:
            raise Refusal(429, "rate_limited", SLOW_DOWN.get(lang, SLOW_DOWN["zh"]))
