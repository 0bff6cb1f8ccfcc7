"""From match evidence to a decision: a calibrated probability that the best fact is right.

A raw score cannot tell a right "did you mean" from an out-of-scope question that
happens to share a word (their scores overlap). What can is the *shape* of the
evidence: where it came from (a phrasing or only the answer text), how much of the
question it covers, how heavy the words it leaves out are, how rare the shared
words are. `evidence()` measures these for the best candidate; two small logistic
models fitted on labelled questions (`python -m bot calibrate`) turn them into
P(the best fact is right) and P(one of the offered facts is right).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from bot.kb.calibration import FEATURES, DecisionModel, LogisticModel
from bot.kb.model import Lang
from bot.match.index import Index
from bot.match.types import Guards, Match, Outcome, QueryTerm

# Without a fitted calibration: the score alone, shaped like the old fixed thresholds
# (answer from 58, offer from 35), so a knowledge base without calibration.yaml works.
UNCALIBRATED = DecisionModel(
    answer=LogisticModel(bias=-7.0, weights={"score": 12.0}),
    offer=LogisticModel(bias=-4.2, weights={"score": 12.0}),
    answer_at=0.5,
    clarify_at=0.5,
    fitted_on="uncalibrated: score only",
)
TERMS_SATURATE = 8  # a question of more terms than this is simply "long"


def evidence(
    candidates: Sequence[Match],
    terms: Sequence[QueryTerm],
    index: Index,
    named_committee: str | None,
    lang: Lang,
    detail_given: bool = False,
) -> dict[str, float]:
    """The features of the best candidate (names in `FEATURES`), each about 0..1.
    `detail_given`: the question asks a detail (how many people) and the fact gives it."""
    best = candidates[0]
    return {
        **_competition(best, candidates),
        **_coverage(best, terms, index),
        **_naming(best, named_committee, index),
        "phrasing": float(best.kind in ("phrasing", "title")),
        "english": float(lang == "en"),
        "terms": min(len(terms), TERMS_SATURATE) / TERMS_SATURATE,
        "overview": float(best.fact.overview),
        "detail_given": float(detail_given),
    }


def _competition(best: Match, candidates: Sequence[Match]) -> dict[str, float]:
    """How far ahead of the best fact of any other committee the best fact is."""
    rival = next((m for m in candidates[1:] if m.committee_id != best.committee_id), None)
    rival_score = rival.score if rival else 0.0
    return {
        "score": best.score / 100,
        "margin": (best.score - rival_score) / 100,
        "rival_ratio": rival_score / best.score if best.score else 0.0,
    }


def _coverage(best: Match, terms: Sequence[QueryTerm], index: Index) -> dict[str, float]:
    """How much of the question the best fact covers, and how heavy what it leaves is."""
    total = sum(t.weight for t in terms) or 1.0
    shared = set(best.shared_terms)
    core = index.core_terms[index.fact_numbers[best.fact.id]]
    return {
        "coverage": sum(t.weight * t.credit for t in terms if t.term in shared) / total,
        "core_share": sum(t.weight for t in terms if t.term in core) / total,
        "answer_only": float(best.kind in ("answer", "several") and not shared & core),
        **_left_out(shared, terms, index),
    }


def _left_out(shared: set[str], terms: Sequence[QueryTerm], index: Index) -> dict[str, float]:
    """The weight of the question words the best fact does not have, and how rare the
    rarest word it does have is, in units of an unknown word's weight."""
    unit = index.unknown_weight or 1.0
    uncovered = [t.weight for t in terms if t.term not in shared]
    return {
        "uncovered_max": max(uncovered, default=0.0) / unit,
        "uncovered_sum": min(2.0, sum(uncovered) / unit),
        "rarest_shared": max((index.idf.get(t, 0.0) for t in shared), default=0.0) / unit,
    }


