"""`python -m bot eval` on dialogue files: conversations asked turn by turn, in context.

A dialogue file is a YAML list of conversations, each `{id, turns: [...]}`, a turn being
a case of the question-set format (`q`, `expect`, `lang`, `contains`) judged in the
context of the turns before it. A comment `# pattern: NAME` before a conversation files
it under NAME. Each conversation is kept the way the chat keeps one resident's
(`bot.dialogue.context`), so what is measured is what residents get.

The four figures:
  first            first turns right (answered from an expected committee, or declined
                   when nothing is expected), of first turns
  followup         follow-up turns right, the same way, of follow-up turns
  followup_wrong   follow-up turns answered outright and wrongly, of follow-up turns
  declined_detail  follow-ups the knowledge base cannot answer (expect: []) declined,
                   of those
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.admin import texts
from bot.admin.evaluate import (
    DIALOGUE_FIGURES,
    Case,
    CaseResult,
    EvalError,
    _case,
    _item_lines,
    _reason,
    _share,
    judge,
)
from bot.context import NO_CONTEXT, Context
from bot.dialogue.choice import choose
from bot.dialogue.context import after_question
from bot.dialogue.settings import DEFAULT
from bot.match import Matcher
from bot.text import Lang, Text

_PATTERN_RE = re.compile(r"^\s*#\s*pattern:\s*(\S.*?)\s*$")


@dataclass
class Conversation:
    id: str
    turns: list[Case]
    pattern: str = ""


@dataclass
class JudgedTurn:
    number: int
    """0 for the first turn."""
    outcome: CaseResult
    used_context: str | None
    """How the context shaped the reading (ContextUse.how), None when there was none."""


def is_dialogue_file(path: Path) -> bool:
    """Whether the YAML file holds conversations (items with `turns`) rather than cases;
    False for a file that cannot be read (the question sets' reader says why)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False
    first = data[0] if isinstance(data, list) and data else None
    return isinstance(first, dict) and "turns" in first


def split_files(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """The question-set files and the dialogue files among `paths`, each in order."""
    talks = [path for path in paths if is_dialogue_file(path)]
    return [path for path in paths if path not in talks], talks


def read_conversations(path: Path) -> list[Conversation]:
    """The conversations of a dialogue file, each under its `# pattern:` comment."""
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text) or []
    if not isinstance(data, list):
        raise EvalError(texts.EVAL_NOT_A_LIST.fill(path=path))
    lines = _item_lines(text)
    patterns = _patterns(text)
    conversations = []
    for number, item in enumerate(data, 1):
        if not isinstance(item, dict) or not isinstance(item.get("turns"), list):
            raise EvalError(texts.EVAL_DIALOGUE_FIELDS.fill(path=path, number=number))
        line = lines[number - 1] if number <= len(lines) else 0
        pattern = next((name for at, name in reversed(patterns) if at < line), "")
        turns = [_case(path, number, turn, pattern) for turn in item["turns"]]
        conversations.append(Conversation(str(item.get("id", number)), turns, pattern))
    return conversations


def _patterns(text: str) -> list[tuple[int, str]]:
    """(line, name) of each `# pattern: NAME` comment."""
    return [
        (number, match.group(1))
        for number, line in enumerate(text.splitlines())
        if (match := _PATTERN_RE.match(line))
    ]


def ask_conversation(
    matcher: Matcher, conversation: Conversation, street: str | None = None, now: float = 0.0
) -> list[JudgedTurn]:
    """Ask each turn in the context the turns before it left, as the chat would."""
    context: Context = NO_CONTEXT
    judged = []
    for number, case in enumerate(conversation.turns):
        result = matcher.match(case.question, street=street, context=context)
        choice = choose(result, None, DEFAULT)
        context = after_question(context, result, choice, result.lang, now)
        used = result.context.how if result.context else None
        judged.append(JudgedTurn(number, judge(case, result, matcher.kb, street), used))
    return judged


def evaluate_files(
    paths: list[Path], matcher: Matcher, street: str | None, lang: Lang
) -> dict[str, dict[str, Any]] | None:
    """Each dialogue file's summary by name, or None after saying on stderr what is wrong."""
    try:
        files = {path.stem: read_conversations(path) for path in paths}
    except (OSError, ValueError, yaml.YAMLError) as exc:
        doing = texts.DOING["evaluate"]
        print(
            texts.CANNOT.fill(doing=doing, reason=_reason(exc, lang)).in_lang(lang), file=sys.stderr
        )
        return None
    return {
        name: summarize_dialogues([ask_conversation(matcher, c, street) for c in conversations])
        for name, conversations in files.items()
    }


def dialogue_figures(turns: list[JudgedTurn]) -> dict[str, dict[str, Any]]:
    """The four figures (see the module docstring)."""
    first = [t.outcome for t in turns if t.number == 0]
    later = [t.outcome for t in turns if t.number > 0]
    unanswerable = [o for o in later if not o.case.expect]
    return {
        "first": _share(first, lambda o: o.strict_ok),
        "followup": _share(later, lambda o: o.strict_ok),
        "followup_wrong": _share(later, lambda o: o.wrong),
        "declined_detail": _share(unanswerable, lambda o: o.strict_ok),
    }


def summarize_dialogues(judged: list[list[JudgedTurn]]) -> dict[str, Any]:
    """The figures overall and per pattern, and the turns that went wrong."""
    turns = [turn for conversation in judged for turn in conversation]
    by_pattern: dict[str, list[JudgedTurn]] = {}
    for turn in turns:
        by_pattern.setdefault(turn.outcome.case.category, []).append(turn)
    return {
        **dialogue_figures(turns),
        "patterns": {name: dialogue_figures(group) for name, group in by_pattern.items()},
        "misses": [_miss(turn) for turn in turns if not turn.outcome.strict_ok],
    }


def _miss(turn: JudgedTurn) -> dict[str, Any]:
    outcome = turn.outcome
    best = outcome.result.best
    return {
        "turn": turn.number,
        "q": outcome.case.question,
        "expect": outcome.case.expect,
        "got": outcome.committee,
        "outcome": outcome.result.outcome,
        "fact_id": best.fact.id if best else None,
        "context": turn.used_context,
        "wrong": outcome.wrong,
    }


def print_dialogue_report(
    name: str, summary: dict[str, Any], *, show_misses: bool, lang: Lang
) -> None:
    """The misses (unless not wanted), then the figures overall and per pattern."""
    if show_misses:
        for miss in summary["misses"]:
            print(_miss_line(miss).in_lang(lang))
    header = texts.EVAL_DIALOGUES.in_lang(lang)
    print(f"{header:<40}" + "".join(f"{figure:>19}" for figure in DIALOGUE_FIGURES))
    rows = [(name, summary), *((f"  {p}", f) for p, f in summary["patterns"].items() if p)]
    for label, figures in rows:
        print(f"{label[:40]:<40}" + "".join(_cell(figures[f]) for f in DIALOGUE_FIGURES))
    print(texts.EVAL_DIALOGUE_LEGEND.in_lang(lang))


def _miss_line(miss: dict[str, Any]) -> Text:
    return texts.EVAL_DIALOGUE_MISS.fill(
        flag=texts.EVAL_WRONG if miss["wrong"] else texts.EVAL_MISSED,
        turn=miss["turn"] + 1,
        question=miss["q"],
        expected=",".join(miss["expect"]) or texts.EVAL_DECLINE,
        got=miss["got"] or "-",
        outcome=miss["outcome"],
        fact=miss["fact_id"] or "-",
        context=miss["context"] or "-",
    )


def _cell(figure: dict[str, Any]) -> str:
    if figure["share"] is None:
        return f"{'-':>19}"
    cell = f"{100 * figure['share']:.1f}% ({figure['hits']}/{figure['total']})"
    return f"{cell:>19}"
