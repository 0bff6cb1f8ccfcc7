"""The admin page's charts: what each one counts, and SVG that carries no markup of a
resident's and needs no style sheet or script."""

from __future__ import annotations

import re
import time
from datetime import datetime

from bot.admin.charts import DAYS, chart_data, render_charts
from bot.config import SHIPPED_KNOWLEDGE
from bot.match import LiveKnowledge
from bot.match.types import MatcherSettings
from bot.report import build_report
from bot.store import Store

DAY = 86400


def log(store: Store, question: str, outcome: str, fact_id: str | None, at: float) -> None:
    store.log_question(
        "console:resident",
        question=question,
        normalized=question,
        outcome=outcome,  # type: ignore[arg-type]
        fact_id=fact_id,
        score=50.0,
        lang="zh",
        at=at,
    )


def test_the_charts_count_each_day_topic_and_open_group(store: Store) -> None:
    snapshot = LiveKnowledge(SHIPPED_KNOWLEDGE, MatcherSettings()).current
    now = time.time()
    log(store, "买菜", "answered", "xiaohe-fresh-market", now)
    log(store, "菜场在哪", "answered", "xiaohe-fresh-market", now - 2 * DAY)
    log(store, "办班", "clarify", "jianliu-holiday-class", now)
    log(store, "<b>天气</b>", "declined", None, now)
    log(store, "外星人", "declined", None, now)
    log(store, "很久以前", "declined", None, now - (DAYS + 3) * DAY)  # outside the 30 days
    store.flush(10)
    report = build_report(store, snapshot, 7)
    data = chart_data(store, snapshot, report, {"<b>天气</b>"}, now=datetime.now())
    assert len(data.days) == DAYS
    assert data.days[-1].values == (1, 1, 2)  # today: answered, did-you-mean, declined
    assert data.days[-3].values == (1, 0, 0)  # two days ago
    assert sum(sum(bar.values) for bar in data.days) == 5
    fact = snapshot.kb.fact("xiaohe-fresh-market")
    assert fact is not None
    assert {bar.label: bar.values for bar in data.topics}[fact.tags[0]] == (2,)
    groups = {bar.label: bar.values for bar in data.groups}
    assert groups["<b>天气</b>"] == (1, 0) and groups["外星人"] == (0, 1)  # open, settled
    assert data.open_groups == 1

    charts = render_charts(data)
    assert set(charts) == {"days", "topics", "groups", "votes", "followups"}
    for svg in charts.values():
        assert svg.startswith("<svg") and 'role="img"' in svg and "<title>" in svg
        assert not re.search(r"<(script|style|b)\b|\sstyle=|\son\w+=", svg)
    assert "&lt;b&gt;天气&lt;/b&gt;" in charts["groups"]
