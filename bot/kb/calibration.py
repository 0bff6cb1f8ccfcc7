"""`calibration.yaml`: the fitted coefficients that turn match evidence into a decision.

Written by `python -m bot calibrate` from labelled question sets and reviewed like
any other knowledge file: two small logistic models (is the best fact right? is
one of the offered facts right?) and the two probability thresholds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.kb.messages import say
from bot.yamlfile import Checker, PathKey, Problem, YamlDocument

FEATURES = (
    "score",
    "margin",
    "rival_ratio",
    "phrasing",
    "answer_only",
    "coverage",
    "uncovered_max",
    "uncovered_sum",
    "rarest_shared",
    "named_match",
    "name_only",
    "named_other",
    "english",
    "terms",
    "core_share",
    "overview",
    "detail_given",
)
"""The evidence the matcher computes for its best candidate (see bot/match/evidence.py)."""


@dataclass(frozen=True)
class LogisticModel:
    """P(yes) = 1 / (1 + exp(-(bias + Σ weight × feature)))."""

    bias: float
    weights: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class DecisionModel:
    answer: LogisticModel
    """The probability that the best fact is the right answer."""
    offer: LogisticModel
    """The probability that one of the facts a "did you mean" offers is right."""
    answer_at: float
    """Answer outright when the first probability reaches this."""
    clarify_at: float
    """Otherwise ask "did you mean…" when the second one reaches this; else decline."""
    fitted_on: str = ""


def parse_calibration(doc: YamlDocument, problems: list[Problem]) -> DecisionModel | None:
    check = Checker(doc, problems)
    required = ("answer", "offer", "answer_at", "clarify_at")
    top = check.mapping(doc.data, (), required=required, optional=("fitted_on",))
    if top is None:
        return None
    answer = _model(check, top.get("answer"), ("answer",))
    offer = _model(check, top.get("offer"), ("offer",))
    answer_at = _probability(check, top.get("answer_at"), ("answer_at",))
    clarify_at = _probability(check, top.get("clarify_at"), ("clarify_at",))
    if None in (answer, offer, answer_at, clarify_at):
        return None
    assert answer and offer and answer_at is not None and clarify_at is not None
    return DecisionModel(answer, offer, answer_at, clarify_at, str(top.get("fitted_on") or ""))


def _model(check: Checker, value: Any, path: PathKey) -> LogisticModel | None:
    part = check.mapping(value, path, required=("bias", "weights"))
    if part is None:
        return None
    bias = _number(check, part.get("bias"), (*path, "bias"))
    weights_value = part.get("weights")
    if not isinstance(weights_value, dict):
        check.report((*path, "weights"), say("not_weights"))
        return None
    weights = {}
    for name, weight in weights_value.items():
        if name not in FEATURES:
            check.report((*path, "weights", name), say("unknown_feature", name=name))
            continue
        number = _number(check, weight, (*path, "weights", name))
        if number is not None:
            weights[str(name)] = number
    return LogisticModel(bias, weights) if bias is not None else None


def _number(check: Checker, value: Any, path: PathKey) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        check.report(path, say("not_number"))
        return None
    if abs(value) > 1000:
        check.report(path, say("far_outside"))
        return None
    return float(value)


def _probability(check: Checker, value: Any, path: PathKey) -> float | None:
    number = _number(check, value, path)
    if number is not None and not 0 <= number <= 1:
        check.report(path, say("not_probability"))
        return None
    return number
