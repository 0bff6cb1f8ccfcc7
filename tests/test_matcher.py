"""The matcher as residents and admins meet it: the right committee for everyday,
misspelt, traditional, pinyin and English questions; a polite decline for the rest."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypinyin import Style, pinyin

from bot.admin.evaluate import evaluate, read_cases, summarize
from bot.kb import load_knowledge
from bot.match import LiveKnowledge, Matcher, MatcherSettings, detect_language, normalize, repair
from bot.match.details import OTHER_STREET, names_other_street
from bot.match.normalize import fuzzy_syllable
from bot.match.repair import MAX_RUNS_READ
from bot.match.tokenize import PinyinKeys, char_syllables

ROOT = Path(__file__).resolve().parent.parent
KB = load_knowledge(ROOT / "knowledge")
MATCHER = Matcher(KB)
REGRESSION = ROOT / "tests" / "data" / "questions.yaml"


def committee_of(question: str) -> str | None:
    result = MATCHER.match(question)
    if not result.answered or result.best is None:
        return None
    committee = KB.committee(result.best.fact.committee_id)
    return committee.short_name if committee else "街道"


# --- what residents type ----------------------------------------------------------------
@pytest.mark.parametrize(
    "question",
    [
        "哪里可以买菜",
        "哪裡可以買菜",
        "哪里可以麦菜",
        "maicai",
        "where can I buy vegetables",
        "ＷＨＥＲＥ ＣＡＮ Ｉ ＢＵＹ ＶＥＧＥＴＡＢＬＥＳ？",
    ],
)
def test_vegetable_questions_in_any_spelling_reach_the_fresh_market(question: str) -> None:
    result = MATCHER.match(question)
    assert result.answered, result
    assert result.best is not None and result.best.fact.id == "xiaohe-fresh-market"


@pytest.mark.parametrize(
    "question",
    ["明天会下雨吗", "哪里可以买房子", "帮我订一张去北京的火车票", "what's the bitcoin price"],
)
def test_questions_outside_the_knowledge_base_are_not_answered(question: str) -> None:
    assert not MATCHER.match(question).answered


def test_traditional_and_simplified_questions_get_the_same_answer() -> None:
    simplified = MATCHER.match("老人一个人住,谁帮忙打扫卫生")
    traditional = MATCHER.match("老人一個人住,誰幫忙打掃衛生")
    assert simplified.best and traditional.best
    assert simplified.best.fact.id == traditional.best.fact.id
    assert simplified.normalized == traditional.normalized


def test_naming_a_committee_without_a_topic_gives_its_overview() -> None:
    for question in ("瑞华居委有什么服务", "介绍一下建六", "What does the Ruihua committee do?"):
        result = MATCHER.match(question)
        assert result.answered and result.best is not None
        assert result.best.fact.overview, question
    assert MATCHER.match("我住在建六,有什么活动").best.fact.committee_id == "jianliu"  # type: ignore[union-attr]


def test_naming_a_committee_and_a_topic_gives_that_committees_fact() -> None:
    result = MATCHER.match("顺六居委有什么自治团队")
    assert result.best is not None
    assert result.best.fact.committee_id == "shunliu" and not result.best.fact.overview


def test_a_word_only_one_service_and_its_overview_use_points_at_that_service() -> None:
    # 晒台 is in Fuxing's green-team fact and in Fuxing's overview, which sums it up: it
    # still points at the green team, ahead of Jiansi's fact that shares only 楼道
    result = MATCHER.match("楼道晒台翻新的活动")
    assert result.outcome == "answered"
    assert result.best is not None and result.best.fact.id == "fuxing-green-team"


def test_an_old_mother_living_alone_described_in_shanghainese_reaches_elderly_care() -> None:
    # 阿拉姆妈 is 阿拉 + 姆妈 (not the name 阿拉姆), 一家头住 is living alone, 烧饭 cooking
    result = MATCHER.match("阿拉姆妈一家头住 年纪大了 烧饭吃力")
    assert result.outcome == "answered"
    assert result.best is not None and result.best.fact.id == "heyi-elderly-care"


def test_this_streets_english_name_in_any_order_is_this_street() -> None:
    result = MATCHER.match("how many committees are there in Huaihai Road Middle subdistrict")
    assert result.outcome == "answered"
    assert result.best is not None and result.best.fact.id == "street-committees"


def test_a_road_or_park_named_like_a_committee_is_not_the_committee() -> None:
    assert MATCHER.match("复兴居委有啥活动").named_committee == "fuxing"
    for place in ("复兴公园里散步", "复兴中路上有啥好吃的面馆", "新华路怎么走"):
        result = MATCHER.match(place)
        assert result.named_committee is None, place
        assert result.outcome == "declined", place


def test_the_answer_language_follows_the_question() -> None:
    assert detect_language("where can I learn calligraphy") == "en"
    assert detect_language("哪里可以学书法") == "zh"
    assert detect_language("tell me about 孝和 please") == "en"
    assert detect_language("shufa ban") == "zh"  # pinyin is Chinese typed in Latin letters
    # a short English question around a long Chinese name is still English
    assert detect_language("what is 媛德坊") == "en"
    assert detect_language("wifi 密码") == "zh"


def test_every_result_explains_itself() -> None:
    result = MATCHER.match("想学毛笔字")
    best = result.best
    assert best is not None and result.runner_up is not None
    assert best.phrasing and best.shared_terms
    assert 0 <= result.runner_up.score <= best.score <= 100


def test_close_candidates_from_two_committees_ask_instead_of_guessing() -> None:
    tight = MATCHER.with_settings(MatcherSettings(clarify_margin=100))
    result = tight.match("书法班")
    assert result.outcome == "clarify"
    assert len({m.fact.committee_id for m in result.candidates}) > 1


def test_the_realistic_batches_keep_the_five_figures() -> None:
    """Our own realistic questions (tests/data/*.yaml): a change that makes the bot answer
    wrongly, ask needlessly or stop declining shows here first."""
    cases = [case for path in sorted(REGRESSION.parent.glob("*.yaml")) for case in read_cases(path)]
    summary = summarize(evaluate(MATCHER, cases))
    wrong = [m for m in summary["misses"] if m["wrong"]]
    # measured 95.7 / 97.5 / 0.8 / 96.4 when the calibration was last fitted; batches 4-7
    # hold questions about details the article never gives, which keep "wrong" above 0.
    # realistic-29 (first 74.7% when measured once) brought first to 93.9: the floor is
    # the figure with every batch in, less a question's worth or so, against regressions
    assert summary["first"]["share"] >= 0.935, summary["misses"]
    assert summary["within2"]["share"] >= 0.965, summary["misses"]
    assert summary["wrong"]["share"] <= 0.011, wrong
    assert summary["declined"]["share"] >= 0.92, summary["misses"]
    assert summary["english"]["share"] == 1.0


def test_regression_questions_meet_the_targets() -> None:
    summary = summarize(evaluate(MATCHER, read_cases(REGRESSION)))
    misses = summary["misses"]
    assert summary["in_scope"]["share"] >= 0.9, misses
    assert summary["out_of_scope_declined"]["share"] >= 0.9, misses
    assert summary["english_in_english"]["share"] == 1.0, misses


# --- properties (as RapidFuzz tests its scorers) ----------------------------------------
PHRASINGS = [(fact.id, p) for fact in KB.facts if not fact.overview for p in fact.phrasings]


@given(st.sampled_from(PHRASINGS))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_facts_own_phrasing_ranks_it_first(case: tuple[str, str]) -> None:
    fact_id, phrasing = case
    best = MATCHER.match(phrasing).best
    assert best is not None and best.fact.id == fact_id


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_any_unicode_input_returns_a_result(text: str) -> None:
    result = MATCHER.match(text)
    assert result.outcome in ("answered", "clarify", "declined")
    assert all(0 <= match.score <= 100 for match in result.candidates)


THRESHOLDS = (0.0, 0.2, 0.4, 0.6, 0.8, 0.95, 1.0)
# every fifth phrasing (answered when the threshold is low) and questions near a topic
THRESHOLD_QUESTIONS = [p for _, p in PHRASINGS[::5]] + [
    "今天天气怎么样",
    "书法班在哪里上课",
    "reading club",
    "老人助餐怎么报名",
    "弄堂里自行车乱停",
]


def test_raising_the_answer_threshold_never_adds_answers() -> None:
    flipped = 0
    for question in THRESHOLD_QUESTIONS:
        answered = [
            MATCHER.with_settings(MatcherSettings(answer_confidence=at)).match(question).answered
            for at in THRESHOLDS
        ]
        # once a stricter threshold stops answering, no stricter one answers again
        assert answered == sorted(answered, reverse=True), (question, answered)
        flipped += answered[0] and not answered[-1]
    # the property bites: most questions do change outcome between the two ends
    assert flipped >= len(THRESHOLD_QUESTIONS) // 2, flipped


def test_a_homophone_typo_is_repaired_to_the_known_word() -> None:
    # 律帅 is 律师 typed by pinyin (lü shuai / lü shi): the repair reads it back, at less
    # than full credit
    terms = {t.term: t for t in MATCHER.query_terms("律帅")}
    assert "律师" in terms and terms["律师"].credit < 1.0
    best = MATCHER.match("小区物业 律帅").best
    assert best is not None and best.fact.committee_id == "xintiandi"


def test_another_street_is_told_from_this_one() -> None:
    own = MATCHER.index.street_names
    assert names_other_street("南京东路街道有几个居委", own)
    assert names_other_street("what does xujiahui subdistrict offer", own)
    assert not names_other_street("淮海中路街道有几个居委", own)
    assert not names_other_street("我们街道有书法班吗", own)
    result = MATCHER.match("打浦桥街道有书法班吗")
    assert result.outcome == "declined" and result.guards.missing_detail == OTHER_STREET


def test_normalisation_is_idempotent_and_strips_noise() -> None:
    assert normalize("请问，哪裡可以買菜？？😀") == "哪里可以买菜"
    assert normalize(normalize("Ｗｈｅｒｅ  ＣＡＮ I buy")) == "where can i buy"


# --- reload -------------------------------------------------------------------------------
def test_a_broken_reload_keeps_the_old_knowledge_serving(tmp_path: Path) -> None:
    directory = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", directory)
    live = LiveKnowledge(directory, MatcherSettings())
    before = live.current
    (directory / "committees" / "xiaohe.yaml").write_text("committee: [broken", encoding="utf-8")
    result = live.reload()
    assert not result.ok and "xiaohe.yaml" in result.errors[0]
    assert live.current is before
    assert live.current.matcher.match("哪里可以买菜").answered


def test_a_good_reload_swaps_in_the_new_knowledge(tmp_path: Path) -> None:
    directory = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", directory)
    live = LiveKnowledge(directory, MatcherSettings())
    path = directory / "committees" / "xiaohe.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "- 家门口的菜场", "- 家门口的菜场\n        - 社区团购蔬菜怎么参加"
        ),
        encoding="utf-8",
    )
    result = live.reload()
    assert result.ok and result.committees == 16
    assert "团购" in live.current.matcher.index.vocabulary


# --- the command line ------------------------------------------------------------------
def test_ask_json_reads_stdin_and_answers_in_order() -> None:
    questions = "哪里可以买菜\n今天天气怎么样\nwho can mediate a family quarrel\n"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json"],
        input=questions,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in records] == questions.splitlines()
    market, weather, mediation = records
    assert market["answered"] and market["committee"] == "孝和" and "食行生鲜" in market["answer"]
    assert weather["outcome"] == "declined" and weather["committee"] is None
    assert "12345" in weather["answer"]
    assert mediation["lang"] == "en" and mediation["committee"] == "瑞华"
    for record in records:
        assert {"fact_id", "score", "alternatives", "outcome"} <= record.keys()


def test_ask_explains_the_match_for_an_admin() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "哪里可以学书法"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0
    assert "score:" in result.stdout and "matched phrasing:" in result.stdout
    assert "shared terms:" in result.stdout and "top candidates:" in result.stdout


def test_a_huge_word_costs_no_more_than_a_question() -> None:
    # split_syllables once kept a tuple per position: a 20,000-letter word cost 2 GB
    import time
    import tracemalloc

    tracemalloc.start()
    started = time.monotonic()
    result = MATCHER.match("a" * 20_000 + " 书法班 " + "zhang" * 4_000)
    elapsed = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.outcome in ("answered", "clarify", "declined")
    assert elapsed < 30  # a hang bound; the figure: benchmarks/worst_inputs.py
    assert peak < 50 * 1024 * 1024


# --- the worst case: no input costs much more than a question -------------------------------
def _homophones_of_terms(length: int, rng: random.Random) -> str:
    """Characters that sound like known terms without being them (every run is worth trying
    to mend): what gives typo repair the most to do."""
    by_sound: dict[str, list[str]] = {}
    for code in range(0x4E00, 0x9FA6):
        for syllable in char_syllables(chr(code)):
            by_sound.setdefault(syllable, []).append(chr(code))
    keys = [key for key in MATCHER.index.by_pinyin if all(s in by_sound for s in key)]
    text = ""
    while len(text) < length:
        text += "".join(rng.choice(by_sound[s]) for s in rng.choice(keys))
    return text[:length]


def test_typo_repair_reads_a_bounded_number_of_runs_aloud_whatever_the_input(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 200 random characters took 500 times a question: every run of up to 6 words was read
    # aloud with pypinyin to see whether it sounds like a known term (about 1,000 readings)
    rng = random.Random(18)
    longest = MATCHER.scoring.max_question_chars
    common = "的一是在不了有人这中大为上个我以要他时来用们生到作地"
    inputs = {
        "random Chinese": "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(longest)),
        "common characters": "".join(rng.choice(common) for _ in range(longest)),
        "homophones of terms": _homophones_of_terms(longest, rng),
        "one character": "菜" * longest,
    }
    read: list[str] = []
    real = repair.pinyin_readings
    monkeypatch.setattr(repair, "pinyin_readings", lambda text: read.append(text) or real(text))
    for kind, text in inputs.items():
        read.clear()
        result = MATCHER.match(text)
        assert result.outcome in ("answered", "clarify", "declined")
        assert len(read) <= MAX_RUNS_READ, kind
    # homophones still get mended in a question
    read.clear()
    assert committee_of("哪里可以麦菜") == "孝和"
    assert read


def test_the_cheap_test_of_a_run_never_rules_out_a_reading_pypinyin_would_give() -> None:
    # typo repair reads a run with pypinyin only when the characters' own readings can spell
    # a known term: those readings must include every one pypinyin gives a character
    rng = random.Random(7)
    for char in (chr(code) for code in rng.sample(range(0x4E00, 0x9FA6), 2000)):
        given = {
            fuzzy_syllable(s)
            for s in pinyin(char, style=Style.NORMAL, heteronym=True)[0]
            if s.isascii() and s.isalpha()
        }
        assert given <= set(char_syllables(char)), char
    assert set(char_syllables("重")) == {"zong", "cong", "tong"}  # zh/z, ch/c folded
    assert set(char_syllables("绿")) == {"lv", "lu"}
    keys = PinyinKeys([("mai", "cai")])
    assert keys.may_spell("麦菜") and keys.may_spell("买才") and not keys.may_spell("麦子")


def test_a_long_story_of_unknown_words_still_finds_the_fact_by_its_known_ones() -> None:
    """Four words the base does not know (我刚, 抽, 一天, 做做) outweighed 退休 and 志愿者,
    so no fact was even looked at: the resident got a bare decline."""
    from bot.kb import load_knowledge
    from bot.match import Matcher

    matcher = Matcher(load_knowledge(Path(__file__).resolve().parent.parent / "knowledge"))
    result = matcher.match("我刚退休,想每个月抽一天出来做做志愿者")
    assert result.candidates, "some fact is at least offered"
    assert result.outcome != "declined"
