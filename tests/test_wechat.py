"""The WeChat Official Account front end, through a fake WeChat (tests/fakewechat.py):
signed and encrypted pushes into `/wechat`, and a fake API on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot.config import SHIPPED_KNOWLEDGE
from bot.dialogue import Dialogue, Incoming, Reply, User
from bot.dialogue.flood import FloodGate
from bot.handoffs import HandoffDesk
from bot.kb.teach import Taught
from bot.match import LiveKnowledge
from bot.match.types import MatcherSettings
from bot.store import Store
from bot.teachlog import TeachJournal
from bot.web.app import create_app
from bot.web.guard import RateLimits
from bot.wechat import followups
from bot.wechat.api import WeChatApi, WeChatApiError
from bot.wechat.endpoint import WeChatFront
from bot.wechat.protocol import Protocol
from bot.wechat.render import MAX_MESSAGE_BYTES
from bot.wechat.settings import WeChatSettings
from tests.fakewechat import (
    AES_KEY,
    APPID,
    SECRET,
    TOKEN,
    FakeWeChatApi,
    Resident,
    WeChatServer,
)

BUY_VEGETABLES = "哪里可以买菜"
OUT_OF_SCOPE = "医保卡丢了哪能补办"


@pytest.fixture(scope="module")
def knowledge() -> LiveKnowledge:
    return LiveKnowledge(SHIPPED_KNOWLEDGE, MatcherSettings())


@pytest.fixture
def api() -> Iterator[FakeWeChatApi]:
    with FakeWeChatApi() as fake:
        yield fake


def settings_for(api: FakeWeChatApi) -> WeChatSettings:
    return WeChatSettings(TOKEN, APPID, AES_KEY, SECRET, api.base)


@dataclass
class Account:
    """The bot's /wechat under test, and what WeChat sees of it."""

    client: TestClient
    front: WeChatFront
    store: Store
    journal: TeachJournal
    api: FakeWeChatApi
    wechat: WeChatServer

    def post(self, xml: str, **query: str):  # type: ignore[no-untyped-def]
        push = self.wechat.push(xml)
        return self.client.post("/wechat", params={**push.query, **query}, content=push.body)

    def ask(self, resident: Resident, text: str) -> str:
        """The resident's text, and the content of the passive reply ("" for success)."""
        response = self.post(self.wechat.text(resident, text))
        assert response.status_code == 200, response.text
        return self.wechat.read_reply(response.text).get("Content", "")

    def logged(self) -> list[str]:
        self.store.flush(5)
        return [q.question for q in self.store.questions(0)]


def make_account(
    dialogue: Dialogue, api: FakeWeChatApi, *, safe_mode: bool = False, budget: float = 4.0
) -> Iterator[Account]:
    settings = settings_for(api)
    front = WeChatFront(dialogue, Protocol(settings), WeChatApi(settings), budget=budget)
    app = create_app(
        dialogue, limits=RateLimits(30, 1.0), csrf_secret="s" * 32, close_store=False, wechat=front
    )
    assert dialogue.journal is not None
    with TestClient(app) as client:
        yield Account(
            client, front, dialogue.store, dialogue.journal, api, WeChatServer(safe_mode=safe_mode)
        )


@pytest.fixture(params=["plain", "safe"])
def account(
    request: pytest.FixtureRequest, knowledge: LiveKnowledge, store: Store, api: FakeWeChatApi
) -> Iterator[Account]:
    dialogue = Dialogue(knowledge, store, journal=TeachJournal(store))
    yield from make_account(dialogue, api, safe_mode=request.param == "safe")


@pytest.fixture
def plain(knowledge: LiveKnowledge, store: Store, api: FakeWeChatApi) -> Iterator[Account]:
    dialogue = Dialogue(knowledge, store, journal=TeachJournal(store))
    yield from make_account(dialogue, api)


# --- the protocol -----------------------------------------------------------------------------


