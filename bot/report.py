"""What residents asked that the bot could not answer, for admins to improve the knowledge.

`build_report()` reads the question log of the last N days, groups similar
unanswered and "did you mean" questions (same normalised form, then rapidfuzz
similarity), shows each group's nearest fact as the matcher found it when the
question was asked (stored with the log row: the report never runs the matcher), and
counts the facts asked most and their 👍/👎.

Grouping compares each new normalised form with the groups found so far; a
`FormGroups` kept by a long-running process (the web /admin page, Telegram) remembers
every form's group, so a page view or a button press only compares the forms that
arrived since.
`format_report()` renders it as plain text for the console or Telegram.
"""

from __future__ import annotations

import json
import sys
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from rapidfuzz import fuzz, process

from bot.admin import texts
from bot.admin.accounts import Accounts, Action
from bot.admin.streets import chosen_street, in_street
from bot.config import Config
from bot.dialogue.settings import DEFAULT
from bot.handoffs import Summary
from bot.handoffs import summary as handoff_summary
from bot.kb import KnowledgeBaseError
from bot.kb.model import Lang, Text
from bot.match.live import LiveKnowledge, Snapshot
from bot.store import LoggedQuestion, Store

EXAMPLE_CHARS = 40
ACTION_ROWS = 200


@dataclass(frozen=True)
class QuestionGroup:
    count: int
    example: str
    """The most frequent wording in the group, as a resident typed it."""
    variants: tuple[str, ...]
    """The distinct normalised forms grouped together, most frequent first."""
    wordings: tuple[str, ...] = ()
    """For each variant, its wording residents typed most (what an admin reads)."""
    nearest: tuple[tuple[str, float], ...] | None = None
    """The nearest facts (id, score) of the example, as matched when it was asked (None:
    logged before the log kept them)."""
    newest_id: int = 0
    """The log id of the newest question worded as the example."""
    nearest_fact_id: str | None = None
    nearest_fact_title: str | None = None
    nearest_score: float | None = None
    """The current matcher's best fact for the example and its score (0-100)."""
    channels: tuple[tuple[str, int], ...] = ()
    """Where the group was asked (tg, web, console, wechat; "" for questions logged
    before channels were) and how often, the most first."""


@dataclass(frozen=True)
class FactCount:
    fact_id: str
    title: str
    asked: int = 0
    helpful: int = 0
    unhelpful: int = 0


@dataclass(frozen=True)
class Report:
    since: datetime
    until: datetime
    days: int
    total: int
    answered: int
    """Questions that ended with an answer (directly or by picking a "did you mean" option)."""
    unanswered: tuple[QuestionGroup, ...] = ()
    """Declined questions and those whose "did you mean" options all missed."""
    clarified: tuple[QuestionGroup, ...] = ()
    """Questions the bot had to ask back about (and that were not rejected)."""
    top_facts: tuple[FactCount, ...] = ()
    feedback: tuple[FactCount, ...] = field(default=())
    """Facts with any 👍/👎 in the period, most 👎 first."""
    street: str | None = None
    """The street reported on (`--street`); None: every street."""
    actions: tuple[Action, ...] = ()
    """What staff did in the period (teach, ignore, undo, reload, login), newest first."""
    handoffs: Summary | None = None
    """Residents' messages to staff opened in the period; None when they cannot be read."""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["since"] = self.since.isoformat(timespec="seconds")
        data["until"] = self.until.isoformat(timespec="seconds")
        return data


def build_report(
    store: Store,
    snapshot: Snapshot,
    days: int,
    *,
    now: datetime | None = None,
    street: str | None = None,
    grouping: FormGroups | None = None,
) -> Report:
    """The report for the `days` days up to `now` (default: the current time); with
    `street`, of the questions whose fact (answered, picked or nearest) is that street's.
    `grouping`: a long-lived `FormGroups` to group with (default: a fresh one)."""
    until = (now or datetime.now()).astimezone()
    since = until - timedelta(days=max(days, 0))
    questions = _questions(store, snapshot, since, until, street)
    unanswered = [q for q in questions if q.unanswered]
    clarified = [q for q in questions if q.outcome == "clarify" and not q.rejected]
    grouping = grouping or FormGroups()
    feedback = _feedback(store, snapshot, since, until, street)
    return Report(
        since=since,
        until=until,
        days=days,
        total=len(questions),
        answered=sum(1 for q in questions if q.resolved_fact_id),
        unanswered=tuple(
            _with_nearest(group_questions(unanswered, grouping=grouping), snapshot, street)
        ),
        clarified=tuple(
            _with_nearest(group_questions(clarified, grouping=grouping), snapshot, street)
        ),
        top_facts=tuple(_top_facts(questions, snapshot, feedback)),
        feedback=tuple(feedback),
        street=street,
        actions=tuple(_actions(store, since)),
        handoffs=handoff_summary(store, since.timestamp(), until.timestamp()),
    )


