"""A fake Telegram Bot API server (stdlib only) and builders for update JSON.

`FakeBotApi` serves http://127.0.0.1:<random port>/bot<TOKEN>/<method> the way
Telegram does: form-encoded or JSON bodies (nested objects such as reply_markup
are JSON inside a form field), long-polled getUpdates that waits up to `timeout`
seconds, and {"ok": ..., "result"/"description"} replies. Tests push updates
with `push()`, read what the bot sent from `calls`, and inject failures with
`fail()`: an HTTP status, a 429 with retry_after, or a request held unanswered.
"""

from __future__ import annotations

import itertools
import json
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

BOT_ID = 7000001
BOT_USERNAME = "huaihai_test_bot"
BOT_USER = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "淮海家",
    "username": BOT_USERNAME,
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
JSON_FIELDS = {
    "reply_markup",
    "allowed_updates",
    "commands",
    "scope",
    "reply_parameters",
    "link_preview_options",
    "entities",
}
MAX_HOLD = 30.0

_ids = itertools.count(1)


# -- update builders (also used by the in-process handler tests) -------------------------


def user_json(user_id: int, language_code: str | None = "zh-hans", name: str = "居民") -> dict:
    data: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": name}
    if language_code:
        data["language_code"] = language_code
    return data


def chat_json(chat_id: int, chat_type: str = "private") -> dict:
    if chat_type == "private":
        return {"id": chat_id, "type": "private", "first_name": "居民"}
    return {"id": chat_id, "type": chat_type, "title": "淮海邻里群"}


def message_json(
    user_id: int,
    text: str | None = None,
    *,
    chat_id: int | None = None,
    chat_type: str = "private",
    language_code: str | None = "zh-hans",
    reply_to: dict | None = None,
    extra: dict | None = None,
) -> dict:
    """A message from a resident; commands and @mentions get their entities, as Telegram's do."""
    data: dict[str, Any] = {
        "message_id": next(_ids),
        "date": int(time.time()),
        "chat": chat_json(chat_id if chat_id is not None else user_id, chat_type),
        "from": user_json(user_id, language_code),
    }
    if text is not None:
        data["text"] = text
        entities = _entities(text)
        if entities:
            data["entities"] = entities
    if reply_to is not None:
        data["reply_to_message"] = reply_to
    data.update(extra or {})
    return data


def _entities(text: str) -> list[dict]:
    entities = []
    position = 0  # in UTF-16 code units, as Telegram counts
    for word in text.split(" "):
        length = len(word.encode("utf-16-le")) // 2
        if word.startswith("/") and position == 0 and len(word) > 1:
            entities.append({"type": "bot_command", "offset": 0, "length": length})
        elif word.startswith("@") and len(word) > 1:
            entities.append({"type": "mention", "offset": position, "length": length})
        position += length + 1
    return entities


def message_update(user_id: int, text: str | None = None, **kwargs: Any) -> dict:
    return {"update_id": next(_ids), "message": message_json(user_id, text, **kwargs)}


def bot_message_json(
    chat_id: int,
    text: str,
    reply_markup: dict | None = None,
    chat_type: str | None = None,
    message_id: int | None = None,
) -> dict:
    """A message as sent by the bot (what sendMessage returns)."""
    data: dict[str, Any] = {
        "message_id": message_id if message_id is not None else next(_ids),
        "date": int(time.time()),
        "chat": chat_json(chat_id, chat_type or ("private" if chat_id > 0 else "supergroup")),
        "from": BOT_USER,
        "text": text,
    }
    if reply_markup and "inline_keyboard" in reply_markup:  # as Telegram: no ForceReply echoed
        data["reply_markup"] = reply_markup
    return data


def callback_update(
    user_id: int, data: str, message: dict | None, language_code: str | None = "zh-hans"
) -> dict:
    query: dict[str, Any] = {
        "id": str(next(_ids)),
        "from": user_json(user_id, language_code),
        "chat_instance": "ci-1",
        "data": data,
    }
    if message is not None:
        query["message"] = message
    return {"update_id": next(_ids), "callback_query": query}


def api_result(method: str, params: dict[str, Any]) -> Any:
    """A plausible `result` for the methods the bot uses, or KeyError for others."""
    if method == "getMe":
        return BOT_USER
    if method in ("sendMessage", "editMessageText"):
        chat_id = int(params["chat_id"])
        return bot_message_json(
            chat_id,
            str(params["text"]),
            params.get("reply_markup"),
            message_id=int(params["message_id"]) if "message_id" in params else None,
        )
    if method in (
        "deleteWebhook",
        "setWebhook",
        "setMyCommands",
        "answerCallbackQuery",
        "close",
        "logOut",
        "deleteMyCommands",
    ):
        return True
    if method == "getWebhookInfo":
        return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
    raise KeyError(method)


# -- the HTTP server ---------------------------------------------------------------------


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


@dataclass
class Fault:
    status: int = 500
    retry_after: int | None = None
    hold: float | None = None
    """Answer nothing for this many seconds (the client times out first)."""


