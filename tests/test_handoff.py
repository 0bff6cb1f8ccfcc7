"""Reaching a person: a resident asks for one, the admins are told with the last turns, an
admin answers, and the answer reaches the resident on the channel they used; limits,
restarts and the report."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from fakebotapi import bot_message_json, message_update
from telegram.error import Forbidden
from tgsupport import Chat, RecordingRequest

from bot.config import SHIPPED_KNOWLEDGE, Config
from bot.console import run_chat
from bot.dialogue import Dialogue, TextMessage, User
from bot.dialogue.followups import due_replies
from bot.dialogue.handoff import asks_for_person
from bot.handoffs import ANSWER_MAX_CHARS, MAX_PER_DAY, REPLYING_FOR, HandoffDesk
from bot.match.live import LiveKnowledge
from bot.match.types import MatcherSettings
from bot.store import Store
from bot.telegram.app import build_application

TOKEN = "123456:TEST-secret-token-abcdef"
ADMIN, OTHER_ADMIN, RESIDENT, OTHER_RESIDENT, GROUP = 9001, 9002, 1001, 1002, -100777
ASKED = "哪里可以买菜"
WANTS_PERSON = "我要找工作人员,楼道里的灯坏了三天了"
ANSWER = "您好,已经通知物业,明天上午来修。"


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory: pytest.TempPathFactory) -> LiveKnowledge:
    target = tmp_path_factory.mktemp("handoff") / "knowledge"
    shutil.copytree(SHIPPED_KNOWLEDGE, target)
    return LiveKnowledge(target, MatcherSettings())


@pytest.fixture
def desk(store: Store) -> HandoffDesk:
    return HandoffDesk(store)


@pytest.fixture
def dialogue(knowledge: LiveKnowledge, store: Store, desk: HandoffDesk) -> Dialogue:
    return Dialogue(knowledge, store, handoffs=desk)


# --- the words ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["找工作人员", "转人工", "我要留言", "talk to a person", "我想留言:垃圾桶满了", "轉人工",
     "能不能转 人工", "I want to speak to a human please", "帮我找个工作人员"],
)  # fmt: skip
def test_ways_of_asking_for_a_person(knowledge: LiveKnowledge, text: str) -> None:
    assert asks_for_person(knowledge.current.kb.handoff_words, text)


@pytest.mark.parametrize(
    "text", ["人工智能课程", "留言板在哪里", "哪里可以买菜", "工作人员多少人", "personal trainer"]
)
def test_what_is_no_request_for_a_person(knowledge: LiveKnowledge, text: str) -> None:
    assert not asks_for_person(knowledge.current.kb.handoff_words, text)


# --- the console and the web: the answer at the next visit ----------------------------


def test_the_resident_is_told_who_sees_it_and_how_long_it_may_take(dialogue: Dialogue) -> None:
    reply = dialogue.handle(User("web:abc"), TextMessage("转人工"))
    assert "工作人员" in reply.text and "一个工作日" in reply.text
    assert reply.handoff_id is not None
    english = dialogue.handle(User("web:def"), TextMessage("talk to a person"))
    assert "staff" in english.text and "working day" in english.text


def test_a_console_resident_sees_the_answer_at_the_next_visit(
    dialogue: Dialogue, desk: HandoffDesk
) -> None:
    user = User("console:alice")
    first = _chat(dialogue, user, [ASKED, WANTS_PERSON])
    assert "#1" in first
    [handoff] = desk.claim_unnotified()
    assert handoff.message == WANTS_PERSON
    assert [turn.question for turn in handoff.turns] == [ASKED]  # the turns before it
    assert desk.answer(handoff.id, ANSWER, by="web-admin") is not None
    later = _chat(dialogue, user, [])  # the next visit: shown before anything else
    assert ANSWER in later and WANTS_PERSON[:10] in later
    assert ANSWER not in _chat(dialogue, user, [])  # once
    assert desk.get(handoff.id).status == "closed"  # type: ignore[union-attr]


def _chat(dialogue: Dialogue, user: User, lines: list[str]) -> str:
    import io

    out = io.StringIO()
    run_chat(dialogue, user, lines, out)
    return out.getvalue()


def test_one_resident_cannot_flood_the_admins(dialogue: Dialogue, desk: HandoffDesk) -> None:
    user = User("web:flood")
    first = dialogue.handle(user, TextMessage("我要留言 一"))
    again = dialogue.handle(user, TextMessage("我要留言 二"))
    assert "加到您的留言" in again.text and again.handoff_id is None  # no new notice
    assert len(desk.claim_unnotified()) == 1
    assert desk.get(first.handoff_id).message.endswith("二")  # type: ignore[arg-type,union-attr]
    for n in range(MAX_PER_DAY - 1):
        desk.answer(desk.open_queue()[0].id, "好的", by="web-admin")
        assert dialogue.handle(user, TextMessage(f"转人工 {n}")).handoff_id is not None
    desk.answer(desk.open_queue()[0].id, "好的", by="web-admin")
    limited = dialogue.handle(user, TextMessage("转人工 再来"))
    assert limited.handoff_id is None and "12345" in limited.text
    assert desk.open_queue() == []


def test_nothing_is_lost_across_a_restart(tmp_path: Path, knowledge: LiveKnowledge) -> None:
    path = tmp_path / "restart.sqlite3"
    store = Store(path)
    opened = Dialogue(knowledge, store, handoffs=HandoffDesk(store)).handle(
        User("web:restart"), TextMessage("转人工 门口的树倒了")
    )
    store.close()
    store = Store(path)
    try:
        desk = HandoffDesk(store)
        [queued] = desk.open_queue()
        assert queued.id == opened.handoff_id and queued.address == {"user": "web:restart"}
        desk.answer(queued.id, ANSWER, by="web-admin")
        store.close()
        store = Store(path)
        again = Dialogue(knowledge, store, handoffs=HandoffDesk(store))
        [shown] = due_replies(again, User("web:restart"))
        assert ANSWER in shown.text
    finally:
        store.close()


def test_the_address_is_sealed_in_the_database(store: Store, desk: HandoffDesk) -> None:
    opened = desk.open("tg:424242", "转人工", "zh")
    store.flush(5)
    with store.transaction(5, write=False) as conn:
        row = conn.execute("SELECT * FROM handoffs WHERE id = ?", (opened.handoff_id,)).fetchone()
    assert "424242" not in json.dumps(list(row))
    assert desk.get(opened.handoff_id).address == {"user": "tg:424242"}  # type: ignore[arg-type,union-attr]


def test_without_a_queue_nothing_is_promised(knowledge: LiveKnowledge, store: Store) -> None:
    reply = Dialogue(knowledge, store).handle(User("web:x"), TextMessage("转人工"))
    assert "不能转给工作人员" in reply.text and reply.handoff_id is None


# --- Telegram: the whole round trip ---------------------------------------------------


@asynccontextmanager
async def telegram(
    tmp_path: Path, knowledge: LiveKnowledge, store: Store, dialogue: Dialogue
) -> AsyncIterator[Chat]:
    """One run of the Telegram bot on `store`, from initialize to shutdown."""
    config = Config(
        knowledge_dir=knowledge.directory,
        db_path=tmp_path / "bot.sqlite3",
        admin_ids=frozenset({ADMIN, OTHER_ADMIN}),
        token=TOKEN,
    )
    request = RecordingRequest()
    app = build_application(
        config, knowledge, store, dialogue, request=request, get_updates_request=request,
        watch_knowledge=False,
    )  # fmt: skip
    await app.initialize()
    yield Chat(app, request)
    await app.shutdown()
    assert request.unexpected == []


@pytest.fixture
async def chat(
    tmp_path: Path, knowledge: LiveKnowledge, store: Store, dialogue: Dialogue
) -> AsyncIterator[Chat]:
    async with telegram(tmp_path, knowledge, store, dialogue) as running:
        yield running


async def test_a_telegram_resident_reaches_a_person_and_gets_the_answer(chat: Chat) -> None:
    await chat.say(RESIDENT, ASKED)
    await chat.say(RESIDENT, WANTS_PERSON)
    assert "一个工作日" in chat.to(RESIDENT)[-1].text
    [notice] = chat.to(ADMIN)
    assert len(chat.to(OTHER_ADMIN)) == 1  # each admin
    assert WANTS_PERSON in notice.text and ASKED in notice.text  # with the turns before
    assert "食行生鲜" in notice.text  # what the bot answered then

    await chat.press(ADMIN, notice, "✍️ 回复")
    assert "#1" in chat.to(ADMIN)[-1].text  # "type your answer"
    chat.request.clear()
    await chat.say(ADMIN, ANSWER)
    [answer] = chat.to(RESIDENT)
    assert ANSWER in answer.text and "#1" in answer.text
    assert "已发给居民" in chat.to(ADMIN)[-1].text

    chat.request.clear()  # the other admin's button is stale now
    await chat.press(OTHER_ADMIN, notice, "✍️ 回复")
    assert "已经有人回复" in chat.to(OTHER_ADMIN)[-1].text
    await chat.say(OTHER_ADMIN, ASKED)  # an ordinary question again
    assert "食行生鲜" in chat.to(OTHER_ADMIN)[-1].text


async def test_replying_to_the_notice_answers_even_after_a_restart(chat: Chat) -> None:
    await chat.say(RESIDENT, WANTS_PERSON)
    [notice] = chat.to(ADMIN)
    chat.request.clear()  # no button pressed (or pressed before a restart): a plain reply
    shown = bot_message_json(ADMIN, notice.text)
    await chat.say(ADMIN, ANSWER, reply_to=shown)
    [answer] = chat.to(RESIDENT)
    assert ANSWER in answer.text


async def test_a_button_pressed_before_a_restart_still_takes_the_answer(
    any_db: str, tmp_path: Path, knowledge: LiveKnowledge
) -> None:
    """The admin presses reply, the bot restarts, then the admin types the answer as a plain
    message (not a reply to the prompt): it still reaches the resident."""
    before = Store(any_db)
    try:
        async with telegram(tmp_path, knowledge, before, _dialogue(knowledge, before)) as chat:
            await chat.say(RESIDENT, WANTS_PERSON)
            [notice] = chat.to(ADMIN)
            await chat.press(ADMIN, notice, "✍️ 回复")
            assert "#1" in chat.to(ADMIN)[-1].text
    finally:
        before.close()
    after = Store(any_db)
    try:
        async with telegram(tmp_path, knowledge, after, _dialogue(knowledge, after)) as chat:
            await chat.say(ADMIN, ANSWER)
            [answer] = chat.to(RESIDENT)
            assert ANSWER in answer.text and "#1" in answer.text
            assert "已发给居民" in chat.to(ADMIN)[-1].text
            chat.request.clear()
            await chat.say(ADMIN, ASKED)  # answered: the next message is a question again
            assert "食行生鲜" in chat.to(ADMIN)[-1].text
            assert chat.to(RESIDENT) == []
    finally:
        after.close()


def _dialogue(knowledge: LiveKnowledge, store: Store) -> Dialogue:
    return Dialogue(knowledge, store, handoffs=HandoffDesk(store))


@pytest.mark.parametrize("command", ["/start", "/stats", "/unanswered"])
async def test_a_command_cancels_the_answer(chat: Chat, command: str) -> None:
    """The prompt says a command cancels: the admins' own commands too, not only /start."""
    await chat.say(RESIDENT, WANTS_PERSON)
    [notice] = chat.to(ADMIN)
    await chat.press(ADMIN, notice, "✍️ 回复")
    await chat.say(ADMIN, command)
    chat.request.clear()
    await chat.say(ADMIN, ASKED)
    assert "食行生鲜" in chat.to(ADMIN)[-1].text  # a question, not an answer
    assert chat.to(RESIDENT) == []


