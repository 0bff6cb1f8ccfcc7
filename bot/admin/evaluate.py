"""`python -m bot eval FILE…`: how well the matcher does on sets of resident questions.

Each file is a YAML list of cases: `q` (the question), `expect` (committee short
names; `[街道]` for a street-level fact; `[]` when the bot must decline), optional
`lang: en` and `contains` (strings the answer must include). A comment line such
as `# --- zh, typos ---` starts a category: the figures are also broken down by it.

The five figures, the same ones the unseen sets are judged on:
  first     first reply right: answered outright from an expected committee (of in-scope)
  within2   right within two steps: that, or an offered option from one (of in-scope)
  wrong     wrong outright answers (of all questions)
  declined  out-of-scope questions declined outright (of out-of-scope)
  english   English questions answered in English (of English questions)
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.admin import texts
from bot.admin.streets import chosen_street
from bot.config import Config
from bot.kb import Fact, KnowledgeBase, KnowledgeBaseError
from bot.match import Matcher, MatchResult
from bot.match.cache import load_index
from bot.text import Lang, Text

STREET = "街道"
FIGURES = ("first", "within2", "wrong", "declined", "english")
DIALOGUE_FIGURES = ("first", "followup", "followup_wrong", "declined_detail")
"""The figures of dialogue files (bot/admin/dialogues.py)."""
LOWER_IS_BETTER = frozenset({"wrong", "followup_wrong"})
_CATEGORY_RE = re.compile(r"^\s*#\s*-{2,}\s*(.+?)\s*-{2,}\s*$")


class EvalError(ValueError):
    """A question set or a --min that cannot be used, said in both languages."""

    def __init__(self, message: Text) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass
class Case:
    question: str
    expect: list[str]
    lang: str | None = None
    contains: list[str] = field(default_factory=list)
    category: str = ""
    source: str = ""


@dataclass
class CaseResult:
    case: Case
    result: MatchResult
    ok: bool  # the top candidate is from an expected committee (or: declined when expected)
    strict_ok: bool  # answered outright from an expected committee (or: declined outright)
    committee: str | None
    within_two: bool = False
    wrong: bool = False

    @property
    def in_scope(self) -> bool:
        return bool(self.case.expect)


def read_cases(path: Path) -> list[Case]:
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text) or []
    if not isinstance(data, list):
        raise EvalError(texts.EVAL_NOT_A_LIST.fill(path=path))
    lines = _item_lines(text)
    categories = _categories_by_line(text)
    cases = []
    for number, item in enumerate(data, 1):
        line = lines[number - 1] if number <= len(lines) else 0
        cases.append(_case(path, number, item, _category_at(categories, line)))
    return cases


def _case(path: Path, number: int, item: object, category: str) -> Case:
    if not isinstance(item, dict) or "q" not in item or "expect" not in item:
        raise EvalError(texts.EVAL_CASE_FIELDS.fill(path=path, number=number))
    return Case(
        str(item["q"]),
        [str(name) for name in item["expect"] or []],
        item.get("lang"),
        item.get("contains") or [],
        category=category,
        source=path.stem,
    )


def _item_lines(text: str) -> list[int]:
    """The line (0-based) of each top-level list item, to place it under its category."""
    node = yaml.compose(text)
    if not isinstance(node, yaml.SequenceNode):
        return []
    return [item.start_mark.line for item in node.value]


def _categories_by_line(text: str) -> list[tuple[int, str]]:
    return [
        (number, match.group(1))
        for number, line in enumerate(text.splitlines())
        if (match := _CATEGORY_RE.match(line))
    ]


def _category_at(categories: list[tuple[int, str]], line: int) -> str:
    current = ""
    for number, name in categories:
        if number > line:
            break
        current = name
    return current


def judge(
    case: Case, result: MatchResult, kb: KnowledgeBase, street: str | None = None
) -> CaseResult:
    """`street`: the asking resident's; another street's committee of the expected name
    is then not the one expected."""
    best = result.best if result.outcome != "declined" else None
    committee = _label(kb, best.fact, street) if best else None
    if not case.expect:
        declined = result.outcome == "declined"
        return CaseResult(
            case, result, not result.answered, declined, committee, wrong=result.answered
        )
    ok = committee in case.expect and _says_what_it_should(case, result)
    first = ok and result.answered
    offered = {_label(kb, m.fact, street) for m in _offered(result)}
    within_two = first or (not result.answered and bool(offered.intersection(case.expect)))
    return CaseResult(
        case, result, ok, first, committee, within_two=within_two, wrong=result.answered and not ok
    )


def _says_what_it_should(case: Case, result: MatchResult) -> bool:
    """The best fact's answer contains every string the case lists under `contains`."""
    best = result.best
    if not case.contains or best is None:
        return True
    answer = best.fact.answer.in_lang(result.lang)
    return all(text in answer for text in case.contains)


