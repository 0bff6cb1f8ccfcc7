"""Residents' free text in the question log: mobile and ID numbers are masked before
anything is stored (so a teach cannot copy them into the knowledge base), and the text
of questions past the retention period is deleted while the report's counts stay."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.admin.teaching import Teaching
from bot.config import SHIPPED_KNOWLEDGE, Config, load_config
from bot.dialogue import Dialogue, TextMessage, User
from bot.match import LiveKnowledge
from bot.match.types import MatcherSettings
from bot.report import build_report
from bot.store import Store
from bot.teachlog import TeachJournal

PHONE, ID_NUMBER = "13812345678", "31010119900101123X"
DAY = 86400


@pytest.fixture(scope="module")
def knowledge() -> LiveKnowledge:
    return LiveKnowledge(SHIPPED_KNOWLEDGE, MatcherSettings())


def everything_stored(path: Path) -> bytes:
    """The database file and its write-ahead log, as bytes (what a copy of it gives away)."""
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def test_mobile_and_id_numbers_never_reach_the_database(knowledge, tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = Store(path)
    journal = TeachJournal(store)
    dialogue = Dialogue(knowledge, store, journal=journal)
    dialogue.handle(
        User("web:a"), TextMessage(f"我的手机 {PHONE[:3]} {PHONE[3:7]} {PHONE[7:]} 收不到短信")
    )
    dialogue.handle(User("web:b"), TextMessage(f"身份证{ID_NUMBER}丢了去哪里补办啊"))
    assert store.flush(5)
    logged = sorted(q.question for q in store.questions(0))
    assert logged == ["我的手机 [手机号] 收不到短信", "身份证[身份证号]丢了去哪里补办啊"]
    assert all("[" in q.normalized for q in store.questions(0))
    examples = {g.example for g in Teaching(knowledge, store, journal).groups()}
    assert PHONE not in "".join(examples) and ID_NUMBER not in "".join(examples)
    journal.close()
    store.close()
    stored = everything_stored(path)
    assert PHONE[3:7].encode() + b" " + PHONE[7:].encode() not in stored
    assert ID_NUMBER.encode() not in stored


def test_old_question_text_is_deleted_and_the_counts_stay(knowledge, tmp_path: Path) -> None:
    store = Store(tmp_path / "bot.sqlite3", retention_days=180)
    now = time.time()
    for age, question in ((200, "很久以前的问题"), (10, "最近的问题")):
        store.log_question(
            "web:a",
            question=question,
            normalized=question,
            outcome="declined",
            fact_id=None,
            score=None,
            lang="zh",
            at=now - age * DAY,
            nearest=(),
        )
    assert store.forget_old_text(now) and store.flush(5)
    texts = sorted(q.question for q in store.questions(0))
    assert texts == ["", "最近的问题"], "the old text is gone, its row is not"
    report = build_report(store, knowledge.current, days=365)
    assert report.total == 2 and [g.example for g in report.unanswered] == ["最近的问题"]
    store.close()


def test_the_retention_is_a_setting_of_the_config(tmp_path: Path) -> None:
    assert Config().question_retention_days == 180
    file = tmp_path / "config.yaml"
    file.write_text("question_retention_days: 30\n")
    assert load_config(file, env={}).question_retention_days == 30
