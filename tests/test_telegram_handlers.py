"""The Telegram layer driven the way python-telegram-bot tests itself.

Real `Update` objects (de_json from Bot API JSON) go through
`application.process_update`; a `RecordingRequest` stands in for the network and
records what the bot would have sent.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from fakebotapi import (
    BOT_ID,
    BOT_USERNAME,
    bot_message_json,
    callback_update,
    message_json,
    message_update,
)
from telegram import Update
from telegram.error import BadRequest, NetworkError
from telegram.ext import Application
from tgsupport import RecordingRequest

from bot.config import SHIPPED_KNOWLEDGE, Config, RateLimit, TelegramSettings
from bot.dialogue import Button, ButtonPress, Dialogue, Incoming, NonText, Reply, TextMessage, User
from bot.match.live import LiveKnowledge
from bot.match.types import MatcherSettings
from bot.store import Store, user_log_key
from bot.telegram.app import build_application

TOKEN = "123456:TEST-secret-token-abcdef"
ADMIN = 9001
RESIDENT = 1001
GROUP = -100777


# -- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def knowledge_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("kb") / "knowledge"
    shutil.copytree(SHIPPED_KNOWLEDGE, target)
    return target


@pytest.fixture(scope="module")
def knowledge(knowledge_dir: Path) -> LiveKnowledge:
    return LiveKnowledge(knowledge_dir, MatcherSettings())


@pytest.fixture
def config(knowledge_dir: Path, tmp_path: Path) -> Config:
    return Config(
        knowledge_dir=knowledge_dir,
        db_path=tmp_path / "bot.sqlite3",
        admin_ids=frozenset({ADMIN}),
        token=TOKEN,
        telegram=TelegramSettings(
            user_rate_limit=RateLimit(messages=5, seconds=60), error_notify_seconds=60
        ),
    )


@dataclass
class FakeDialogue:
    """Scripted replies; records what it was asked."""

    replies: list[Reply] = field(default_factory=list)
    received: list[tuple[User, Incoming]] = field(default_factory=list)
    error: Exception | None = None
    journal: None = None  # no follow-ups
    handoffs: None = None  # no hand-offs

    def handle(self, user: User, incoming: Incoming) -> Reply:
        self.received.append((user, incoming))
        if self.error:
            raise self.error
        return self.replies.pop(0) if self.replies else Reply("好的")


class Bot:
    """An initialised application plus what it sent."""

    def __init__(self, app: Application[Any, Any, Any, Any, Any, Any], request: RecordingRequest):
        self.app = app
        self.request = request

    async def feed(self, update: dict) -> None:
        await self.app.process_update(Update.de_json(update, self.app.bot))

    async def say(self, user_id: int, text: str | None, **kwargs: Any) -> None:
        await self.feed(message_update(user_id, text, **kwargs))

    @property
    def messages(self) -> list[Any]:
        return self.request.messages


async def make_bot(config: Config, knowledge: Any, store: Any, dialogue: Any) -> Bot:
    request = RecordingRequest()
    app = build_application(
        config,
        knowledge,
        store,
        dialogue,
        request=request,
        get_updates_request=request,
        watch_knowledge=False,
    )
    await app.initialize()
    return Bot(app, request)


@pytest.fixture
async def real(config: Config, knowledge: LiveKnowledge, store: Store) -> AsyncIterator[Bot]:
    bot = await make_bot(config, knowledge, store, Dialogue(knowledge, store))
    yield bot
    await bot.app.shutdown()
    assert bot.request.unexpected == []


@pytest.fixture
def scripted() -> FakeDialogue:
    return FakeDialogue()


@pytest.fixture
async def fake(
    config: Config, knowledge: LiveKnowledge, store: Store, scripted: FakeDialogue
) -> AsyncIterator[Bot]:
    bot = await make_bot(config, knowledge, store, scripted)
    yield bot
    await bot.app.shutdown()
    assert bot.request.unexpected == []


# -- residents in private chats ----------------------------------------------------------


async def test_question_is_answered_with_feedback_buttons(real: Bot) -> None:
    await real.say(RESIDENT, "哪里可以买菜")
    [sent] = real.messages
    assert sent.params["chat_id"] == RESIDENT
    assert "食行生鲜" in sent.text
    assert "parse_mode" not in sent.params  # plain text: < & * _ are safe
    labels = [label for row in sent.buttons for label, _ in row]
    assert any("👍" in label for label in labels)


async def test_start_shows_topics_and_a_topic_button_works(real: Bot) -> None:
    await real.say(RESIDENT, "/start")
    [menu] = real.messages
    topics = [button for row in menu.buttons for button in row]
    assert len(topics) >= 5
    _label, payload = next(b for b in topics if b[0] == "买菜与便民")
    real.request.clear()

    shown = bot_message_json(RESIDENT, menu.text, menu.params["reply_markup"])
    await real.feed(callback_update(RESIDENT, payload, shown))

    [answered] = real.request.of("answerCallbackQuery")
    assert answered.params["callback_query_id"]
    replies = real.request.of("sendMessage") + real.request.of("editMessageText")
    assert len(replies) == 1
    assert "食行生鲜" in replies[0].text or replies[0].buttons


async def test_commands_reach_the_dialogue_with_arguments(
    fake: Bot, scripted: FakeDialogue
) -> None:
    await fake.say(RESIDENT, "/committee 孝和")
    await fake.say(RESIDENT, f"/lang@{BOT_USERNAME} en")
    texts = [
        incoming.text for _, incoming in scripted.received if isinstance(incoming, TextMessage)
    ]
    assert texts == ["/committee 孝和", "/lang en"]
    user = scripted.received[0][0]
    assert user == User(id=f"tg:{RESIDENT}", language_code="zh-hans", is_admin=False)


async def test_buttons_become_an_inline_keyboard(fake: Bot, scripted: FakeDialogue) -> None:
    scripted.replies.append(
        Reply("选一个:", buttons=((Button("甲", "a"), Button("乙", "b")), (Button("丙", "c"),)))
    )
    await fake.say(RESIDENT, "菜单")
    [sent] = fake.messages
    assert sent.buttons == [[("甲", "a"), ("乙", "b")], [("丙", "c")]]


async def test_a_browsing_step_edits_the_pressed_message(fake: Bot, scripted: FakeDialogue) -> None:
    scripted.replies.append(
        Reply("第二页", buttons=((Button("返回", "back"),),), replace_previous=True)
    )
    shown = bot_message_json(RESIDENT, "第一页", message_id=555)
    await fake.feed(callback_update(RESIDENT, "next", shown))
    assert scripted.received[0][1] == ButtonPress("next")
    [edit] = fake.request.of("editMessageText")
    assert edit.params["message_id"] == 555
    assert edit.text == "第二页"
    assert edit.buttons == [[("返回", "back")]]
    assert fake.messages == []
    assert len(fake.request.of("answerCallbackQuery")) == 1


async def test_a_failed_edit_falls_back_to_a_new_message(fake: Bot, scripted: FakeDialogue) -> None:
    scripted.replies.append(Reply("第一页", replace_previous=True))
    fake.request.failures["editMessageText"] = [
        BadRequest(
            "Message is not modified: specified new message content and reply markup "
            "are exactly the same"
        )
    ]
    shown = bot_message_json(RESIDENT, "第一页")
    await fake.feed(callback_update(RESIDENT, "same", shown))
    [sent] = fake.messages
    assert sent.text == "第一页"
    assert len(fake.request.of("answerCallbackQuery")) == 1


async def test_a_press_on_an_old_message_is_still_answered(
    fake: Bot, scripted: FakeDialogue
) -> None:
    fake.request.failures["answerCallbackQuery"] = [BadRequest("Query is too old")]
    await fake.feed(callback_update(RESIDENT, "x", bot_message_json(RESIDENT, "旧消息")))
    assert len(fake.request.of("answerCallbackQuery")) == 1
    assert len(fake.messages) == 1  # the turn still happens


async def test_long_replies_are_split_at_line_breaks(fake: Bot, scripted: FakeDialogue) -> None:
    line = "第{}行:<b>不是标签</b> & *星号* _下划线_\n"
    text = "".join(line.format(i) for i in range(400))  # about 14,000 characters
    scripted.replies.append(Reply(text, buttons=((Button("👍", "fb:+:1"),),)))
    await fake.say(RESIDENT, "很长")
    sent = fake.messages
    assert len(sent) == 4
    assert all(len(s.text) <= 4096 for s in sent)
    assert all(s.text.startswith("第") and s.text.endswith("_下划线_") for s in sent)
    assert "".join(s.text + "\n" for s in sent) == text
    assert [bool(s.buttons) for s in sent] == [False, False, False, True]
    assert all("parse_mode" not in s.params for s in sent)


async def test_non_text_messages_become_non_text(fake: Bot, scripted: FakeDialogue) -> None:
    sticker = {
        "file_id": "s1",
        "file_unique_id": "u1",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    await fake.say(RESIDENT, None, extra={"sticker": sticker})
    voice = {"file_id": "v1", "file_unique_id": "u2", "duration": 3}
    await fake.say(RESIDENT, None, extra={"voice": voice})
    assert [incoming for _, incoming in scripted.received] == [NonText("sticker"), NonText("voice")]
    assert len(fake.messages) == 2


async def test_real_dialogue_answers_a_sticker_politely(real: Bot) -> None:
    photo = [{"file_id": "p1", "file_unique_id": "u3", "width": 90, "height": 90}]
    await real.say(RESIDENT, None, extra={"photo": photo})
    [sent] = real.messages
    assert sent.text


# -- groups ------------------------------------------------------------------------------


async def test_group_chatter_is_ignored(fake: Bot, scripted: FakeDialogue) -> None:
    await fake.say(RESIDENT, "今天天气不错", chat_id=GROUP, chat_type="supergroup")
    await fake.say(RESIDENT, "/start", chat_id=GROUP, chat_type="supergroup")
    await fake.say(RESIDENT, "/start@another_bot", chat_id=GROUP, chat_type="supergroup")
    await fake.say(RESIDENT, "@another_bot 哪里买菜", chat_id=GROUP, chat_type="supergroup")
    sticker = {
        "file_id": "s1",
        "file_unique_id": "u1",
        "type": "regular",
        "width": 1,
        "height": 1,
        "is_animated": False,
        "is_video": False,
    }
    await fake.say(RESIDENT, None, chat_id=GROUP, chat_type="group", extra={"sticker": sticker})
    assert scripted.received == []
    assert fake.request.sent == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"@{BOT_USERNAME} 哪里可以买菜", "哪里可以买菜"),
        (f"请问 @{BOT_USERNAME.upper()} 哪里可以买菜?", "请问 哪里可以买菜?"),
        (f"@{BOT_USERNAME}", "/start"),
        ("/ask 哪里可以买菜", "哪里可以买菜"),
        (f"/ask@{BOT_USERNAME} 法律咨询", "法律咨询"),
        (f"/committees@{BOT_USERNAME}", "/committees"),
    ],
)
async def test_group_messages_for_the_bot(
    fake: Bot, scripted: FakeDialogue, text: str, expected: str
) -> None:
    await fake.say(RESIDENT, text, chat_id=GROUP, chat_type="supergroup")
    [(_, incoming)] = scripted.received
    assert incoming == TextMessage(expected)
    [sent] = fake.messages
    assert sent.params["chat_id"] == GROUP
    assert sent.params["reply_parameters"]["message_id"]  # answers in the thread


async def test_replies_to_the_bot_in_groups_are_answered(fake: Bot, scripted: FakeDialogue) -> None:
    ours = bot_message_json(GROUP, "孝和居委……", chat_type="supergroup")
    await fake.say(RESIDENT, "电话多少", chat_id=GROUP, chat_type="supergroup", reply_to=ours)
    theirs = message_json(RESIDENT + 1, "别人的消息", chat_id=GROUP, chat_type="supergroup")
    await fake.say(RESIDENT, "同意", chat_id=GROUP, chat_type="supergroup", reply_to=theirs)
    assert [incoming for _, incoming in scripted.received] == [TextMessage("电话多少")]


async def test_mentions_count_utf16_offsets(fake: Bot, scripted: FakeDialogue) -> None:
    await fake.say(RESIDENT, f"😀😀 @{BOT_USERNAME} 买菜", chat_id=GROUP, chat_type="supergroup")
    assert scripted.received[0][1] == TextMessage("😀😀 买菜")


# -- flood limit -------------------------------------------------------------------------


async def test_flood_limit_warns_once_then_drops(
    config: Config, knowledge: LiveKnowledge, store: Store, scripted: FakeDialogue
) -> None:
    limited = replace(config, telegram=TelegramSettings(user_rate_limit=RateLimit(3, 0.5)))
    bot = await make_bot(limited, knowledge, store, scripted)
    try:
        for i in range(6):
            await bot.say(RESIDENT, f"问题{i}")
        await bot.say(RESIDENT + 1, "别人不受影响")
        texts = [m.text for m in bot.messages]
        assert len(scripted.received) == 4
        assert len(texts) == 5
        assert "稍等" in texts[3]
        # a press while limited is answered (no spinner), but not handled
        await bot.feed(callback_update(RESIDENT, "x", bot_message_json(RESIDENT, "菜单")))
        assert len(bot.request.of("answerCallbackQuery")) == 1
        assert len(scripted.received) == 4

        await asyncio.sleep(0.6)
        await bot.say(RESIDENT, "又可以问了")
        assert scripted.received[-1][1] == TextMessage("又可以问了")
    finally:
        await bot.app.shutdown()


async def test_flood_notice_follows_the_client_language(
    config: Config, knowledge: LiveKnowledge, store: Store, scripted: FakeDialogue
) -> None:
    limited = replace(config, telegram=TelegramSettings(user_rate_limit=RateLimit(1, 60)))
    bot = await make_bot(limited, knowledge, store, scripted)
    try:
        await bot.say(RESIDENT, "hello", language_code="en")
        await bot.say(RESIDENT, "again", language_code="en")
        assert "wait a moment" in bot.messages[-1].text
    finally:
        await bot.app.shutdown()


# -- admins ------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["/reload", "/stats", "/unanswered 5", "/undo"])
async def test_admin_commands_refuse_residents(
    real: Bot, command: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="bot.telegram.admin"):
        await real.say(RESIDENT, command)
    [sent] = real.messages
    assert "工作人员" in sent.text
    assert f"by {user_log_key(f'tg:{RESIDENT}')}: refused" in caplog.text  # hashed, as stored
    assert f"tg:{RESIDENT}" not in caplog.text


async def test_admin_reload_reports_counts(real: Bot, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="bot.telegram.admin"):
        await real.say(ADMIN, "/reload")
    [sent] = real.messages
    assert "16 个居委" in sent.text
    assert f"/reload by {user_log_key(f'tg:{ADMIN}')}: allowed" in caplog.text


async def test_admin_reload_of_broken_knowledge_keeps_the_old(
    config: Config, store: Store, tmp_path: Path
) -> None:
    directory = tmp_path / "knowledge"
    shutil.copytree(SHIPPED_KNOWLEDGE, directory)
    knowledge = LiveKnowledge(directory, MatcherSettings())
    bot = await make_bot(config, knowledge, store, Dialogue(knowledge, store))
    try:
        (directory / "committees" / "xiaohe.yaml").write_text("committee: [unclosed\n")
        await bot.say(ADMIN, "/reload", language_code="en")
        assert "failed" in bot.messages[-1].text
        assert "xiaohe.yaml" in bot.messages[-1].text
        await bot.say(RESIDENT, "哪里可以买菜")
        assert "食行生鲜" in bot.messages[-1].text
    finally:
        await bot.app.shutdown()


async def test_admin_stats_and_unanswered(real: Bot) -> None:
    await real.say(RESIDENT, "哪里可以买菜")
    await real.say(RESIDENT, "火星上的停车场怎么收费")
    real.request.clear()
    await real.say(ADMIN, "/stats")
    await real.say(ADMIN, "/unanswered 3")
    stats, header, group = real.messages  # /unanswered: a header, then one message per group
    assert "今天的提问:2" in stats.text
    assert "共 1 组" in header.text
    assert "火星" in group.text
    assert group.buttons[-1][0][0] == "忽略"


@pytest.mark.parametrize("argument", ["²", "99999999999999999999999", "-3", "0"])
async def test_unanswered_with_an_odd_number_lists_the_default_top(
    real: Bot, argument: str, caplog: pytest.LogCaptureFixture
) -> None:
    await real.say(RESIDENT, "火星上的停车场怎么收费")
    real.request.clear()
    with caplog.at_level(logging.ERROR):
        await real.say(ADMIN, f"/unanswered {argument}")
    _header, group = real.messages
    assert "火星" in group.text
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize("data", ["fb:+:²", "fb:+:99999999999999999999999", "f:#²"])
async def test_forged_button_data_with_odd_digits_says_it_changed(
    real: Bot, data: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        await real.feed(callback_update(RESIDENT, data, bot_message_json(RESIDENT, "答案")))
    [sent] = real.messages
    assert "这一项已经更新了" in sent.text
    assert "turn failed" not in caplog.text


async def test_english_admins_get_english_stats(real: Bot) -> None:
    await real.say(ADMIN, "/stats", language_code="en-US")
    [stats] = real.messages
    assert "Questions today: 0" in stats.text


# -- staying up --------------------------------------------------------------------------


async def test_a_send_failing_once_is_retried(fake: Bot) -> None:
    fake.request.failures["sendMessage"] = [NetworkError("Internal Server Error (500)")]
    await fake.say(RESIDENT, "你好")
    assert len(fake.messages) == 2  # the failed attempt and the retry
    assert fake.messages[-1].text == "好的"


async def test_send_failures_end_in_the_error_handler(
    fake: Bot, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.telegram.handlers.RETRY_DELAY", 0.0)
    fake.request.failures["sendMessage"] = [NetworkError("Bad Gateway")] * 3
    with caplog.at_level(logging.WARNING):
        await fake.say(RESIDENT, "你好")  # must not raise
    assert "network trouble" in caplog.text
    await fake.say(RESIDENT, "还在吗")
    assert fake.messages[-1].text == "好的"


async def test_errors_are_logged_then_admins_told_at_most_once(
    fake: Bot, scripted: FakeDialogue, caplog: pytest.LogCaptureFixture
) -> None:
    scripted.error = RuntimeError("boom")
    with caplog.at_level(logging.ERROR):
        await fake.say(RESIDENT, "一")
        await fake.say(RESIDENT, "二")
    assert caplog.text.count("RuntimeError: boom") == 2
    to_resident = [m for m in fake.messages if m.params["chat_id"] == RESIDENT]
    to_admin = [m for m in fake.messages if m.params["chat_id"] == ADMIN]
    assert len(to_resident) == 2 and "抱歉" in to_resident[0].text
    assert len(to_admin) == 1 and "RuntimeError: boom" in to_admin[0].text


# -- start-up ----------------------------------------------------------------------------


async def test_post_init_sets_chinese_and_english_commands(fake: Bot) -> None:
    assert fake.app.post_init is not None
    await fake.app.post_init(fake.app)
    calls = fake.request.of("setMyCommands")
    default = next(c for c in calls if "language_code" not in c.params and "scope" not in c.params)
    english = next(c for c in calls if c.params.get("language_code") == "en")
    admins = next(c for c in calls if "scope" in c.params)
    assert any("居委" in c["description"] for c in default.params["commands"])
    assert all(c["description"].isascii() for c in english.params["commands"])
    assert admins.params["scope"] == {"type": "chat", "chat_id": ADMIN}
    assert "reload" in [c["command"] for c in admins.params["commands"]]
    await fake.app.post_stop(fake.app)  # type: ignore[misc]


async def test_bot_identity_comes_from_get_me(fake: Bot) -> None:
    assert fake.app.bot.id == BOT_ID
    assert fake.app.bot.username == BOT_USERNAME
