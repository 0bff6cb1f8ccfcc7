"""`/admin` of the web chat: the token check (missing, wrong, right), the figures, reload."""

from __future__ import annotations

import base64
import shutil
from collections.abc import Callable, Iterator

import pytest
from starlette.testclient import TestClient

from bot.config import SHIPPED_KNOWLEDGE
from bot.dialogue import Dialogue
from bot.match import LiveKnowledge
from bot.match.types import MatcherSettings
from bot.store import Store
from bot.teachlog import TeachJournal
from bot.web.app import create_app
from bot.web.guard import RateLimits

TOKEN = "admin-token-0123456789"
BEARER = {"Authorization": f"Bearer {TOKEN}"}

MakeClient = Callable[[str | None], TestClient]


@pytest.fixture(scope="module")
def knowledge() -> LiveKnowledge:
    return LiveKnowledge(SHIPPED_KNOWLEDGE, MatcherSettings())


@pytest.fixture
def make_client(knowledge: LiveKnowledge, store: Store) -> Iterator[MakeClient]:
    clients: list[TestClient] = []

    def make(admin_token: str | None) -> TestClient:
        app = create_app(
            Dialogue(knowledge, store),
            limits=RateLimits(100, 10.0),
            csrf_secret="admin-test-secret-0123",
            admin_token=admin_token,
            close_store=False,
        )
        clients.append(TestClient(app).__enter__())
        return clients[-1]

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def test_admin_is_closed_when_no_token_is_set(make_client: MakeClient) -> None:
    response = make_client(None).get("/admin", headers=BEARER)
    assert response.status_code == 403
    assert "BOT_WEB_ADMIN_TOKEN" in response.json()["message"]


def test_a_short_token_keeps_admin_closed(make_client: MakeClient) -> None:
    assert (
        make_client("short").get("/admin", headers={"Authorization": "Bearer short"}).status_code
        == 403
    )


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-token-0123456789"}, {"Authorization": "Basic !!!"}],
)
def test_a_missing_or_wrong_token_is_refused(
    make_client: MakeClient, headers: dict[str, str]
) -> None:
    response = make_client(TOKEN).get("/admin", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic")
    assert "提问" not in response.text


def test_the_right_token_shows_the_weeks_figures(make_client: MakeClient) -> None:
    client = make_client(TOKEN)
    token = client.get("/api/session").json()["csrf"]
    for question in ("哪里可以买菜", "<b>明天天气</b>"):
        client.post("/api/message", json={"text": question}, headers={"X-CSRF-Token": token})
    basic = base64.b64encode(f"staff:{TOKEN}".encode()).decode()
    page = client.get("/admin", headers={"Authorization": f"Basic {basic}"})
    assert page.status_code == 200
    assert "<strong>2</strong>" in page.text  # questions this week
    assert "<strong>50%</strong>" in page.text  # answered share
    assert "&lt;b&gt;明天天气&lt;/b&gt;" in page.text  # unanswered, shown as text
    assert "食行生鲜" in page.text  # asked most


def test_reload_needs_the_token_and_the_pages_csrf(make_client: MakeClient) -> None:
    client = make_client(TOKEN)
    assert client.post("/admin/reload", data={"csrf": "x"}).status_code == 401
    assert client.post("/admin/reload", data={"csrf": "x"}, headers=BEARER).status_code == 403
    page = client.get("/admin", headers=BEARER).text
    csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    reloaded = client.post("/admin/reload", data={"csrf": csrf}, headers=BEARER)
    assert reloaded.status_code == 200
    assert "reloaded: 16 committees" in reloaded.text


# -- teaching from the page --------------------------------------------------------------


def csrf_of(page: str) -> str:
    return page.split('name="csrf" value="', 1)[1].split('"', 1)[0]


def log_of(page: str) -> str:
    return page.split('name="log" value="', 1)[1].split('"', 1)[0]


@pytest.fixture
def teachable(tmp_path, store: Store) -> Iterator[tuple[TestClient, LiveKnowledge]]:
    """A client over a copy of the knowledge (teaching writes it), with a journal."""
    directory = tmp_path / "knowledge"
    shutil.copytree(SHIPPED_KNOWLEDGE, directory)
    knowledge = LiveKnowledge(directory, MatcherSettings())
    journal = TeachJournal(store)
    app = create_app(
        Dialogue(knowledge, store, journal=journal),
        limits=RateLimits(100, 10.0),
        csrf_secret="admin-test-secret-0123",
        admin_token=TOKEN,
        close_store=False,
    )
    with TestClient(app) as client:
        yield client, knowledge
    journal.close()


def test_the_page_teaches_a_group_to_its_nearest_fact_and_undoes_it(teachable) -> None:
    client, knowledge = teachable
    token = client.get("/api/session").json()["csrf"]
    client.post("/api/message", json={"text": "有没有上门理发"}, headers={"X-CSRF-Token": token})
    page = client.get("/admin", headers=BEARER).text
    assert 'value="jianer-volunteer-services">➕ “民心在线”志愿便民服务队' in page
    assert "<optgroup" in page and "忽略 / ignore" in page
    file = knowledge.directory / "committees" / "jianer.yaml"
    before = file.read_bytes()
    form = {"csrf": csrf_of(page), "log": log_of(page), "fact": "jianer-volunteer-services"}
    assert client.post("/admin/teach", data=form).status_code == 401  # no token
    taught = client.post("/admin/teach", data=form, headers=BEARER)
    assert "已学会" in taught.text and 'name="log"' not in taught.text  # the group is settled
    reply = client.post(
        "/api/message", json={"text": "有没有上门理发"}, headers={"X-CSRF-Token": token}
    )
    assert "民心在线" in reply.text
    undone = client.post("/admin/undo", data={"csrf": csrf_of(taught.text)}, headers=BEARER)
    assert "已撤销" in undone.text and file.read_bytes() == before


def test_another_fact_from_the_list_and_ignore(teachable) -> None:
    client, knowledge = teachable
    token = client.get("/api/session").json()["csrf"]
    for question in ("有没有上门理发", "有没有上门理发", "今天天气怎么样"):  # the first group
        client.post("/api/message", json={"text": question}, headers={"X-CSRF-Token": token})
    page = client.get("/admin", headers=BEARER).text
    form = {"csrf": csrf_of(page), "log": log_of(page), "fact": "", "other": "xiaohe-fresh-market"}
    assert "已学会" in client.post("/admin/teach", data=form, headers=BEARER).text
    fact = knowledge.current.kb.fact("xiaohe-fresh-market")
    assert fact is not None and "有没有上门理发" in fact.phrasings_zh
    page = client.get("/admin", headers=BEARER).text
    ignored = client.post(
        "/admin/ignore", data={"csrf": csrf_of(page), "log": log_of(page)}, headers=BEARER
    )
    assert "已忽略" in ignored.text and 'name="log"' not in ignored.text


def test_a_residents_template_slot_is_shown_as_typed_not_expanded(make_client: MakeClient) -> None:
    client = make_client(TOKEN)
    token = client.get("/api/session").json()["csrf"]
    for question in ("{{top}} 有人吗", "{{unanswered}}"):
        client.post("/api/message", json={"text": question}, headers={"X-CSRF-Token": token})
    page = client.get("/admin", headers=BEARER).text
    assert "{{top}} 有人吗" in page and "{{unanswered}}" in page
    assert page.count("<table") <= 3  # no extra tables spliced in where a resident typed
    assert page.count('action="/admin/ignore"') == 2  # one form per group, none extra
