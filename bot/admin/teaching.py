"""Teaching, for every front end: the groups to teach, one teach, one undo.

The command line (`report --teach`), Telegram's /unanswered and the web /admin page
all go through `Teaching`, so a teach means the same everywhere: the phrasing is
written (bot.kb.teach), the running knowledge is reloaded at once, the teach is
recorded for undo, and residents who asked the taught wording (or a wording of the
group the admin ticked) and got no answer are queued a follow-up (with a journal).
A group's other wordings may be another matter (上门开锁 beside 上门理发): they are
shown, unticked, and only a tick sends them the answer.

The lists cost what they show: the nearest facts come from the log (matched once, when
the question was asked), the grouping is remembered between calls (`FormGroups`), and
front ends show a page at a time (`page`).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.admin import teach_texts as texts
from bot.dialogue.render import fact_label
from bot.kb.model import Lang
from bot.kb.teach import Taught, TeachError, teach, untaught
from bot.match import detect_language
from bot.match.normalize import normalize
from bot.report import FormGroups, QuestionGroup, form_of, group_questions
from bot.store.keys import user_log_key

if TYPE_CHECKING:
    from bot.match.live import LiveKnowledge
    from bot.store import LoggedQuestion, Store
    from bot.teachlog import FollowUp, TeachJournal

logger = logging.getLogger(__name__)

NEAREST_FACTS = 3
FOLLOW_UP_DAYS = 7
PAGE_SIZE = 15
"""Groups per page of the /admin list (Telegram's /unanswered shows fewer)."""


@dataclass(frozen=True)
class Nearest:
    """A fact an admin may teach a group's question to."""

    fact_id: str
    label: str
    """The fact's title and committee short name: 食行生鲜:家门口的菜场(孝和)."""
    score: float


@dataclass(frozen=True)
class TeachGroup:
    """Similar questions residents asked that ended without an answer (or with "did you
    mean"), and the facts nearest to its example."""

    example: str
    count: int
    variants: tuple[str, ...]
    """The normalised forms in the group, the example's first (what follow-ups are
    matched on)."""
    log_id: int
    """A logged question of the group (the newest worded as the example): buttons name
    the group by it."""
    nearest: tuple[Nearest, ...] = ()
    wordings: tuple[str, ...] = ()
    """One wording per variant, as residents typed it most; the first is the example."""
    nearest_known: bool = True
    """False for questions logged before the log kept nearest facts (`page` matches them)."""

    channels: tuple[tuple[str, int], ...] = ()
    """Where the group was asked and how often (see `QuestionGroup.channels`)."""

    @property
    def others(self) -> tuple[tuple[str, str], ...]:
        """(form, wording) of the group's other variants: what an admin may tick."""
        return tuple(zip(self.variants[1:], self.wordings[1:], strict=False))

    def forms_for(self, ticked: Iterable[str]) -> tuple[str, ...]:
        """The forms whose askers a teach of the example follows up: the example's, and
        those of `ticked` that are the group's."""
        chosen = set(ticked)
        return (self.variants[0], *(form for form in self.variants[1:] if form in chosen))


@dataclass(frozen=True)
class Page:
    """One page of the teach list."""

    groups: tuple[TeachGroup, ...]
    number: int
    """1 for the first page."""
    pages: int
    total: int
    """Groups in the whole list."""
    first: int
    """The list position (1-based) of the page's first group."""


@dataclass(frozen=True)
class Outcome:
    """What a teach or undo did, and the line to show the admin."""

    ok: bool
    message: str
    taught: Taught | None = None
    followups: tuple[FollowUp, ...] = ()
    """Residents to tell that their question has an answer now."""
    lead: str = ""
    """`message` without the line about follow-ups (see `delivered`)."""

    def delivered(self, sent: Collection[int], lang: Lang = "zh") -> str:
        """The message once this front end has sent the Telegram follow-ups (`sent`: the
        log ids that went out): what really happened to each."""
        return join_lines(self.lead or self.message, followups_said(self.followups, sent, lang))


def followups_said(
    followups: Sequence[FollowUp], sent: Collection[int] | None, lang: Lang = "zh"
) -> str:
    """Where a teach's follow-ups stand: sent on Telegram (`sent`, the log ids; None: the
    running bot sends them, not this process), or shown at the resident's next visit."""
    telegram = [f for f in followups if f.channel == "tg"]
    wechat = [f for f in followups if f.channel == "wechat"]
    lines = []
    if sent is None:
        lines.append((texts.FOLLOWUPS_QUEUED_TELEGRAM, len(telegram)))
    else:
        done = sum(f.log_id in sent for f in telegram)
        lines += [
            (texts.FOLLOWUPS_SENT_TELEGRAM, done),
            (texts.FOLLOWUPS_FAILED_TELEGRAM, len(telegram) - done),
        ]
    lines.append((texts.FOLLOWUPS_QUEUED_WECHAT, len(wechat)))
    lines.append((texts.FOLLOWUPS_NEXT_VISIT, len(followups) - len(telegram) - len(wechat)))
    return "\n".join(text.in_lang(lang).format(n=n) for text, n in lines if n)


def join_lines(*lines: str) -> str:
    return "\n".join(line for line in lines if line)


@dataclass
class Teaching:
    knowledge: LiveKnowledge
    store: Store
    journal: TeachJournal | None = None
    """Where teaches are recorded (audit, undo) and follow-ups queued; None: this
    session only, no follow-ups."""
    days: int = FOLLOW_UP_DAYS
    session: list[Taught] = field(default_factory=list)
    """This process's teaches, newest last: what undo reverts without a journal."""
    grouping: FormGroups = field(default_factory=FormGroups)
    """Which group each form is in, remembered between calls (and shared with the
    report of the same page)."""

    # --- the groups ------------------------------------------------------------------

    def groups(self, days: int | None = None, lang: Lang = "zh") -> list[TeachGroup]:
        """The unanswered and "did you mean" questions of the last days, grouped; without
        the wordings ignored or taught already. Never runs the matcher."""
        return self._listed(days or self.days, lang)[1]

    def page(
        self, number: int = 1, size: int = PAGE_SIZE, *, days: int | None = None, lang: Lang = "zh"
    ) -> Page:
        """Page `number` (from 1; past the end: the last) of `groups()`. Only a group
        logged before the log kept nearest facts has them matched now: at most `size`."""
        groups = self.groups(days, lang)
        pages = max(1, -(-len(groups) // size))
        number = min(max(number, 1), pages)
        start = (number - 1) * size
        shown = tuple(self._matched_if_unknown(g, lang) for g in groups[start : start + size])
        return Page(shown, number, pages, len(groups), start + 1)

    def group_of(self, log_id: int, lang: Lang = "zh") -> TeachGroup | None:
        """The current group holding logged question `log_id` (what a button names)."""
        questions, groups = self._listed(self.days, lang)
        asked = next((q for q in questions if q.id == log_id), None)
        if asked is None:
            return None
        form = form_of(asked.normalized, asked.question)
        group = next((g for g in groups if form in g.variants), None)
        return self._matched_if_unknown(group, lang) if group else None

    def _listed(self, days: int, lang: Lang) -> tuple[list[LoggedQuestion], list[TeachGroup]]:
        """The open questions still to teach, and their groups."""
        since = datetime.now().astimezone() - timedelta(days=days)
        settled = self._settled_forms()
        followed = self.journal.followed_up(since.timestamp()) if self.journal else set()
        questions = [
            q
            for q in self._open_questions(days)
            if q.id not in followed and form_of(q.normalized, q.question) not in settled
        ]
        grouped = group_questions(questions, grouping=self.grouping)
        return questions, [self._teach_group(group, lang) for group in grouped]

    def _settled_forms(self) -> set[str]:
        """Forms admins ignored, or taught (and did not undo)."""
        if self.journal is None:
            return {form_of(normalize(t.phrasing), t.phrasing) for t in self.session}
        taught = self.journal.taught_phrasings()
        return self.journal.ignored() | {form_of(normalize(p), p) for p in taught}

    def _open_questions(self, days: int) -> list[LoggedQuestion]:
        since = datetime.now().astimezone() - timedelta(days=days)
        asked = self.store.questions(since.timestamp())
        return [q for q in asked if q.unanswered or (q.outcome == "clarify" and not q.rejected)]

    def _teach_group(self, group: QuestionGroup, lang: Lang) -> TeachGroup:
        kb = self.knowledge.current.kb
        nearest = tuple(
            Nearest(fact_id, fact_label(kb, fact, lang), round(score, 1))
            for fact_id, score in group.nearest or ()
            if (fact := kb.fact(fact_id)) is not None
        )[:NEAREST_FACTS]
        known = group.nearest is not None
        return TeachGroup(
            group.example,
            group.count,
            group.variants,
            group.newest_id,
            nearest,
            wordings=group.wordings,
            nearest_known=known,
            channels=group.channels,
        )

    def _matched_if_unknown(self, group: TeachGroup, lang: Lang) -> TeachGroup:
        """A group of questions logged before the log kept nearest facts: match it now."""
        if group.nearest_known:
            return group
        snapshot = self.knowledge.current
        result = snapshot.matcher.match(group.example)
        nearest = tuple(
            Nearest(m.fact.id, fact_label(snapshot.kb, m.fact, lang), round(m.score, 1))
            for m in result.candidates[:NEAREST_FACTS]
        )
        return replace(group, nearest=nearest, nearest_known=True)

    # --- teach and undo -------------------------------------------------------------------

    def teach(
        self,
        question: str,
        fact_id: str,
        *,
        by: str,
        lang: Lang = "zh",
        forms: Sequence[str] | None = None,
    ) -> Outcome:
        """Teach `question` to `fact_id`, reload, record, and queue follow-ups for the
        open questions of `forms` (default: the question's own form; from a group:
        `TeachGroup.forms_for(ticked)`); never raises for an admin's mistake (the
        outcome says what was wrong)."""
        try:
            taught = teach(
                question,
                fact_id,
                self.knowledge.directory,
                by=by,
                lang=detect_language(question),
            )
        except TeachError as exc:
            return Outcome(False, texts.REFUSED.fill(reason=exc.message).in_lang(lang))
        label = self._label(fact_id, lang)
        if not taught.added:
            text = texts.ALREADY.in_lang(lang).format(
                question=taught.phrasing, label=label, fact_id=fact_id
            )
            return Outcome(True, text, taught)
        self.knowledge.reload()  # residents get the answer from the next question on
        logger.info("%s taught a phrasing to %s", user_log_key(by), fact_id)
        self.session.append(taught)
        followups = self._record(taught, by, forms)
        lead = texts.TAUGHT.in_lang(lang).format(
            question=taught.phrasing, label=label, fact_id=fact_id, file=self._file(taught)
        )
        text = join_lines(lead, followups_said(followups, None, lang))
        return Outcome(True, text, taught, followups, lead)

    def _record(self, taught: Taught, by: str, forms: Sequence[str] | None) -> tuple[FollowUp, ...]:
        """Audit the teach and queue its follow-ups; the teach stands if the database fails."""
        if self.journal is None:
            return ()
        try:
            teach_id = self.journal.record_teach(taught, by)
            asked = self._askers_of(
                forms or (form_of(normalize(taught.phrasing), taught.phrasing),)
            )
            return tuple(self.journal.queue_followups(teach_id, taught, asked))
        except self.store.database_errors:
            logger.exception("the teach of %s was not recorded; no follow-ups", taught.fact_id)
            return ()

    def ignore(self, group: TeachGroup, *, by: str, lang: Lang = "zh") -> Outcome:
        """Leave a group out of the list from now on."""
        if self.journal is not None:
            self.journal.ignore(group.variants, by, group.example)
        return Outcome(True, texts.IGNORED.in_lang(lang).format(question=group.example))

    def _askers_of(self, forms: Sequence[str]) -> list[LoggedQuestion]:
        """The open questions worded as one of `forms` that got no answer (not those who
        picked a "did you mean" option: they got one)."""
        wanted = set(forms)
        return [
            q
            for q in self._open_questions(self.days)
            if form_of(q.normalized, q.question) in wanted and q.resolved_fact_id is None
        ]

    def undo(self, *, by: str, lang: Lang = "zh") -> Outcome:
        """Revert the admin's last teach (with a journal; else this session's last)."""
        if self.journal is not None:
            record = self.journal.last_teach(by)
            last = record.taught if record else None
        else:
            record, last = None, self.session[-1] if self.session else None
        if last is None:
            return Outcome(False, texts.NOTHING_TO_UNDO.in_lang(lang))
        try:
            untaught(last.fact_id, last.phrasing, last.lang, self.knowledge.directory)
        except TeachError as exc:
            return Outcome(False, texts.REFUSED.fill(reason=exc.message).in_lang(lang))
        self.knowledge.reload()
        if self.journal is not None and record is not None:
            self.journal.record_undo(record, by)
        elif self.session:
            self.session.pop()
        logger.info("%s undid a teach of %s", user_log_key(by), last.fact_id)
        text = texts.UNDONE.in_lang(lang).format(question=last.phrasing, fact_id=last.fact_id)
        return Outcome(True, text, last)

    def _label(self, fact_id: str, lang: Lang) -> str:
        kb = self.knowledge.current.kb
        fact = kb.fact(fact_id)
        return fact_label(kb, fact, lang) if fact else fact_id

    def _file(self, taught: Taught) -> str:
        try:
            return str(taught.file.relative_to(self.knowledge.directory.parent))
        except ValueError:
            return str(taught.file)
