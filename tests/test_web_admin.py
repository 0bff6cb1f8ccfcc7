"""`/admin` of the web chat: staff log in with an account (or a script sends the token),
the page in Chinese with its figures, charts and teach buttons, and what protects it."""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Callable, Iterator

import pytest
from starlette.testclient import TestClient

from bot.admin.accounts import IDLE_SECONDS, Accounts
from bot.config import SHIPPED_KNOWLEDGE
from bot.dialogue import Dialogue
from bot.match import LiveKnowledge
from bot.match.types import MatcherSettings
from bot.report import build_report
from bot.store import Store
from bot.teachlog import TeachJournal
from bot.web.app import create_app
from bot.web.guard import RateLimits
from bot.web.throttle import FREE_PER_NAME

TOKEN = "admin-token-0123456789"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
NAME, PASSWORD = "wang", "green-tea-on-huaihai-road"

MakeClient = Callable[..., TestClient]


@pytest.fixture(scope="module")
def knowledge() -> LiveKnowledge:
    return LiveKnowledge(SHIPPED_KNOWLEDGE, MatcherSettings())


@pytest.fixture
def make_client(knowledge: LiveKnowledge, store: Store) -> Iterator[MakeClient]:
    """Clients of one app over the shared knowledge (not taught here), with an account."""
    Accounts(store).add(NAME, PASSWORD)
    clients: list[TestClient] = []

    def make(admin_token: str | None = TOKEN, base_url: str = "http://testserver") -> TestClient:
        app = create_app(
            Dialogue(knowledge, store),
            limits=RateLimits(100, 10.0),
            csrf_secret="admin-test-secret-0123",
            admin_token=admin_token,
            close_store=False,
        )
        clients.append(TestClient(app, base_url=base_url).__enter__())
        return clients[-1]

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def ask(client: TestClient, *questions: str) -> None:
    token = client.get("/api/session").json()["csrf"]
    for question in questions:
        client.post("/api/message", json={"text": question}, headers={"X-CSRF-Token": token})


def log_in(client: TestClient, name: str = NAME, password: str = PASSWORD):
    return client.post(
        "/admin/login", data={"name": name, "password": password}, follow_redirects=False
    )


def csrf_of(page: str) -> str:
    return page.split('name="csrf" value="', 1)[1].split('"', 1)[0]


def log_of(page: str) -> str:
    return page.split('name="log" value="', 1)[1].split('"', 1)[0]


# -- getting in ---------------------------------------------------------------------------


