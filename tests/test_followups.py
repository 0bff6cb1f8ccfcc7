"""Follow-ups: a resident whose question was declined hears the answer once it is taught,
once, in their language, unless they turned follow-ups off; undo and ignore work. Each
test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.admin.teaching import Teaching
from bot.console import run_chat
from bot.dialogue import ButtonPress, Dialogue, TextMessage, User
from bot.dialogue.followups import acknowledge, delivery_key, due_replies
from bot.match import LiveKnowledge, MatcherSettings
from bot.store import Store
from bot.teachlog import TeachJournal

ROOT = Path(__file__).resolve().parent.parent
DECLINED = "有没有上门理发"
FACT = "jianer-volunteer-services"
ADMIN = "console:staff"


@pytest.fixture
def knowledge(tmp_path: Path) -> LiveKnowledge:
    target = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", target)
    return LiveKnowledge(target, MatcherSettings())


@pytest.fixture
def store(any_db: str) -> Iterator[Store]:
    """The store on each backend (conftest's `store` is SQLite only)."""
    store = Store(any_db)
    yield store
    store.close()


@pytest.fixture
def journal(store: Store) -> Iterator[TeachJournal]:
    journal = TeachJournal(store)
    yield journal
    journal.close()


@pytest.fixture
def dialogue(knowledge: LiveKnowledge, store: Store, journal: TeachJournal) -> Dialogue:
    return Dialogue(knowledge, store, journal=journal)


@pytest.fixture
def teaching(knowledge: LiveKnowledge, store: Store, journal: TeachJournal) -> Teaching:
    return Teaching(knowledge, store, journal)


def chat(dialogue: Dialogue, name: str, *lines: str) -> str:
    out = io.StringIO()
    run_chat(dialogue, User(f"console:{name}"), list(lines), out)
    return out.getvalue()


def test_a_declined_resident_gets_the_answer_once_on_their_next_chat(dialogue, teaching):
    assert "12345" in chat(dialogue, "a", DECLINED)  # declined: the fallback contact
    outcome = teaching.teach(DECLINED, FACT, by=ADMIN)
    assert outcome.ok and len(outcome.followups) == 1
    later = chat(dialogue, "a", "谢谢")
    assert f"您之前问的“{DECLINED}”,现在有答案了" in later
    assert "民心在线" in later
    assert "现在有答案了" not in chat(dialogue, "a", "你好"), "never twice"
    assert "现在有答案了" not in chat(dialogue, "b", "你好"), "only to who asked"


def test_a_follow_up_held_for_a_screen_stays_pending_until_acknowledged(
    dialogue, teaching, journal
):
    """The web page's way: read without marking, mark only what the screen showed, and
    only the resident's own."""
    chat(dialogue, "a", DECLINED)
    outcome = teaching.teach(DECLINED, FACT, by=ADMIN)
    assert "1 位下次打开网页时会看到" in outcome.message and "已发" not in outcome.message
    resident, other = User("console:a"), User("console:b")
    [held] = due_replies(dialogue, resident, mark_sent=False)
    assert held.followup_id is not None and "民心在线" in held.text
    assert due_replies(dialogue, resident, mark_sent=False) == [held], "still pending"
    key = delivery_key(held)
    assert acknowledge(dialogue, other, [key]) == [], "not another's"
    assert journal.status_of(held.followup_id) == "pending"
    assert acknowledge(dialogue, resident, [key]) == [held]
    assert journal.status_of(held.followup_id) == "sent"
    assert due_replies(dialogue, resident, mark_sent=False) == []
    assert acknowledge(dialogue, resident, [key]) == [], "once"


def test_a_resident_who_asked_in_english_is_told_in_english(dialogue, teaching):
    chat(dialogue, "en", "is there a haircut service at home")
    teaching.teach("is there a haircut service at home", FACT, by=ADMIN)
    assert "You asked “is there a haircut service at home” earlier" in chat(dialogue, "en", "hi")


def test_the_next_resident_asking_is_answered_after_the_teach(dialogue, teaching):
    chat(dialogue, "a", DECLINED)
    teaching.teach(DECLINED, FACT, by=ADMIN)
    reply = dialogue.handle(User("console:b"), TextMessage(DECLINED))
    assert "民心在线" in reply.text and reply.open_log_id is None


def test_a_second_teach_never_sends_a_follow_up_twice(dialogue, teaching, journal):
    chat(dialogue, "a", DECLINED)
    first = teaching.teach(DECLINED, FACT, by=ADMIN)
    assert "现在有答案了" in chat(dialogue, "a", "你好")
    assert journal.status_of(first.followups[0].log_id) == "sent"
    assert teaching.undo(by=ADMIN).ok
    again = teaching.teach(DECLINED, FACT, by=ADMIN)
    assert again.ok and again.followups == ()
    assert "现在有答案了" not in chat(dialogue, "a", "你好")


def test_a_teach_undone_before_delivery_is_delivered_once_when_taught_again(dialogue, teaching):
    chat(dialogue, "a", DECLINED)
    teaching.teach(DECLINED, FACT, by=ADMIN)
    assert teaching.undo(by=ADMIN).ok  # before resident a chatted again: nothing to say
    assert "现在有答案了" not in chat(dialogue, "a", "你好")
    assert len(teaching.teach(DECLINED, FACT, by=ADMIN).followups) == 1
    assert chat(dialogue, "a", "你好").count("现在有答案了") == 1


def test_follow_ups_off_means_none_is_queued(dialogue, teaching):
    assert "不再发送" in chat(dialogue, "a", "/followups off")
    chat(dialogue, "a", DECLINED)
    assert teaching.teach(DECLINED, FACT, by=ADMIN).followups == ()
    assert "现在有答案了" not in chat(dialogue, "a", "你好")
    assert "会告诉您" in chat(dialogue, "a", "/followups on")


def test_undo_reverts_the_admins_last_teach_and_is_audited(teaching, journal, knowledge):
    file = knowledge.directory / "committees" / "jianer.yaml"
    before = file.read_bytes()
    teaching.teach(DECLINED, FACT, by=ADMIN)
    assert teaching.undo(by="console:someone-else").ok is False, "only your own teaches"
    assert teaching.undo(by=ADMIN).ok
    assert file.read_bytes() == before
    [record] = journal.teaches()
    assert record.taught.fact_id == FACT and record.taught.phrasing == DECLINED
    assert record.taught.by != ADMIN, "the admin is stored as a keyed hash"


def test_an_ignored_group_leaves_the_list(dialogue, teaching):
    chat(dialogue, "a", DECLINED, "今天天气怎么样")
    assert {g.example for g in teaching.groups()} == {DECLINED, "今天天气怎么样"}
    weather = next(g for g in teaching.groups() if g.example == "今天天气怎么样")
    assert teaching.group_of(weather.log_id) == weather
    teaching.ignore(weather, by=ADMIN)
    assert [g.example for g in teaching.groups()] == [DECLINED]


def test_the_address_is_sealed_in_the_database(journal, store):
    journal.remember_address(42, {"chat_id": 987654321, "message_id": 7})
    assert store.flush(5)
    with store.transaction(5, write=False) as conn:
        rows = [tuple(row) for row in conn.execute("SELECT * FROM followup_addresses")]
    assert [row[0] for row in rows] == [42]
    assert "987654321" not in repr(rows)


def test_who_picked_a_did_you_mean_option_got_an_answer_and_is_not_followed_up(dialogue, teaching):
    clarify = "哪里有活动"  # "did you mean": several committees' activities
    picked = dialogue.handle(User("console:a"), TextMessage(clarify))
    option = next(b.payload for b in picked.flat_buttons if b.payload.startswith("p:"))
    dialogue.handle(User("console:a"), ButtonPress(option))
    dialogue.handle(User("console:b"), TextMessage(clarify))  # b left the options unpicked
    outcome = teaching.teach(clarify, option.split(":")[2], by=ADMIN)
    assert outcome.ok and len(outcome.followups) == 1
    assert "现在有答案了" not in chat(dialogue, "a", "你好")
    assert "现在有答案了" in chat(dialogue, "b", "你好")


HAIRCUT, LOCKSMITH = "附近有没有上门理发服务", "附近有没有上门开锁服务"


def test_only_the_taught_wording_or_a_ticked_one_is_followed_up(dialogue, teaching):
    """A locksmith question spelt like a haircut one sits in its group: its asker is told
    the haircut answer only if the admin ticks that wording."""
    chat(dialogue, "haircut", HAIRCUT)
    chat(dialogue, "haircut2", HAIRCUT)
    chat(dialogue, "locksmith", LOCKSMITH)
    (group,) = teaching.groups()
    assert group.example == HAIRCUT and group.count == 3
    assert [wording for _, wording in group.others] == [LOCKSMITH], "shown, to tick"
    outcome = teaching.teach(group.example, FACT, by=ADMIN, forms=group.forms_for(()))
    assert outcome.ok and len(outcome.followups) == 2
    assert "现在有答案了" in chat(dialogue, "haircut", "你好")
    assert "现在有答案了" not in chat(dialogue, "locksmith", "你好")
    assert [g.example for g in teaching.groups()] == [LOCKSMITH], "still to teach"
    assert teaching.undo(by=ADMIN).ok
    (group,) = teaching.groups()
    ticked = group.forms_for(form for form, _ in group.others)
    outcome = teaching.teach(group.example, FACT, by=ADMIN, forms=ticked)
    assert LOCKSMITH in {f.question for f in outcome.followups}, "ticked: told too"
    assert f"您之前问的“{LOCKSMITH}”,现在有答案了" in chat(dialogue, "locksmith", "你好")