class FakeBotApi:
    def __init__(self, token: str, port: int = 0) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.unknown: list[Call] = []
        self.served_faults: list[tuple[str, Fault]] = []
        self._faults: dict[str, deque[Fault]] = {}
        self._updates: list[dict] = []
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._server = _QuietServer(("127.0.0.1", port), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    def start(self) -> FakeBotApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
        self._server.shutdown()
        self._server.server_close()

    # -- what tests use --

    def push(self, update: dict) -> dict:
        with self._cond:
            self._updates.append(update)
            self._cond.notify_all()
        return update

    def fail(self, method: str, *faults: Fault) -> None:
        """The next calls of `method` fail like this, one fault per call, in order."""
        with self._cond:
            self._faults.setdefault(method, deque()).extend(faults)

    def pending_faults(self, method: str) -> int:
        with self._cond:
            return len(self._faults.get(method, ()))

    def sent(self, method: str = "sendMessage", **match: Any) -> list[Call]:
        with self._cond:
            return [
                call
                for call in self.calls
                if call.method == method
                and all(str(call.params.get(k)) == str(v) for k, v in match.items())
            ]

    def wait_for(
        self,
        predicate: Callable[[Call], bool],
        timeout: float = 30.0,
        *,
        after: int = 0,
    ) -> Call:
        """The first call from index `after` on satisfying `predicate`, else AssertionError."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for call in self.calls[after:]:
                    if predicate(call):
                        return call
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    recent = [(c.method, c.params) for c in self.calls[-5:]]
                    raise AssertionError(f"no matching call within {timeout}s; last: {recent}")
                self._cond.wait(remaining)

    def wait_sent(
        self,
        chat_id: int,
        timeout: float = 30.0,
        *,
        after: int = 0,
        contains: str = "",
        method: str = "sendMessage",
    ) -> Call:
        return self.wait_for(
            lambda c: (
                c.method == method
                and str(c.params.get("chat_id")) == str(chat_id)
                and contains in str(c.params.get("text", ""))
            ),
            timeout,
            after=after,
        )

    def mark(self) -> int:
        """An index into `calls`: pass as `after=` to look only at later calls."""
        with self._cond:
            return len(self.calls)

    # -- serving --

    def _record(self, method: str, params: dict[str, Any]) -> Fault | None:
        with self._cond:
            self.calls.append(Call(method, params))
            self._cond.notify_all()
            queue = self._faults.get(method)
            if queue:
                fault = queue.popleft()
                self.served_faults.append((method, fault))
                return fault
        return None

    def _get_updates(self, params: dict[str, Any]) -> list[dict]:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), MAX_HOLD)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + timeout
        with self._cond:
            if offset:  # Telegram forgets updates once a later offset confirms them
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while True:
                ready = [u for u in self._updates if u["update_id"] >= offset][:limit]
                remaining = deadline - time.monotonic()
                if ready or remaining <= 0 or self._stopping.is_set():
                    return ready
                self._cond.wait(remaining)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, like api.telegram.org
            disable_nagle_algorithm = True  # headers and body go out as separate writes

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                token_part, _, method = parts.path.lstrip("/").partition("/")
                params = _parse_params(parts.query, self.headers, self._body())
                if token_part != f"bot{api.token}":
                    return self._reply(
                        401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
                    )
                fault = api._record(method, params)
                if fault is not None:
                    return self._fail(fault)
                if method == "getUpdates":
                    return self._reply(200, {"ok": True, "result": api._get_updates(params)})
                try:
                    result = api_result(method, params)
                except KeyError:
                    with api._cond:
                        api.unknown.append(Call(method, params))
                    result = True
                except (ValueError, TypeError) as exc:
                    return self._reply(
                        400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}
                    )
                self._reply(200, {"ok": True, "result": result})

            def _fail(self, fault: Fault) -> None:
                if fault.hold is not None:
                    api._stopping.wait(fault.hold)
                    self.close_connection = True
                    return
                body: dict[str, Any] = {
                    "ok": False,
                    "error_code": fault.status,
                    "description": "Internal Server Error",
                }
                if fault.retry_after is not None:
                    body = {
                        "ok": False,
                        "error_code": 429,
                        "description": f"Too Many Requests: retry after {fault.retry_after}",
                        "parameters": {"retry_after": fault.retry_after},
                    }
                    return self._reply(429, body)
                self._reply(fault.status, body)

            def _body(self) -> bytes:
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _reply(self, status: int, payload: dict) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

        return Handler


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client hanging up (time-out, shutdown) is normal here; anything else is a bug
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _parse_params(query: str, headers: Any, body: bytes) -> dict[str, Any]:
    params: dict[str, Any] = dict(parse_qsl(query))
    content_type = (headers.get("Content-Type") or "").split(";")[0].strip()
    if body and content_type == "application/json":
        params.update(json.loads(body))
    elif body and content_type == "application/x-www-form-urlencoded":
        params.update(parse_qsl(body.decode(), keep_blank_values=True))
    elif body:
        params["_unparsed"] = content_type
    for key in JSON_FIELDS & params.keys():
        if isinstance(params[key], str):
            params[key] = json.loads(params[key])
    return params
