"""The admins' teach flow in Telegram, driven with real `Update`s (see test_telegram_handlers):
/unanswered → ➕ button → taught, reloaded, the resident told once; pickers, ignore, undo;
non-admins refused; a resident who blocked the bot is recorded and never retried."""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fakebotapi import message_update
from telegram.error import Forbidden
from tgsupport import Chat as ChatDriver
from tgsupport import RecordingRequest, Sent

from bot.admin.accounts import Accounts
from bot.admin.teaching import Teaching
from bot.config import SHIPPED_KNOWLEDGE, Config
from bot.dialogue import Dialogue
from bot.match.live import LiveKnowledge
from bot.match.types import MatcherSettings
from bot.store import Store, user_log_key
from bot.teachlog import TeachJournal
from bot.telegram.app import build_application
from bot.telegram.followups import keep_delivering

TOKEN = "123456:TEST-secret-token-abcdef"
ADMIN, RESIDENT, NEIGHBOUR, GROUP = 9001, 1001, 1002, -100777
DECLINED = "有没有上门理发"
LABEL = "➕ “民心在线”志愿便民服务队:送到家门口的服务(建二)"
FOLLOW_UP = f"您之前问的“{DECLINED}”,现在有答案了"


@pytest.fixture
def knowledge(tmp_path: Path) -> LiveKnowledge:
    target = tmp_path / "knowledge"
    shutil.copytree(SHIPPED_KNOWLEDGE, target)
    return LiveKnowledge(target, MatcherSettings())


@pytest.fixture
def journal(store: Store) -> AsyncIterator[TeachJournal]:
    journal = TeachJournal(store)
    yield journal  # type: ignore[misc]
    journal.close()


class Chat(ChatDriver):
    clears_on_press = True

    @property
    def edited(self) -> list[Sent]:
        return self.request.of("editMessageText")

    async def unanswered(self) -> list[Sent]:
        self.request.clear()
        await self.say(ADMIN, "/unanswered")
        return self.to(ADMIN)[1:]  # after the header, one message per group


@pytest.fixture
async def chat(
    tmp_path: Path, knowledge: LiveKnowledge, store: Store, journal: TeachJournal
) -> AsyncIterator[Chat]:
    config = Config(
        knowledge_dir=knowledge.directory,
        db_path=tmp_path / "bot.sqlite3",
        admin_ids=frozenset({ADMIN}),
        token=TOKEN,
    )
    dialogue = Dialogue(knowledge, store, journal=journal)
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
    yield Chat(app, request)
    await app.shutdown()
    assert request.unexpected == []


async def test_pressing_the_nearest_fact_teaches_and_tells_the_resident(chat: Chat) -> None:
    await chat.say(RESIDENT, DECLINED)
    assert "12345" in chat.to(RESIDENT)[-1].text  # declined, with the hotline
    [group] = await chat.unanswered()
    assert f"1 次:“{DECLINED}”" in group.text
    labels = [text for row in group.buttons for text, _ in row]
    assert labels[0] == LABEL and labels[-2:] == ["其他条目…", "忽略"]

    await chat.press(ADMIN, group, LABEL)
    [told] = chat.to(RESIDENT)
    assert FOLLOW_UP in told.text and "民心在线" in told.text
    assert "reply_parameters" not in told.params  # a private message
    [confirmed] = chat.edited
    assert "已学会" in confirmed.text and "jianer-volunteer-services" in confirmed.text
    assert "已发给 1 位(Telegram)" in confirmed.text  # what happened, counted after sending

    chat.request.clear()
    await chat.say(NEIGHBOUR, DECLINED)  # hot reload: the next resident is answered
    assert "民心在线" in chat.to(NEIGHBOUR)[-1].text
    assert await chat.unanswered() == []


async def test_a_follow_up_in_a_group_replies_to_the_question(chat: Chat) -> None:
    asked = message_update(RESIDENT, f"/ask {DECLINED}", chat_id=GROUP, chat_type="supergroup")
    await chat.feed(asked)
    [group] = await chat.unanswered()
    await chat.press(ADMIN, group, LABEL)
    [told] = chat.to(GROUP)
    assert FOLLOW_UP in told.text
    assert told.params["reply_parameters"]["message_id"] == asked["message"]["message_id"]


