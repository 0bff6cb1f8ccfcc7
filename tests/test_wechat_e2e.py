"""End to end: a real `python -m bot web` process with WECHAT_TOKEN, WECHAT_APPID and
WECHAT_AES_KEY set, and a scripted resident talking to it through the fake WeChat
(tests/fakewechat.py, written from WeChat's documentation), in plain and in safe mode."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from bot.store import Store
from tests.fakewechat import AES_KEY, APPID, TOKEN, Resident, WeChatServer
from tests.test_web_server import free_port, wait_until_healthy

pytestmark = pytest.mark.slow

XXE = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY leak SYSTEM "file:///etc/passwd">]>'
    "<xml><ToUserName>gh</ToUserName><FromUserName>o-x</FromUserName><CreateTime>1</CreateTime>"
    "<MsgType>text</MsgType><Content>&leak;</Content><MsgId>99</MsgId></xml>"
)


def script(client: httpx.Client, wechat: WeChatServer, resident: Resident) -> list[str]:
    """One resident's session; returns the questions it expects to be logged."""

    def post(xml: str) -> httpx.Response:
        push = wechat.push(xml)
        return client.post("/wechat", params=push.query, content=push.body)

    def answer(xml: str) -> str:
        response = post(xml)
        assert response.status_code == 200, response.text
        return wechat.read_reply(response.text)["Content"]

    assert client.get("/wechat", params=wechat.verification("e2e-echo")).text == "e2e-echo"
    vegetables = answer(wechat.text(resident, "哪里可以买菜"))
    assert "食行生鲜" in vegetables and "孝和" in vegetables  # the Xiaohe fact
    assert "12345" in answer(wechat.text(resident, "医保卡丢了哪能补办"))
    english = answer(wechat.text(resident, "where can I learn calligraphy"))
    assert "Calligraphy Class" in english
    welcome = answer(wechat.event(Resident(resident.openid + "-new"), "subscribe"))
    assert "居民助手" in welcome and "weixin://bizmsgmenu" in welcome
    assert "食行生鲜" in answer(wechat.voice(resident, "孝和居委哪里能买菜"))
    push = wechat.push(wechat.text(resident, "哪里可以买菜"))
    forged = dict(push.query, signature="0" * 40)
    assert client.post("/wechat", params=forged, content=push.body).status_code == 403
    refused = post(XXE)
    assert refused.status_code == 400 and "root:" not in refused.text
    retried = wechat.text(resident, "附近有菜场吗", msg_id=resident.next_id())
    first = answer(retried)
    assert answer(retried) == first and answer(retried) == first
    return [
        "哪里可以买菜",
        "医保卡丢了哪能补办",
        "where can I learn calligraphy",
        "孝和居委哪里能买菜",
        "附近有菜场吗",
    ]


def test_a_scripted_resident_in_plain_and_safe_mode(tmp_path: Path) -> None:
    db, port = tmp_path / "bot.sqlite3", free_port()
    env = {**os.environ, "BOT_DB": str(db), "WECHAT_TOKEN": TOKEN, "WECHAT_APPID": APPID}
    env["WECHAT_AES_KEY"] = AES_KEY
    for name in ("WECHAT_SECRET", "WECHAT_API_BASE"):
        env.pop(name, None)
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "bot", "web", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    expected: list[str] = []
    try:
        wait_until_healthy(base)
        with httpx.Client(base_url=base, timeout=10) as client:
            expected += script(client, WeChatServer(safe_mode=False), Resident("o-e2e-plain"))
            expected += script(client, WeChatServer(safe_mode=True), Resident("o-e2e-safe"))
        server.send_signal(signal.SIGTERM)
        # one worker: uvicorn shuts down, then re-raises SIGTERM (as without WeChat)
        assert server.wait(timeout=15) in (0, -signal.SIGTERM)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        log.close()
    assert b"/wechat (safe mode on)" in (tmp_path / "server.log").read_bytes()
    store = Store(db)
    try:
        logged = store.questions(since=0)
    finally:
        store.close()
    assert sorted(q.question for q in logged) == sorted(expected)  # the retry once, no forgery
    assert {q.channel for q in logged} == {"wechat"}
