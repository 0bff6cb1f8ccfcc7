"""Pure pieces of the Telegram layer: the flood limit, text splitting, the token filter."""

from __future__ import annotations

import io
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.dialogue import Button, Reply
from bot.telegram.app import ErrorReporter, OneLineFormatter, TokenFilter, _describe, _file_url
from bot.telegram.flood import FloodGate, Verdict
from bot.telegram.render import keyboard, split_text

TOKEN = "123456:AAH-secret-token-value"

# -- flood limit -------------------------------------------------------------------------


def test_flood_gate_allows_up_to_the_limit_then_warns_once_then_drops() -> None:
    gate = FloodGate(messages=3, seconds=10)
    verdicts = [gate.check("tg:1", now) for now in (0, 1, 2, 3, 4, 5)]
    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.WARN, Verdict.DROP, Verdict.DROP]


def test_flood_gate_window_slides() -> None:
    gate = FloodGate(messages=2, seconds=10)
    assert [gate.check("u", t) for t in (0, 5, 6)] == [Verdict.ALLOW, Verdict.ALLOW, Verdict.WARN]
    assert gate.check("u", 10.0) is Verdict.ALLOW  # the message at 0 left the window
    assert gate.check("u", 11.0) is Verdict.WARN  # warned again: a new burst
    assert gate.check("u", 15.0) is Verdict.ALLOW


def test_flood_gate_counts_users_separately() -> None:
    gate = FloodGate(messages=1, seconds=60)
    assert gate.check("a", 0) is Verdict.ALLOW
    assert gate.check("b", 0) is Verdict.ALLOW
    assert gate.check("a", 1) is Verdict.WARN


def test_flood_gate_forgets_idle_users() -> None:
    gate = FloodGate(messages=1, seconds=1)
    for i in range(FloodGate.SWEEP_EVERY - 1):
        gate.check(f"user{i}", 0)
    assert len(gate) == FloodGate.SWEEP_EVERY - 1
    gate.check("late", 100)
    assert len(gate) == 1


@pytest.mark.parametrize(("messages", "seconds"), [(0, 1), (1, 0)])
def test_flood_gate_rejects_nonsense(messages: int, seconds: float) -> None:
    with pytest.raises(ValueError):
        FloodGate(messages, seconds)


@given(st.lists(st.floats(min_value=0, max_value=0.999), max_size=50))
def test_flood_gate_never_allows_more_than_the_limit_in_a_window(offsets: list[float]) -> None:
    gate = FloodGate(messages=4, seconds=1)
    allowed = [t for t in sorted(offsets) if gate.check("u", t) is Verdict.ALLOW]
    assert len(allowed) <= 4


# -- splitting and keyboards -------------------------------------------------------------


def test_short_text_is_one_chunk() -> None:
    assert split_text("你好\n世界") == ["你好\n世界"]


def test_empty_text_still_sends_something() -> None:
    assert split_text("") == ["…"]


def test_text_splits_at_line_breaks() -> None:
    text = "\n".join(["a" * 6] * 5)  # 34 characters
    assert split_text(text, limit=14) == ["aaaaaa\naaaaaa", "aaaaaa\naaaaaa", "aaaaaa"]


def test_a_line_longer_than_the_limit_is_cut() -> None:
    assert split_text("x" * 25 + "\nend", limit=10) == ["x" * 10, "x" * 10, "xxxxx\nend"]


@given(st.text(alphabet=st.sampled_from("甲乙 \n<&*_"), max_size=400), st.integers(5, 60))
def test_split_keeps_every_character_and_respects_the_limit(text: str, limit: int) -> None:
    chunks = split_text(text, limit=limit)
    assert all(0 < len(chunk) <= limit for chunk in chunks)
    if text.strip():  # only blank space may be lost, at the edges of chunks
        assert "".join("".join(chunks).split()) == "".join(text.split())


def test_keyboard_keeps_rows() -> None:
    reply = Reply("x", buttons=((Button("a", "1"), Button("b", "2")), (Button("c", "3"),)))
    markup = keyboard(reply)
    assert markup is not None
    assert [[b.callback_data for b in row] for row in markup.inline_keyboard] == [["1", "2"], ["3"]]
    assert keyboard(Reply("x")) is None


def test_file_url_follows_the_bot_api_layout() -> None:
    assert _file_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert _file_url("http://127.0.0.1:8081/bot/") == "http://127.0.0.1:8081/file/bot"


# -- logging -----------------------------------------------------------------------------


def _logger_with_filter() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(OneLineFormatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(TokenFilter(TOKEN))
    logger = logging.getLogger("test.token")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, stream


def test_token_never_reaches_the_log() -> None:
    logger, stream = _logger_with_filter()
    logger.info("POST https://api.telegram.org/bot%s/getUpdates", TOKEN)
    logger.warning("secret half: %s", TOKEN.split(":")[1])
    try:
        raise RuntimeError(f"failed to reach /bot{TOKEN}/sendMessage")
    except RuntimeError:
        logger.exception("send failed")
    output = stream.getvalue()
    assert TOKEN not in output
    assert TOKEN.split(":")[1] not in output
    assert output.count("<TOKEN>") == 3
    assert len(output.splitlines()) == 3  # one line per event, tracebacks folded


def test_token_filter_leaves_other_records_alone() -> None:
    logger, stream = _logger_with_filter()
    logger.info("answered %s in %d ms", "tg:1", 3)
    assert stream.getvalue() == "INFO test.token: answered tg:1 in 3 ms\n"


def test_no_token_no_masking() -> None:
    record = logging.LogRecord("x", logging.INFO, "f", 1, "plain %s", ("text",), None)
    assert TokenFilter(None).filter(record)
    assert record.getMessage() == "plain text"


def test_error_reporter_throttles_admin_notices() -> None:
    now = [0.0]
    reporter = ErrorReporter(frozenset({1}), interval=60, clock=lambda: now[0])
    assert reporter._may_notify()
    now[0] = 59
    assert not reporter._may_notify()
    now[0] = 60
    assert reporter._may_notify()


def test_a_failed_update_is_logged_without_the_users_raw_id() -> None:
    from telegram import Chat, Message, Update, User

    user = User(id=5001, first_name="A", is_bot=False)
    message = Message(1, date=None, chat=Chat(5001, "private"), from_user=user)  # type: ignore[arg-type]
    described = _describe(Update(7, message=message))
    assert "5001" not in described and "update 7" in described