def test_url_verification_answers_the_echostr_only_when_signed(plain: Account) -> None:
    query = plain.wechat.verification("echo-123")
    assert plain.client.get("/wechat", params=query).text == "echo-123"
    forged = {**query, "signature": "0" * 40}
    response = plain.client.get("/wechat", params=forged)
    assert response.status_code == 403 and "echo-123" not in response.text


def test_a_question_is_answered_in_plain_and_safe_mode(account: Account) -> None:
    resident = Resident("o-resident-1")
    response = account.post(account.wechat.text(resident, BUY_VEGETABLES))
    if account.wechat.safe_mode:
        assert "<Encrypt>" in response.text and BUY_VEGETABLES not in response.text
    reply = account.wechat.read_reply(response.text)
    assert reply["MsgType"] == "text" and reply["ToUserName"] == resident.openid
    assert "孝和" in reply["Content"] and "食行生鲜" in reply["Content"]
    assert account.logged() == [BUY_VEGETABLES]


def test_out_of_scope_is_declined_with_12345_and_english_in_english(account: Account) -> None:
    resident = Resident("o-resident-2")
    assert "12345" in account.ask(resident, OUT_OF_SCOPE)
    english = account.ask(resident, "where can I learn calligraphy")
    assert "Calligraphy" in english and "书法班" in english  # the English answer names it


def test_a_bad_signature_is_refused_and_nothing_is_logged(account: Account) -> None:
    resident = Resident("o-forger")
    push = account.wechat.push(account.wechat.text(resident, BUY_VEGETABLES))
    bad = dict(push.query, signature="f" * 40)
    assert account.client.post("/wechat", params=bad, content=push.body).status_code == 403
    if account.wechat.safe_mode:  # the outer signature right, the message's own wrong
        bad = dict(push.query, msg_signature="f" * 40)
        assert account.client.post("/wechat", params=bad, content=push.body).status_code == 403
    assert account.logged() == []


def test_a_replayed_timestamp_is_refused(plain: Account) -> None:
    plain.wechat.clock_offset = -600  # signed ten minutes ago
    response = plain.post(plain.wechat.text(Resident("o-replay"), BUY_VEGETABLES))
    assert response.status_code == 403
    assert plain.logged() == []


XXE = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY secret SYSTEM "file:///etc/hostname">]>'
    "<xml><ToUserName>a</ToUserName><FromUserName>o-x</FromUserName><CreateTime>1</CreateTime>"
    "<MsgType>text</MsgType><Content>&secret;</Content><MsgId>1</MsgId></xml>"
)
BOMB = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    + "]><xml><ToUserName>a</ToUserName><FromUserName>o-x</FromUserName>"
    "<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&i;</Content>"
    "<MsgId>2</MsgId></xml>"
)


@pytest.mark.parametrize("body", [XXE, BOMB], ids=["xxe", "billion-laughs"])
def test_xml_with_a_dtd_is_refused_unexpanded(account: Account, body: str) -> None:
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else "?"
    response = account.post(body)
    assert response.status_code == 400
    assert "aaaaaaaaaa" not in response.text and (not hostname or hostname not in response.text)
    assert account.logged() == []


def test_any_doctype_is_refused_even_without_entities(account: Account) -> None:
    # what a parser that expands entities would let through: no DTD reaches it at all
    xml = account.wechat.text(Resident("o-dtd"), BUY_VEGETABLES)
    assert account.post("<!DOCTYPE xml>" + xml).status_code == 400
    assert account.logged() == []


@pytest.mark.parametrize(
    "body",
    ["", "not xml", "<xml></xml>", "<xml><MsgType>text</MsgType></xml>", "<xml><a>1</a>", "\xff"],
)
def test_odd_bodies_get_400_never_a_traceback(account: Account, body: str) -> None:
    response = account.post(body)
    assert response.status_code == 400 and "Traceback" not in response.text


def test_a_body_over_64_kb_is_refused(plain: Account) -> None:
    huge = plain.wechat.text(Resident("o-big"), "买菜" * 12_000)
    assert plain.post(huge).status_code == 413
    assert plain.logged() == []


