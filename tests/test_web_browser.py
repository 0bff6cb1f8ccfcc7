"""The web chat in a real browser: Debian's Chromium driven by Playwright, phone-sized,
with WeChat's user agent, against `python -m bot web` started as residents' admins would."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from bot.store import Store

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 12; V2134A Build/SP1A.210812.003; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/111.0.5563.116 Mobile Safari/537.36 XWEB/5197 "
    "MMWEBSDK/20230805 MMWEBID/1234 MicroMessenger/8.0.47.2480(0x28002F30) WeChat/arm64 "
    "Weixin NetType/WIFI Language/zh_CN ABI/arm64"
)
PHONE = {"width": 375, "height": 740}
ARTIFACTS = Path(__file__).parent / "artifacts"

pytestmark = [
    pytest.mark.slow,
    # CI must not skip: .ci/run installs chromium, so its absence there is a failure
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason="needs Debian's chromium: apt-get install -y chromium fonts-wqy-microhei",
    ),
]


@pytest.fixture(scope="module", autouse=True)
def artifacts() -> None:
    ARTIFACTS.mkdir(exist_ok=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`python -m bot web` on a free port with its own database: (base URL, database path)."""
    directory = tmp_path_factory.mktemp("web")
    db, log = directory / "bot.sqlite3", directory / "server.log"
    with running_web([], {**os.environ, "BOT_DB": str(db)}, log) as base:
        yield base, db


@contextlib.contextmanager
def running_web(args: list[str], env: dict[str, str], log: Path) -> Iterator[str]:
    """`python -m bot web ARGS` on a free port, its output in `log`: its base URL once
    healthy; stopped afterwards."""
    port = free_port()
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "web", "--port", str(port), *args],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, process, log)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def wait_until_healthy(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the web server exited:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the web server did not become healthy in 60 s")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def outside_requests() -> list[str]:
    return []


@pytest.fixture
def page(browser, server, outside_requests):  # type: ignore[no-untyped-def]
    """A phone in WeChat on a fresh session; any request not to 127.0.0.1 is blocked and noted,
    and the test fails if the page logged an error (a CSP violation, a script error)."""
    context = browser.new_context(viewport=PHONE, user_agent=WECHAT_UA, locale="zh-CN")

    def guard(route):  # type: ignore[no-untyped-def]
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside_requests.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    # a CSP violation, a script error or a failed load shows up here
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server[0] + "/")
    yield page
    context.close()
    assert errors == []


def ask(page, text: str):  # type: ignore[no-untyped-def]
    """Type a question, send it, and return the bot's new message."""
    before = page.locator(".msg.bot").count()
    page.fill("#question", text)
    page.press("#question", "Enter")
    return wait_for_new_reply(page, before)


def press(page, label: str):  # type: ignore[no-untyped-def]
    before = page.locator(".msg.bot").count()
    page.locator(".msg.bot").last.get_by_role("button", name=label).click()
    return wait_for_new_reply(page, before)


def wait_for_new_reply(page, before: int):  # type: ignore[no-untyped-def]
    page.locator(".msg.bot").nth(before).wait_for(timeout=10_000)
    return page.locator(".msg.bot").last


def test_first_screen_shows_the_topic_menu_with_large_buttons(page) -> None:  # type: ignore[no-untyped-def]
    menu = page.locator(".msg.bot").first
    assert menu.get_by_role("button", name="买菜与便民").is_visible()
    for button in page.locator("button:visible").all():
        assert button.bounding_box()["height"] >= 44, button.text_content()
    page.screenshot(path=str(ARTIFACTS / "chat-start.png"))


def test_where_to_buy_vegetables_gets_the_shixing_answer(page) -> None:  # type: ignore[no-untyped-def]
    reply = ask(page, "哪里可以买菜")
    assert "食行生鲜" in reply.inner_text()
    assert reply.get_by_role("button", name="👍 有帮助").is_visible()
    page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=False)


def test_weather_is_declined_with_the_12345_hotline(page) -> None:  # type: ignore[no-untyped-def]
    reply = ask(page, "明天天气怎么样")
    assert "12345" in reply.inner_text()


def test_ambiguous_question_offers_options_and_a_press_answers(page) -> None:  # type: ignore[no-untyped-def]
    reply = ask(page, "活动")
    options = reply.get_by_role("button").all()
    assert len(options) >= 2
    label = options[0].inner_text()
    answer = press(page, label)
    assert answer.get_by_role("button", name="👍 有帮助").is_visible()
    assert page.locator(".msg.me").last.inner_text() == label


def test_english_question_is_answered_in_english(page) -> None:  # type: ignore[no-untyped-def]
    reply = ask(page, "where can I learn calligraphy")
    assert "Calligraphy" in reply.inner_text()
    assert page.locator("#send").inner_text() == "Send"


def test_typed_markup_is_shown_as_text_and_nothing_runs(page) -> None:  # type: ignore[no-untyped-def]
    page.evaluate("window.pwned = 0")
    for attack in ("<img src=x onerror=window.pwned=1>", "<script>window.pwned=2</script>"):
        ask(page, attack)
        assert page.locator(".msg.me").last.inner_text() == attack
    assert page.evaluate("window.pwned") == 0
    assert page.locator("#log img, #log script").count() == 0


def test_thumbs_up_is_recorded_in_the_store(page, server) -> None:  # type: ignore[no-untyped-def]
    ask(page, "哪里可以买菜")
    press(page, "👍 有帮助")
    store = Store(server[1])
    try:
        votes = store.feedback(since=0)
    finally:
        store.close()
    assert [vote.helpful for vote in votes][-1:] == [True]


def test_large_text_switch_persists_after_reload(page) -> None:  # type: ignore[no-untyped-def]
    size = "getComputedStyle(document.querySelector('.msg .text')).fontSize"
    normal = float(page.evaluate(size).removesuffix("px"))
    page.click("#large-text")
    page.reload()
    assert page.locator("#large-text").get_attribute("aria-pressed") == "true"
    assert float(page.evaluate(size).removesuffix("px")) > normal * 1.2
    ask(page, "有没有法律咨询")
    page.screenshot(path=str(ARTIFACTS / "chat-large.png"))


def test_language_switch_turns_the_page_english(page) -> None:  # type: ignore[no-untyped-def]
    page.click("#lang-switch")
    page.locator(".msg.bot").nth(1).wait_for()
    assert page.locator("#send").inner_text() == "Send"
    assert page.locator("#lang-switch").inner_text() == "中文"


def test_nothing_is_requested_outside_127_0_0_1(page, outside_requests) -> None:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    page.reload()
    ask(page, "哪里可以买菜")
    assert seen and all(urlsplit(url).hostname == "127.0.0.1" for url in seen)
    assert outside_requests == []


def test_without_javascript_the_form_still_gets_an_answer(browser, server) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, user_agent=WECHAT_UA, java_script_enabled=False)
    page = context.new_page()
    page.goto(server[0] + "/")
    page.fill("#question", "哪里可以买菜")
    page.click("#send")
    assert "食行生鲜" in page.locator(".msg.bot").last.inner_text()
    page.locator(".msg.bot").last.get_by_role("button", name="👍 有帮助").click()
    assert page.locator(".msg.bot").count() == 1
    context.close()
