"""In-process support for handler tests: a request class that records instead of sending."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fakebotapi import api_result, bot_message_json, callback_update, message_update
from telegram import Update
from telegram.error import TelegramError
from telegram.request import BaseRequest, RequestData


@dataclass
class Sent:
    method: str
    params: dict[str, Any]

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def buttons(self) -> list[list[tuple[str, str]]]:
        markup = self.params.get("reply_markup") or {}
        return [
            [(b["text"], b["callback_data"]) for b in row]
            for row in markup.get("inline_keyboard", [])
        ]


class RecordingRequest(BaseRequest):
    """Answers like the Bot API for the methods the bot may use; records every call.

    Any other method is an unexpected network call: recorded in `unexpected` (the
    fixture fails the test on it) and answered with an error. `failures` makes the
    next calls of a method raise, in order.
    """

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self.unexpected: list[Sent] = []
        self.failures: dict[str, list[TelegramError]] = {}

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        call = Sent(endpoint, params)
        if self.failures.get(endpoint):
            self.sent.append(call)
            raise self.failures[endpoint].pop(0)
        try:
            result = api_result(endpoint, params)
        except KeyError:
            self.unexpected.append(call)
            return 404, json.dumps({"ok": False, "description": "unexpected call"}).encode()
        if endpoint != "getMe":
            self.sent.append(call)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def of(self, method: str) -> list[Sent]:
        return [call for call in self.sent if call.method == method]

    @property
    def messages(self) -> list[Sent]:
        return self.of("sendMessage")

    def clear(self) -> None:
        self.sent.clear()


class Chat:
    """Drives an application as residents and admins do: messages in, button presses on
    what it sent; what it sent is in `request`. `clears_on_press`: forget what was sent
    before a press, so a test reads only the press's answer."""

    clears_on_press = False

    def __init__(self, app: Any, request: RecordingRequest) -> None:
        self.app, self.request = app, request

    async def feed(self, update: dict) -> None:
        await self.app.process_update(Update.de_json(update, self.app.bot))

    async def say(self, user_id: int, text: str, **kwargs: Any) -> None:
        await self.feed(message_update(user_id, text, **kwargs))

    async def press(self, user_id: int, shown: Sent, label: str) -> None:
        data = next(d for row in shown.buttons for text, d in row if text == label)
        message = bot_message_json(
            int(shown.params["chat_id"]), shown.text, shown.params.get("reply_markup")
        )
        if self.clears_on_press:
            self.request.clear()
        await self.feed(callback_update(user_id, data, message))

    def to(self, chat_id: int) -> list[Sent]:
        return [m for m in self.request.messages if int(m.params["chat_id"]) == chat_id]