def _actions(store: Store, since: datetime) -> list[Action]:
    """The staff's actions since `since`; none from a database older than their table."""
    try:
        return Accounts(store).actions(since.timestamp(), limit=ACTION_ROWS)
    except store.database_errors:
        return []


def _questions(
    store: Store, snapshot: Snapshot, since: datetime, until: datetime, street: str | None
) -> list[LoggedQuestion]:
    """The period's questions (of `street`: whose fact is that street's)."""
    return [
        q
        for q in store.questions(since.timestamp(), until.timestamp())
        if in_street(snapshot.kb, q.chosen_fact_id or q.fact_id, street)
    ]


def form_of(normalized: str, question: str) -> str:
    """The key questions are grouped by: the normalised text without spaces."""
    return normalized.replace(" ", "") or question.strip().casefold()


class FormGroups:
    """Which group each normalised form falls in, remembered: a form is compared with the
    groups' first forms (rapidfuzz `ratio` >= `similarity`) once, when first seen.

    Only the first `COMPARED_CHARS` characters are compared: questions are rarely longer,
    and rapidfuzz compares strings of up to 64 characters in one machine word, several
    times faster than longer ones (600 distinct 200-character questions: 1.6 s instead
    of 11 s on a busy machine)."""

    MAX_FORMS = 50_000
    """Forms remembered; past this the memory starts again (a form's group may change)."""
    COMPARED_CHARS = 64

    def __init__(self, similarity: float = DEFAULT.group_similarity) -> None:
        self.similarity = similarity
        self._seeds: list[str] = []
        self._group_of: dict[str, int] = {}
        self._lock = threading.Lock()

    def assign(self, counts: Counter[str]) -> dict[str, int]:
        """The group number of each form; new ones are placed most frequent first, so a
        group is seeded by its most typical wording."""
        with self._lock:
            new = sorted(
                (f for f in counts if f not in self._group_of), key=lambda f: (-counts[f], f)
            )
            if len(self._group_of) + len(new) > self.MAX_FORMS:
                self._seeds.clear()
                self._group_of.clear()
                new = sorted(counts, key=lambda f: (-counts[f], f))
            for form in new:
                self._group_of[form] = self._place(form)
            return {form: self._group_of[form] for form in counts}

    def _place(self, form: str) -> int:
        compared = form[: self.COMPARED_CHARS]
        found = process.extractOne(
            compared, self._seeds, scorer=fuzz.ratio, score_cutoff=self.similarity
        )
        if found is not None:
            return int(found[2])
        self._seeds.append(compared)
        return len(self._seeds) - 1


def group_questions(
    questions: Iterable[LoggedQuestion], *, grouping: FormGroups | None = None
) -> list[QuestionGroup]:
    """Similar questions together, the biggest group first (`grouping`: how forms are
    grouped, see `FormGroups`; default a fresh one). Questions whose text was deleted
    (after the retention period) are counted in the report's totals, not grouped."""
    by_form: dict[str, list[LoggedQuestion]] = defaultdict(list)
    for question in questions:
        if question.question:
            by_form[form_of(question.normalized, question.question)].append(question)
    counts = Counter({form: len(asked) for form, asked in by_form.items()})
    members: dict[int, list[str]] = defaultdict(list)
    for form, group in (grouping or FormGroups()).assign(counts).items():
        members[group].append(form)
    groups = [
        _group(sorted(forms, key=lambda f: (-counts[f], f)), by_form) for forms in members.values()
    ]
    groups.sort(key=lambda group: (-group.count, group.example))
    return groups


