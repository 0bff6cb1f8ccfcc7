"""End to end over HTTP: the real `python -m bot run` against the fake Bot API server.

Resident A asks a question the bot declines; the admin's /unanswered lists it and the
admin presses the nearest fact; A receives the answer; resident B asking the same is
answered; the YAML diff only adds lines and `python -m bot check` passes.
"""

from __future__ import annotations

import difflib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakebotapi import FakeBotApi, bot_message_json, callback_update, message_update
from test_telegram_e2e import START_TIMEOUT, TOKEN, Running, bot_environment

from bot.config import SHIPPED_KNOWLEDGE

pytestmark = pytest.mark.slow

ADMIN, RESIDENT_A, RESIDENT_B = 9001, 6001, 6002
DECLINED = "有没有上门理发"
LABEL = "➕ “民心在线”志愿便民服务队:送到家门口的服务(建二)"


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[Running]:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(SHIPPED_KNOWLEDGE, knowledge)
    api = FakeBotApi(TOKEN).start()
    (tmp_path / "config.yaml").write_text(
        f"knowledge_dir: {knowledge}\nadmin_ids: [{ADMIN}]\n"
        f"telegram:\n  base_url: {api.base_url}\n",
        encoding="utf-8",
    )
    env = bot_environment()
    env["BOT_DB"] = str(tmp_path / "bot.sqlite3")
    log = tmp_path / "stderr.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--config", "config.yaml", "--poll-timeout", "1"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        api.wait_for(lambda call: call.method == "getUpdates", START_TIMEOUT)
        yield Running(api, process, knowledge, log)
    finally:
        process.kill()
        process.wait(10)
        api.stop()


def test_teach_in_one_tap_over_http(bot: Running, tmp_path: Path) -> None:
    jianer = bot.knowledge / "committees" / "jianer.yaml"
    before = jianer.read_text(encoding="utf-8")

    # 1. resident A asks a question the bot declines
    assert "12345" in bot.ask(RESIDENT_A, DECLINED)

    # 2. the admin's /unanswered lists it; the admin presses the nearest fact
    mark = bot.api.mark()
    bot.api.push(message_update(ADMIN, "/unanswered"))
    group = bot.api.wait_sent(ADMIN, 30, after=mark, contains=DECLINED)
    keyboard = group.params["reply_markup"]["inline_keyboard"]
    button = next(b for row in keyboard for b in row if b["text"] == LABEL)
    mark = bot.api.mark()
    shown = bot_message_json(ADMIN, str(group.params["text"]), group.params["reply_markup"])
    bot.api.push(callback_update(ADMIN, button["callback_data"], shown))

    # 3. A receives the follow-up with the answer
    told = bot.api.wait_sent(RESIDENT_A, 30, after=mark, contains="现在有答案了")
    assert f"您之前问的“{DECLINED}”" in str(told.params["text"])
    assert "民心在线" in str(told.params["text"])
    confirmed = bot.api.wait_for(
        lambda c: c.method == "editMessageText" and "已学会" in str(c.params.get("text")),
        10,
        after=mark,
    )
    assert "jianer-volunteer-services" in str(confirmed.params["text"])

    # 4. resident B asking the same question is answered
    assert "民心在线" in bot.ask(RESIDENT_B, DECLINED)

    # 5. the YAML diff adds only lines, and check passes
    after = jianer.read_text(encoding="utf-8")
    diff = list(difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0))
    changed = [line for line in diff[2:] if not line.startswith("@@")]
    assert changed == [f"+        - {DECLINED}"]
    check = subprocess.run(
        [sys.executable, "-m", "bot", "check", "--quiet", "--knowledge", str(bot.knowledge)],
        capture_output=True,
        text=True,
        timeout=120,
        env=bot_environment(),
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert bot.alive()
