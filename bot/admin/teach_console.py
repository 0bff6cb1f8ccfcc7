"""`python -m bot teach` and `python -m bot report --teach` on the command line."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TextIO

from bot.admin import teach_texts as texts
from bot.admin.teaching import TeachGroup, Teaching
from bot.config import Config
from bot.kb import KnowledgeBaseError
from bot.kb.model import Lang
from bot.match.live import LiveKnowledge
from bot.numbers import parse_whole
from bot.report import channels_text
from bot.store import Store
from bot.teachlog import TeachJournal

SKIP, UNDO, QUIT, EDIT = "s", "u", "q", "e"


def run_teach(
    config: Config, question: str, fact_id: str, *, by: str, lang: Lang | None = None
) -> int:
    """Teach one question to one fact: what was done, exit 0 or 1."""
    with _teaching(config) as teaching:
        if teaching is None:
            return 1
        outcome = teaching.teach(question, fact_id, by=by, lang=lang or config.default_language)
    print(outcome.message)  # the teach, then where its follow-ups stand
    return 0 if outcome.ok else 1


def run_undo(config: Config, *, by: str, lang: Lang | None = None) -> int:
    """Revert this admin's last teach: one line out, exit 0 or 1 (nothing to undo)."""
    with _teaching(config) as teaching:
        if teaching is None:
            return 1
        outcome = teaching.undo(by=by, lang=lang or config.default_language)
    print(outcome.message)
    return 0 if outcome.ok else 1


def run_teach_walk(config: Config, days: int, *, by: str, lang: Lang | None = None) -> int:
    """Walk the unanswered groups: a number teaches, s skips, u undoes, q quits."""
    with _teaching(config) as teaching:
        if teaching is None:
            return 1
        walk(teaching, days, sys.stdin, sys.stdout, by=by, lang=lang or config.default_language)
    return 0


def walk(teaching: Teaching, days: int, lines: TextIO, out: TextIO, *, by: str, lang: Lang) -> None:
    groups = teaching.groups(days, lang)
    if not groups:
        out.write(texts.NO_GROUPS.in_lang(lang).format(days=days) + "\n")
        return
    answers = _answers(lines, out)
    for n, group in enumerate(groups, start=1):
        out.write(_describe(group, n, len(groups), lang))
        if not _settle(teaching, group, answers, out, by=by, lang=lang):
            return
    out.write(texts.WALK_DONE.in_lang(lang) + "\n")


def _settle(
    teaching: Teaching,
    group: TeachGroup,
    answers: Iterator[str],
    out: TextIO,
    *,
    by: str,
    lang: Lang,
) -> bool:
    """Read answers until this group is taught or skipped; False to stop the walk."""
    wording = group.example
    for answer in answers:
        command = answer.casefold()
        if command in (QUIT, SKIP):
            return command == SKIP
        if command == UNDO:
            out.write(teaching.undo(by=by, lang=lang).message + "\n")
            continue
        if command.startswith(EDIT + " ") and answer[2:].strip():
            wording = answer[2:].strip()
            out.write(texts.WORDING.in_lang(lang).format(wording=wording) + "\n")
            continue
        number = parse_whole(answer, low=1, high=len(group.nearest))
        if number is None:
            out.write(texts.WALK_HELP.in_lang(lang) + "\n")
            continue
        forms = group.forms_for(_ticked(group, answers, out, lang))
        fact_id = group.nearest[number - 1].fact_id
        outcome = teaching.teach(wording, fact_id, by=by, lang=lang, forms=forms)
        out.write(outcome.message + "\n")
        if outcome.ok:
            return True
    return False  # end of input


def _ticked(group: TeachGroup, answers: Iterator[str], out: TextIO, lang: Lang) -> list[str]:
    """Ask which other wordings' askers are told too (numbers; nothing: none of them)."""
    if not group.others:
        return []
    out.write(texts.TICK_PROMPT.in_lang(lang) + "\n")
    answer = next(answers, "")
    numbers = (parse_whole(part, low=1, high=len(group.others)) for part in answer.split())
    return [group.others[n - 1][0] for n in numbers if n is not None]


def _answers(lines: TextIO, out: TextIO) -> Iterator[str]:
    """The admin's lines, stripped (a wording after `e` keeps its case)."""
    while True:
        out.write("> ")
        out.flush()
        line = lines.readline()
        if not line:
            out.write("\n")
            return
        yield line.strip()


def _describe(group: TeachGroup, n: int, total: int, lang: Lang) -> str:
    lines = [
        "",
        texts.GROUP.in_lang(lang).format(n=n, total=total, count=group.count, example=group.example)
        + (f" · {channels_text(group.channels, lang)}" if group.channels else ""),
    ]
    if group.others:
        lines.append(texts.OTHERS_TITLE.in_lang(lang))
        lines += [f"    {i}. {wording}" for i, (_, wording) in enumerate(group.others, start=1)]
    lines.append(texts.WORDING.in_lang(lang).format(wording=group.example))
    lines.append(texts.EDIT_HELP_CLI.in_lang(lang))
    lines += [
        f"  {i}) {near.label}  [{near.fact_id}, {near.score:.0f}]"
        for i, near in enumerate(group.nearest, start=1)
    ] or [texts.NO_NEAREST.in_lang(lang)]
    lines.append(texts.WALK_HELP.in_lang(lang))
    return "\n".join(lines) + "\n"


class _teaching:
    """The knowledge and store for one command, closed afterwards; None (after printing
    why) when the knowledge base is invalid."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.store: Store | None = None

    def __enter__(self) -> Teaching | None:
        try:
            knowledge = LiveKnowledge(self.config.knowledge_dir, self.config.matcher)
        except KnowledgeBaseError as exc:
            print(f"✗ the knowledge base is invalid; fix it first:\n{exc}", file=sys.stderr)
            return None
        self.store = Store(self.config.db_path, retention_days=self.config.question_retention_days)
        knowledge.announce = self.store.announce_knowledge  # running bots reload (PostgreSQL)
        self.journal = TeachJournal(self.store)
        return Teaching(knowledge, self.store, self.journal)

    def __exit__(self, *exc: object) -> None:
        if self.store is not None:
            self.journal.close()
            self.store.close()
