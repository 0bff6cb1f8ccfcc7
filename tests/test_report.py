"""The admin report, on a store filled by a scripted conversation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.dialogue import ButtonPress, Dialogue, TextMessage, User
from bot.match import LiveKnowledge, MatcherSettings
from bot.report import build_report, format_report, group_questions
from bot.store import LoggedQuestion, Store

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"

# Questions nobody in the street's knowledge can answer, with repeats and near-repeats.
OFF_TOPIC = [
    "今天天气怎么样",
    "今天天气怎么样?",
    "今天的天气怎么样",
    "明天天气怎么样",
    "股票明天会涨吗",
    "股票明天会涨吗",
    "火车票怎么改签",
]


@pytest.fixture(scope="module")
def live() -> LiveKnowledge:
    return LiveKnowledge(KNOWLEDGE, MatcherSettings())


@pytest.fixture
def conversation(live: LiveKnowledge, store: Store) -> Store:
    """Two residents chat: off-topic questions, a real one with 👍, a "none of these"."""
    dialogue = Dialogue(live, store)
    alice, bob = User("test:alice"), User("test:bob")
    for n, question in enumerate(OFF_TOPIC):
        dialogue.handle(alice if n % 2 else bob, TextMessage(question))
    for user in (alice, bob):
        reply = dialogue.handle(user, TextMessage("哪里可以买菜"))
        votes = [b.payload for b in reply.flat_buttons if b.payload.startswith("fb:+")]
        if votes:
            dialogue.handle(user, ButtonPress(votes[0]))
    return store


def test_unanswered_questions_are_grouped_with_counts(conversation, live):
    report = build_report(conversation, live.current, days=7)
    groups = {g.example: g for g in report.unanswered}
    weather = next(g for g in report.unanswered if "天气" in g.example)
    assert weather.count == 4  # exact repeats, punctuation and near-repeats together
    assert weather is report.unanswered[0]  # most frequent first
    assert groups["股票明天会涨吗"].count == 2
    assert groups["火车票怎么改签"].count == 1
    assert sum(g.count for g in report.unanswered) == len(OFF_TOPIC)
    assert report.total == len(OFF_TOPIC) + 2


def test_facts_asked_most_and_feedback(conversation, live):
    report = build_report(conversation, live.current, days=7)
    # 哪里可以买菜 must be answered outright: if it stops being, this fails, never skips
    assert report.top_facts, "哪里可以买菜 was not answered"
    top = report.top_facts[0]
    assert top.fact_id == "xiaohe-fresh-market" and top.asked == 2
    assert [(f.fact_id, f.helpful, f.unhelpful) for f in report.feedback] == [
        ("xiaohe-fresh-market", 2, 0)
    ]


def test_period_excludes_older_questions(store, live):
    old = (datetime.now() - timedelta(days=10)).timestamp()
    store.log_question(
        "test:x", question="老问题", normalized="老问题", outcome="declined",
        fact_id=None, score=None, lang="zh", at=old,
    )  # fmt: skip
    assert build_report(store, live.current, days=7).total == 0
    assert build_report(store, live.current, days=30).unanswered[0].example == "老问题"


def test_nearest_fact_comes_from_the_current_matcher(store, live):
    store.log_question(
        "test:x", question="菜场在哪", normalized="菜场在哪", outcome="declined",
        fact_id=None, score=None, lang="zh",
    )  # fmt: skip
    (group,) = build_report(store, live.current, days=1).unanswered
    assert group.nearest_fact_id is not None
    assert group.nearest_score is not None and 0 <= group.nearest_score <= 100


def test_format_report_is_a_readable_table(conversation, live):
    report = build_report(conversation, live.current, days=7)
    text = format_report(report, limit=2)
    assert "没能回答的问题" in text
    assert "今天天气怎么样" in text
    assert "……另有 1 组" in text  # three groups, two shown
    assert "问得最多的条目" in text
    english = format_report(report, lang="en")
    assert "Questions the bot could not answer" in english


def test_report_json_round_trips(conversation, live):
    data = json.loads(json.dumps(build_report(conversation, live.current, 7).to_dict()))
    assert data["unanswered"][0]["count"] == 4
    assert data["since"] < data["until"]


def test_grouping_keeps_different_questions_apart():
    def q(text: str) -> LoggedQuestion:
        return LoggedQuestion(0, 0.0, "u", text, text, "declined", None, None, "zh", None, False)

    groups = group_questions([q("今天天气怎么样"), q("停车位怎么申请"), q("今天天气如何呀")])
    assert sum(g.count for g in groups) == 3
    assert any(g.example == "停车位怎么申请" and g.count == 1 for g in groups)


@pytest.mark.slow
def test_report_command(conversation, tmp_path):
    db = conversation.path
    conversation.close()
    env = {**os.environ, "BOT_DB": str(db), "PYTHONIOENCODING": "utf-8"}
    run = [sys.executable, "-m", "bot", "report", "--days", "3"]
    table = subprocess.run(
        run, capture_output=True, text=True, encoding="utf-8", env=env, cwd=ROOT, check=True
    )
    assert "今天天气怎么样" in table.stdout
    as_json = subprocess.run(
        [*run, "--json"], capture_output=True, text=True, encoding="utf-8", env=env, cwd=ROOT,
        check=True,
    )  # fmt: skip
    data = json.loads(as_json.stdout)
    assert data["days"] == 3
    assert data["unanswered"][0]["count"] == 4


@pytest.mark.parametrize("days", ["999999999", "-1", "0", "²", "seven"])
def test_report_days_out_of_range_is_a_clear_usage_error(days, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("BOT_DB", str(tmp_path / "untouched.sqlite3"))
    with pytest.raises(SystemExit) as stopped:
        main(["report", "--days", days])
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert "argument --days: must be a whole number from 1 to 3650" in error
    assert not (tmp_path / "untouched.sqlite3").exists()


# --- what residents cost the admins -----------------------------------------------------


def distinct_unanswered(n: int, chars: int = 30) -> list[str]:
    """`n` questions of random common characters: unanswered, and no two alike."""
    import random

    alphabet = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同"
    rng = random.Random(18)
    return ["".join(rng.choice(alphabet) for _ in range(chars)) for _ in range(n)]


def test_the_admins_lists_never_run_the_matcher_and_show_a_page_at_a_time(
    tmp_path, store: Store, monkeypatch
) -> None:
    """Each question is matched once, when asked; the report, the teach list, its pages
    and a button's group are read from the log."""
    from bot.admin.teaching import Teaching
    from bot.teachlog import TeachJournal

    knowledge = LiveKnowledge(KNOWLEDGE, MatcherSettings())
    journal = TeachJournal(store)
    dialogue = Dialogue(knowledge, store, journal=journal)
    for n, question in enumerate(distinct_unanswered(14)):
        dialogue.handle(User(f"test:{n}"), TextMessage(question))
    calls: list[str] = []
    matcher = knowledge.current.matcher
    monkeypatch.setattr(matcher, "match", lambda question, **_: calls.append(question))
    teaching = Teaching(knowledge, store, journal)
    total = len(teaching.groups())  # a random question may happen to be answered
    assert 10 < total <= 14
    first, last = teaching.page(1, size=5), teaching.page(99, size=5)
    assert (first.total, first.pages, len(first.groups), first.first) == (total, 3, 5, 1)
    assert (last.number, len(last.groups), last.first) == (3, total - 10, 11), "past the end"
    assert any(group.nearest for group in first.groups), "the nearest facts, from the log"
    assert teaching.group_of(last.groups[-1].log_id) == last.groups[-1]
    report = build_report(store, knowledge.current, days=7)
    assert any(group.nearest_fact_id for group in report.unanswered)
    assert calls == [], "no matcher call at render time"
    journal.close()
