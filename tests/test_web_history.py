"""The web chat's history and follow-ups over HTTP (TestClient): what a session sees
after a reload, what it may clear, and follow-ups marked sent only once acknowledged."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot.admin.teaching import Teaching
from bot.config import SHIPPED_KNOWLEDGE
from bot.dialogue import Dialogue
from bot.match import LiveKnowledge
from bot.match.types import MatcherSettings
from bot.store import Store
from bot.teachlog import TeachJournal
from bot.web.app import create_app
from bot.web.guard import RateLimits

DECLINED = "有没有上门理发"
FACT = "jianer-volunteer-services"


@pytest.fixture
def setup(tmp_path: Path, store: Store) -> Iterator[tuple[TestClient, Teaching, TeachJournal]]:
    directory = tmp_path / "knowledge"
    shutil.copytree(SHIPPED_KNOWLEDGE, directory)
    knowledge = LiveKnowledge(directory, MatcherSettings())
    journal = TeachJournal(store)
    app = create_app(
        Dialogue(knowledge, store, journal=journal),
        limits=RateLimits(100, 10.0),
        csrf_secret="history-test-secret-0123",
        close_store=False,
    )
    with TestClient(app) as client:
        yield client, Teaching(knowledge, store, journal), journal
    journal.close()


def session(client: TestClient) -> dict[str, str]:
    client.cookies.clear()
    return {"X-CSRF-Token": client.get("/api/session").json()["csrf"]}


def test_the_page_shows_this_sessions_turns_and_no_others(setup) -> None:
    client, _, _ = setup
    mine = session(client)
    client.post("/api/message", json={"text": "哪里可以买菜"}, headers=mine)
    reply = client.post("/api/message", json={"text": "活动"}, headers=mine).json()
    option = reply["buttons"][0][0]
    client.post("/api/button", json={**option}, headers=mine)
    page = client.get("/").text
    assert page.count('class="msg me"') == 3 and "哪里可以买菜" in page
    assert option["label"] in page  # a pressed button shows as the label pressed
    assert "您好" not in page  # the chat goes on where it was, no second greeting
    mine_cookies = dict(client.cookies)
    session(client)
    assert 'class="msg me"' not in client.get("/").text, "another session sees none of it"
    client.cookies.clear()
    client.cookies.update(mine_cookies)
    assert client.post("/clear", data={"csrf": "forged"}).status_code == 403
    assert client.get("/").text.count('class="msg me"') == 3
    cleared = client.post("/clear", data={"csrf": mine["X-CSRF-Token"]}, follow_redirects=False)
    assert cleared.status_code == 303 and cleared.headers["location"] == "/"
    assert 'class="msg me"' not in client.get("/").text


def test_a_follow_up_stays_pending_until_the_page_acknowledges_it(setup) -> None:
    client, teaching, journal = setup
    resident = session(client)
    client.post("/api/message", json={"text": DECLINED}, headers=resident)
    resident_cookies = dict(client.cookies)
    outcome = teaching.teach(DECLINED, FACT, by="web:admin")
    [log_id] = [f.log_id for f in outcome.followups]
    key = f"f{log_id}"  # a follow-up's delivery key ("h…" is a staff answer's)

    page = client.get("/").text
    assert f'data-followup="{key}"' in page and "回答您之前的问题" in page
    [due] = client.get("/api/followups").json()["followups"]
    assert due["id"] == key and due["earlier"] and "民心在线" in due["text"]
    assert journal.status_of(log_id) == "pending", "put in a page is not yet shown"

    stranger = session(client)
    ack = client.post("/api/followups/ack", json={"ids": [key]}, headers=stranger)
    assert ack.json() == {"acknowledged": []} and journal.status_of(log_id) == "pending"
    client.cookies.clear()
    client.cookies.update(resident_cookies)
    assert client.post("/api/followups/ack", json={"ids": [key]}).status_code == 403  # no CSRF
    ack = client.post("/api/followups/ack", json={"ids": [key]}, headers=resident)
    assert ack.json() == {"acknowledged": [key]} and journal.status_of(log_id) == "sent"
    assert client.get("/api/followups").json() == {"followups": []}
    page = client.get("/").text
    assert "data-followup" not in page and page.count("回答您之前的问题") == 1  # in the history


def test_an_english_word_is_answered_in_english_and_the_page_stays_chinese(setup) -> None:
    client, _, _ = setup
    headers = session(client)
    client.post("/api/message", json={"text": "哪里可以买菜"}, headers=headers)
    reply = client.post("/api/message", json={"text": "calligraphy"}, headers=headers).json()
    assert reply["lang"] == "en" and reply["page_lang"] == "zh"
    reply = client.post("/api/message", json={"text": "OK"}, headers=headers).json()
    assert reply["lang"] == "zh" and reply["page_lang"] == "zh"
