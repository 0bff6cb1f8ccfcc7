"""The web chat's HTTP API: sessions, CSRF, limits and refusals, through Starlette's TestClient."""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.config import SHIPPED_KNOWLEDGE
from bot.dialogue import Dialogue
from bot.match import LiveKnowledge
from bot.match.types import MatcherSettings
from bot.store import Store
from bot.web.app import create_app
from bot.web.guard import MAX_BODY_BYTES, MAX_MESSAGE_CHARS, SLOW_DOWN, RateLimits
from bot.web.sessions import COOKIE

SECRET = "test-secret-0123456789abcdef"
PER_SESSION = 3


@pytest.fixture(scope="module")
def knowledge() -> LiveKnowledge:
    return LiveKnowledge(SHIPPED_KNOWLEDGE, MatcherSettings())


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(knowledge: LiveKnowledge, store: Store, clock: Clock) -> Iterator[TestClient]:
    dialogue = Dialogue(knowledge, store)
    limits = RateLimits(PER_SESSION, 10.0, clock=clock)
    app = create_app(dialogue, limits=limits, csrf_secret=SECRET, close_store=False)
    with TestClient(app) as client:
        yield client


def csrf_of(client: TestClient) -> str:
    """Open a session (the cookie lands in the client's jar) and return its CSRF token."""
    return str(client.get("/api/session").json()["csrf"])


def ask(client: TestClient, text: str, token: str | None, **headers: str):  # type: ignore[no-untyped-def]
    if token is not None:
        headers["X-CSRF-Token"] = token
    return client.post("/api/message", json={"text": text}, headers=headers)


# --- the page and the session cookie ----------------------------------------------------


