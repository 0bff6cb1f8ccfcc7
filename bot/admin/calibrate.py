"""`python -m bot calibrate FILE…`: fit the matcher's decision on labelled questions.

For every question the matcher measures its evidence (bot/match/calibration.py).
Two logistic models are fitted on it: is the best fact right, and is one of the
offered facts right. The two probability thresholds are then chosen to serve
residents best — a wrong answer costs four right ones — on *cross-validated*
probabilities, so the figures printed are those of questions the fit never saw.
The result is written to knowledge/calibration.yaml for review.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.admin.evaluate import FIGURES, Case, load_sets, short_name
from bot.config import Config
from bot.kb.calibration import FEATURES, DecisionModel, LogisticModel
from bot.match import Matcher, MatchResult
from bot.match.calibration import decide, fit_logistic, probability
from bot.match.types import Outcome

# What each outcome is worth to a resident. A wrong answer is the worst outcome: it costs
# four right ones. A "did you mean" with the right option is a second best; one offered
# for a question nobody can answer wastes a step. Declining a question the knowledge base
# does answer sends the resident to 12345 for nothing: it loses what the right option
# would have given.
VALUE_RIGHT_ANSWER = 1.0
VALUE_RIGHT_OPTION = 0.5
VALUE_DECLINED_OUT_OF_SCOPE = 1.0
COST_WRONG_ANSWER = 4.0
COST_NEEDLESS_QUESTION = 0.3
COST_NEEDLESS_DECLINE = 0.5
THRESHOLD_GRID = [round(0.025 * i, 3) for i in range(2, 40)]
SEED = 20181231  # folds are shuffled reproducibly


@dataclass(frozen=True)
class Sample:
    """One labelled question as the decision sees it."""

    case: Case
    result: MatchResult
    top_right: bool  # the best fact is from an expected committee
    offer_right: bool  # one of the offered facts is


def collect(matcher: Matcher, cases: Sequence[Case]) -> list[Sample]:
    samples = []
    limit = matcher.settings.max_alternatives
    for case in cases:
        result = matcher.match(case.question)
        committees = [short_name(matcher.kb, m.fact.committee_id) for m in result.candidates]
        top_right = bool(committees) and committees[0] in case.expect
        offer_right = any(c in case.expect for c in committees[:limit])
        samples.append(Sample(case, result, top_right, offer_right))
    return samples


def fit(samples: Sequence[Sample]) -> tuple[LogisticModel, LogisticModel]:
    """The two models. Questions with no candidate, or settled by a rule (a missing detail),
    teach them nothing."""
    open_samples = [
        s for s in samples if s.result.candidates and s.result.guards.missing_detail is None
    ]
    rows = [dict(s.result.evidence) for s in open_samples]
    answer = fit_logistic(rows, [s.top_right for s in open_samples])
    offer = fit_logistic(rows, [s.offer_right for s in open_samples])
    return answer, offer


def cross_validated(samples: Sequence[Sample], folds: int) -> list[tuple[float, float]]:
    """(P(best right), P(an option right)) for each sample, from a fit without its fold."""
    order = list(range(len(samples)))
    random.Random(SEED).shuffle(order)
    fold_of = {index: position % folds for position, index in enumerate(order)}
    predictions: list[tuple[float, float]] = [(0.0, 0.0)] * len(samples)
    for fold in range(folds):
        answer, offer = fit([s for i, s in enumerate(samples) if fold_of[i] != fold])
        for i, sample in enumerate(samples):
            if fold_of[i] == fold:
                features = sample.result.evidence
                predictions[i] = (probability(answer, features), probability(offer, features))
    return predictions


def outcome_of(sample: Sample, predicted: tuple[float, float], at: tuple[float, float]) -> Outcome:
    if not sample.result.candidates:
        return "declined"  # as the matcher does: nothing to offer
    return decide(predicted[0], predicted[1], at[0], at[1], sample.result.guards)


def value(sample: Sample, outcome: Outcome) -> float:
    """What one decision is worth to the resident who asked (see the constants above)."""
    if not sample.case.expect:
        return {
            "declined": VALUE_DECLINED_OUT_OF_SCOPE,
            "clarify": -COST_NEEDLESS_QUESTION,
            "answered": -COST_WRONG_ANSWER,
        }[outcome]
    if outcome == "answered":
        return VALUE_RIGHT_ANSWER if sample.top_right else -COST_WRONG_ANSWER
    if outcome == "clarify":
        return VALUE_RIGHT_OPTION if sample.offer_right else 0.0
    return -COST_NEEDLESS_DECLINE


def total_worth(
    samples: Sequence[Sample], predictions: Sequence[tuple[float, float]], at: tuple[float, float]
) -> float:
    """What the decisions at thresholds `at` are worth to the residents who asked."""
    pairs = zip(samples, predictions, strict=True)
    return sum(value(s, outcome_of(s, p, at)) for s, p in pairs)


def best_thresholds(
    samples: Sequence[Sample], predictions: Sequence[tuple[float, float]]
) -> tuple[float, float]:
    """The (answer, ask) probability thresholds worth most to residents, judged on
    cross-validated probabilities.

    The answer threshold is judged with its neighbours on the grid (on a tie, the
    stricter): the worth is flat and noisy near the top, and a pair whose neighbours
    are poor sits on a cliff edge that the next questions residents ask may push it
    over. The ask threshold is then the one worth most (on a tie, the more lenient)."""

    def worth(at: tuple[float, float]) -> float:
        return total_worth(samples, predictions, at)

    grid = [(a, c) for a in THRESHOLD_GRID for c in THRESHOLD_GRID if c <= a]
    worths = {at: worth(at) for at in grid}

    def with_neighbours(at: tuple[float, float]) -> float:
        a, c = THRESHOLD_GRID.index(at[0]), THRESHOLD_GRID.index(at[1])
        near = [
            worths[(THRESHOLD_GRID[i], THRESHOLD_GRID[j])]
            for i in range(max(a - 1, 0), min(a + 2, len(THRESHOLD_GRID)))
            for j in range(max(c - 1, 0), min(c + 2, len(THRESHOLD_GRID)))
            if (THRESHOLD_GRID[i], THRESHOLD_GRID[j]) in worths
        ]
        return sum(near) / len(near)

    answer_at = max(grid, key=lambda at: (round(with_neighbours(at), 6), at))[0]
    # given when to answer, when to ask is smooth: its own worth decides, and on a tie
    # the more lenient threshold (a right option keeps a resident a decline sends away)
    asking = [at for at in grid if at[0] == answer_at]
    return max(asking, key=lambda at: (round(worths[at], 6), -at[1]))


def figures(
    samples: Sequence[Sample],
    predictions: Sequence[tuple[float, float]],
    at: tuple[float, float],
) -> dict[str, tuple[int, int]]:
    """The eval's five figures from replayed decisions."""
    counts = {name: [0, 0] for name in FIGURES}
    for sample, predicted in zip(samples, predictions, strict=True):
        _count(counts, sample, outcome_of(sample, predicted, at))
    return {name: (hits, total) for name, (hits, total) in counts.items()}


