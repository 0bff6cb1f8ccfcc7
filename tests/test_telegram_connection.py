"""The connection watch: outages logged sparingly, a rejected token spotted, no token shown."""

from __future__ import annotations

import logging

import pytest
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from tgsupport import RecordingRequest

from bot.config import Config, TelegramSettings
from bot.telegram.app import ReportedElsewhere
from bot.telegram.connection import ConnectionWatch, WatchedRequest
from bot.telegram.run import rejection_message

BASE = "http://127.0.0.1:9/bot"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def outage_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "Bot API" in r.getMessage()]


def test_an_outage_is_logged_at_once_then_once_a_minute(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    clock = Clock()
    watch = ConnectionWatch(BASE, clock=clock)
    for _ in range(20):  # PTB retries every 1 … 30 s
        watch.failed("httpx.ConnectError: All connection attempts failed")
        clock.now += 5
    lines = outage_lines(caplog)
    assert len(lines) == 2  # at 0 s and at 60 s
    assert lines[0] == (
        f"cannot reach the Bot API at {BASE}: httpx.ConnectError: All connection attempts "
        "failed; retrying"
    )
    assert "after 60s (13 failed requests)" in lines[1]

    watch.answered(200)
    assert outage_lines(caplog)[-1] == "the Bot API answers again after 100s (20 failed requests)"
    watch.answered(200)
    watch.failed("HTTP 502")  # a new outage is news again
    assert len(outage_lines(caplog)) == 4


def test_server_errors_count_as_an_outage_and_rejections_call_back_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rejected: list[int] = []
    watch = ConnectionWatch(BASE, on_rejected=rejected.append)
    watch.answered(502)
    assert "HTTP 502" in outage_lines(caplog)[0]
    watch.answered(400)  # a bad request is the bot's mistake, not an outage or a rejection
    watch.answered(401)
    watch.answered(401)
    assert rejected == [401]
    assert watch.rejected_status == 401


async def test_watched_request_reports_failures_and_answers() -> None:
    inner = RecordingRequest()
    rejected: list[int] = []
    watch = ConnectionWatch(BASE, on_rejected=rejected.append)
    request = WatchedRequest(inner, watch)
    inner.failures["getMe"] = [TimedOut("connect timed out"), NetworkError("httpx.ConnectError")]
    for _ in range(2):
        with pytest.raises(NetworkError):
            await request.do_request(f"{BASE}123:secret/getMe", "POST", RequestData())
    assert watch._failures == 2
    status, _ = await request.do_request(f"{BASE}123:secret/getMe", "POST", RequestData())
    assert status == 200
    assert watch._failures == 0
    status, _ = await request.do_request(f"{BASE}123:secret/nonsense", "POST", RequestData())
    assert status == 404  # what Telegram answers a malformed token
    assert rejected == [404]
    assert request.read_timeout == inner.read_timeout


def test_the_rejection_names_only_the_last_characters_of_the_token() -> None:
    config = Config(token="123456:very-secret-tail")
    assert rejection_message(config, 401) == (
        "Telegram rejected the token (…tail); check TELEGRAM_BOT_TOKEN"
    )
    custom = Config(token="123456:very-secret-tail", telegram=TelegramSettings(base_url=BASE))
    assert BASE in rejection_message(custom, 404)  # a wrong path answers 404 too


def test_tracebacks_of_a_rejected_token_are_left_to_the_one_line_report() -> None:
    from telegram.error import InvalidToken

    def record(name: str, msg: str, error: Exception | None) -> logging.LogRecord:
        info = (type(error), error, None) if error else None
        return logging.LogRecord(name, logging.ERROR, __file__, 1, msg, None, info)

    keep = ReportedElsewhere().filter
    assert not keep(record("asyncio", "Task exception was never retrieved", InvalidToken("x")))
    assert not keep(record("telegram.ext.Updater", "Network Retry Loop: Invalid token.", None))
    assert keep(record("telegram.ext.Updater", "Exception happened", NetworkError("x")))
    assert keep(record("bot.telegram.app", "error while handling update 1", ValueError("x")))


def test_a_short_token_is_not_shown_even_in_part() -> None:
    assert rejection_message(Config(token="1:abc"), 401).startswith(
        "Telegram rejected the token (…); "
    )