def _group(forms: list[str], by_form: dict[str, list[LoggedQuestion]]) -> QuestionGroup:
    """One group: its forms most frequent first; the example is the first form's most
    typed wording, its nearest facts those stored with its newest question."""
    wordings = tuple(
        Counter(q.question for q in by_form[form]).most_common(1)[0][0] for form in forms
    )
    example = wordings[0]
    newest = max((q for q in by_form[forms[0]] if q.question == example), key=lambda q: q.id)
    asked = [q for form in forms for q in by_form[form]]
    return QuestionGroup(
        count=len(asked),
        example=example,
        variants=tuple(forms),
        wordings=wordings,
        nearest=newest.nearest,
        newest_id=newest.id,
        channels=tuple(Counter(q.channel or "" for q in asked).most_common()),
    )


def _with_nearest(
    groups: Iterable[QuestionGroup], snapshot: Snapshot, street: str | None = None
) -> Iterable[QuestionGroup]:
    """Each group with its nearest fact's id, title and score, from the log; only a group
    logged before the log kept them is matched now."""
    for group in groups:
        nearest = group.nearest
        if nearest is None:
            result = snapshot.matcher.match(group.example, street=street)
            nearest = tuple((m.fact.id, m.score) for m in result.candidates)
        best = next((item for item in nearest if snapshot.kb.fact(item[0]) is not None), None)
        if best is None:
            yield group
            continue
        yield replace(
            group,
            nearest_fact_id=best[0],
            nearest_fact_title=_title(snapshot, best[0]),
            nearest_score=round(best[1], 1),
        )


def _title(snapshot: Snapshot, fact_id: str) -> str:
    fact = snapshot.kb.fact(fact_id)
    return fact.title.zh if fact else texts.REMOVED_FACT.zh


