"""A large knowledge base: bounded work per question, and a `check` that stays linear."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from bot.admin.check import phrasings_matching_elsewhere, run_check
from bot.config import Config
from bot.kb import load_knowledge
from bot.match import Matcher
from bot.match.rank import Ranker
from bot.match.scoring import Scoring

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
KB = load_knowledge(KNOWLEDGE)
FULL = Matcher(KB)
# bounds this tight make the shipped base behave like a city's: 老人 is in 72 documents
TIGHT = Matcher(KB, scoring=replace(Scoring(), max_documents_per_term=5, max_scored_documents=10))


def _count_scored(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    scored: list[int] = []
    original = Ranker._document_score

    def counting(self: Ranker, doc_number: int, *args: object) -> float:
        scored.append(doc_number)
        return original(self, doc_number, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Ranker, "_document_score", counting)
    return scored


def test_a_common_word_scores_a_bounded_number_of_documents(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scored = _count_scored(monkeypatch)
    result = TIGHT.match("哪些老人志愿者团队可以参加")
    assert len(set(scored)) <= 10
    unbounded = FULL.match("哪些老人志愿者团队可以参加").best
    assert result.best is not None and unbounded is not None
    assert result.best.fact.id == unbounded.fact.id


@pytest.mark.parametrize(
    "question", ["合二有书法吗", "建二有老人吗", "志成有绿化吗", "瑞华有律师吗"]
)
def test_a_named_committee_is_searched_beyond_the_bound(question: str) -> None:
    """书法 is in more documents than the bound lets through, none of them 合二's: naming
    合二 still finds its fact."""
    best, unbounded = TIGHT.match(question).best, FULL.match(question).best
    unnamed = FULL.match(question.split("有")[1]).best  # 书法 alone: another committee's
    assert best is not None and unbounded is not None and unnamed is not None
    assert best.fact.id == unbounded.fact.id
    assert best.fact.committee_id != unnamed.fact.committee_id


def test_the_shipped_answers_do_not_depend_on_the_bounds() -> None:
    # the same index with no leading postings: every document of every term a candidate
    # (a second build could differ anyway: jieba's word list is global and grows)
    unbounded = Matcher(
        KB,
        scoring=replace(Scoring(), max_scored_documents=10**9),
        index=replace(FULL.index, leading_postings={}),
    )
    assert FULL.index.leading_postings == {}  # the shipped base is under the bounds
    questions = yaml.safe_load((ROOT / "tests" / "data" / "questions.yaml").read_text("utf-8"))
    for question in (item["q"] for item in questions):
        assert FULL.match(question) == unbounded.match(question), question


# --- check ------------------------------------------------------------------------------
BORROWED = next(p for p in KB.fact("xiaohe-fresh-market").phrasings_zh)  # type: ignore[union-attr]


@pytest.fixture
def knowledge_with_a_borrowed_phrasing(tmp_path: Path) -> Path:
    """孝和's market phrasing also under 新天地's lawyer fact: residents asking it get 孝和."""
    knowledge = Path(shutil.copytree(KNOWLEDGE, tmp_path / "knowledge"))
    path = knowledge / "committees" / "xintiandi.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    lawyer = next(f for f in data["facts"] if f["id"] == "xintiandi-property-lawyer")
    lawyer["phrasings"]["zh"].append(BORROWED)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return knowledge


def test_check_warns_of_a_phrasing_that_matches_another_committee(
    knowledge_with_a_borrowed_phrasing: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = Config(knowledge_dir=knowledge_with_a_borrowed_phrasing)
    assert run_check(config, quiet=True, lang="en") == 0
    out = capsys.readouterr().out
    assert f"xintiandi-property-lawyer: its phrasing “{BORROWED}” matches xiaohe" in out


def test_check_fast_skips_the_cross_committee_lint(
    knowledge_with_a_borrowed_phrasing: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = Config(knowledge_dir=knowledge_with_a_borrowed_phrasing)
    assert run_check(config, quiet=True, fast=True) == 0
    assert "matches" not in capsys.readouterr().out


def test_the_lint_asks_each_shared_phrasing_once_and_samples_a_large_base(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[str] = []
    original = Matcher.match

    def counting(self: Matcher, question: str, **options):  # type: ignore[no-untyped-def]
        asked.append(question)
        return original(self, question, **options)

    monkeypatch.setattr(Matcher, "match", counting)
    everything = phrasings_matching_elsewhere(FULL)
    assert len(asked) == len(set(asked)) == everything.asked == everything.distinct
    asked.clear()
    sample = phrasings_matching_elsewhere(FULL, limit=50)
    assert len(asked) == sample.asked == 50
    assert sample.distinct == everything.distinct