def _offered(result: MatchResult) -> Iterable[Any]:
    """What a resident can press next: the "did you mean" options, or a decline's related fact."""
    if result.outcome == "clarify":
        return result.candidates
    return result.related


def short_name(kb: KnowledgeBase, committee_id: str | None) -> str:
    """The committee's short name as question sets label it; 街道 for a street fact."""
    owner = kb.committee(committee_id) if committee_id else None
    return owner.short_name if owner else STREET


def _label(kb: KnowledgeBase, fact: Fact, street: str | None) -> str:
    """The fact's committee as question sets name it, marked when it is of another
    street than the resident's (复兴@hongqi never equals an expected 复兴)."""
    label = short_name(kb, fact.committee_id)
    return f"{label}@{fact.street}" if street and fact.street != street else label


def evaluate(matcher: Matcher, cases: list[Case], street: str | None = None) -> list[CaseResult]:
    """Ask every case, as a resident of `street` if given."""
    return [
        judge(case, matcher.match(case.question, street=street), matcher.kb, street)
        for case in cases
    ]


def figures(outcomes: list[CaseResult]) -> dict[str, dict[str, Any]]:
    """The five figures (see the module docstring) for a list of judged cases."""
    in_scope, out_scope, english = _scopes(outcomes)
    return {
        "first": _share(in_scope, lambda o: o.strict_ok),
        "within2": _share(in_scope, lambda o: o.within_two),
        "wrong": _share(outcomes, lambda o: o.wrong),
        "declined": _share(out_scope, lambda o: o.strict_ok),
        "english": _share(english, lambda o: o.result.lang == "en"),
    }


def summarize(outcomes: list[CaseResult]) -> dict[str, Any]:
    in_scope, out_scope, english = _scopes(outcomes)
    by_category: dict[str, list[CaseResult]] = {}
    for outcome in outcomes:
        by_category.setdefault(outcome.case.category, []).append(outcome)
    return {
        **figures(outcomes),
        "categories": {name: figures(group) for name, group in by_category.items()},
        # the older, looser figures: the top candidate, whatever the bot did with it
        "in_scope": _share(in_scope, lambda o: o.ok),
        "in_scope_answered_outright": _share(in_scope, lambda o: o.strict_ok),
        "out_of_scope_declined": _share(out_scope, lambda o: o.ok),
        "english_in_english": _share(english, lambda o: o.result.lang == "en"),
        "misses": [_miss(o) for o in outcomes if _is_miss(o)],
    }


def _scopes(
    outcomes: list[CaseResult],
) -> tuple[list[CaseResult], list[CaseResult], list[CaseResult]]:
    """The in-scope cases, the out-of-scope ones, and the English questions."""
    return (
        [o for o in outcomes if o.in_scope],
        [o for o in outcomes if not o.in_scope],
        [o for o in outcomes if o.case.lang == "en"],
    )


def _is_miss(o: CaseResult) -> bool:
    return not o.strict_ok or (o.case.lang == "en" and o.result.lang != "en")