async def test_a_too_long_answer_is_refused_and_the_next_one_is_taken(chat: Chat) -> None:
    await chat.say(RESIDENT, WANTS_PERSON)
    [notice] = chat.to(ADMIN)
    await chat.press(ADMIN, notice, "✍️ 回复")
    chat.request.clear()
    await chat.say(ADMIN, "长" * (ANSWER_MAX_CHARS + 1))
    assert "太长" in chat.to(ADMIN)[-1].text and chat.to(RESIDENT) == []
    await chat.say(ADMIN, ANSWER)
    [answer] = chat.to(RESIDENT)
    assert ANSWER in answer.text


async def test_pressing_another_reply_button_answers_that_one(chat: Chat) -> None:
    await chat.say(RESIDENT, WANTS_PERSON)
    await chat.say(OTHER_RESIDENT, "转人工 垃圾桶满了")
    first, second = chat.to(ADMIN)
    await chat.press(ADMIN, first, "✍️ 回复")
    await chat.press(ADMIN, second, "✍️ 回复")  # changed their mind
    chat.request.clear()
    await chat.say(ADMIN, ANSWER)
    [answer] = chat.to(OTHER_RESIDENT)
    assert ANSWER in answer.text and "#2" in answer.text
    assert chat.to(RESIDENT) == []