def _count(counts: dict[str, list[int]], s: Sample, outcome: Outcome) -> None:
    case = s.case
    in_scope = bool(case.expect)
    right = s.top_right if outcome == "answered" else s.offer_right
    if in_scope:
        _tally(counts["first"], outcome == "answered" and right)
        _tally(counts["within2"], outcome != "declined" and right)
    else:
        _tally(counts["declined"], outcome == "declined")
    _tally(counts["wrong"], outcome == "answered" and not (in_scope and right))
    if case.lang == "en":
        _tally(counts["english"], s.result.lang == "en")


def _tally(count: list[int], hit: bool) -> None:
    count[0] += hit
    count[1] += 1


def run_calibrate(
    config: Config, paths: list[Path], *, folds: int = 5, out: Path | None = None
) -> int:
    loaded = load_sets(config, paths, doing="calibrate")
    if loaded is None:
        return 1
    sets, matcher = loaded
    by_set = {name: collect(matcher, cases) for name, cases in sets.items()}
    samples = [s for group in by_set.values() for s in group]
    predictions = cross_validated(samples, folds)
    at = best_thresholds(samples, predictions)
    answer, offer = fit(samples)
    described = ", ".join(f"{name} ({len(cases)})" for name, cases in sets.items())
    model = DecisionModel(answer, offer, at[0], at[1], fitted_on=described)
    _print_cross_validated(samples, by_set, predictions, at, folds)
    target = out or Path(config.knowledge_dir) / "calibration.yaml"
    target.write_text(render(model), encoding="utf-8")
    print(f"wrote {target}: answer from P ≥ {at[0]}, ask from P ≥ {at[1]}")
    return 0


def _print_cross_validated(
    samples: list[Sample],
    by_set: dict[str, list[Sample]],
    predictions: list[tuple[float, float]],
    at: tuple[float, float],
    folds: int,
) -> None:
    print(f"{folds}-fold cross-validated figures (each question judged by a fit without it):")
    print(f"{'set':<20}" + "".join(f"{name:>18}" for name in FIGURES))
    start = 0
    for name, group in by_set.items():
        part = predictions[start : start + len(group)]
        start += len(group)
        print(_row(name, figures(group, part, at)))
    print(_row("overall", figures(samples, predictions, at)))
    # one number to compare two versions of the matcher by, whatever thresholds each fits
    worth = total_worth(samples, predictions, at)
    print(f"worth to residents: {worth:.1f} for {len(samples)} questions")


def _row(label: str, counts: dict[str, tuple[int, int]]) -> str:
    cells = []
    for name in FIGURES:
        hits, total = counts[name]
        cell = f"{100 * hits / total:.1f}% ({hits}/{total})" if total else "-"
        cells.append(f"{cell:>18}")
    return f"{label:<20}" + "".join(cells)


def render(model: DecisionModel) -> str:
    """calibration.yaml, with a header that says what it is and how to redo it."""
    header = (
        "# 匹配决策的校准系数(由 python -m bot calibrate 生成,请勿手改)\n"
        "# The matcher's decision, fitted by `python -m bot calibrate FILE…` (do not edit by\n"
        "# hand: re-fit after adding labelled questions). `answer` gives P(the best fact is\n"
        "# right), `offer` P(one of the offered facts is right); the bot answers from\n"
        '# answer_at and asks "did you mean…" from clarify_at. Features: bot/match/calibration.py\n'
    )
    data = {
        "fitted_on": model.fitted_on,
        "answer_at": model.answer_at,
        "clarify_at": model.clarify_at,
        "answer": _model_data(model.answer),
        "offer": _model_data(model.offer),
    }
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _model_data(model: LogisticModel) -> dict[str, object]:
    return {"bias": model.bias, "weights": {name: model.weights[name] for name in FEATURES}}