def _top_facts(
    questions: Sequence[LoggedQuestion], snapshot: Snapshot, feedback: Sequence[FactCount]
) -> list[FactCount]:
    """The most asked facts, each with the period's 👍/👎 (the same figures as `feedback`)."""
    counts = Counter(q.resolved_fact_id for q in questions if q.resolved_fact_id)
    votes = {row.fact_id: row for row in feedback}
    return [
        FactCount(
            fact_id=fact_id,
            title=_title(snapshot, fact_id),
            asked=count,
            helpful=votes[fact_id].helpful if fact_id in votes else 0,
            unhelpful=votes[fact_id].unhelpful if fact_id in votes else 0,
        )
        for fact_id, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def _feedback(
    store: Store, snapshot: Snapshot, since: datetime, until: datetime, street: str | None = None
) -> list[FactCount]:
    votes: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for entry in store.feedback(since.timestamp(), until.timestamp()):
        if entry.fact_id and in_street(snapshot.kb, entry.fact_id, street):
            votes[entry.fact_id][0 if entry.helpful else 1] += 1
    rows = [
        FactCount(fact_id=fact_id, title=_title(snapshot, fact_id), helpful=up, unhelpful=down)
        for fact_id, (up, down) in votes.items()
    ]
    rows.sort(key=lambda row: (-row.unhelpful, -row.helpful, row.fact_id))
    return rows


# --- plain-text rendering -----------------------------------------------------------


def format_report(report: Report, limit: int = 10, lang: Lang = "zh") -> str:
    """Plain text: a header, then each section as an aligned table of at most `limit` rows."""
    share = f"{report.answered / report.total:.0%}" if report.total else "—"
    lines = [
        texts.REPORT_TITLE.in_lang(lang).format(
            since=report.since.strftime("%Y-%m-%d"),
            until=report.until.strftime("%Y-%m-%d"),
            days=report.days,
        )
        + (f" · {report.street}" if report.street else ""),
        texts.REPORT_TOTAL.in_lang(lang).format(
            total=report.total, answered=report.answered, share=share
        ),
    ]
    for title, groups in (
        (texts.UNANSWERED, report.unanswered),
        (texts.CLARIFIED, report.clarified),
    ):
        rows = [
            [
                str(g.count),
                _shorten(g.example),
                g.nearest_fact_id or "—",
                "—" if g.nearest_score is None else f"{g.nearest_score:.0f}",
                channels_text(g.channels, lang),
            ]
            for g in groups
        ]
        lines += _section(title, texts.QUESTION_COLUMNS, rows, limit, lang)
    top_rows = [[str(f.asked), f.fact_id, _shorten(f.title)] for f in report.top_facts]
    lines += _section(texts.TOP_FACTS, texts.TOP_COLUMNS, top_rows, limit, lang)
    fb_rows = [
        [str(f.helpful), str(f.unhelpful), f.fact_id, _shorten(f.title)] for f in report.feedback
    ]
    lines += _section(texts.FEEDBACK, texts.FEEDBACK_COLUMNS, fb_rows, limit, lang)
    if report.handoffs is not None:
        lines += ["", handoff_line(report.handoffs, lang)]
    lines += _section(texts.ACTIONS, texts.ACTION_COLUMNS, _action_rows(report, lang), limit, lang)
    return "\n".join(lines)


def handoff_line(handoffs: Summary, lang: Lang) -> str:
    """Hand-offs in one line: opened, still open, answered, the median time to answer."""
    wait = handoffs.median_answer_seconds
    median = "—" if wait is None else _duration(wait, lang)
    return texts.HANDOFFS_LINE.in_lang(lang).format(
        opened=handoffs.opened, open=handoffs.open, answered=handoffs.answered, median=median
    )


def _duration(seconds: float, lang: Lang) -> str:
    if seconds < 3600:
        return texts.MINUTES.in_lang(lang).format(n=max(1, round(seconds / 60)))
    return texts.HOURS.in_lang(lang).format(n=f"{seconds / 3600:.1f}")


def _action_rows(report: Report, lang: Lang) -> list[list[str]]:
    names = texts.ACTION_NAMES
    return [
        [
            datetime.fromtimestamp(a.at).strftime("%m-%d %H:%M"),
            a.name,
            names[a.action].in_lang(lang) if a.action in names else a.action,
            _shorten(a.detail),
        ]
        for a in report.actions
    ]


def channels_text(channels: Sequence[tuple[str, int]], lang: Lang = "zh") -> str:
    """Where a group was asked, for admins: 微信×2 Telegram×1."""
    return " ".join(f"{channel_name(channel, lang)}×{count}" for channel, count in channels)


def channel_name(channel: str, lang: Lang = "zh") -> str:
    if not channel:
        return texts.UNKNOWN_CHANNEL.in_lang(lang)
    known = texts.CHANNEL_NAMES.get(channel)
    return known.in_lang(lang) if known else channel


def _section(
    title: Text, columns: Sequence[Text], rows: list[list[str]], limit: int, lang: Lang
) -> list[str]:
    """A titled table of the first `limit` rows, and how many more there are."""
    lines = ["", f"{title.in_lang(lang)}:"]
    if not rows:
        return [*lines, texts.NONE.in_lang(lang)]
    lines += _table([[column.in_lang(lang) for column in columns], *rows[:limit]])
    if len(rows) > limit:
        lines.append(texts.MORE.in_lang(lang).format(n=len(rows) - limit))
    return lines


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]


def _width(text: str) -> int:
    """Display width: East Asian wide characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1] + "…"


READ_TIMEOUT = 10.0
"""Seconds the report waits for a database that another process is writing."""


def run_report(
    config: Config,
    days: int,
    *,
    as_json: bool = False,
    limit: int = 10,
    lang: Lang = "zh",
    street: str | None = None,
) -> int:
    """`python -m bot report`: print the report of the configured database in `lang`."""
    try:
        knowledge = LiveKnowledge(config.knowledge_dir, config.matcher)
    except KnowledgeBaseError as exc:
        print(texts.INVALID_KNOWLEDGE.in_lang(lang), file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem.in_lang(lang)}", file=sys.stderr)
        return 1
    usable, street = chosen_street(knowledge.current.kb, street, lang)
    if not usable:
        return 2
    store = Store(config.db_path, read_only=True, read_timeout=READ_TIMEOUT)
    try:
        report = build_report(store, knowledge.current, days, street=street)
    finally:
        store.close()
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_report(report, limit=limit, lang=lang))
    return 0
