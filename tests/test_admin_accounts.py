"""Staff accounts from the command line (`python -m bot admin …`), on both store backends;
`report --html`; the broken-edit banner of the admin page."""

from __future__ import annotations

import io
import shutil
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot.admin.accounts import AccountError, Accounts
from bot.admin.teaching import Teaching
from bot.cli import main
from bot.config import SHIPPED_KNOWLEDGE
from bot.dialogue import Dialogue, TextMessage, User
from bot.match import LiveKnowledge
from bot.match.types import MatcherSettings
from bot.report import build_report, format_report
from bot.store import Store
from bot.teachlog import TeachJournal
from bot.web.app import create_app
from bot.web.guard import RateLimits

PASSWORD = "plum-blossom-on-the-lane"


def admin(db: str, *args: str, stdin: str = "", monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("BOT_DB", db)
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["admin", *args])


def test_accounts_from_the_command_line_keep_no_plain_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "bot.sqlite3")
    assert (
        admin(db, "add", "wang", "--password-stdin", stdin=PASSWORD + "\n", monkeypatch=monkeypatch)
        == 0
    )
    assert (
        admin(db, "add", "wang", "--password-stdin", stdin=PASSWORD + "\n", monkeypatch=monkeypatch)
        == 1
    )
    assert "已经有了" in capsys.readouterr().err
    assert admin(db, "add", "li", "--password-stdin", stdin="short\n", monkeypatch=monkeypatch) == 1
    assert "密码太短" in capsys.readouterr().err
    assert admin(db, "add", "zhao", "--generate", monkeypatch=monkeypatch) == 0
    generated = capsys.readouterr().out.rsplit(":", 1)[1].strip()
    assert admin(db, "list", monkeypatch=monkeypatch) == 0
    listed = capsys.readouterr().out
    assert "wang" in listed and "zhao" in listed
    assert admin(db, "add", "li", monkeypatch=monkeypatch) == 1  # no terminal to type on
    assert "--password-stdin" in capsys.readouterr().err
    store = Store(db)
    try:
        assert Accounts(store).verify("wang", PASSWORD)
        assert Accounts(store).verify("zhao", generated)
    finally:
        store.close()
    for file in tmp_path.iterdir():  # the database and its -wal file
        raw = file.read_bytes()
        assert PASSWORD.encode() not in raw and generated.encode() not in raw
    assert b"$argon2id$" in b"".join(f.read_bytes() for f in tmp_path.iterdir())
    new = "a-new-password-for-wang"
    assert admin(db, "passwd", "wang", "--password-stdin", stdin=new, monkeypatch=monkeypatch) == 0
    assert admin(db, "remove", "zhao", monkeypatch=monkeypatch) == 0
    assert admin(db, "remove", "zhao", monkeypatch=monkeypatch) == 1
    assert "没有账号 zhao" in capsys.readouterr().err


def test_accounts_and_sessions_on_either_backend(any_db: str) -> None:
    store = Store(any_db)
    try:
        accounts = Accounts(store)
        accounts.add("wang", PASSWORD)
        with pytest.raises(AccountError):
            accounts.add("bad name; drop", PASSWORD)
        assert accounts.verify("wang", PASSWORD) and not accounts.verify("wang", "nope-nope-nope")
        assert not accounts.verify("nobody", PASSWORD)
        session = accounts.start_session("wang")
        assert accounts.session(session.id) == session
        assert accounts.session("another-id") is None
        accounts.record("wang", "reload", "ok")
        assert [a.action for a in accounts.actions(0)] == ["reload"]
        accounts.end_session(session.id)
        assert accounts.session(session.id) is None
    finally:
        store.close()


def test_report_html_writes_the_page_with_its_charts_and_no_server_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "bot.sqlite3"
    store = Store(db)
    dialogue = Dialogue(LiveKnowledge(SHIPPED_KNOWLEDGE, MatcherSettings()), store)
    for question in ("哪里可以买菜", "明天会下雨吗"):
        dialogue.handle(User(id="console:resident"), TextMessage(question))
    store.close()
    monkeypatch.setenv("BOT_DB", str(db))
    out = tmp_path / "week.html"
    assert main(["report", "--html", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.count("<svg") == 5 and "明天会下雨吗" in page and "<style>" in page
    assert "/static/" not in page and "<form" not in page and "<script" not in page
    assert '"PingFang SC"' in page  # the styles as written (no HTML escaping inside <style>)


@pytest.mark.slow
def test_a_broken_edit_shows_a_banner_with_file_and_line_without_a_reload(
    tmp_path: Path, store: Store
) -> None:
    directory = tmp_path / "knowledge"
    shutil.copytree(SHIPPED_KNOWLEDGE, directory)
    app = create_app(
        Dialogue(LiveKnowledge(directory, MatcherSettings()), store),
        limits=RateLimits(100, 10.0),
        csrf_secret="admin-test-secret-0123",
        admin_token="admin-token-0123456789",
        watch=True,
        close_store=False,
    )
    bearer = {"Authorization": "Bearer admin-token-0123456789"}
    with TestClient(app) as client:
        assert 'id="knowledge-problem"' not in client.get("/admin", headers=bearer).text
        edited = directory / "committees" / "xiaohe.yaml"
        edited.write_text(
            edited.read_text(encoding="utf-8").replace("answer:", "answr:", 1), encoding="utf-8"
        )
        deadline = time.monotonic() + 30
        while 'id="knowledge-problem"' not in (page := client.get("/admin", headers=bearer).text):
            assert time.monotonic() < deadline, "the refused edit was not shown in 30 s"
            time.sleep(0.3)
    banner = page.split('id="knowledge-problem"', 1)[1].split("</section>", 1)[0]
    assert "xiaohe.yaml:" in banner and "answr" in banner and "旧的知识库还在继续回答" in banner


def test_report_says_who_taught_ignored_and_undid(tmp_path: Path, store: Store) -> None:
    directory = tmp_path / "knowledge"
    shutil.copytree(SHIPPED_KNOWLEDGE, directory)
    knowledge = LiveKnowledge(directory, MatcherSettings())
    journal = TeachJournal(store)
    dialogue = Dialogue(knowledge, store, journal=journal)
    for question in ("有没有上门理发", "今天天气怎么样"):
        dialogue.handle(User(id="console:resident"), TextMessage(question))
    teaching = Teaching(knowledge, store, journal)
    assert teaching.teach("有没有上门理发", "jianer-volunteer-services", by="web:wang").ok
    assert not teaching.undo(by="console:zhou").ok  # zhou taught nothing: not his to undo
    assert teaching.undo(by="web:wang").ok
    weather = next(g for g in teaching.groups() if "天气" in g.example)
    teaching.ignore(weather, by="tg:123456789")
    text = format_report(build_report(store, knowledge.current, 7), lang="zh")
    actions = text.split("谁做了什么", 1)[1]
    assert "wang" in actions and "教会" in actions and "撤销" in actions
    assert "忽略" in actions and "今天天气怎么样" in actions
    assert "123456789" not in actions and "tg:" in actions  # a Telegram admin by a hash
    journal.close()