def test_a_reply_button_pressed_long_ago_no_longer_takes_the_next_message(
    desk: HandoffDesk,
) -> None:
    opened = desk.open("tg:1001", "转人工", "zh")
    assert opened.handoff_id is not None
    pressed = 1_800_000_000.0
    desk.choose("tg:9001", opened.handoff_id, now=pressed)
    assert desk.take_choice("tg:9001", now=pressed + REPLYING_FOR + 1) is None
    desk.choose("tg:9001", opened.handoff_id, now=pressed)
    assert desk.take_choice("tg:9001", now=pressed + 60) == opened.handoff_id
    assert desk.take_choice("tg:9001", now=pressed + 61) is None  # taken once


def test_who_is_answering_is_kept_as_a_keyed_hash(store: Store, desk: HandoffDesk) -> None:
    opened = desk.open("tg:1001", "转人工", "zh")
    assert opened.handoff_id is not None
    desk.choose("tg:9001", opened.handoff_id, now=1_800_000_000.0)
    with store.transaction(5, write=False) as conn:
        rows = [list(row) for row in conn.execute("SELECT * FROM handoff_replying")]
    assert len(rows) == 1 and "9001" not in json.dumps(rows)


async def test_in_a_group_the_answer_replies_to_the_request(chat: Chat) -> None:
    asked = message_update(RESIDENT, "/ask 转人工", chat_id=GROUP, chat_type="supergroup")
    await chat.feed(asked)
    [notice] = chat.to(ADMIN)
    await chat.press(ADMIN, notice, "✍️ 回复")
    chat.request.clear()
    await chat.say(ADMIN, ANSWER)
    [answer] = chat.to(GROUP)
    assert answer.params["reply_parameters"]["message_id"] == asked["message"]["message_id"]


