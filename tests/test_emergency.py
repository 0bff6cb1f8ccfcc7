"""Emergencies first: every way of saying one in tests/data/emergencies/cases.yaml gets the
national numbers before anything else, the right one first; no near miss does; the
words and numbers are data that `check` validates with file and line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.config import SHIPPED_KNOWLEDGE
from bot.dialogue import Dialogue, TextMessage, User
from bot.kb import KnowledgeBaseError, load_knowledge
from bot.match import LiveKnowledge, MatcherSettings
from bot.store import Store

ROOT = Path(__file__).resolve().parent.parent
CASES = yaml.safe_load(
    (ROOT / "tests" / "data" / "emergencies" / "cases.yaml").read_text(encoding="utf-8")
)
FIRST = {"medical": "120", "fire": "119", "police": "110", "any": "120"}
NUMBERS = ("120", "119", "110")
RESIDENT = User("test:resident")


@pytest.fixture(scope="module")
def dialogue(tmp_path_factory: pytest.TempPathFactory) -> Dialogue:
    store = Store(tmp_path_factory.mktemp("emergency") / "bot.sqlite3")
    return Dialogue(LiveKnowledge(SHIPPED_KNOWLEDGE, MatcherSettings()), store)


def numbers_in_order(text: str) -> list[str]:
    return sorted((n for n in NUMBERS if n in text), key=text.index)


def test_the_set_is_big_enough() -> None:
    assert len(CASES["emergencies"]) >= 40
    assert len(CASES["near_misses"]) >= 40


@pytest.mark.parametrize("case", CASES["emergencies"], ids=lambda case: case["q"])
def test_an_emergency_gets_every_number_the_right_one_first(dialogue: Dialogue, case: dict) -> None:
    reply = dialogue.handle(RESIDENT, TextMessage(case["q"]))
    first_line = reply.text.splitlines()[0]
    assert "🆘" in first_line  # before anything else
    assert numbers_in_order(reply.text)[0] == FIRST[case["first"]]
    assert sorted(numbers_in_order(reply.text)) == sorted(NUMBERS)
    assert reply.buttons == ()  # never "did you mean"


@pytest.mark.parametrize("question", CASES["near_misses"])
def test_a_near_miss_is_no_emergency(dialogue: Dialogue, question: str) -> None:
    reply = dialogue.handle(RESIDENT, TextMessage(question))
    assert "🆘" not in reply.text and "120" not in reply.text


def test_the_reply_is_in_the_residents_language(dialogue: Dialogue) -> None:
    english = dialogue.handle(RESIDENT, TextMessage("my grandpa collapsed")).text
    assert "call now" in english and "120 ambulance" in english
    chinese = dialogue.handle(RESIDENT, TextMessage("着火了")).text
    assert "现在就打电话" in chinese and "119 火警" in chinese
    assert "全国统一" in chinese  # where the numbers come from


def test_ask_json_shows_the_emergency_reply_in_answer() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json"],
        input="有人晕倒了\n",
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    record = json.loads(result.stdout.splitlines()[0])
    assert record["outcome"] == "emergency"
    assert record["answer"].index("120") < record["answer"].index("119")


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(SHIPPED_KNOWLEDGE, target)
    return target


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge(directory)
    return [problem.in_lang("en") for problem in caught.value.problems]


def test_a_kind_without_a_number_is_named_with_file_and_line(knowledge_copy: Path) -> None:
    path = knowledge_copy / "emergency.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("  fire:\n", "  flood:\n", 1), encoding="utf-8"
    )
    [problem] = problems_of(knowledge_copy)
    assert problem.startswith("knowledge/emergency.yaml:")
    assert "kinds.flood" in problem and "street.yaml" in problem


def test_a_number_that_is_no_number_is_refused(knowledge_copy: Path) -> None:
    path = knowledge_copy / "street.yaml"
    text = path.read_text(encoding="utf-8").replace('number: "119"', "number: 119x")
    path.write_text(text, encoding="utf-8")
    problem = problems_of(knowledge_copy)[0]
    assert "street.yaml:" in problem and "emergency.numbers.fire.number" in problem


def test_an_added_word_is_recognised_after_reload(knowledge_copy: Path) -> None:
    live = LiveKnowledge(knowledge_copy, MatcherSettings())
    assert live.current.kb.emergency_words is not None
    from bot.dialogue.emergency import recognise

    assert recognise(live.current.kb.emergency_words, "阿爷瘫在沙发上叫伊不应") is None
    path = knowledge_copy / "emergency.yaml"
    text = path.read_text(encoding="utf-8").replace("      - 叫不醒\n", "      - 叫伊不应\n", 1)
    path.write_text(text, encoding="utf-8")
    assert live.reload().ok
    found = recognise(live.current.kb.emergency_words, "阿爷瘫在沙发上叫伊不应")
    assert found is not None and found.kind == "medical"