def test_a_retry_with_the_same_msgid_gets_the_same_reply_once(account: Account) -> None:
    resident = Resident("o-retry")
    xml = account.wechat.text(resident, BUY_VEGETABLES, msg_id=7_000_001)
    first = account.wechat.read_reply(account.post(xml).text)["Content"]
    for _ in range(3):  # WeChat tries three times
        assert account.wechat.read_reply(account.post(xml).text)["Content"] == first
    assert account.logged() == [BUY_VEGETABLES]


# --- every kind of message ----------------------------------------------------------------


def test_voice_is_answered_from_its_recognition_or_asks_to_type(account: Account) -> None:
    resident = Resident("o-voice")
    heard = account.post(account.wechat.voice(resident, BUY_VEGETABLES))
    assert "食行生鲜" in account.wechat.read_reply(heard.text)["Content"]
    silent = account.post(account.wechat.voice(resident, ""))
    assert "打字" in account.wechat.read_reply(silent.text)["Content"]
    absent = account.post(account.wechat.voice(resident, None))
    assert "打字" in account.wechat.read_reply(absent.text)["Content"]
    assert account.logged() == [BUY_VEGETABLES]


def test_subscribe_welcomes_with_the_topic_menu_as_links(account: Account) -> None:
    response = account.post(account.wechat.event(Resident("o-new"), "subscribe"))
    content = account.wechat.read_reply(response.text)["Content"]
    assert "居民助手" in content
    assert 'href="weixin://bizmsgmenu?msgmenucontent=买菜与便民&msgmenuid=2"' in content


def test_menu_clicks_open_a_topic_and_the_committee_list(plain: Account) -> None:
    resident = Resident("o-click")
    topic = plain.post(plain.wechat.event(resident, "CLICK", "t:买菜与便民"))
    assert "食行生鲜" in plain.wechat.read_reply(topic.text)["Content"]
    committees = plain.post(plain.wechat.event(resident, "CLICK", "cs"))
    content = plain.wechat.read_reply(committees.text)["Content"]
    assert "孝和居委" in content and "新天地居委" in content


def test_images_and_locations_get_one_polite_line(plain: Account) -> None:
    response = plain.post(plain.wechat.image(Resident("o-photo")))
    assert "请用文字提问" in plain.wechat.read_reply(response.text)["Content"]


def test_unsubscribe_gets_no_reply(plain: Account) -> None:
    response = plain.post(plain.wechat.event(Resident("o-gone"), "unsubscribe"))
    assert response.text == "success"


def test_a_tapped_link_or_a_typed_number_presses_the_option(plain: Account) -> None:
    resident = Resident("o-options")
    plain.ask(resident, "/start")
    assert "食行生鲜" in plain.ask(resident, "买菜与便民")  # what the tapped link sends
    plain.ask(resident, "/start")
    assert "食行生鲜" in plain.ask(resident, "2")  # typed: the second option
    assert plain.logged() == []  # pressing options asks the matcher nothing


def test_did_you_mean_options_are_links_and_a_tap_picks_one(plain: Account) -> None:
    resident = Resident("o-unsure")
    asked = plain.ask(resident, "志愿者")
    assert "您是想问" in asked
    label = asked.split("msgmenucontent=", 1)[1].split("&msgmenuid=1", 1)[0]
    assert "志愿者" in label and plain.ask(resident, label).startswith(label.split(":")[0])
    plain.store.flush(5)
    (logged,) = plain.store.questions(0)
    assert logged.chosen_fact_id is not None  # the pick counts as answered for the report


def test_a_push_for_another_appid_is_refused(plain: Account) -> None:
    other = WeChatServer(safe_mode=True, appid="wxffffffffffffffff")
    push = other.push(other.text(Resident("o-elsewhere"), BUY_VEGETABLES))
    assert plain.client.post("/wechat", params=push.query, content=push.body).status_code == 403
    assert plain.logged() == []


