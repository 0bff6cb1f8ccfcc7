"""End to end: the real `python -m bot run` against a fake Bot API server over HTTP.

One bot process serves the whole module (start-up loads the knowledge base);
the tests run in file order and each uses its own resident id, so the flood
limit and per-user state of one test never reach another.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fakebotapi import (
    FakeBotApi,
    Fault,
    bot_message_json,
    callback_update,
    message_update,
)

from bot.config import SHIPPED_KNOWLEDGE

pytestmark = pytest.mark.slow

TOKEN = "424242:E2E-secret-token-value"
ADMIN = 9001
START_TIMEOUT = 30.0
RELOAD_WITHIN = 30.0  # a hang bound: the watcher reloads within seconds


@dataclass
class Running:
    api: FakeBotApi
    process: subprocess.Popen[bytes]
    knowledge: Path
    log: Path

    def ask(self, user_id: int, text: str, timeout: float = 30.0, contains: str = "") -> str:
        mark = self.api.mark()
        self.api.push(message_update(user_id, text))
        call = self.api.wait_sent(user_id, timeout, after=mark, contains=contains)
        return str(call.params["text"])

    def alive(self) -> bool:
        return self.process.poll() is None


def bot_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    env["TELEGRAM_BOT_TOKEN"] = TOKEN
    return env


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    home = tmp_path_factory.mktemp("e2e")
    knowledge = home / "knowledge"
    shutil.copytree(SHIPPED_KNOWLEDGE, knowledge)
    api = FakeBotApi(TOKEN).start()
    (home / "config.yaml").write_text(
        f"knowledge_dir: {knowledge}\n"
        f"admin_ids: [{ADMIN}]\n"
        "telegram:\n"
        f"  base_url: {api.base_url}\n"
        "  error_notify_seconds: 60\n",
        encoding="utf-8",
    )
    env = bot_environment()
    env["BOT_DB"] = str(home / "bot.sqlite3")
    log = home / "stderr.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--config", "config.yaml", "--poll-timeout", "1"],
            cwd=home,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    running = Running(api, process, knowledge, log)
    try:
        api.wait_for(lambda call: call.method == "getUpdates", START_TIMEOUT)
        yield running
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        api.stop()


# -- conversations -----------------------------------------------------------------------


def test_start_up_registers_commands_in_two_languages(bot: Running) -> None:
    commands = bot.api.sent("setMyCommands")
    assert {str(call.params.get("language_code")) for call in commands} >= {"None", "en"}
    assert bot.api.unknown == []


def test_a_resident_question_is_answered(bot: Running) -> None:
    assert "食行生鲜" in bot.ask(1001, "哪里可以买菜")


def test_start_shows_topics_and_a_topic_button_answers(bot: Running) -> None:
    mark = bot.api.mark()
    bot.api.push(message_update(1003, "/start"))
    menu = bot.api.wait_sent(1003, after=mark)
    buttons = [b for row in menu.params["reply_markup"]["inline_keyboard"] for b in row]
    topic = next(b for b in buttons if b["text"] == "买菜与便民")

    mark = bot.api.mark()
    shown = bot_message_json(1003, str(menu.params["text"]), menu.params["reply_markup"])
    press = bot.api.push(callback_update(1003, topic["callback_data"], shown))
    query_id = press["callback_query"]["id"]
    bot.api.wait_for(
        lambda c: c.method == "answerCallbackQuery" and c.params["callback_query_id"] == query_id,
        after=mark,
    )
    shown_next = bot.api.wait_for(
        lambda c: (
            c.method in ("sendMessage", "editMessageText")
            and str(c.params.get("chat_id")) == "1003"
        ),
        after=mark,
    )
    assert "食行生鲜" in str(shown_next.params) or shown_next.params.get("reply_markup")


def test_reload_is_refused_to_residents_and_done_for_admins(bot: Running) -> None:
    assert "工作人员" in bot.ask(1002, "/reload")
    assert "16 个居委" in bot.ask(ADMIN, "/reload")


# -- hot reload --------------------------------------------------------------------------


def ask_until(bot: Running, question: str, wanted: str, within: float, first_user: int) -> float:
    """Seconds until an answer to `question` contains `wanted`; fails after `within`."""
    start = time.monotonic()
    for user_id in range(first_user, first_user + 100):  # a fresh user each time: no flood limit
        if wanted in bot.ask(user_id, question):
            return time.monotonic() - start
        if time.monotonic() - start > within:
            break
        time.sleep(0.25)
    raise AssertionError(f"{wanted!r} not answered within {within}s")


def test_an_edited_answer_is_served_without_a_restart(bot: Running) -> None:
    path = bot.knowledge / "committees" / "xiaohe.yaml"
    text = path.read_text(encoding="utf-8")
    assert "已有475位注册用户" in text
    path.write_text(text.replace("已有475位注册用户", "已有9876位注册用户"), encoding="utf-8")
    assert ask_until(bot, "哪里可以买菜", "9876位", RELOAD_WITHIN, first_user=2000) <= RELOAD_WITHIN


def test_a_broken_edit_keeps_answers_flowing_and_tells_admins_once(bot: Running) -> None:
    path = bot.knowledge / "committees" / "xiaohe.yaml"
    good = path.read_text(encoding="utf-8")
    broken = good + "\n  - id: [unclosed\n"
    mark = bot.api.mark()
    path.write_text(broken, encoding="utf-8")
    notice = bot.api.wait_sent(ADMIN, RELOAD_WITHIN + 2, after=mark, contains="知识库加载失败")
    assert "xiaohe.yaml" in str(notice.params["text"])
    assert "9876位" in bot.ask(2200, "哪里可以买菜")  # the last good knowledge

    path.write_text(broken, encoding="utf-8")  # saved again: the same errors
    time.sleep(2.0)
    refused = bot.log.read_text(encoding="utf-8").count("previous knowledge keeps serving")
    assert refused >= 2  # both saves were reloaded and refused …
    notices = [c for c in bot.api.calls[mark:] if "知识库加载失败" in str(c.params.get("text"))]
    assert len(notices) == 1  # … but admins heard once

    path.write_text(good.replace("已有9876位注册用户", "已有475位注册用户"), encoding="utf-8")
    ask_until(bot, "哪里可以买菜", "475位", RELOAD_WITHIN, first_user=2300)


# -- staying up --------------------------------------------------------------------------


def test_survives_500_429_and_a_hanging_request(bot: Running) -> None:
    mark = bot.api.mark()
    bot.api.fail(
        "getUpdates", Fault(status=500), Fault(retry_after=1), Fault(hold=30), Fault(status=502)
    )
    bot.api.fail("sendMessage", Fault(status=500))
    # ask while Telegram is "down": the question waits on the server until polling recovers
    bot.api.wait_for(lambda c: c.method == "getUpdates", timeout=5, after=mark)
    bot.api.push(message_update(3001, "哪里可以买菜"))
    answer = bot.api.wait_sent(3001, timeout=30, after=mark, contains="食行生鲜")
    assert bot.api.pending_faults("getUpdates") == 0
    assert bot.api.pending_faults("sendMessage") == 0
    assert answer.params["chat_id"] == "3001"
    assert bot.alive()
    assert "食行生鲜" in bot.ask(3002, "哪里可以买菜")


def test_sigterm_stops_cleanly_and_the_token_never_reached_the_log(bot: Running) -> None:
    bot.process.send_signal(signal.SIGTERM)
    assert bot.process.wait(30) == 0
    log = bot.log.read_text(encoding="utf-8")
    assert "store closed" in log
    assert TOKEN not in log
    assert TOKEN.split(":")[1] not in log
    assert all(line[:4].isdigit() for line in log.splitlines())  # one line per event


# -- without a token ---------------------------------------------------------------------


def test_run_without_a_token_explains_and_exits_2(tmp_path: Path) -> None:
    env = bot_environment()
    del env["TELEGRAM_BOT_TOKEN"]
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "export TELEGRAM_BOT_TOKEN=" in lines[0]
    assert "python -m bot chat" in lines[0]


# -- webhook -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def post_update(url: str, update: dict, secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, json.dumps(update).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except urllib.error.URLError:  # not listening yet
        return 0


def test_webhook_mode_answers_updates_posted_by_telegram(tmp_path: Path) -> None:
    api = FakeBotApi(TOKEN).start()
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook/huaihai"
    (tmp_path / "config.yaml").write_text(
        f"db_path: {tmp_path / 'bot.sqlite3'}\ntelegram:\n  base_url: {api.base_url}\n",
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "bot", "run", "--config", "config.yaml"]
    command += ["--webhook", url, "--listen", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        command,
        cwd=tmp_path,
        env=bot_environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        registered = api.wait_for(lambda c: c.method == "setWebhook", START_TIMEOUT)
        assert registered.params["url"] == url
        secret = str(registered.params["secret_token"])
        update = message_update(4001, "哪里可以买菜")
        deadline = time.monotonic() + 30
        while (
            status := post_update(url, update, secret)
        ) != 200:  # it listens just after setWebhook
            assert time.monotonic() < deadline, status
            time.sleep(0.2)
        assert "食行生鲜" in str(api.wait_sent(4001).params["text"])
        assert post_update(url, message_update(4002, "你好"), "forged") == 403
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        api.stop()
