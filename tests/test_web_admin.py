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
from bot.report import build_report
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


def test_the_page_shows_the_wording_to_edit_and_the_other_wordings_to_tick(teachable) -> None:
    """A spelling group mixes 上门理发 and 上门开锁: the locksmith asker is told only when
    ticked; the wording written is the one in the field."""
    client, knowledge = teachable
    token = client.get("/api/session").json()["csrf"]
    for question in ("附近有没有上门理发服务", "附近有没有上门理发服务", "附近有没有上门开锁服务"):
        client.post("/api/message", json={"text": question}, headers={"X-CSRF-Token": token})
    page = client.get("/admin", headers=BEARER).text
    assert 'name="wording" maxlength="200" value="附近有没有上门理发服务"' in page
    tick = 'type="checkbox" name="also" value="附近有没有上门开锁服务"> 附近有没有上门开锁服务'
    assert tick in page
    form = {
        "csrf": csrf_of(page),
        "log": log_of(page),
        "fact": "jianer-volunteer-services",
        "wording": "附近有人上门理发吗",
    }
    taught = client.post("/admin/teach", data=form, headers=BEARER).text
    assert "已学会" in taught and "1 位下次打开网页时会看到" in taught, "the haircut asker only"
    assert "附近有没有上门开锁服务" in taught, "the locksmith question is still listed"
    fact = knowledge.current.kb.fact("jianer-volunteer-services")
    assert fact is not None and fact.phrasings_zh[-1] == "附近有人上门理发吗"


def test_the_list_is_paged(teachable) -> None:
    client, _ = teachable
    token = client.get("/api/session").json()["csrf"]
    for question in distinct_questions(17):
        client.post("/api/message", json={"text": question}, headers={"X-CSRF-Token": token})
    first = client.get("/admin", headers=BEARER).text
    shown = first.count('action="/admin/ignore"')
    assert shown == 15 and 'href="/admin?page=2"' in first
    second = client.get("/admin?page=2", headers=BEARER).text
    assert 0 < second.count('action="/admin/ignore"') <= 2 and 'href="/admin?page=1"' in second


def distinct_questions(n: int) -> list[str]:
    import random

    alphabet = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同"
    rng = random.Random(7)
    return ["".join(rng.choice(alphabet) for _ in range(40)) for _ in range(n)]


def test_the_pages_votes_per_fact_are_the_reports(
    make_client: MakeClient, store, knowledge
) -> None:
    """Two residents 👍 one answer: the page's row for that fact says 2, as `report --json`."""
    client = make_client(TOKEN)
    for _ in range(2):
        client.cookies.clear()
        token = client.get("/api/session").json()["csrf"]
        reply = client.post(
            "/api/message", json={"text": "哪里可以买菜"}, headers={"X-CSRF-Token": token}
        ).json()
        thumbs_up = next(b for row in reply["buttons"] for b in row if b["label"].startswith("👍"))
        client.post(
            "/api/button", json={"payload": thumbs_up["payload"]}, headers={"X-CSRF-Token": token}
        )
    store.flush(5)
    report = build_report(store, knowledge.current, 7).to_dict()
    (fact,) = [f for f in report["feedback"] if f["fact_id"] == "xiaohe-fresh-market"]
    assert (fact["helpful"], fact["unhelpful"]) == (2, 0)
    page = client.get("/admin", headers=BEARER).text
    row = page.split("食行生鲜", 1)[1].split("</tr>", 1)[0]
    assert "<td>2</td><td>0</td>" in row