async def test_a_web_resident_answered_in_telegram_waits_for_the_next_visit(
    chat: Chat, dialogue: Dialogue, desk: HandoffDesk
) -> None:
    web = User("web:visitor")
    dialogue.handle(web, TextMessage("我要留言 小区门口很黑"))
    staff = chat.app.bot_data["lifecycle"].handoffs.func.__self__
    assert await staff.notify_new(chat.app.bot) == 1  # what keep_going does every 10 s
    [notice] = chat.to(ADMIN)
    assert "网页聊天" in notice.text and "下次打开" in notice.text
    await chat.press(ADMIN, notice, "✍️ 回复")
    await chat.say(ADMIN, ANSWER)
    assert "居民下次打开聊天时会看到" in chat.to(ADMIN)[-1].text  # not "sent"
    [shown] = due_replies(dialogue, web)
    assert ANSWER in shown.text


async def test_an_answer_given_on_the_web_page_reaches_telegram(
    chat: Chat, desk: HandoffDesk
) -> None:
    await chat.say(RESIDENT, "转人工")
    [queued] = desk.open_queue()
    desk.answer(queued.id, ANSWER, by="web-admin")
    chat.request.clear()
    staff = chat.app.bot_data["lifecycle"].handoffs.func.__self__
    for handoff in desk.undelivered("tg"):  # one round of keep_going
        assert await staff.deliver(chat.app.bot, handoff) == "sent"
    [answer] = chat.to(RESIDENT)
    assert ANSWER in answer.text
    assert desk.undelivered("tg") == []