def test_an_answer_rated_with_a_link_records_the_vote(plain: Account) -> None:
    resident = Resident("o-rates")
    answer = plain.ask(resident, BUY_VEGETABLES)
    assert "👍" in answer
    plain.ask(resident, "1")  # 👍 is the first option under an answer
    plain.store.flush(5)
    assert [entry.helpful for entry in plain.store.feedback(0)] == [True]


# --- length, the 5-second rule, the API -------------------------------------------------------


class LongAnswers(Dialogue):
    """A dialogue whose every answer runs past WeChat's 2,048 bytes."""

    def handle(self, user: User, incoming: Incoming) -> Reply:
        paragraphs = [f"第{n}段:" + "居委会为居民提供服务。" * 12 for n in range(1, 9)]
        return Reply("\n\n".join(paragraphs))


def test_a_reply_over_2048_bytes_is_split_not_cut(
    knowledge: LiveKnowledge, store: Store, api: FakeWeChatApi
) -> None:
    dialogue = LongAnswers(knowledge, store, journal=TeachJournal(store))
    resident = Resident("o-long")
    for account in make_account(dialogue, api, safe_mode=True):
        passive = account.ask(resident, "介绍一下")
    assert len(passive.encode()) <= MAX_MESSAGE_BYTES
    rest = wait_for(lambda: api.texts_to(resident.openid))
    assert all(len(text.encode()) <= MAX_MESSAGE_BYTES for text in rest)
    whole = "\n".join([passive, *rest]).replace("\n\n", "\n")
    expected = dialogue.handle(User("x"), None).text.replace("\n\n", "\n")  # type: ignore[arg-type]
    assert whole == expected


class SlowDialogue(Dialogue):
    """A turn that takes longer than WeChat waits (a reload, a busy machine)."""

    def handle(self, user: User, incoming: Incoming) -> Reply:
        time.sleep(1.0)
        return super().handle(user, incoming)


def test_an_answer_slower_than_wechat_waits_comes_as_a_customer_message(
    knowledge: LiveKnowledge, store: Store, api: FakeWeChatApi
) -> None:
    journal = TeachJournal(store)
    dialogue = SlowDialogue(knowledge, store, journal=journal)
    resident = Resident("o-slow")
    owe_a_followup(store, journal, f"wechat:{resident.openid}")
    for account in make_account(dialogue, api, budget=0.2):
        response = account.post(account.wechat.text(resident, BUY_VEGETABLES))
        assert response.text == "success"  # at once, within WeChat's 5 s
        sent = wait_for(lambda: api.texts_to(resident.openid))
    assert "食行生鲜" in "".join(sent) and "现在有答案了" in "".join(sent)
    (log_id,) = [q.id for q in store.questions(0) if q.unanswered]
    assert wait_for(lambda: journal.status_of(log_id) == "sent"), "marked once it went out"


