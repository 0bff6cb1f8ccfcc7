"""Two web chat processes on one PostgreSQL, as on two machines behind a proxy: a
resident's home committee set through one is seen through the other, and a question an
admin teaches through one is answered by the other within 5 s. The file watcher is off
in both (BOT_WATCH_KNOWLEDGE=off), so only PostgreSQL's notice can bring the teach to
the second process."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from test_web_server import free_port, wait_until_healthy

from bot.config import SHIPPED_KNOWLEDGE
from bot.reloads import ENV_WATCH_FILES

pytestmark = pytest.mark.slow

DECLINED = "有没有上门理发"
FACT = "jianer-volunteer-services"
ANSWER = "民心在线"  # in that fact's answer
ADMIN_TOKEN = secrets.token_hex(16)


@pytest.fixture
def workers(postgres_db: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two `python -m bot web` processes sharing the database, the knowledge folder and
    the web secret; their base URLs."""
    knowledge = tmp_path / "knowledge"
    shutil.copytree(SHIPPED_KNOWLEDGE, knowledge)
    env = {
        **os.environ,
        "BOT_DB": postgres_db,
        "BOT_KNOWLEDGE_DIR": str(knowledge),
        "BOT_WEB_SECRET": secrets.token_hex(32),
        "BOT_WEB_ADMIN_TOKEN": ADMIN_TOKEN,
        ENV_WATCH_FILES: "off",
    }
    bases = []
    with ExitStack() as stack:
        for name in ("one", "two"):
            port = free_port()
            log = stack.enter_context((tmp_path / f"{name}.log").open("wb"))
            server = subprocess.Popen(
                [sys.executable, "-m", "bot", "web", "--port", str(port), "--workers", "1"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            stack.callback(stop, server)
            bases.append(f"http://127.0.0.1:{port}")
        for base in bases:
            wait_until_healthy(base)
        yield bases[0], bases[1]


def stop(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


class Resident:
    """One browser session, sent to either process (the cookie goes with it)."""

    def __init__(self) -> None:
        self.cookies = httpx.Cookies()

    def say(self, base: str, *, text: str | None = None, payload: str | None = None) -> dict:
        with httpx.Client(base_url=base, cookies=self.cookies, timeout=10) as client:
            token = client.get("/api/session").json()["csrf"]
            self.cookies = client.cookies
            path, body = (
                ("/api/message", {"text": text}) if text else ("/api/button", {"payload": payload})
            )
            response = client.post(path, json=body, headers={"X-CSRF-Token": token})
        assert response.status_code == 200, response.text
        return response.json()


def teach_through_admin_page(base: str, question: str, fact_id: str) -> str:
    """Press the teach button of `question`'s group on /admin, as a script with the token
    would (no session, so no CSRF token)."""
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    with httpx.Client(base_url=base, headers=auth, timeout=30) as client:
        page = client.get("/admin").text
        group = re.search(rf"{re.escape(question)}</p>.*?name=\"log\" value=\"(\d+)\"", page, re.S)
        assert group, page
        form = {"log": group[1], "fact": fact_id}
        done = client.post("/admin/teach", data=form)
    assert done.status_code == 200
    return done.text


def test_two_processes_share_preferences_and_a_teach_reaches_the_other(workers):
    one, two = workers
    resident = Resident()
    choices = resident.say(one, text="/mycommittee")["buttons"]
    first = choices[0][0]
    saved = resident.say(one, payload=first["payload"])
    assert first["label"] in saved["text"]
    seen = resident.say(two, text="/mycommittee")["text"]
    assert f"现在记住的是:{first['label']}" in seen

    asker = Resident()
    assert ANSWER not in asker.say(one, text=DECLINED)["text"]  # declined, and logged
    assert ANSWER not in asker.say(two, text=DECLINED)["text"]
    notice = teach_through_admin_page(one, DECLINED, FACT)
    assert "jianer" in notice, notice
    taught_at = time.monotonic()
    while ANSWER not in (reply := Resident().say(two, text=DECLINED))["text"]:
        assert time.monotonic() - taught_at < 30, reply["text"]  # a hang bound
        time.sleep(0.1)
