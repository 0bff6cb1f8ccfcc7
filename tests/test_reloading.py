"""Reloading in the running bot: admins hear about broken or shrinking knowledge, in
their own language, and the file watcher survives the folder being replaced."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from fakebotapi import message_update
from telegram import Update
from tgsupport import RecordingRequest

from bot.config import SHIPPED_KNOWLEDGE, Config
from bot.dialogue import Dialogue
from bot.kb import Text
from bot.match.live import LiveKnowledge, ReloadResult
from bot.match.types import MatcherSettings
from bot.store import Store
from bot.telegram.app import build_application
from bot.telegram.reloading import Reloader

ADMIN_ZH, ADMIN_EN = 9001, 9002
TAGGED = "        - !NEW 家门口的菜场\n"


@pytest.fixture(scope="module")
def shipped_live(tmp_path_factory: pytest.TempPathFactory) -> LiveKnowledge:
    """One LiveKnowledge (its matcher takes seconds to build); each test points it at a copy."""
    directory = tmp_path_factory.mktemp("kb") / "knowledge"
    shutil.copytree(SHIPPED_KNOWLEDGE, directory)
    return LiveKnowledge(directory, MatcherSettings())


@pytest.fixture
def live(shipped_live: LiveKnowledge, tmp_path: Path) -> LiveKnowledge:
    directory = tmp_path / "knowledge"
    shutil.copytree(SHIPPED_KNOWLEDGE, directory)
    shipped_live.directory = directory
    assert shipped_live.reload().ok
    return shipped_live


@dataclass
class Notices:
    sent: list[Text] = field(default_factory=list)

    async def __call__(self, notice: Text) -> None:
        self.sent.append(notice)


def phrasing_line(path: Path) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return lines.index(TAGGED.rstrip("\n")) + 1


def tag_a_phrasing(directory: Path) -> Path:
    path = directory / "committees" / "xiaohe.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("        - 家门口的菜场\n", TAGGED, 1), encoding="utf-8")
    return path


# --- what admins are told ------------------------------------------------------------------
async def test_a_broken_auto_reload_tells_admins_the_file_and_line(live: LiveKnowledge) -> None:
    notices = Notices()
    path = tag_a_phrasing(live.directory)
    result = await Reloader(live, notices).reload_and_report("changed: xiaohe.yaml")
    assert not result.ok
    [notice] = notices.sent
    assert f"committees/xiaohe.yaml:{phrasing_line(path)}:" in notice.zh
    assert "'!NEW'" in notice.en and "failed" in notice.en
    assert "知识库加载失败" in notice.zh


def remove_committee(directory: Path, committee_id: str) -> None:
    (directory / "committees" / f"{committee_id}.yaml").unlink()
    street = directory / "street.yaml"
    text = street.read_text(encoding="utf-8")
    street.write_text(text.replace("committee_count: 16", "committee_count: 15"), encoding="utf-8")


async def test_a_reload_that_loses_a_committee_tells_the_admins(live: LiveKnowledge) -> None:
    notices = Notices()
    remove_committee(live.directory, "xiaohe")
    result = await Reloader(live, notices).reload_and_report("changed: xiaohe.yaml")
    assert result.ok and result.lost_committees == ("xiaohe",)
    [notice] = notices.sent
    assert "xiaohe" in notice.en and "committee" in notice.en
    assert "xiaohe" in notice.zh and "少了 1 个居委" in notice.zh


def drop_facts(directory: Path, committee_id: str, keep: int) -> list[str]:
    """Keep the first `keep` facts of a committee; return the ids dropped."""
    path = directory / "committees" / f"{committee_id}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    dropped = [fact["id"] for fact in data["facts"][keep:]]
    data["facts"] = data["facts"][:keep]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return dropped


async def test_losing_one_fact_is_quiet_but_losing_many_is_reported(live: LiveKnowledge) -> None:
    notices = Notices()
    reloader = Reloader(live, notices)
    dropped = drop_facts(live.directory, "xiaohe", keep=1)
    assert len(dropped) == 1
    result = await reloader.reload_and_report("edit")
    assert result.ok and result.lost_facts == tuple(dropped)
    assert notices.sent == []

    for committee_id in ("jianer", "heyi", "fusan", "dahua"):
        dropped += drop_facts(live.directory, committee_id, keep=1)
    result = await reloader.reload_and_report("edit")
    assert len(result.lost_facts) == len(dropped) - 1 > 3
    [notice] = notices.sent
    assert all(fact_id in notice.en for fact_id in result.lost_facts)


# --- the Telegram side ---------------------------------------------------------------------
@pytest.fixture
def two_admins(live: LiveKnowledge, tmp_path: Path) -> Config:
    return Config(
        knowledge_dir=live.directory,
        db_path=tmp_path / "bot.sqlite3",
        admin_ids=frozenset({ADMIN_ZH, ADMIN_EN}),
        token="123456:TEST-token",
    )


async def test_reload_command_answers_with_file_and_line(
    two_admins: Config, live: LiveKnowledge, store: Store
) -> None:
    request = RecordingRequest()
    app = build_application(
        two_admins, live, store, Dialogue(live, store), request=request, watch_knowledge=False
    )
    await app.initialize()
    try:
        path = tag_a_phrasing(live.directory)
        update = message_update(ADMIN_EN, "/reload", language_code="en")
        await app.process_update(Update.de_json(update, app.bot))
    finally:
        await app.shutdown()
    [answer] = request.messages
    assert f"xiaohe.yaml:{phrasing_line(path)}:" in answer.text
    assert "failed" in answer.text


async def test_notices_reach_each_admin_in_their_language(
    two_admins: Config, live: LiveKnowledge, store: Store
) -> None:
    store.set_language(f"tg:{ADMIN_EN}", "en")
    request = RecordingRequest()
    app = build_application(
        two_admins, live, store, Dialogue(live, store), request=request, watch_knowledge=True
    )
    await app.initialize()
    try:
        tag_a_phrasing(live.directory)
        await app.bot_data["lifecycle"].reloader.reload_and_report("changed: xiaohe.yaml")
    finally:
        await app.shutdown()
    to = {int(m.params["chat_id"]): m.text for m in request.messages}
    assert set(to) == {ADMIN_ZH, ADMIN_EN}
    assert "failed" in to[ADMIN_EN] and "知识库" not in to[ADMIN_EN]
    assert "知识库加载失败" in to[ADMIN_ZH]
    assert "'!NEW'" in to[ADMIN_EN] and "'!NEW'" in to[ADMIN_ZH]


# --- the watcher ---------------------------------------------------------------------------
class CountingKnowledge:
    """Stands in for LiveKnowledge: counts reloads (what the watcher triggers)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.reloads = 0

    def reload(self) -> ReloadResult:
        self.reloads += 1
        return ReloadResult(ok=True, committees=16)