def test_page_opens_a_session_with_a_safe_cookie(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "买菜与便民" in response.text  # the topic menu on the first screen
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie  # plain HTTP on the test server


def test_script_and_style_urls_change_with_their_content(client: TestClient) -> None:
    """WeChat's browser caches hard: a new script must come under a new URL."""
    page = client.get("/").text
    script = page.split('src="', 1)[1].split('"', 1)[0]
    digest = hashlib.sha256(client.get("/static/chat.js").content)
    digest.update(client.get("/static/chat.css").content)
    digest.update(client.get("/static/admin.css").content)  # the staff's page shares the URLs
    assert script == f"/static/chat.js?v={digest.hexdigest()[:10]}"


def test_cookie_is_secure_over_https(knowledge: LiveKnowledge, store: Store) -> None:
    app = create_app(
        Dialogue(knowledge, store),
        limits=RateLimits(10, 10.0),
        csrf_secret=SECRET,
        close_store=False,
    )
    with TestClient(app, base_url="https://chat.example.org") as client:
        assert "Secure" in client.get("/").headers["set-cookie"]


def test_every_response_carries_a_strict_csp_and_refuses_framing(client: TestClient) -> None:
    for path in ("/", "/static/chat.js", "/healthz", "/nowhere"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["x-frame-options"] == "DENY"


def test_the_store_sees_only_the_hashed_session_id(client: TestClient, store: Store) -> None:
    token = csrf_of(client)
    session_id = client.cookies[COOKIE]
    assert ask(client, "哪里可以买菜", token).status_code == 200
    logged = store.questions(since=0)
    assert [q.user_key for q in logged] == [store.user_key(f"web:{session_id}")]
    assert session_id not in store.path.read_bytes().decode("latin-1")


def test_language_choice_persists_for_the_session(client: TestClient) -> None:
    token = csrf_of(client)
    response = client.post(
        "/api/button", json={"payload": "lang:en"}, headers={"X-CSRF-Token": token}
    )
    assert response.json()["lang"] == "en"
    assert '<html lang="en">' in client.get("/").text


def test_home_committee_persists_for_the_session(
    client: TestClient, store: Store, knowledge: LiveKnowledge
) -> None:
    token = csrf_of(client)
    committee = knowledge.current.kb.committees[0]
    response = client.post(
        "/api/button", json={"payload": f"home:{committee.id}"}, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 200
    session_id = client.cookies[COOKIE]
    assert store.preferences(f"web:{session_id}").home_committee == committee.id


# --- answers ----------------------------------------------------------------------------


def test_a_question_gets_the_answer_with_feedback_buttons(client: TestClient) -> None:
    reply = ask(client, "哪里可以买菜", csrf_of(client)).json()
    assert "食行生鲜" in reply["text"]
    assert reply["asks_feedback"] is True
    labels = [button["label"] for row in reply["buttons"] for button in row]
    assert "👍 有帮助" in labels


def test_the_plain_form_gets_an_answer_page(client: TestClient) -> None:
    token = csrf_of(client)
    response = client.post("/ask", data={"csrf": token, "text": "<b>哪里可以买菜</b>"})
    assert response.status_code == 200
    assert "食行生鲜" in response.text
    assert "&lt;b&gt;哪里可以买菜&lt;/b&gt;" in response.text  # the question shown as text


# --- CSRF -------------------------------------------------------------------------------


def test_posts_without_the_sessions_csrf_token_are_refused(client: TestClient) -> None:
    csrf_of(client)
    for token in (None, "", "0" * 64):
        response = ask(client, "哪里可以买菜", token)
        assert response.status_code == 403
        assert response.json()["error"] == "csrf"


def test_a_token_from_another_session_is_refused(client: TestClient) -> None:
    token = csrf_of(client)
    client.cookies.clear()
    csrf_of(client)  # a new session
    assert ask(client, "哪里可以买菜", token).status_code == 403


def test_cross_site_posts_are_refused_even_with_a_token(client: TestClient) -> None:
    response = ask(client, "哪里可以买菜", csrf_of(client), **{"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403


def test_the_plain_form_checks_csrf_too(client: TestClient) -> None:
    csrf_of(client)
    response = client.post("/ask", data={"text": "哪里可以买菜"})
    assert response.status_code == 403
    assert "页面已过期" in response.text and "食行生鲜" not in response.text


# --- bad input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (b'{"text": ', 400, "bad_json"),
        (b"\xff\xfe", 400, "bad_json"),
        (b'["where"]', 400, "bad_json"),
        (b'{"text": 42}', 422, "bad_payload"),
        (b'{"text": "   "}', 422, "bad_payload"),
        (b"{}", 422, "bad_payload"),
    ],
)
def test_bad_json_or_payload_gets_a_clear_4xx(
    client: TestClient, body: bytes, status: int, error: str
) -> None:
    response = client.post("/api/message", content=body, headers={"X-CSRF-Token": csrf_of(client)})
    assert response.status_code == status
    assert response.json()["error"] == error
    assert "Traceback" not in response.text


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("/api/message", b"[" * 10_000 + b"]" * 10_000),  # nested past Python's recursion limit
        ("/api/message", b'{"text": ' + b'{"a": ' * 3_000 + b"1" + b"}" * 3_000 + b"}"),
        ("/api/message", b'{"text": "where", "n": ' + b"9" * 5_000 + b"}"),  # 5,000 digits
        ("/api/button", b'{"payload": ' + b"1" * 5_000 + b"}"),
    ],
)
def test_a_body_json_cannot_hold_gets_400_and_one_log_line(
    client: TestClient, caplog: pytest.LogCaptureFixture, route: str, body: bytes
) -> None:
    token = csrf_of(client)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        response = client.post(route, content=body, headers={"X-CSRF-Token": token})
    assert response.status_code == 400
    assert response.json()["error"] == "bad_json"
    server_side = [r for r in caplog.records if not r.name.startswith("httpx")]  # the client's
    assert len(server_side) == 1, [r.getMessage() for r in server_side]
    (record,) = server_side
    assert record.exc_info is None and "\n" not in record.getMessage()
    assert len(record.getMessage()) < 200  # a line, not the body


def test_a_bad_button_payload_is_refused(client: TestClient) -> None:
    token = csrf_of(client)
    for payload in (None, "", "f:" + "x" * 64):
        response = client.post(
            "/api/button", json={"payload": payload}, headers={"X-CSRF-Token": token}
        )
        assert response.status_code == 422


def test_messages_are_limited_like_telegram_messages(client: TestClient) -> None:
    token = csrf_of(client)
    assert ask(client, "买" * MAX_MESSAGE_CHARS, token).status_code == 200
    response = ask(client, "买" * (MAX_MESSAGE_CHARS + 1), token)
    assert response.status_code == 422
    assert response.json()["error"] == "too_long"


def test_an_oversized_body_is_refused_before_reading_it(client: TestClient) -> None:
    body = b'{"text": "' + b"a" * MAX_BODY_BYTES + b'"}'
    response = client.post("/api/message", content=body, headers={"X-CSRF-Token": csrf_of(client)})
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"


def test_unknown_pages_and_methods_get_json_not_a_traceback(client: TestClient) -> None:
    assert client.get("/admin.php").json()["error"] == "not_found"
    assert client.put("/api/message").status_code == 405


# --- rate limits ------------------------------------------------------------------------


def test_a_session_over_the_flood_limit_is_told_to_slow_down(
    client: TestClient, clock: Clock
) -> None:
    token = csrf_of(client)
    for _ in range(PER_SESSION):
        assert ask(client, "哪里可以买菜", token).status_code == 200
    refused = ask(client, "哪里可以买菜", token)
    assert refused.status_code == 429
    assert refused.json()["message"] == SLOW_DOWN["zh"]
    assert refused.headers["retry-after"] == "10"
    clock.now += 10
    assert ask(client, "哪里可以买菜", token).status_code == 200


def test_an_address_over_its_limit_is_refused_whatever_the_session(
    client: TestClient, clock: Clock
) -> None:
    statuses = []
    for _ in range(PER_SESSION * 6 + 1):  # a fresh session for every question
        client.cookies.clear()
        statuses.append(ask(client, "哪里可以买菜", csrf_of(client)).status_code)
    assert statuses[:-1] == [200] * (PER_SESSION * 6)
    assert statuses[-1] == 429


def test_the_refusal_speaks_the_pages_language(client: TestClient) -> None:
    token = csrf_of(client)
    for _ in range(PER_SESSION):
        ask(client, "where can I buy vegetables", token)
    refused = ask(client, "where can I buy vegetables", token, **{"X-Chat-Lang": "en"})
    assert refused.json()["message"] == SLOW_DOWN["en"]


# --- health -----------------------------------------------------------------------------


def test_healthz_reports_the_knowledge_version_and_the_store(
    client: TestClient, store: Store
) -> None:
    health = client.get("/healthz").json()
    assert health["status"] == "ok"
    assert health["knowledge"]["committees"] == 16
    assert len(health["knowledge"]["version"]) == 12
    assert health["store"]["ok"] is True
    store.close()
    broken = client.get("/healthz")
    assert broken.status_code == 503
    assert broken.json()["store"]["ok"] is False


def watched_app(directory: Path, store: Store) -> Starlette:
    """A web app over a copy of the shipped knowledge in `directory`, watching it."""
    shutil.copytree(SHIPPED_KNOWLEDGE, directory)
    return create_app(
        Dialogue(LiveKnowledge(directory, MatcherSettings()), store),
        limits=RateLimits(100, 10.0),
        csrf_secret=SECRET,
        watch=True,
        close_store=False,
    )


@pytest.mark.slow
def test_an_edited_knowledge_file_is_served_without_a_restart(tmp_path: Path, store: Store) -> None:
    directory = tmp_path / "knowledge"
    app = watched_app(directory, store)
    with TestClient(app) as client:
        before = client.get("/healthz").json()["knowledge"]["version"]
        edited = directory / "committees" / "xiaohe.yaml"
        edited.write_text(
            edited.read_text(encoding="utf-8").replace("食行生鲜", "食行生鲜网"), encoding="utf-8"
        )
        deadline = time.monotonic() + 30
        while client.get("/healthz").json()["knowledge"]["version"] == before:
            assert time.monotonic() < deadline, "the edit was not picked up in 30 s"
            time.sleep(0.2)
        reply = ask(client, "哪里可以买菜", csrf_of(client)).json()
    assert "食行生鲜网" in reply["text"]


def test_the_web_layer_loads_without_telegram() -> None:
    """The web chat is for residents without Telegram: it must not even import it."""
    code = (
        "import sys, bot.web.server, bot.web.qr; "
        "print(sorted(m for m in sys.modules if m == 'telegram' or m.startswith("
        "('telegram.', 'bot.telegram'))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.slow
def test_a_swapped_knowledge_folder_keeps_being_watched(tmp_path: Path, store: Store) -> None:
    """Editors and `git checkout` replace the whole folder: later edits must still land."""
    directory = tmp_path / "knowledge"
    app = watched_app(directory, store)
    with TestClient(app) as client:
        before = client.get("/healthz").json()["knowledge"]["version"]
        replacement = tmp_path / "knowledge.new"
        shutil.copytree(directory, replacement)
        edited = replacement / "committees" / "xiaohe.yaml"
        edited.write_text(
            edited.read_text(encoding="utf-8").replace("食行生鲜", "食行生鲜网"), encoding="utf-8"
        )
        directory.rename(tmp_path / "knowledge.old")
        replacement.rename(directory)
        deadline = time.monotonic() + 30
        while client.get("/healthz").json()["knowledge"]["version"] == before:
            assert time.monotonic() < deadline, "the swapped folder was not picked up in 30 s"
            time.sleep(0.2)