async def test_a_second_teach_never_sends_the_follow_up_twice(chat: Chat) -> None:
    await chat.say(RESIDENT, DECLINED)
    [group] = await chat.unanswered()
    await chat.press(ADMIN, group, LABEL)
    assert len(chat.to(RESIDENT)) == 1
    chat.request.clear()
    await chat.say(ADMIN, "/undo")
    assert "已撤销" in chat.to(ADMIN)[-1].text
    [group] = await chat.unanswered()
    await chat.press(ADMIN, group, LABEL)
    assert chat.to(RESIDENT) == []
    assert "已学会" in chat.edited[-1].text


async def test_a_resident_who_blocked_the_bot_is_recorded_and_not_retried(
    chat: Chat, journal: TeachJournal, store: Store
) -> None:
    await chat.say(RESIDENT, DECLINED)
    await chat.say(NEIGHBOUR, "有没有上门理发?")
    [group] = await chat.unanswered()
    chat.request.failures["sendMessage"] = [Forbidden("Forbidden: bot was blocked by the user")]
    await chat.press(ADMIN, group, LABEL)
    blocked = [m for m in chat.request.messages if "chat_id" in m.params]
    assert {int(m.params["chat_id"]) for m in blocked} == {RESIDENT, NEIGHBOUR}
    statuses = sorted(str(journal.status_of(q.id)) for q in store.questions(0))
    assert statuses == ["blocked", "sent"]
    said = chat.edited[-1].text
    assert "已发给 1 位(Telegram)" in said and "1 位(Telegram)这次没有发出" in said
    assert journal.undelivered() == [], "a blocked resident is not owed a retry"

    chat.request.clear()
    await chat.say(ADMIN, "/undo")
    [group] = await chat.unanswered()
    await chat.press(ADMIN, group, LABEL)
    assert chat.to(RESIDENT) == [] and chat.to(NEIGHBOUR) == []


async def test_another_fact_picks_a_committee_then_a_fact(chat: Chat, knowledge) -> None:
    await chat.say(RESIDENT, DECLINED)
    [group] = await chat.unanswered()
    await chat.press(ADMIN, group, "其他条目…")
    [committees] = chat.edited
    assert "淮海中路街道" in committees.text or any(
        text == "淮海中路街道" for row in committees.buttons for text, _ in row
    )
    await chat.press(ADMIN, committees, "孝和居委")
    [facts] = chat.edited
    await chat.press(ADMIN, facts, "➕ 食行生鲜:家门口的菜场(孝和)")
    assert "已学会" in chat.edited[-1].text
    fact = knowledge.current.kb.fact("xiaohe-fresh-market")
    assert DECLINED in fact.phrasings_zh


async def test_ignore_leaves_the_group_out(chat: Chat) -> None:
    await chat.say(RESIDENT, DECLINED)
    [group] = await chat.unanswered()
    await chat.press(ADMIN, group, "忽略")
    assert "已忽略" in chat.edited[-1].text
    assert await chat.unanswered() == []


async def test_who_ignored_and_reloaded_is_recorded_by_a_hash(chat: Chat, store: Store) -> None:
    await chat.say(RESIDENT, DECLINED)
    [group] = await chat.unanswered()
    await chat.press(ADMIN, group, "忽略")
    await chat.say(ADMIN, "/reload")
    actions = Accounts(store).actions(0)
    assert [a.action for a in actions] == ["reload", "ignore"]
    assert actions[0].name == actions[1].name and str(ADMIN) not in actions[0].name


async def test_a_resident_pressing_a_teach_button_is_refused(chat: Chat, knowledge) -> None:
    await chat.say(RESIDENT, DECLINED)
    [group] = await chat.unanswered()
    before = (knowledge.directory / "committees" / "jianer.yaml").read_bytes()
    await chat.press(RESIDENT, group, LABEL)
    [answer] = chat.request.of("answerCallbackQuery")
    assert "工作人员" in answer.params["text"] and answer.params["show_alert"]
    assert chat.to(RESIDENT) == [] and chat.edited == []
    assert (knowledge.directory / "committees" / "jianer.yaml").read_bytes() == before


async def test_followups_off_in_telegram(chat: Chat) -> None:
    await chat.say(RESIDENT, "/followups off")
    assert "不再发送" in chat.to(RESIDENT)[-1].text
    await chat.say(RESIDENT, DECLINED)
    [group] = await chat.unanswered()
    await chat.press(ADMIN, group, LABEL)
    assert chat.to(RESIDENT) == []


