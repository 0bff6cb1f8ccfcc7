"""`python -m bot eval FILE`: how well the matcher does on a set of resident questions.

The file is a YAML list of cases: `q` (the question), `expect` (committee short
names; `[街道]` for a street-level fact; `[]` when the bot must decline),
optional `lang: en` and `contains` (strings the answer must include).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.config import Config
from bot.kb import KnowledgeBase, KnowledgeBaseError, load_knowledge
from bot.match import Matcher, MatchResult

STREET = "街道"


@dataclass
class Case:
    question: str
    expect: list[str]
    lang: str | None = None
    contains: list[str] = field(default_factory=list)


@dataclass
class CaseResult:
    case: Case
    result: MatchResult
    ok: bool
    strict_ok: bool  # answered outright (no "did you mean")
    committee: str | None


def read_cases(path: Path) -> list[Case]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of cases")
    cases = []
    for number, item in enumerate(data, 1):
        if not isinstance(item, dict) or "q" not in item or "expect" not in item:
            raise ValueError(f"{path}: case {number} needs 'q' and 'expect'")
        cases.append(
            Case(
                str(item["q"]),
                list(item["expect"] or []),
                item.get("lang"),
                item.get("contains") or [],
            )
        )
    return cases


def judge(case: Case, result: MatchResult, kb: KnowledgeBase) -> CaseResult:
    best = result.best if result.outcome != "declined" else None
    committee = None
    if best:
        owner = kb.committee(best.fact.committee_id)
        committee = owner.short_name if owner else STREET
    if not case.expect:
        ok = not result.answered
        return CaseResult(case, result, ok, ok, committee)
    ok = committee in case.expect
    if ok and case.contains and best:
        answer = best.fact.answer.in_lang(result.lang)
        ok = all(text in answer for text in case.contains)
    return CaseResult(case, result, ok, ok and result.answered, committee)


def evaluate(matcher: Matcher, cases: list[Case]) -> list[CaseResult]:
    return [judge(case, matcher.match(case.question), matcher.kb) for case in cases]


def summarize(outcomes: list[CaseResult]) -> dict[str, Any]:
    in_scope = [o for o in outcomes if o.case.expect]
    out_scope = [o for o in outcomes if not o.case.expect]
    english = [o for o in outcomes if o.case.lang == "en"]
    return {
        "in_scope": _share(in_scope, lambda o: o.ok),
        "in_scope_answered_outright": _share(in_scope, lambda o: o.strict_ok),
        "out_of_scope_declined": _share(out_scope, lambda o: o.ok),
        "english_in_english": _share(english, lambda o: o.result.lang == "en"),
        "misses": [_miss(o) for o in outcomes if _is_miss(o)],
    }


def _is_miss(outcome: CaseResult) -> bool:
    """Not answered as expected, or an English question answered in Chinese."""
    return not outcome.ok or (outcome.case.lang == "en" and outcome.result.lang != "en")


def _miss(outcome: CaseResult) -> dict[str, Any]:
    best = outcome.result.best
    return {
        "q": outcome.case.question,
        "expect": outcome.case.expect,
        "got": outcome.committee,
        "outcome": outcome.result.outcome,
        "fact_id": best.fact.id if best else None,
        "score": best.score if best else 0.0,
    }


def _share(cases: list[CaseResult], hit: Callable[[CaseResult], bool]) -> dict[str, Any]:
    """How many of the cases were hits, of how many, and the share (None without cases)."""
    hits, total = sum(1 for case in cases if hit(case)), len(cases)
    return {"hits": hits, "total": total, "share": round(hits / total, 4) if total else None}


def run_eval(config: Config, path: Path, *, as_json: bool = False) -> int:
    try:
        cases = read_cases(path)
        kb = load_knowledge(config.knowledge_dir)
    except (OSError, ValueError, yaml.YAMLError, KnowledgeBaseError) as exc:
        print(f"cannot evaluate: {exc}", file=sys.stderr)
        return 1
    summary = summarize(evaluate(Matcher(kb, config.matcher), cases))
    if as_json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return 0
    for miss in summary["misses"]:
        expected = ",".join(miss["expect"]) or "decline"
        print(
            f"  miss: {miss['q']!r}  expected {expected}, got {miss['got'] or '-'} "
            f"({miss['outcome']}, {miss['fact_id'] or '-'}, score {miss['score']:.1f})"
        )
    for label, key in (
        ("in-scope, top answer from an expected committee", "in_scope"),
        ("in-scope, answered outright (no did-you-mean)", "in_scope_answered_outright"),
        ("out-of-scope, declined", "out_of_scope_declined"),
        ("English questions answered in English", "english_in_english"),
    ):
        figure = summary[key]
        share = "n/a" if figure["share"] is None else f"{100 * figure['share']:.1f}%"
        print(f"{label}: {share} ({figure['hits']}/{figure['total']})")
    return 0