async def eventually(condition: Callable[[], bool], within: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "not within the time limit"
        await asyncio.sleep(0.05)


def write_knowledge(directory: Path, text: str = "street: {}\n") -> None:
    (directory / "committees").mkdir(parents=True, exist_ok=True)
    (directory / "street.yaml").write_text(text)


def swap_with_mv(directory: Path) -> None:
    new = directory.with_name("knowledge.new")
    write_knowledge(new, "street: {new: true}\n")
    directory.rename(directory.with_name("knowledge.old"))
    new.rename(directory)


def remove_and_recreate(directory: Path) -> None:
    shutil.rmtree(directory)
    write_knowledge(directory, "street: {recreated: true}\n")


@pytest.mark.parametrize("replace", [swap_with_mv, remove_and_recreate])
async def test_edits_still_reload_after_the_folder_is_replaced(
    tmp_path: Path, replace: Callable[[Path], None]
) -> None:
    directory = tmp_path / "knowledge"
    write_knowledge(directory)
    knowledge = CountingKnowledge(directory)
    stop = asyncio.Event()
    watcher = asyncio.create_task(
        Reloader(knowledge, Notices()).watch(stop, debounce_ms=50)  # type: ignore[arg-type]
    )
    try:
        await asyncio.sleep(0.3)  # the watcher is armed
        (directory / "committees" / "a.yaml").write_text("x: 1\n")
        await eventually(lambda: knowledge.reloads >= 1)

        replace(directory)
        await asyncio.sleep(2.5)  # the watcher notices (it checks every second)
        seen = knowledge.reloads
        (directory / "committees" / "b.yaml").write_text("x: 2\n")
        await eventually(lambda: knowledge.reloads > seen)
        assert os.path.isdir(directory)
    finally:
        stop.set()
        await asyncio.wait_for(watcher, timeout=30)


async def test_an_edit_to_an_upper_case_yaml_file_reloads(tmp_path: Path) -> None:
    directory = tmp_path / "knowledge"
    write_knowledge(directory)
    knowledge = CountingKnowledge(directory)
    stop = asyncio.Event()
    watcher = asyncio.create_task(
        Reloader(knowledge, Notices()).watch(stop, debounce_ms=50)  # type: ignore[arg-type]
    )
    try:
        await asyncio.sleep(0.3)
        (directory / "committees" / "xiaohe.YAML").write_text("x: 1\n")
        await eventually(lambda: knowledge.reloads >= 1)
    finally:
        stop.set()
        await asyncio.wait_for(watcher, timeout=30)


class FolderKnowledge(CountingKnowledge):
    """Fails to reload while its folder is missing, as LiveKnowledge does."""

    def reload(self) -> ReloadResult:
        self.reloads += 1
        if not self.directory.is_dir():
            return ReloadResult(ok=False, errors=(f"{self.directory}: does not exist",))
        return ReloadResult(ok=True, committees=16)


async def test_admins_hear_when_the_folder_stays_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.kb.watch.MISSING_NOTICE_SECONDS", 0.5)
    directory = tmp_path / "knowledge"
    write_knowledge(directory)
    notices = Notices()
    stop = asyncio.Event()
    reloader = Reloader(FolderKnowledge(directory), notices)  # type: ignore[arg-type]
    watcher = asyncio.create_task(reloader.watch(stop, debounce_ms=50, check_seconds=0.1))
    try:
        await asyncio.sleep(0.3)
        shutil.rmtree(directory)
        await eventually(lambda: len(notices.sent) == 1)
        assert "does not exist" in notices.sent[0].en
        await asyncio.sleep(0.5)
        assert len(notices.sent) == 1  # told once, not every check
    finally:
        stop.set()
        await asyncio.wait_for(watcher, timeout=30)


# -- a deploy by symlink: `ln -sfn v2 knowledge` -------------------------------------------


def point_link(link: Path, target: str) -> None:
    """`ln -sfn target link`: the link replaced in one rename, as a deploy does it."""
    fresh = link.with_name(link.name + ".new")
    fresh.symlink_to(target)
    os.replace(fresh, link)


async def test_the_watcher_follows_a_symlink_swap_deploy(tmp_path: Path) -> None:
    # the Telegram bot's and each web worker's watcher: bot.kb.watch behind both
    write_knowledge(tmp_path / "v1")
    link = tmp_path / "knowledge"
    link.symlink_to("v1")
    knowledge = CountingKnowledge(link)
    stop = asyncio.Event()
    watcher = asyncio.create_task(
        Reloader(knowledge, Notices()).watch(stop, debounce_ms=50, check_seconds=0.1)  # type: ignore[arg-type]
    )
    try:
        await asyncio.sleep(0.3)  # the watcher is armed
        write_knowledge(tmp_path / "v2", "street: {v2: true}\n")
        point_link(link, "v2")
        await eventually(lambda: knowledge.reloads >= 1)
        await asyncio.sleep(0.5)
        seen = knowledge.reloads
        (tmp_path / "v2" / "committees" / "b.yaml").write_text("x: 2\n")  # edits to v2 count
        await eventually(lambda: knowledge.reloads > seen)
    finally:
        stop.set()
        await asyncio.wait_for(watcher, timeout=30)


@pytest.mark.slow
def test_the_web_chat_follows_a_symlink_swap_deploy_on_the_reload_button(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`python -m bot web` handed its workers the link's target: after `ln -sfn v2 knowledge`
    they kept watching and reloading v1, the admin's reload button too."""
    from starlette.testclient import TestClient

    from bot.config import ENV_DB, ENV_KNOWLEDGE_DIR
    from bot.web import server
    from bot.web.admin import ENV_ADMIN_TOKEN

    shutil.copytree(SHIPPED_KNOWLEDGE, tmp_path / "v1")
    shutil.copytree(SHIPPED_KNOWLEDGE, tmp_path / "v2")
    edited = tmp_path / "v2" / "committees" / "xiaohe.yaml"
    # not a quoted name: those become jieba words, process-wide (test_streets compares evals)
    edited.write_text(edited.read_text("utf-8").replace("已有475位", "已有9876位"), "utf-8")
    link = tmp_path / "knowledge"
    link.symlink_to("v1")
    for name in (ENV_KNOWLEDGE_DIR, ENV_DB, server.ENV_CONFIG_FILE, server.ENV_SECRET):
        monkeypatch.delenv(name, raising=False)  # run_web sets them for its workers
    monkeypatch.setenv(ENV_ADMIN_TOKEN, "admin-token-0123456789")
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: None)  # the workers' side below
    config = Config(knowledge_dir=link, db_path=tmp_path / "bot.sqlite3")
    assert server.run_web(config, None, host="127.0.0.1", port=8080, workers=2) == 0

    bearer = {"Authorization": "Bearer admin-token-0123456789"}
    with TestClient(server.app_from_environment()) as client:  # what each worker builds
        point_link(link, "v2")
        page = client.get("/admin", headers=bearer).text
        csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        assert client.post("/admin/reload", data={"csrf": csrf}, headers=bearer).status_code == 200
        token = client.get("/api/session").json()["csrf"]
        reply = client.post(
            "/api/message", json={"text": "哪里可以买菜"}, headers={"X-CSRF-Token": token}
        ).json()
    assert "已有9876位" in reply["text"]