async def test_a_teach_from_the_command_line_reaches_telegram_residents(
    chat: Chat, knowledge: LiveKnowledge, store: Store, journal: TeachJournal
) -> None:
    """The command line cannot send to Telegram: the running bot sends what it queued."""
    await chat.say(RESIDENT, DECLINED)
    outcome = Teaching(knowledge, store, journal).teach(
        DECLINED, "jianer-volunteer-services", by="console:staff"
    )
    assert len(outcome.followups) == 1
    chat.request.clear()
    stop = asyncio.Event()
    sender = asyncio.create_task(keep_delivering(chat.app.bot, journal, knowledge, stop, 0.05))
    for _ in range(100):
        if chat.to(RESIDENT):
            break
        await asyncio.sleep(0.05)
    stop.set()
    await sender
    [told] = chat.to(RESIDENT)
    assert FOLLOW_UP in told.text
    assert journal.undelivered() == []


async def test_a_teach_button_sent_to_the_residents_dialogue_is_refused(
    knowledge: LiveKnowledge, store: Store
) -> None:
    from bot.dialogue import ButtonPress, User

    reply = Dialogue(knowledge, store).handle(
        User("web:x"), ButtonPress("tf:1:jianer-volunteer-services")
    )
    assert "工作人员" in reply.text


async def test_no_log_line_names_a_telegram_user_by_id(
    chat: Chat, caplog: pytest.LogCaptureFixture
) -> None:
    # "admin command /reload by tg:5400: refused" and "tg:9001 taught …" were in the log
    with caplog.at_level(logging.INFO):  # what the bot logs (python-telegram-bot's DEBUG aside)
        await chat.say(RESIDENT, "/reload")  # refused
        await chat.say(RESIDENT, DECLINED)
        await chat.say(ADMIN, "/reload")
        [group] = await chat.unanswered()
        await chat.press(ADMIN, group, LABEL)  # taught
        await chat.say(ADMIN, "/undo")
        await chat.say(RESIDENT, "/undo")  # refused
    lines = [record.getMessage() for record in caplog.records]
    for user_id in (ADMIN, RESIDENT):
        raw = re.compile(rf"(?<![0-9a-f]){user_id}(?![0-9a-f])")
        assert not [line for line in lines if raw.search(line)], user_id
    admin, resident = user_log_key(f"tg:{ADMIN}"), user_log_key(f"tg:{RESIDENT}")
    assert any(f"by {resident}: refused" in line for line in lines)  # still told apart
    assert any(line.startswith(f"{admin} taught") for line in lines)
    assert any(line.startswith(f"{admin} undid") for line in lines)


HAIRCUT, LOCKSMITH = "附近有没有上门理发服务", "附近有没有上门开锁服务"


async def test_another_wording_of_the_group_is_told_only_when_ticked(chat: Chat) -> None:
    await chat.say(RESIDENT, HAIRCUT)
    await chat.say(RESIDENT, HAIRCUT)
    await chat.say(NEIGHBOUR, LOCKSMITH)
    [group] = await chat.unanswered()
    assert f"将写入的问法:“{HAIRCUT}”" in group.text
    await chat.press(ADMIN, group, f"☐ 也通知:{LOCKSMITH}")
    [ticked] = chat.edited
    assert f"☑ 也通知:{LOCKSMITH}" in [text for row in ticked.buttons for text, _ in row]
    await chat.press(ADMIN, group, LABEL)
    assert chat.to(RESIDENT) and chat.to(NEIGHBOUR), "the ticked wording's asker is told too"


async def test_an_unticked_wording_is_not_told_and_wording_edits_what_is_written(
    chat: Chat, knowledge: LiveKnowledge
) -> None:
    await chat.say(RESIDENT, HAIRCUT)
    await chat.say(RESIDENT, HAIRCUT)
    await chat.say(NEIGHBOUR, LOCKSMITH)
    [group] = await chat.unanswered()
    log_id = group.text.split("/wording ", 1)[1].split()[0]
    await chat.say(ADMIN, f"/wording {log_id} 附近有人上门理发吗")
    assert "附近有人上门理发吗" in chat.to(ADMIN)[-1].text
    await chat.press(ADMIN, group, LABEL)
    assert chat.to(RESIDENT) and chat.to(NEIGHBOUR) == []
    fact = knowledge.current.kb.fact("jianer-volunteer-services")
    assert fact is not None and fact.phrasings_zh[-1] == "附近有人上门理发吗"