async def test_a_resident_who_blocked_the_bot_is_not_tried_again(
    chat: Chat, desk: HandoffDesk
) -> None:
    await chat.say(RESIDENT, "转人工")
    [notice] = chat.to(ADMIN)
    await chat.press(ADMIN, notice, "✍️ 回复")
    chat.request.failures["sendMessage"] = [Forbidden("bot was blocked by the user")]
    await chat.say(ADMIN, ANSWER)
    assert "屏蔽" in chat.to(ADMIN)[-1].text
    assert desk.undelivered("tg") == []


async def test_a_resident_cannot_press_the_admins_button(chat: Chat) -> None:
    await chat.say(RESIDENT, "转人工")
    [notice] = chat.to(ADMIN)
    chat.request.clear()
    await chat.press(RESIDENT, notice, "✍️ 回复")
    [refused] = chat.request.of("answerCallbackQuery")
    assert refused.params.get("show_alert") in (True, "true", "True")
    assert chat.to(RESIDENT) == []


# --- the report -----------------------------------------------------------------------


@pytest.fixture
def answered_one(desk: HandoffDesk) -> Iterator[HandoffDesk]:
    one = desk.open("web:a", "转人工", "zh")
    desk.open("web:b", "我要留言", "zh")
    desk.answer(one.handoff_id, ANSWER, by="web-admin")  # type: ignore[arg-type]
    yield desk


def test_the_report_counts_open_answered_and_the_median_wait(
    answered_one: HandoffDesk, store: Store, knowledge: LiveKnowledge
) -> None:
    from bot.report import build_report, format_report

    report = build_report(store, knowledge.current, 7)
    assert report.handoffs is not None
    assert (report.handoffs.open, report.handoffs.answered) == (1, 1)
    assert report.handoffs.median_answer_seconds is not None
    text = format_report(report, lang="en")
    assert "hand-offs" in text.lower() and "open 1" in text and "answered 1" in text
    assert report.to_dict()["handoffs"]["open"] == 1


# --- the web chat and /admin: the JSON API (the Chromium version waits for the web chat's
# delivery of due replies at page load and by polling, branch `webchat`) ------------------

ADMIN_TOKEN = "admin-token-0123456789"
BEARER = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def web(dialogue: Dialogue) -> Iterator[Any]:
    from starlette.testclient import TestClient

    from bot.web.app import create_app
    from bot.web.guard import RateLimits

    app = create_app(
        dialogue,
        limits=RateLimits(100, 10.0),
        csrf_secret="handoff-test-secret-0123",
        admin_token=ADMIN_TOKEN,
        close_store=False,
    )
    with TestClient(app) as resident, TestClient(app) as staff:
        yield resident, staff


def _say(client: Any, text: str) -> dict:
    token = client.get("/api/session").json()["csrf"]
    response = client.post("/api/message", json={"text": text}, headers={"x-csrf-token": token})
    assert response.status_code == 200
    return dict(response.json())


def _due(client: Any) -> list[dict]:
    """What the page's poll (and its check before each message) is given."""
    return list(client.get("/api/followups").json()["followups"])


def _shown(client: Any, due: list[dict]) -> None:
    """The page's script, once those are on screen."""
    token = client.get("/api/session").json()["csrf"]
    ids = [item["id"] for item in due]
    acked = client.post("/api/followups/ack", json={"ids": ids}, headers={"x-csrf-token": token})
    assert acked.json()["acknowledged"] == ids


def test_a_web_resident_gets_the_answer_from_admin_at_the_next_visit(web: Any) -> None:
    resident, staff = web
    _say(resident, ASKED)
    opened = _say(resident, WANTS_PERSON)
    assert "一个工作日" in opened["text"] and _due(resident) == []
    page = staff.get("/admin", headers=BEARER).text
    assert WANTS_PERSON in page and ASKED in page and "下次打开聊天" in page
    csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    handoff = page.split('name="handoff" value="', 1)[1].split('"', 1)[0]
    form = {"csrf": csrf, "handoff": handoff, "answer": ANSWER}
    answered = staff.post("/admin/handoff", data=form, headers=BEARER)
    assert "下次打开聊天时会看到" in answered.text  # saved, not "sent"
    assert WANTS_PERSON not in answered.text  # the queue is empty again

    [due] = _due(resident)
    assert ANSWER in due["text"]
    assert _due(resident) == [due], "pending until the page says it is on screen"
    _shown(resident, [due])
    assert _due(resident) == []  # once, then closed
    again = staff.post("/admin/handoff", data=form, headers=BEARER)
    assert "已经有人回复" in again.text


