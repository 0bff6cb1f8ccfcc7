"""The staff's /admin page in a real browser (Debian's Chromium, English locale), against
`python -m bot web` with an account made by `python -m bot admin add --password-stdin`:
log in, see the charts, teach, undo, log out; wrong passwords; a resident's cookie; a
forged post from another site; Chinese throughout; a screenshot of the page."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_web_browser import ARTIFACTS, CHROMIUM, running_web

from bot.config import SHIPPED_KNOWLEDGE

playwright_api = pytest.importorskip("playwright.sync_api")

PASSWORD = "osmanthus-tea-at-the-office"
ENGLISH = re.compile(r"\b(reload|ignore|undo|log ?in|log ?out|password|questions|answered)\b", re.I)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason="needs Debian's chromium: apt-get install -y chromium fonts-wqy-microhei",
    ),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The web chat over a copy of the knowledge (teaching writes it), with two accounts."""
    directory = tmp_path_factory.mktemp("admin-web")
    knowledge, log = directory / "knowledge", directory / "server.log"
    shutil.copytree(SHIPPED_KNOWLEDGE, knowledge)
    env = {**os.environ, "BOT_DB": str(directory / "bot.sqlite3")}
    base_command = [sys.executable, "-m", "bot"]
    for name in ("wang", "li"):
        made = subprocess.run(
            [*base_command, "admin", "add", name, "--password-stdin"],
            input=PASSWORD + "\n",
            env=env,
            capture_output=True,
            text=True,
        )
        assert made.returncode == 0, made.stderr
    with running_web(["--knowledge", str(knowledge)], env, log) as base:
        yield base, directory
    assert PASSWORD not in log.read_text(encoding="utf-8", errors="replace")
    for file in directory.glob("bot.sqlite3*"):
        assert PASSWORD.encode() not in file.read_bytes()


@pytest.fixture
def context(server):  # type: ignore[no-untyped-def]
    """A desktop browser set to English; the page must still be Chinese."""
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 900, "height": 900}, locale="en-US")
        yield context
        context.close()
        browser.close()


def log_in(page, base: str, name: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/admin")
    assert page.url.startswith(base + "/admin/login")
    page.fill("#name", name)
    page.fill("#password", password)
    page.click("#login")


def visible_text(page) -> str:  # type: ignore[no-untyped-def]
    return str(page.locator("body").inner_text())


def test_log_in_see_the_charts_teach_undo_and_log_out(context, server) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    page = context.new_page()
    page.goto(base + "/")
    page.fill("#question", "有没有上门剪头发的")
    page.press("#question", "Enter")
    page.locator(".msg.bot").nth(1).wait_for(timeout=10_000)
    log_in(page, base, "wang", PASSWORD)
    assert page.url == base + "/admin"
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "已登录:wang" in visible_text(page)
    charts = page.locator("svg.chart")
    assert charts.count() == 5
    for n in range(5):
        box = charts.nth(n).bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 60
    text = visible_text(page)
    assert "每天的提问" in text and "有没有上门剪头发的" in text
    assert not ENGLISH.search(text), ENGLISH.search(text)
    page.screenshot(path=str(ARTIFACTS / "admin.png"), full_page=True)
    assert_screenshot_has_charts(ARTIFACTS / "admin.png")

    group = page.locator("section.teach", has_text="有没有上门剪头发的")
    group.locator("button[name=fact]").first.click()
    assert "已学会" in page.locator("#notice").inner_text()
    page.click("#undo")
    assert "已撤销" in page.locator("#notice").inner_text()
    actions = page.locator("#actions").inner_text()
    assert "wang" in actions and "教会" in actions and "撤销" in actions
    page.click("#logout")
    assert "已退出登录" in visible_text(page)
    page.goto(base + "/admin")
    assert page.url.startswith(base + "/admin/login")


def assert_screenshot_has_charts(path: Path) -> None:
    """The screenshot shows the page (not blank): the charts' green, amber and red are in it."""
    from PIL import Image

    with Image.open(path) as image:
        colours = {colour for _, colour in image.convert("RGB").getcolors(1 << 20) or []}
    assert (46, 125, 50) in colours  # answered (green)
    assert (179, 38, 30) in colours  # the header and "no answer" (red)


def test_a_wrong_password_is_refused_and_repeated_ones_wait(context, server) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    page = context.new_page()
    for _ in range(3):
        log_in(page, base, "li", "not-the-password")
        assert "账号或密码不对" in visible_text(page)
    log_in(page, base, "li", PASSWORD)  # the right one, too soon: still waits
    text = visible_text(page)
    assert "秒后再试" in text and not ENGLISH.search(text.replace("登录", ""))
    page.goto(base + "/admin")
    assert page.url.startswith(base + "/admin/login")


def test_a_residents_cookie_opens_no_admin_page(context, server) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    page = context.new_page()
    page.goto(base + "/")
    resident = next(c for c in context.cookies() if c["name"] == "hh_session")
    context.add_cookies([{**resident, "name": "hh_admin"}])
    page.goto(base + "/admin")
    assert page.url.startswith(base + "/admin/login")
    assert "账号" in visible_text(page)


def test_a_forged_post_from_another_site_is_refused(context, server) -> None:  # type: ignore[no-untyped-def]
    base, _ = server
    page = context.new_page()
    log_in(page, base, "wang", PASSWORD)
    assert page.url == base + "/admin"
    forged = page.request.post(base + "/admin/undo", form={"csrf": "guessed"})
    assert forged.status == 403 and "页面已过期" in forged.text()
    attacker = context.new_page()  # another site's page posting into the admin's browser
    attacker.set_content(
        f'<form method="post" action="{base}/admin/reload"><input name="csrf" value="x">'
        '<button id="go">win a prize</button></form>'
    )
    attacker.click("#go")
    attacker.wait_for_load_state()
    refused = visible_text(attacker)  # no cookie went with it (SameSite=Strict): no session
    assert "请先登录" in refused or "不接受" in refused
    page.reload()
    assert "重新加载" not in page.locator("#actions").inner_text()  # nothing was reloaded
