"""What the admin page shows, gathered once for the web page and for `report --html`.

Blocking (the question log, the matcher on each group's example): call it in a thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.admin.charts import DAYS as CHART_DAYS
from bot.admin.charts import chart_data, render_charts
from bot.admin.texts import ACTION_NAMES
from bot.dialogue.render import fact_label, street_name
from bot.report import build_report

if TYPE_CHECKING:
    from bot.admin.teaching import Teaching
    from bot.kb.model import KnowledgeBase

DAYS = 7
TOP_ROWS = 15
ACTION_ROWS = 20


@dataclass(frozen=True)
class FactOption:
    id: str
    label: str


@dataclass(frozen=True)
class FactSection:
    """The facts of one committee (or the street's own) in the "other fact…" list."""

    label: str
    facts: tuple[FactOption, ...]


def dashboard(
    teaching: Teaching, *, days: int = DAYS, page: int = 1, now: datetime | None = None
) -> dict[str, Any]:
    """The page's figures, charts, teach groups and action log, as template context."""
    store, snapshot = teaching.store, teaching.knowledge.current
    report = build_report(store, snapshot, days, now=now, grouping=teaching.grouping)
    groups = teaching.groups(days)  # all of them, for the chart of what is still open
    shown = teaching.page(page, days=days)
    data = chart_data(store, snapshot, report, {g.example for g in groups}, now=now)
    return {
        "days": days,
        "chart_days": CHART_DAYS,
        "total": report.total,
        "share": f"{report.answered / report.total:.0%}" if report.total else "—",
        "helpful": sum(f.helpful for f in report.feedback),
        "unhelpful": sum(f.unhelpful for f in report.feedback),
        "charts": render_charts(data),
        "groups_total": len(report.unanswered),
        "open_groups": data.open_groups,
        "followups_waiting": data.followups_waiting,
        "page": shown,
        "last_shown": shown.first + len(shown.groups) - 1,
        "fact_sections": fact_sections(snapshot.kb),
        "top": report.top_facts[:TOP_ROWS],
        "actions": [
            {
                "at": datetime.fromtimestamp(a.at).strftime("%m-%d %H:%M"),
                "name": a.name,
                "action": ACTION_NAMES[a.action].zh if a.action in ACTION_NAMES else a.action,
                "detail": a.detail,
            }
            for a in report.actions[:ACTION_ROWS]
        ],
        "generated": (now or datetime.now()).strftime("%Y-%m-%d %H:%M"),
    }


def fact_sections(kb: KnowledgeBase) -> list[FactSection]:
    """Every fact, by committee (the street's own first), for the "other fact…" list."""
    sections = [(street_name(kb, "zh"), kb.street_facts)]
    sections += [(c.name, c.facts) for c in kb.committees]
    return [
        FactSection(label, tuple(FactOption(f.id, fact_label(kb, f, "zh")) for f in facts))
        for label, facts in sections
    ]
