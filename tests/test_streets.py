"""Several streets in one knowledge base: knowledge/streets/<street>/.

The fixture tests/data/streets holds two made-up streets, 东风 (dongfeng) and 红旗
(hongqi), each with a 复兴 committee offering the same chess corner under the same
phrasings, and one committee of its own (永安 / 太平).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.dialogue import ButtonPress, Dialogue, Reply, TextMessage, User
from bot.dialogue.payloads import Kind, encode
from bot.kb import KnowledgeBase, KnowledgeBaseError, load_knowledge
from bot.kb.streets import SHARED_FILES
from bot.match import LiveKnowledge, Matcher, MatcherSettings
from bot.match.cache import ENV_CACHE_DIR, cache_key
from bot.match.scoring import Scoring
from bot.store import Store, opening

DATA = Path(__file__).resolve().parent / "data"
STREETS = DATA / "streets"
SHIPPED = Path(__file__).resolve().parent.parent / "knowledge"
DONGFENG_SET = STREETS / "questions-dongfeng.yaml"
CHESS = "哪里可以下象棋"
NAMED_CHESS = "复兴居委有象棋吗"
ALICE = User("test:alice")


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(STREETS)


@pytest.fixture(scope="module")
def matcher(kb: KnowledgeBase) -> Matcher:
    return Matcher(kb)


@pytest.fixture(scope="module")
def live() -> LiveKnowledge:
    return LiveKnowledge(STREETS, MatcherSettings())


@pytest.fixture
def dialogue(live: LiveKnowledge, store: Store) -> Dialogue:
    return Dialogue(live, store)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the fixture base to break."""
    return Path(shutil.copytree(STREETS, tmp_path / "knowledge"))


def say(dialogue: Dialogue, text: str, user: User = ALICE) -> Reply:
    return dialogue.handle(user, TextMessage(text))


def labels(reply: Reply) -> list[str]:
    return [button.label for row in reply.buttons for button in row]


# --- loading -------------------------------------------------------------------------


def test_each_street_folder_is_read_and_a_name_may_be_in_two_streets(kb):
    assert [s.id for s in kb.streets] == ["dongfeng", "hongqi"]
    assert [s.name for s in kb.streets] == ["东风街道", "红旗街道"]
    fuxing = [c for c in kb.committees if c.short_name == "复兴"]
    assert [(c.id, c.street) for c in fuxing] == [
        ("dongfeng/fuxing", "dongfeng"),
        ("hongqi/fuxing", "hongqi"),
    ]
    chess = kb.fact("hongqi-fuxing-chess")
    assert chess is not None and chess.street == "hongqi"
    assert kb.committee_of(chess) is fuxing[1]
    assert kb.synonym_groups == (("下棋", "下象棋", "chess"),)  # the shared file, at the top


def test_the_shipped_base_keeps_the_one_street_layout():
    kb = load_knowledge(SHIPPED)
    assert kb.streets == () and not kb.several_streets
    assert kb.committee("xiaohe") is not None
    assert all(fact.street is None for fact in kb.facts)