def _naming(best: Match, named_committee: str | None, index: Index) -> dict[str, float]:
    """Whether the question names a committee, and whether the best fact is its."""
    named = named_committee is not None
    own = named and best.committee_id == named_committee
    overview_score = index.scoring.named_overview_score
    return {
        "named_match": float(own),
        "named_other": float(named and not own),
        "name_only": float(best.kind == "name" and best.score >= overview_score),
    }


def decide(
    confident: float,
    plausible: float,
    answer_at: float,
    clarify_at: float,
    guards: Guards,
) -> Outcome:
    """The one decision rule, shared by the matcher and by `calibrate`'s threshold search.

    confident: P(the best fact is right); plausible: P(one of the offered facts is)."""
    if guards.missing_detail is not None:
        return "declined"  # the fee of a class the knowledge base describes: not known
    if confident >= answer_at and not guards.too_close:
        return "answered"
    if guards.offerable and (plausible >= clarify_at or guards.keywords or guards.listing):
        # a few keywords the best fact covers deserve a "did you mean"; a list of several
        # committees' facts is one already
        return "clarify"
    return "declined"


def probability(model: LogisticModel, features: Mapping[str, float]) -> float:
    return _sigmoid(
        model.bias + sum(w * features.get(name, 0.0) for name, w in model.weights.items())
    )


# --- fitting (python -m bot calibrate) -------------------------------------------------
def fit_logistic(
    rows: Sequence[Mapping[str, float]], labels: Sequence[bool], *, l2: float = 0.3
) -> LogisticModel:
    """Maximum-likelihood logistic regression with an L2 penalty (Newton's method).

    Fifteen features and a few hundred questions: a dozen Newton steps in plain
    Python take about a second, and need no numerical library at run time."""
    matrix = [[row.get(name, 0.0) for name in FEATURES] + [1.0] for row in rows]
    targets = [1.0 if label else 0.0 for label in labels]
    beta = [0.0] * (len(FEATURES) + 1)  # the bias is the last coefficient, not penalised
    for _ in range(50):
        step = _solve(*_newton_system(matrix, targets, beta, l2))
        beta = [b + s for b, s in zip(beta, step, strict=True)]
        if max(abs(s) for s in step) < 1e-6:
            break
    weights = {name: round(b, 4) for name, b in zip(FEATURES, beta, strict=False)}
    return LogisticModel(bias=round(beta[-1], 4), weights=weights)


def _newton_system(
    matrix: list[list[float]], targets: list[float], beta: list[float], l2: float
) -> tuple[list[list[float]], list[float]]:
    """The Hessian and gradient of the penalised log-likelihood at `beta`."""
    size = len(beta)
    gradient = [-l2 * b for b in beta[:-1]] + [0.0]
    hessian = [[l2 if i == j < size - 1 else 0.0 for j in range(size)] for i in range(size)]
    for x, y in zip(matrix, targets, strict=True):
        p = _sigmoid(sum(b * v for b, v in zip(beta, x, strict=True)))
        _add_row(hessian, gradient, x, y, p)
    for i in range(size):
        for j in range(i):
            hessian[i][j] = hessian[j][i]
    return hessian, gradient


def _add_row(
    hessian: list[list[float]], gradient: list[float], x: list[float], y: float, p: float
) -> None:
    """One question's share of the gradient and of the upper triangle of the Hessian."""
    for i, xi in enumerate(x):
        gradient[i] += (y - p) * xi
        row = hessian[i]
        for j in range(i, len(x)):
            row[j] += p * (1 - p) * xi * x[j]


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-max(-60.0, min(60.0, z))))


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the matrix is small and positive definite)."""
    n = len(vector)
    rows = [[*matrix[i], vector[i]] for i in range(n)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(rows[r][col]))
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(col + 1, n):
            factor = rows[r][col] / rows[col][col]
            for c in range(col, n + 1):
                rows[r][c] -= factor * rows[col][c]
    solution = [0.0] * n
    for r in range(n - 1, -1, -1):
        known = sum(rows[r][c] * solution[c] for c in range(r + 1, n))
        solution[r] = (rows[r][n] - known) / rows[r][r]
    return solution