def test_a_visitor_is_sent_to_the_login_form_in_chinese(make_client: MakeClient) -> None:
    client = make_client(None)
    response = client.get("/admin", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/admin/login")
    form = client.get("/admin/login", headers={"Accept-Language": "en-GB,en"}).text
    assert 'name="name"' in form and 'name="password"' in form and "登录" in form
    assert "www-authenticate" not in response.headers  # no Basic-auth pop-up


def test_logging_in_opens_the_page_with_a_strict_httponly_cookie(make_client: MakeClient) -> None:
    client = make_client()
    ask(client, "哪里可以买菜", "<b>明天天气</b>")
    response = log_in(client)
    assert response.status_code == 303 and response.headers["location"] == "/admin"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    assert "secure" not in cookie.lower()  # plain HTTP (a test, or loopback)
    page = client.get("/admin")
    assert page.status_code == 200
    assert "已登录:wang" in page.text
    assert "<strong>2</strong>" in page.text  # questions this week
    assert "<strong>50%</strong>" in page.text  # answered share
    assert "&lt;b&gt;明天天气&lt;/b&gt;" in page.text  # unanswered, shown as text
    assert "食行生鲜" in page.text  # asked most
    assert page.text.count("<svg") == 5  # the five charts, inline


def test_over_https_the_cookie_is_secure_and_host_only(make_client: MakeClient) -> None:
    client = make_client(base_url="https://testserver")
    cookie = log_in(client).headers["set-cookie"]
    assert cookie.startswith("__Host-hh_admin=") and "Secure" in cookie and "Path=/" in cookie
    assert client.get("/admin").status_code == 200


def test_every_login_makes_a_new_session_and_a_planted_one_opens_nothing(
    make_client: MakeClient,
) -> None:
    client = make_client()
    client.cookies.set("hh_admin", "planted-by-a-sibling-host-0123456789")
    assert client.get("/admin", follow_redirects=False).status_code == 303
    first = log_in(client).cookies["hh_admin"]
    assert first != "planted-by-a-sibling-host-0123456789"
    second = log_in(client).cookies["hh_admin"]
    assert second != first
    other = make_client()
    other.cookies.set("hh_admin", first)  # the session before the second login has ended
    assert other.get("/admin", follow_redirects=False).status_code == 303


def test_a_residents_chat_cookie_opens_no_admin_page(make_client: MakeClient) -> None:
    client = make_client()
    ask(client, "哪里可以买菜")
    resident = client.cookies["hh_session"]
    client.cookies.set("hh_admin", resident)  # even copied into the admin cookie
    assert client.get("/admin", follow_redirects=False).status_code == 303


def test_a_wrong_password_is_refused_and_repeated_ones_must_wait(
    make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client()
    caplog.set_level(logging.INFO)
    for _ in range(FREE_PER_NAME):
        refused = log_in(client, password="wrong-password-123")
        assert refused.status_code == 401 and "账号或密码不对" in refused.text
    waiting = log_in(client)  # even the right password waits now: guessing gets no answer
    assert waiting.status_code == 429 and "秒后再试" in waiting.text
    assert "hh_admin" not in waiting.headers.get("set-cookie", "")
    log_in(client, name="green-tea-typed-as-a-name", password="x")
    before = admin_lines(caplog)
    for _ in range(50):  # a flood while waiting: refused unchecked, a few log lines only
        assert log_in(client, password="wrong-password-123").status_code == 429
    assert admin_lines(caplog) - before <= 3
    logged = caplog.text
    assert "wrong password for wang" in logged and "an unknown name" in logged
    assert "wrong-password-123" not in logged and "green-tea" not in logged


def admin_lines(caplog: pytest.LogCaptureFixture) -> int:
    return sum(1 for record in caplog.records if record.name == "bot.web.admin")


def test_a_session_unused_for_eight_hours_is_over(store: Store) -> None:
    now = [1_000_000.0]
    accounts = Accounts(store, clock=lambda: now[0])
    accounts.add("li", PASSWORD)
    session = accounts.start_session("li")
    now[0] += IDLE_SECONDS - 60
    assert accounts.session(session.id) is not None  # used: the idle time starts again
    now[0] += IDLE_SECONDS - 60
    assert accounts.session(session.id) is not None
    now[0] += IDLE_SECONDS + 1
    assert accounts.session(session.id) is None


def test_removing_an_account_or_changing_its_password_ends_its_sessions(store: Store) -> None:
    accounts = Accounts(store)
    accounts.add("li", PASSWORD)
    session = accounts.start_session("li")
    accounts.set_password("li", "another-long-password")
    assert accounts.session(session.id) is None
    assert not accounts.verify("li", PASSWORD) and accounts.verify("li", "another-long-password")
    session = accounts.start_session("li")
    accounts.remove("li")
    assert accounts.session(session.id) is None and not accounts.verify("li", PASSWORD)


# -- scripts with the token --------------------------------------------------------------


@pytest.mark.parametrize(
    "headers", [{"Authorization": "Bearer wrong-token-0123456789"}, {"Authorization": "Basic !!!"}]
)
def test_a_wrong_token_is_refused_in_chinese(make_client: MakeClient, headers) -> None:
    response = make_client().get("/admin", headers=headers)
    assert response.status_code == 401 and "令牌" in response.text and "提问" not in response.text


def test_without_a_token_set_scripts_are_refused_and_a_short_one_is_unused(
    make_client: MakeClient,
) -> None:
    assert make_client(None).get("/admin", headers=BEARER).status_code == 401
    short = {"Authorization": "Bearer short"}
    assert make_client("short").get("/admin", headers=short).status_code == 401


def test_a_script_with_the_token_reloads_without_a_csrf_token(make_client: MakeClient) -> None:
    client = make_client()
    reloaded = client.post("/admin/reload", headers=BEARER)
    assert reloaded.status_code == 200 and "已重新加载:16 个居委" in reloaded.text
    assert "(令牌)" in reloaded.text  # the action log says it was the token


# -- forged posts ------------------------------------------------------------------------


def test_a_post_without_the_sessions_csrf_token_is_refused(make_client: MakeClient) -> None:
    client = make_client()
    log_in(client)
    assert client.post("/admin/reload", data={"csrf": "x"}).status_code == 403
    other = make_client()
    log_in(other)
    foreign = csrf_of(other.get("/admin").text)  # another admin's session's token
    refused = client.post("/admin/reload", data={"csrf": foreign})
    assert refused.status_code == 403 and "页面已过期" in refused.text
    own = csrf_of(client.get("/admin").text)
    sibling = {"Sec-Fetch-Site": "same-site"}
    assert client.post("/admin/reload", data={"csrf": own}, headers=sibling).status_code == 403
    assert client.post("/admin/reload", data={"csrf": own}).status_code == 200


def test_a_wrong_admin_address_is_told_in_chinese(make_client: MakeClient) -> None:
    client = make_client()
    assert "没有这个页面" in client.get("/admin/nothing-here").text
    assert "不能这样打开" in client.get("/admin/teach").text


def test_a_database_that_cannot_be_read_is_told_in_chinese(
    make_client: MakeClient, store: Store
) -> None:
    client = make_client()
    store.close()  # every read of the admin page fails now
    response = client.post("/admin/login", data={"name": NAME, "password": PASSWORD})
    assert response.status_code == 503 and "数据库暂时用不了" in response.text


def test_a_post_without_a_session_is_refused_with_a_way_to_log_in(
    make_client: MakeClient,
) -> None:
    response = make_client().post("/admin/undo", data={"csrf": "x"}, follow_redirects=False)
    assert response.status_code == 401 and "请先登录" in response.text
    assert 'href="/admin/login"' in response.text


def test_logging_out_ends_the_session(make_client: MakeClient) -> None:
    client = make_client()
    log_in(client)
    session = client.cookies["hh_admin"]
    out = client.post("/admin/logout", data={"csrf": csrf_of(client.get("/admin").text)})
    assert "已退出登录" in out.text
    client.cookies.set("hh_admin", session)
    assert client.get("/admin", follow_redirects=False).status_code == 303


# -- what the page shows -----------------------------------------------------------------


def test_a_residents_template_slot_is_shown_as_typed_not_expanded(make_client: MakeClient) -> None:
    client = make_client()
    ask(client, "{{top}} 有人吗", "{{unanswered}}")
    page = client.get("/admin", headers=BEARER).text
    assert "{{top}} 有人吗" in page and "{{unanswered}}" in page
    assert page.count("<table") <= 3  # no extra tables spliced in where a resident typed
    assert page.count('action="/admin/ignore"') == 2  # one form per group, none extra


def test_the_page_is_chinese_for_an_english_browser(make_client: MakeClient) -> None:
    client = make_client()
    log_in(client)
    page = client.get("/admin", headers={"Accept-Language": "en-US,en"}).text
    visible = re.sub(r"<[^>]*>", " ", page.split("<body", 1)[1])  # the text, not the markup
    assert "重新加载知识库" in visible
    assert not re.search(r"\b(reload|ignore|undo|questions|answered|fact|log ?in)\b", visible, re.I)


# -- teaching from the page --------------------------------------------------------------


@pytest.fixture
def teachable(tmp_path, store: Store) -> Iterator[tuple[TestClient, LiveKnowledge]]:
    """A logged-in client over a copy of the knowledge (teaching writes it), with a journal."""
    directory = tmp_path / "knowledge"
    shutil.copytree(SHIPPED_KNOWLEDGE, directory)
    knowledge = LiveKnowledge(directory, MatcherSettings())
    journal = TeachJournal(store)
    Accounts(store).add(NAME, PASSWORD)
    app = create_app(
        Dialogue(knowledge, store, journal=journal),
        limits=RateLimits(100, 10.0),
        csrf_secret="admin-test-secret-0123",
        admin_token=TOKEN,
        close_store=False,
    )
    with TestClient(app) as client:
        log_in(client)
        yield client, knowledge
    journal.close()


def test_the_page_teaches_a_group_to_its_nearest_fact_and_undoes_it(teachable) -> None:
    client, knowledge = teachable
    ask(client, "有没有上门理发")
    page = client.get("/admin").text
    assert 'value="jianer-volunteer-services">➕ “民心在线”志愿便民服务队' in page
    assert "<optgroup" in page and ">忽略</button>" in page
    file = knowledge.directory / "committees" / "jianer.yaml"
    before = file.read_bytes()
    form = {"csrf": csrf_of(page), "log": log_of(page), "fact": "jianer-volunteer-services"}
    taught = client.post("/admin/teach", data=form)
    assert "已学会" in taught.text and 'name="log"' not in taught.text  # the group is settled
    reply = client.post(
        "/api/message",
        json={"text": "有没有上门理发"},
        headers={"X-CSRF-Token": client.get("/api/session").json()["csrf"]},
    )
    assert "民心在线" in reply.text
    undone = client.post("/admin/undo", data={"csrf": csrf_of(taught.text)})
    assert "已撤销" in undone.text and file.read_bytes() == before
    actions = undone.text.split('id="actions"', 1)[1]
    assert actions.index("撤销") < actions.index("教会")  # newest first, both by wang
    assert actions.count("<td>wang</td>") >= 3  # logged in, taught, undid


def test_another_fact_from_the_list_and_ignore(teachable) -> None:
    client, knowledge = teachable
    ask(client, "有没有上门理发", "有没有上门理发", "今天天气怎么样")  # the first group
    page = client.get("/admin").text
    form = {"csrf": csrf_of(page), "log": log_of(page), "fact": "", "other": "xiaohe-fresh-market"}
    assert "已学会" in client.post("/admin/teach", data=form).text
    fact = knowledge.current.kb.fact("xiaohe-fresh-market")
    assert fact is not None and "有没有上门理发" in fact.phrasings_zh
    page = client.get("/admin").text
    ignored = client.post("/admin/ignore", data={"csrf": csrf_of(page), "log": log_of(page)})
    assert "已忽略" in ignored.text and 'name="log"' not in ignored.text
    assert "今天天气怎么样" in ignored.text.split('id="actions"', 1)[1]  # who ignored what


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
    top = page.split("<h2>问得最多的条目</h2>", 1)[1]  # the table, not the charts
    row = top.split("食行生鲜", 1)[1].split("</tr>", 1)[0]
    assert "<td>2</td><td>0</td>" in row
