"""The admin page's five charts, from the question log, the feedback and the follow-ups.

`chart_data()` reads (blocking: call it in a thread); `render_charts()` turns the
figures into inline SVG (bot.admin.svg). The web page and `report --html` show the same.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from bot.admin.svg import Bar, Series, horizontal_bars, stacked_columns

if TYPE_CHECKING:
    from bot.match.live import Snapshot
    from bot.report import Report
    from bot.store import Store

DAYS = 30
READ_WAIT = 10.0
"""Seconds to wait for a database another process is writing."""
TOP = 10

OUTCOMES = (
    Series("直接回答", "#2e7d32"),
    Series("问“您是不是想问”", "#f0a000"),
    Series("没有回答", "#b3261e"),
)
GROUPS = (Series("还没处理", "#b3261e"), Series("已教会或忽略", "#9e9e9e"))
VOTES = (Series("👍 有用", "#2e7d32"), Series("👎 没用", "#b3261e"))
FOLLOWUPS = (Series("已送到居民(发出的消息,或居民再来时看到)", "#0b4f8a"),)
_OUTCOME_INDEX = {"answered": 0, "clarify": 1, "declined": 2}


@dataclass(frozen=True)
class ChartData:
    days: tuple[Bar, ...]
    """Questions per day: answered, did-you-mean, declined."""
    topics: tuple[Bar, ...]
    groups: tuple[Bar, ...]
    """Unanswered groups: still open, settled."""
    open_groups: int
    votes: tuple[Bar, ...]
    followups: tuple[Bar, ...]
    """Follow-ups delivered per day (sent to a chat, or shown at the resident's next visit)."""
    followups_waiting: int
    """Follow-ups not delivered yet (the resident has not come back, or sending retries)."""


def chart_data(
    store: Store,
    snapshot: Snapshot,
    report: Report,
    open_examples: set[str],
    *,
    now: datetime | None = None,
) -> ChartData:
    """The figures of the last `DAYS` days; `report` gives the groups and 👍/👎 (its own
    period), `open_examples` the groups' examples still waiting for a teach."""
    today = (now or datetime.now()).astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
    dates = [today - timedelta(days=DAYS - 1 - n) for n in range(DAYS)]
    index = {d.date(): n for n, d in enumerate(dates)}
    per_day, topics = _questions(store, snapshot, dates[0].timestamp(), index)
    sent, waiting = _followups(store, dates[0].timestamp(), index)
    return ChartData(
        days=_by_day(dates, per_day),
        topics=tuple(Bar(tag, (n,)) for tag, n in topics.most_common(TOP)),
        groups=tuple(
            _group_bar(g.example, g.count, open_examples) for g in report.unanswered[:TOP]
        ),
        open_groups=sum(1 for g in report.unanswered if g.example in open_examples),
        votes=tuple(Bar(f.title, (f.helpful, f.unhelpful)) for f in report.feedback[:TOP]),
        followups=_by_day(dates, sent),
        followups_waiting=waiting,
    )


def _by_day(dates: Sequence[datetime], values: Sequence[list[int]]) -> tuple[Bar, ...]:
    return tuple(Bar(d.strftime("%m-%d"), tuple(v)) for d, v in zip(dates, values, strict=True))


def _group_bar(example: str, count: int, open_examples: set[str]) -> Bar:
    return Bar(example, (count, 0) if example in open_examples else (0, count))


def _slot(at: float, index: dict[date, int]) -> int | None:
    return index.get(datetime.fromtimestamp(at).astimezone().date())


def _questions(
    store: Store, snapshot: Snapshot, since: float, index: dict[date, int]
) -> tuple[list[list[int]], Counter[str]]:
    """Questions per day by outcome, and the topics (tags) of the facts residents read."""
    per_day = [[0, 0, 0] for _ in index]
    topics: Counter[str] = Counter()
    for question in store.questions(since):
        slot = _slot(question.at, index)
        if slot is not None and question.outcome in _OUTCOME_INDEX:
            per_day[slot][_OUTCOME_INDEX[question.outcome]] += 1
        fact = snapshot.kb.fact(question.resolved_fact_id or "")
        topics.update(fact.tags if fact else ())
    return per_day, topics


def _followups(store: Store, since: float, index: dict[date, int]) -> tuple[list[list[int]], int]:
    """Follow-ups delivered per day ("sent": to a chat, or shown at a visit), and how many
    wait (the resident has not come back yet, or sending is retried)."""
    per_day = [[0] for _ in index]
    with store.transaction(READ_WAIT, write=False) as conn:
        rows = conn.execute(
            "SELECT status, done_at FROM followups WHERE created_at >= ? OR done_at >= ?",
            (since, since),
        ).fetchall()
    waiting = 0
    for status, done_at in rows:
        if status in ("pending", "sending"):
            waiting += 1
        elif status == "sent" and done_at:
            slot = _slot(done_at, index)
            if slot is not None:
                per_day[slot][0] += 1
    return per_day, waiting


def render_charts(data: ChartData) -> dict[str, str]:
    """Each chart's SVG by name (the template places them)."""
    return {
        "days": stacked_columns(f"最近 {DAYS} 天每天的提问", OUTCOMES, data.days),
        "topics": horizontal_bars(
            f"问得最多的 {TOP} 个主题", (Series("提问", "#0b4f8a"),), data.topics
        ),
        "groups": horizontal_bars("没有回答的问题(每组相似问题一行)", GROUPS, data.groups),
        "votes": horizontal_bars("每条回答的 👍/👎", VOTES, data.votes),
        "followups": stacked_columns(f"最近 {DAYS} 天发出的补充回答", FOLLOWUPS, data.followups),
    }


def total(bars: Sequence[Bar]) -> int:
    return sum(sum(bar.values) for bar in bars)