def _miss(o: CaseResult) -> dict[str, Any]:
    best = o.result.best
    return {
        "q": o.case.question,
        "expect": o.case.expect,
        "got": o.committee,
        "outcome": o.result.outcome,
        "fact_id": best.fact.id if best else None,
        "score": best.score if best else 0.0,
        "confidence": o.result.confidence,
        "category": o.case.category,
        "wrong": o.wrong,
    }


def _share(cases: list[CaseResult], hit: Callable[[CaseResult], bool]) -> dict[str, Any]:
    """How many of the cases were hits, of how many, and the share (None without cases)."""
    hits, total = sum(1 for case in cases if hit(case)), len(cases)
    return {"hits": hits, "total": total, "share": round(hits / total, 4) if total else None}


def parse_minimums(spec: str) -> dict[str, float]:
    """`first=90,wrong=1` → {"first": 90.0, "wrong": 1.0} (percentages)."""
    minimums: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, value = part.partition("=")
        known = dict.fromkeys((*FIGURES, *DIALOGUE_FIGURES))
        if name not in known:
            raise EvalError(texts.EVAL_UNKNOWN_FIGURE.fill(name=name, known=", ".join(known)))
        try:
            minimums[name] = float(value)
        except ValueError:
            raise EvalError(texts.EVAL_NOT_A_NUMBER.fill(name=name, value=value)) from None
    return minimums


def shortfalls(summary: dict[str, Any], minimums: dict[str, float]) -> list[Text]:
    """The figures that fall short of `minimums` ("wrong" is a maximum)."""
    failed = []
    for name, bound in minimums.items():
        share = summary[name]["share"] if name in summary else None
        if share is None:
            continue
        percent = 100 * share
        lower_is_better = name in LOWER_IS_BETTER
        good = percent <= bound if lower_is_better else percent >= bound
        if not good:
            relation = texts.EVAL_ABOVE if lower_is_better else texts.EVAL_BELOW
            failed.append(
                texts.EVAL_SHORTFALL.fill(
                    name=name, percent=percent, relation=relation, bound=bound
                )
            )
    return failed


def load_sets(
    config: Config, paths: list[Path], *, doing: str, lang: Lang = "en"
) -> tuple[dict[str, list[Case]], Matcher] | None:
    """The question sets by name and a matcher over the configured knowledge, or None
    after saying on stderr (in `lang`) why they cannot be had."""
    try:
        sets = {path.stem: read_cases(path) for path in paths}
        index = load_index(config.knowledge_dir)  # the on-disk cache when it fits
    except (OSError, ValueError, yaml.YAMLError, KnowledgeBaseError) as exc:
        message = texts.CANNOT.fill(doing=texts.DOING[doing], reason=_reason(exc, lang))
        print(message.in_lang(lang), file=sys.stderr)
        return None
    return sets, Matcher(index.kb, config.matcher, index=index)


def run_eval(
    config: Config,
    paths: list[Path],
    *,
    as_json: bool = False,
    minimums: dict[str, float] | None = None,
    show_misses: bool = True,
    lang: Lang = "zh",
    street: str | None = None,
) -> int:
    gathered = _judge_all(config, paths, lang=lang, street=street)
    if isinstance(gathered, int):
        return gathered
    judged, overall, conversations = gathered
    if as_json:
        _print_json(judged, overall, conversations)
    else:
        _print_all(judged, overall, conversations, show_misses=show_misses, lang=lang)
    summaries = ([overall] if judged else []) + list(conversations.values())
    failed = [line for summary in summaries for line in shortfalls(summary, minimums or {})]
    for line in failed:
        print(line.in_lang(lang), file=sys.stderr)
    return 1 if failed else 0


Judged = tuple[dict[str, list[CaseResult]], dict[str, Any], dict[str, dict[str, Any]]]