def test_a_name_twice_in_one_street_is_refused_at_its_file_and_line(copy, capsys):
    yongan = copy / "streets" / "dongfeng" / "committees" / "yongan.yaml"
    yongan.write_text(
        yongan.read_text(encoding="utf-8").replace("name: 永安居委", "name: 复兴居委"),
        encoding="utf-8",
    )
    assert main(["check", "--knowledge", str(copy), "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "knowledge/streets/dongfeng/committees/yongan.yaml:3: committee.name" in out
    assert "'复兴居委' is used by several committees: dongfeng/fuxing, dongfeng/yongan" in out


def test_a_fact_id_twice_across_streets_and_a_shared_file_in_a_street_are_refused(copy):
    taiping = copy / "streets" / "hongqi" / "committees" / "taiping.yaml"
    taiping.write_text(
        taiping.read_text(encoding="utf-8").replace(
            "hongqi-taiping-taichi", "dongfeng-yongan-choir"
        ),
        encoding="utf-8",
    )
    shutil.copy(copy / "synonyms.yaml", copy / "streets" / "hongqi" / "synonyms.yaml")
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge(copy)
    problems = [p.in_lang("en") for p in caught.value.problems]
    assert any(
        "taiping.yaml" in p and "dongfeng-yongan-choir" in p and "yongan.yaml" in p
        for p in problems
    ), problems
    assert any(
        "streets/hongqi/synonyms.yaml" in p and "belongs at the top" in p for p in problems
    ), problems


# --- matching --------------------------------------------------------------------------


def test_the_residents_street_goes_first(matcher):
    for street in ("dongfeng", "hongqi"):
        result = matcher.match(CHESS, street=street)
        assert result.outcome == "answered"
        assert result.best is not None and result.best.fact.id == f"{street}-fuxing-chess"
    # no street: the two streets' identical facts are too close to pick one
    assert matcher.match(CHESS).outcome == "clarify"


def test_a_committee_in_two_streets_named_without_a_street_asks_which(matcher):
    result = matcher.match(NAMED_CHESS)
    assert result.outcome == "clarify"
    assert result.namesakes == ("dongfeng/fuxing", "hongqi/fuxing")
    assert [m.fact.id for m in result.candidates] == [
        "dongfeng-fuxing-chess",
        "hongqi-fuxing-chess",
    ]
    chosen = matcher.match(NAMED_CHESS, street="hongqi")
    assert chosen.answered and chosen.best is not None
    assert chosen.best.fact.id == "hongqi-fuxing-chess" and chosen.namesakes == ()


# --- the dialogue ----------------------------------------------------------------------


def test_which_street_then_street_chosen_then_answered_naming_the_street(dialogue, store):
    reply = say(dialogue, NAMED_CHESS)
    assert "Which street" in reply.text or "哪个街道" in reply.text
    assert labels(reply)[:2] == ["象棋角(复兴 · 东风街道)", "象棋角(复兴 · 红旗街道)"]
    chosen = say(dialogue, "/street")
    assert labels(chosen) == ["东风街道", "红旗街道"]
    saved = dialogue.handle(ALICE, ButtonPress(encode(Kind.STREET, "hongqi")))
    assert "红旗街道" in saved.text
    assert store.preferences(ALICE.id).street == "hongqi"
    answer = say(dialogue, NAMED_CHESS)
    assert answer.text.startswith("象棋角\n复兴居委 · 红旗街道\n")
    assert "哪个街道" not in answer.text


def test_committee_by_name_asks_which_street_unless_the_street_is_known(dialogue, store):
    which = say(dialogue, "/committee 复兴")
    assert "哪个街道" in which.text
    assert labels(which) == ["复兴居委 · 东风街道", "复兴居委 · 红旗街道"]
    assert store.set_street(ALICE.id, "hongqi")
    assert (
        "\n复兴居委 · 红旗街道\n\n红旗街道复兴居委办活动。" in say(dialogue, "/committee 复兴").text
    )


def test_a_home_committee_gives_its_street(dialogue, store):
    assert store.set_home_committee(ALICE.id, "dongfeng/yongan")
    reply = say(dialogue, CHESS)
    assert reply.text.startswith("象棋角\n复兴居委 · 东风街道\n")


def test_street_by_name_and_an_unknown_street(dialogue, store):
    assert "红旗街道" in say(dialogue, "/street 红旗").text
    assert store.preferences(ALICE.id).street == "hongqi"
    assert labels(say(dialogue, "/street 黄浦")) == ["东风街道", "红旗街道"]
    gone = dialogue.handle(ALICE, ButtonPress(encode(Kind.STREET, "nowhere")))
    assert store.preferences(ALICE.id).street == "hongqi" and gone.text


def test_with_one_street_nothing_about_streets_is_shown(store):
    dialogue = Dialogue(LiveKnowledge(SHIPPED, MatcherSettings()), store)
    assert "/help" in say(dialogue, "/street").text  # an unknown command there
    answer = say(dialogue, "附近有卖菜的地方吗")
    assert "街道" not in answer.text.splitlines()[1]
    assert not any("·" in label for label in labels(say(dialogue, "/committees")))


# --- the store -------------------------------------------------------------------------


def test_the_street_preference_is_kept_on_each_backend(any_db):
    first = Store(any_db)
    try:
        assert first.set_street(ALICE.id, "hongqi")
        assert first.preferences(ALICE.id).street == "hongqi"
    finally:
        first.close()
    second = Store(any_db)
    try:
        assert second.preferences(ALICE.id).street == "hongqi"
    finally:
        second.close()


def test_a_database_of_the_previous_schema_gains_the_street_column(tmp_path, monkeypatch):
    db = tmp_path / "bot.sqlite3"
    with monkeypatch.context() as schema_2:  # made as a bot of schema 2 made it
        schema_2.setattr(opening, "MIGRATIONS", opening.MIGRATIONS[:2])
        Store(db).close()
    with sqlite3.connect(db) as raw:
        assert "street" not in {row[1] for row in raw.execute("PRAGMA table_info(preferences)")}
    store = Store(db)
    try:
        assert store.set_street(ALICE.id, "dongfeng")
        store.close()
        store = Store(db)
        assert store.preferences(ALICE.id).street == "dongfeng"
    finally:
        store.close()


# --- check, eval, report per street ------------------------------------------------------


def test_check_per_street_and_for_all(capsys):
    assert main(["check", "--knowledge", str(STREETS), "--lang", "en"]) == 0
    every = capsys.readouterr().out
    assert "dongfeng/永安 Yongan" in every and "hongqi/太平 Taiping" in every
    assert "4 committees" in every
    assert main(["check", "--knowledge", str(STREETS), "--street", "hongqi", "--lang", "en"]) == 0
    one = capsys.readouterr().out
    assert "2 committees" in one and "太平 Taiping" in one and "永安" not in one
    # identical phrasings in two streets are not "matches another committee better"
    assert "0 warning" in one and "0 warning" in every


def test_an_unknown_street_or_a_street_of_a_one_street_base_is_a_clear_error(capsys):
    assert main(["check", "--knowledge", str(STREETS), "--street", "nowhere", "--lang", "en"]) == 2
    assert (
        "no street 'nowhere'; the knowledge base has: dongfeng, hongqi" in capsys.readouterr().err
    )
    assert main(["check", "--street", "hongqi", "--fast", "--lang", "en"]) == 2
    assert "has one street" in capsys.readouterr().err


def _eval(capsys, *street: str) -> dict[str, tuple[int, int]]:
    args = ["eval", str(DONGFENG_SET), "--knowledge", str(STREETS), "--json", *street]
    main(args)
    overall = json.loads(capsys.readouterr().out)["overall"]
    return {name: (overall[name]["hits"], overall[name]["total"]) for name in ("first", "wrong")}


def test_eval_per_street_asks_as_a_resident_of_it(capsys):
    # every street: the chess questions get "which street?" / "did you mean"
    assert _eval(capsys) == {"first": (1, 3), "wrong": (0, 4)}
    assert _eval(capsys, "--street", "dongfeng") == {"first": (3, 3), "wrong": (0, 4)}
    # from 红旗, 永安's choir is another street's: not the 永安 the set expects
    assert _eval(capsys, "--street", "hongqi") == {"first": (2, 3), "wrong": (1, 4)}


@pytest.fixture
def logged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A database with one answered question per street and one 👎 on hongqi's."""
    db = tmp_path / "bot.sqlite3"
    monkeypatch.setenv("BOT_DB", str(db))
    store = Store(db)
    for fact_id in ("dongfeng-yongan-choir", "hongqi-taiping-taichi"):
        log_id = store.log_question(
            ALICE.id,
            question=fact_id,
            normalized=fact_id,
            outcome="answered",
            fact_id=fact_id,
            score=90.0,
            lang="zh",
        )
        assert log_id is not None
        store.record_feedback(log_id, ALICE.id, helpful=fact_id.startswith("dongfeng"))
    store.close()
    yield db


def test_report_per_street_and_for_all(logged, capsys):
    args = ["report", "--knowledge", str(STREETS), "--json"]
    assert main(args) == 0
    every = json.loads(capsys.readouterr().out)
    assert sorted(f["fact_id"] for f in every["top_facts"]) == [
        "dongfeng-yongan-choir",
        "hongqi-taiping-taichi",
    ]
    assert main([*args, "--street", "hongqi"]) == 0
    one = json.loads(capsys.readouterr().out)
    assert one["street"] == "hongqi" and one["total"] == 1
    assert [f["fact_id"] for f in one["top_facts"]] == ["hongqi-taiping-taichi"]
    assert [(f["fact_id"], f["unhelpful"]) for f in one["feedback"]] == [
        ("hongqi-taiping-taichi", 1)
    ]


# --- the shipped base is unchanged ---------------------------------------------------------


@pytest.mark.slow
def test_the_shipped_base_gives_the_same_eval_figures_in_either_layout(tmp_path):
    # Each layout is evaluated in a fresh process, not against pinned counts and not in
    # this one: jieba's dictionary is process-wide, and the knowledge other tests loaded
    # here shifts word weights by a hair. (On merging several streets,
    # `eval tests/data/questions.yaml --json` was byte-identical before and after.)
    questions = str(DATA / "questions.yaml")
    flat = eval_in_a_fresh_process(questions, SHIPPED, tmp_path / "flat-cache")
    assert flat["overall"]["first"]["total"] > 0
    # the same files as the one street of a streets/ layout: the very same figures
    street = tmp_path / "knowledge" / "streets" / "huaihai"
    shutil.copytree(SHIPPED, street)
    for shared in SHARED_FILES:
        (street / shared).rename(tmp_path / "knowledge" / shared)
    streets = eval_in_a_fresh_process(questions, tmp_path / "knowledge", tmp_path / "cache")
    assert streets == flat


def eval_in_a_fresh_process(questions: str, knowledge: Path, cache: Path) -> dict:
    env = {**os.environ, ENV_CACHE_DIR: str(cache)}
    command = [sys.executable, "-m", "bot", "eval", questions, "--json", "--knowledge"]
    done = subprocess.run(
        [*command, str(knowledge)], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_an_edit_in_a_street_folder_changes_the_index_cache_key(copy):
    before = cache_key(copy, Scoring())
    street = copy / "streets" / "hongqi" / "street.yaml"
    street.write_text(street.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert cache_key(copy, Scoring()) != before
