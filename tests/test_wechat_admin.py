"""Around the WeChat front end: its settings, the menu command, and the channel a
question came from as admins see it (report, /unanswered, /admin)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from bot.admin.teach_replies import group_reply
from bot.admin.teaching import Teaching
from bot.cli import main
from bot.config import SHIPPED_KNOWLEDGE
from bot.dialogue import Dialogue, TextMessage, User
from bot.match import LiveKnowledge
from bot.match.types import MatcherSettings
from bot.report import build_report, format_report
from bot.store import Store
from bot.teachlog import FollowUp, TeachJournal
from bot.telegram.followups import is_telegram
from bot.web.app import create_app
from bot.web.guard import RateLimits
from bot.wechat.followups import is_wechat
from bot.wechat.menu import BUTTON_BYTES, BUTTONS, ENTRIES, ENTRY_BYTES, build_menu
from bot.wechat.render import MAX_MESSAGE_BYTES, split_text
from bot.wechat.settings import WeChatConfigError, settings_from_env
from tests.fakewechat import AES_KEY, APPID, SECRET, TOKEN, FakeWeChatApi

ROOT = Path(__file__).resolve().parent.parent
UNKNOWN = "医保卡丢了哪能补办"


@pytest.fixture(scope="module")
def knowledge() -> LiveKnowledge:
    return LiveKnowledge(SHIPPED_KNOWLEDGE, MatcherSettings())


# --- settings -------------------------------------------------------------------------------

GOOD = {"WECHAT_TOKEN": TOKEN, "WECHAT_APPID": APPID, "WECHAT_AES_KEY": AES_KEY}


@pytest.mark.parametrize(
    ("name", "bad"),
    [
        ("WECHAT_TOKEN", "has spaces and-dashes!"),
        ("WECHAT_APPID", "wxSECRETLYWRONG"),
        ("WECHAT_AES_KEY", AES_KEY[:-1]),
        ("WECHAT_AES_KEY", "!" * 43),
        ("WECHAT_SECRET", "short"),
        ("WECHAT_API_BASE", "ftp://example.org"),
    ],
)
def test_a_malformed_setting_is_one_line_naming_it_without_its_value(name: str, bad: str) -> None:
    with pytest.raises(WeChatConfigError) as raised:
        settings_from_env({**GOOD, name: bad})
    message = str(raised.value)
    assert name in message and bad not in message and "\n" not in message


def test_safe_mode_needs_the_appid_and_no_token_means_no_endpoint() -> None:
    with pytest.raises(WeChatConfigError, match="WECHAT_APPID"):
        settings_from_env({"WECHAT_TOKEN": TOKEN, "WECHAT_AES_KEY": AES_KEY})
    assert settings_from_env({}).token is None
    shown = repr(settings_from_env({**GOOD, "WECHAT_SECRET": SECRET}))
    assert SECRET not in shown and TOKEN not in shown and AES_KEY not in shown


def test_web_refuses_to_start_with_a_malformed_setting(tmp_path: Path) -> None:
    env = {
        **os.environ,
        **GOOD,
        "WECHAT_AES_KEY": "x" * 43 + "tooLong",
        "BOT_DB": str(tmp_path / "db"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "web", "--port", "1"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: WECHAT_AES_KEY must be the 43-character EncodingAESKey"
    ]


# --- the menu -------------------------------------------------------------------------------


def test_the_menu_keeps_wechats_limits_and_opens_every_menu_topic(
    knowledge: LiveKnowledge, store: Store
) -> None:
    kb = knowledge.current.kb
    menu, left_out = build_menu(kb)
    buttons = menu["button"]
    assert len(buttons) <= BUTTONS and left_out == []
    for button in buttons:
        assert len(button["name"].encode()) <= BUTTON_BYTES
        assert 1 <= len(button["sub_button"]) <= ENTRIES
        for entry in button["sub_button"]:
            assert len(entry["name"].encode()) <= ENTRY_BYTES and len(entry["key"].encode()) <= 128
    names = [entry["name"] for button in buttons for entry in button["sub_button"]]
    assert all(tag.label("zh") in names for tag in kb.menu_tags)
    # each click is a button the dialogue knows: it opens the topic, not "that changed"
    dialogue = Dialogue(knowledge, store)
    from bot.dialogue import ButtonPress

    for key in (e["key"] for b in buttons for e in b["sub_button"] if not e["key"].startswith("/")):
        reply = dialogue.handle(User("wechat:o"), ButtonPress(key))
        assert reply.buttons, key


def test_wechat_menu_posts_to_the_api_or_prints(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["wechat-menu", "--print"]) == 0
    printed = json.loads(capsys.readouterr().out)
    with FakeWeChatApi() as api:
        for name, value in {
            "WECHAT_APPID": APPID,
            "WECHAT_SECRET": SECRET,
            "WECHAT_API_BASE": api.base,
        }.items():
            monkeypatch.setenv(name, value)
        assert main(["wechat-menu"]) == 0
        assert api.menus == [printed]
        monkeypatch.setenv("WECHAT_SECRET", "f" * 32)  # WeChat refuses the wrong secret
        assert main(["wechat-menu"]) == 2
    assert "errcode 40013" in capsys.readouterr().err


# --- splitting ---------------------------------------------------------------------------------


@given(st.text(alphabet=st.sampled_from("居委会a。\n ,"), max_size=6000))
def test_split_text_keeps_every_piece_under_the_limit_and_loses_nothing(text: str) -> None:
    pieces = split_text(text)
    assert all(len(piece.encode()) <= MAX_MESSAGE_BYTES for piece in pieces)
    squeeze = lambda t: "".join(t.split())  # noqa: E731  (line breaks move between pieces)
    assert squeeze("".join(pieces)) == squeeze(text)


# --- the channel, for admins -----------------------------------------------------------------


def test_questions_carry_their_channel_into_report_unanswered_and_admin(
    knowledge: LiveKnowledge, store: Store
) -> None:
    journal = TeachJournal(store)
    dialogue = Dialogue(knowledge, store, journal=journal)
    for user in ("wechat:o-1", "wechat:o-2", "tg:7", "web:s1", "console:staff"):
        dialogue.handle(User(user), TextMessage(UNKNOWN))
    store.flush(5)
    assert sorted(q.channel or "" for q in store.questions(0)) == [
        "console",
        "tg",
        "web",
        "wechat",
        "wechat",
    ]
    report = build_report(store, knowledge.current, 7)
    assert "微信×2" in format_report(report)
    assert "WeChat×2" in format_report(report, lang="en")
    (group,) = Teaching(knowledge, store, journal).groups()
    assert "微信×2" in group_reply(knowledge.current.kb, group, 1, 1, "zh").text
    app = create_app(
        dialogue,
        limits=RateLimits(9, 1.0),
        csrf_secret="c" * 32,
        admin_token="admin-token-0123456789",
        close_store=False,
    )
    with TestClient(app) as client:  # a script with the token (staff log in)
        page = client.get("/admin", headers={"Authorization": "Bearer admin-token-0123456789"})
    assert page.status_code == 200 and "微信×2" in page.text


def test_an_older_database_gains_the_channel_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.store import opening

    db = tmp_path / "bot.sqlite3"
    channels = next(i for i, m in enumerate(opening.MIGRATIONS) if "ADD COLUMN channel" in m)
    with monkeypatch.context() as older:  # as a bot of the schema before channels made it
        older.setattr(opening, "MIGRATIONS", opening.MIGRATIONS[:channels])
        Store(db).close()
    with sqlite3.connect(db) as raw:
        raw.execute(
            "INSERT INTO question_log (at, user_key, normalized, question, outcome, lang) "
            "VALUES (1, 'k', 'q', 'q', 'declined', 'zh')"
        )
    store = Store(db)
    try:
        assert [q.channel for q in store.questions(0)] == [None]  # shown as "not recorded"
    finally:
        store.close()


def test_each_front_end_sends_only_its_own_followups() -> None:
    wechat = FollowUp(1, "k", "q", "zh", "f", {"channel": "wechat", "openid": "o"})
    telegram = FollowUp(2, "k", "q", "zh", "f", {"chat_id": 7})
    assert is_wechat(wechat) and not is_telegram(wechat)
    assert is_telegram(telegram) and not is_wechat(telegram)


def test_a_teachs_count_names_wechat_residents_apart_from_telegram_ones() -> None:
    from bot.admin.teaching import followups_said

    wechat = FollowUp(1, "k", "q", "zh", "f", {"channel": "wechat", "openid": "o"})
    telegram = FollowUp(2, "k2", "q", "zh", "f", {"chat_id": 5})
    said = followups_said([wechat, telegram], sent={2})
    assert "已发给 1 位(Telegram)" in said and "这次没有发出" not in said
    assert "1 位(微信)" in said and "还没有发" in said