def test_a_locked_database_holds_no_reply(
    knowledge: LiveKnowledge, store: Store, api: FakeWeChatApi, tmp_path: Path
) -> None:
    journal = TeachJournal(store)
    dialogue = Dialogue(knowledge, store, journal=journal)
    resident = Resident("o-locked")
    owe_a_followup(store, journal, f"wechat:{resident.openid}")
    for account in make_account(dialogue, api, budget=4.0):
        other = sqlite3.connect(tmp_path / "bot.sqlite3", isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")  # another process holds the database
        try:
            reply = account.ask(resident, BUY_VEGETABLES)
        finally:
            other.execute("ROLLBACK")
            other.close()
    assert "食行生鲜" in reply, "the passive reply, in time, with the lock still held"
    assert "现在有答案了" in reply, "and the follow-up it owed"


def test_an_expired_token_is_fetched_again_once(api: FakeWeChatApi) -> None:
    client = WeChatApi(settings_for(api))
    client.send_text("o-a", "一")
    client.send_text("o-a", "二")
    assert api.tokens_issued == 1  # cached
    api.expire_token()
    client.send_text("o-a", "三")
    assert api.texts_to("o-a") == ["一", "二", "三"] and api.tokens_issued == 2


def test_a_token_error_that_persists_is_not_retried_forever(
    api: FakeWeChatApi, caplog: pytest.LogCaptureFixture
) -> None:
    client = WeChatApi(settings_for(api))
    client.send_text("o-a", "一")
    token = api.current_token
    api.errors_for["o-b"] = 40001  # the token keeps being refused for this call
    with caplog.at_level(logging.INFO), pytest.raises(WeChatApiError) as raised:
        client.send_text("o-b", "二")
    assert raised.value.errcode == 40001
    assert api.tokens_issued == 2  # one refresh, one retry, then the error
    assert "40001" in caplog.text
    assert token not in caplog.text and api.current_token not in caplog.text
    assert SECRET not in caplog.text


# --- follow-ups ------------------------------------------------------------------------------


def owe_a_followup(store: Store, journal: TeachJournal, user_id: str) -> None:
    """A question of `user_id` left open, then taught (as `Teaching.teach` records it)."""
    log_id = store.log_question(
        user_id,
        question=OUT_OF_SCOPE,
        normalized=OUT_OF_SCOPE,
        outcome="declined",
        fact_id=None,
        score=None,
        lang="zh",
    )
    assert log_id is not None
    teach(store, journal)


def teach(store: Store, journal: TeachJournal) -> int:
    taught = Taught("xiaohe-fresh-market", OUT_OF_SCOPE, "zh", Path("x.yaml"), added=True)
    teach_id = journal.record_teach(taught, "tg:1")
    store.flush(5)
    return len(journal.queue_followups(teach_id, taught, store.questions(0)))


def test_a_followup_within_48_hours_is_sent_as_a_customer_message(plain: Account) -> None:
    resident = Resident("o-follow")
    assert "12345" in plain.ask(resident, OUT_OF_SCOPE)
    assert teach(plain.store, plain.journal) == 1
    api = plain.front.api
    assert api is not None
    sent = asyncio.run(
        followups.deliver(api, plain.journal, plain.front.dialogue.knowledge, plain.front.last_seen)
    )
    assert sent == 1
    (message,) = plain.api.texts_to(resident.openid)
    assert f"您之前问的“{OUT_OF_SCOPE}”,现在有答案了" in message and "食行生鲜" in message
    # sent once: neither the next look nor the next reply repeats it
    assert (
        asyncio.run(
            followups.deliver(
                api, plain.journal, plain.front.dialogue.knowledge, plain.front.last_seen
            )
        )
        == 0
    )
    assert "现在有答案了" not in plain.ask(resident, "你好")


def test_a_followup_after_48_hours_comes_with_the_next_reply(plain: Account) -> None:
    resident = Resident("o-late")
    plain.ask(resident, OUT_OF_SCOPE)
    teach(plain.store, plain.journal)
    api = plain.front.api
    assert api is not None
    later = time.time() + 49 * 3600
    sent = asyncio.run(
        followups.deliver(
            api,
            plain.journal,
            plain.front.dialogue.knowledge,
            plain.front.last_seen,
            clock=lambda: later,
        )
    )
    assert sent == 0 and plain.api.texts_to(resident.openid) == []
    reply = plain.ask(resident, "你好")
    assert "现在有答案了" in reply and "食行生鲜" in reply


@pytest.mark.parametrize(("errcode", "status"), [(43004, "blocked"), (45015, "pending")])
def test_a_followup_wechat_refuses_is_not_recorded_as_sent(
    plain: Account, errcode: int, status: str
) -> None:
    resident = Resident(f"o-refused-{errcode}")
    plain.ask(resident, OUT_OF_SCOPE)
    teach(plain.store, plain.journal)
    plain.api.errors_for[resident.openid] = errcode  # unsubscribed; past 48 h by WeChat's clock
    api = plain.front.api
    assert api is not None
    knowledge = plain.front.dialogue.knowledge
    sent = asyncio.run(followups.deliver(api, plain.journal, knowledge, plain.front.last_seen))
    assert sent == 0
    (log_id,) = [q.id for q in plain.store.questions(0)]
    assert plain.journal.status_of(log_id) == status


@pytest.fixture
def with_desk(knowledge: LiveKnowledge, store: Store, api: FakeWeChatApi) -> Iterator[Account]:
    desk = HandoffDesk(store)
    dialogue = Dialogue(knowledge, store, journal=TeachJournal(store), handoffs=desk)
    yield from make_account(dialogue, api)


def staff_answer(account: Account, resident: Resident) -> HandoffDesk:
    """The resident asks for a person on WeChat; staff answer on /admin or in Telegram."""
    assert "工作日" in account.ask(resident, "转人工")
    desk = account.front.dialogue.handoffs
    assert desk is not None
    (handoff,) = desk.open_queue()
    assert desk.answer(handoff.id, "下周一上午来居委面谈", by="web:admin") is not None
    return desk


def deliver_answers(account: Account, desk: HandoffDesk) -> int:
    api = account.front.api
    assert api is not None
    return asyncio.run(followups.deliver_answers(api, desk, account.front.last_seen))


def test_a_staff_answer_reaches_a_wechat_resident_as_a_customer_message(
    with_desk: Account,
) -> None:
    resident = Resident("o-person")
    desk = staff_answer(with_desk, resident)
    assert deliver_answers(with_desk, desk) == 1
    (message,) = with_desk.api.texts_to(resident.openid)
    assert "下周一上午来居委面谈" in message
    assert deliver_answers(with_desk, desk) == 0, "once"
    assert "面谈" not in with_desk.ask(resident, "你好"), "nor again with the next reply"


def test_a_staff_answer_wechat_refuses_for_now_is_tried_again(with_desk: Account) -> None:
    resident = Resident("o-person-later")
    desk = staff_answer(with_desk, resident)
    with_desk.api.errors_for[resident.openid] = 45015  # past 48 h by WeChat's clock
    assert deliver_answers(with_desk, desk) == 0
    assert with_desk.api.texts_to(resident.openid) == []
    del with_desk.api.errors_for[resident.openid]
    assert deliver_answers(with_desk, desk) == 1, "the address survived the failed try"
    assert "面谈" in with_desk.api.texts_to(resident.openid)[0]


def test_followups_off_works_in_wechat(plain: Account) -> None:
    resident = Resident("o-quiet")
    plain.ask(resident, "/followups off")
    plain.ask(resident, OUT_OF_SCOPE)
    assert teach(plain.store, plain.journal) == 0


def test_the_openid_is_stored_only_as_a_keyed_hash(plain: Account, tmp_path: Path) -> None:
    resident = Resident("o-secret-openid-42")
    plain.ask(resident, OUT_OF_SCOPE)  # an open question: its address is kept, sealed
    plain.store.flush(5)
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("bot.sqlite3*"))
    assert resident.openid.encode() not in raw


def wait_for(probe, timeout: float = 30.0):  # type: ignore[no-untyped-def]
    """`probe()` once it is truthy (a background send), failing after `timeout` s."""
    end = time.monotonic() + timeout
    while not (value := probe()):
        assert time.monotonic() < end, "nothing arrived"
        time.sleep(0.02)
    return value


def test_a_flooding_resident_is_told_once_to_slow_down(
    knowledge: LiveKnowledge, store: Store, api: FakeWeChatApi
) -> None:
    dialogue = Dialogue(knowledge, store, journal=TeachJournal(store))
    resident = Resident("o-flood")
    for account in make_account(dialogue, api):
        account.front.flood = FloodGate(3, 60.0)
        replies = [account.ask(resident, f"问题{n}") for n in range(6)]
    assert ["稍等" in reply for reply in replies] == [False] * 3 + [True, False, False]
    assert replies[4:] == ["", ""]  # then silence (success) until the window passes
    assert len(account.logged()) == 3