def _judge_all(
    config: Config, paths: list[Path], *, lang: Lang, street: str | None
) -> Judged | int:
    """Every question set judged, their overall summary, and each dialogue file's summary;
    or the exit code after saying why they cannot be had."""
    from bot.admin import dialogues  # it builds on this module

    questions, talks = dialogues.split_files(paths)
    loaded = load_sets(config, questions, doing="evaluate", lang=lang)
    if loaded is None:
        return 1
    sets, matcher = loaded
    usable, street = chosen_street(matcher.kb, street, lang)
    if not usable:
        return 2
    conversations = dialogues.evaluate_files(talks, matcher, street, lang)
    if conversations is None:
        return 1
    judged = {name: evaluate(matcher, cases, street) for name, cases in sets.items()}
    overall = summarize([o for outcomes in judged.values() for o in outcomes])
    return judged, overall, conversations


def _print_all(
    judged: dict[str, list[CaseResult]],
    overall: dict[str, Any],
    conversations: dict[str, dict[str, Any]],
    *,
    show_misses: bool,
    lang: Lang,
) -> None:
    """The question sets' report, then each dialogue file's."""
    from bot.admin.dialogues import print_dialogue_report

    if judged:
        _print_report(judged, overall, show_misses=show_misses, lang=lang)
    for name, summary in conversations.items():
        print_dialogue_report(name, summary, show_misses=show_misses, lang=lang)


def _reason(exc: Exception, lang: Lang) -> str:
    if isinstance(exc, EvalError):
        return exc.message.in_lang(lang)
    if isinstance(exc, KnowledgeBaseError):
        return "\n".join(["", *(f"  {problem.in_lang(lang)}" for problem in exc.problems)])
    return str(exc)


def _print_json(
    judged: dict[str, list[CaseResult]],
    overall: dict[str, Any],
    conversations: dict[str, dict[str, Any]],
) -> None:
    report: dict[str, Any] = {"overall": overall, "sets": {}}
    report["sets"] = {name: summarize(outcomes) for name, outcomes in judged.items()}
    if conversations:
        report["dialogues"] = conversations
    print(json.dumps(report, ensure_ascii=False, indent=2))


def _print_report(
    judged: dict[str, list[CaseResult]], overall: dict[str, Any], *, show_misses: bool, lang: Lang
) -> None:
    if show_misses:
        _print_misses(overall["misses"], lang)
    print(_table_header(texts.EVAL_SETS.in_lang(lang)))
    for name, outcomes in judged.items():
        summary = summarize(outcomes)
        print(_table_row(name, summary))
        for category, category_figures in summary["categories"].items():
            if category:
                print(_table_row(f"  {category}", category_figures))
    if len(judged) > 1:
        print(_table_row(texts.EVAL_OVERALL.in_lang(lang), overall))
    print(texts.EVAL_LEGEND.in_lang(lang))


def _print_misses(misses: list[dict[str, Any]], lang: Lang) -> None:
    for miss in misses:
        line = texts.EVAL_MISS.fill(
            flag=texts.EVAL_WRONG if miss["wrong"] else texts.EVAL_MISSED,
            question=miss["q"],
            expected=",".join(miss["expect"]) or texts.EVAL_DECLINE,
            got=miss["got"] or "-",
            outcome=miss["outcome"],
            fact=miss["fact_id"] or "-",
            score=miss["score"],
            confidence=miss["confidence"],
        )
        print(line.in_lang(lang))


def _table_header(label: str) -> str:
    return f"{label:<40}" + "".join(f"{name:>19}" for name in FIGURES)


def _table_row(label: str, summary: dict[str, Any]) -> str:
    cells = []
    for name in FIGURES:
        figure = summary[name]
        if figure["share"] is None:
            cells.append(f"{'-':>19}")
        else:
            cell = f"{100 * figure['share']:.1f}% ({figure['hits']}/{figure['total']})"
            cells.append(f"{cell:>19}")
    return f"{label[:40]:<40}" + "".join(cells)