def test_the_admin_form_needs_a_login_and_its_csrf(web: Any, store: Store) -> None:
    from bot.admin.accounts import Accounts

    resident, staff = web
    _say(resident, "转人工")
    assert staff.post("/admin/handoff", data={"handoff": "1", "answer": "x"}).status_code == 401
    Accounts(store).add("wang", "handoff-staff-password")
    staff.post("/admin/login", data={"name": "wang", "password": "handoff-staff-password"})
    refused = staff.post("/admin/handoff", data={"csrf": "x", "handoff": "1", "answer": "x"})
    assert refused.status_code == 403  # logged in, but not this session's page


# --- both backends: two processes share one queue -------------------------------------


def test_two_processes_share_the_queue_on_either_backend(any_db: str) -> None:
    from bot.handoffs import summary

    bot, web = Store(any_db), Store(any_db)
    try:
        resident_side, staff_side = HandoffDesk(bot), HandoffDesk(web)
        opened = resident_side.open("tg:777", "转人工 电梯坏了", "zh")
        assert opened.outcome == "opened" and opened.handoff_id is not None
        resident_side.remember_address(opened.handoff_id, {"chat_id": 777, "reply_to": None})
        [claimed] = staff_side.claim_unnotified()
        assert staff_side.claim_unnotified() == []  # told once, whichever process looks
        assert claimed.address == {"user": "tg:777", "chat_id": 777, "reply_to": None}
        assert staff_side.answer(opened.handoff_id, ANSWER, by="web-admin") is not None
        assert staff_side.answer(opened.handoff_id, "again", by="web-admin") is None
        [owed] = resident_side.undelivered("tg")
        assert owed.answer == ANSWER
        assert resident_side.claim_delivery(owed.id) and not staff_side.claim_delivery(owed.id)
        counted = summary(web, 0, 4e9)
        assert counted is not None and (counted.opened, counted.open, counted.answered) == (1, 0, 1)
    finally:
        bot.close()
        web.close()


def test_a_broken_handoff_file_is_named_with_its_line(tmp_path: Path) -> None:
    from bot.kb import KnowledgeBaseError, load_knowledge

    target = tmp_path / "knowledge"
    shutil.copytree(SHIPPED_KNOWLEDGE, target)
    (target / "handoff.yaml").write_text("asks:\n  - 转人工\nnot_handof: [人工智能]\n", "utf-8")
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge(target)
    [problem] = [p.in_lang("en") for p in caught.value.problems]
    assert problem.startswith("knowledge/handoff.yaml:3:") and "not_handoff" in problem


def test_a_screen_that_acknowledges_closes_only_what_it_showed(
    dialogue: Dialogue, desk: HandoffDesk
) -> None:
    from bot.dialogue.followups import acknowledge, delivery_key

    user = User("web:screen")
    opened = dialogue.handle(user, TextMessage("转人工"))
    desk.answer(opened.handoff_id, ANSWER, by="web-admin")  # type: ignore[arg-type]
    [shown] = due_replies(dialogue, user, mark_sent=False)
    assert due_replies(dialogue, user, mark_sent=False) == [shown]  # not acknowledged yet
    key = delivery_key(shown)
    assert key == f"h{opened.handoff_id}"
    assert acknowledge(dialogue, User("web:other"), [key]) == []  # type: ignore[list-item]
    assert acknowledge(dialogue, user, [key]) == [shown]  # type: ignore[list-item]
    assert due_replies(dialogue, user, mark_sent=False) == [] and due_replies(dialogue, user) == []


def test_ask_says_a_request_for_a_person_opens_a_hand_off() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json"],
        input="转人工\n哪里可以买菜\n",
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["outcome"] == "handoff" and "工作日" in first["answer"]
    assert second["outcome"] == "answered"
