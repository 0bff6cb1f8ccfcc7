"""The knowledge base: the shipped one is valid and faithful; broken edits are reported
with file, line and field, all at once, never as a traceback."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.kb import KnowledgeBaseError, load_knowledge
from bot.match.answerability import person_names

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
ARTICLE = KNOWLEDGE / "sources" / "huaihai-2018-committees.txt"


def run_bot(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge(directory)
    return [str(problem) for problem in caught.value.problems]


# --- the shipped knowledge base ------------------------------------------------------
def test_shipped_knowledge_has_sixteen_committees_each_with_an_overview() -> None:
    kb = load_knowledge(KNOWLEDGE)
    assert len(kb.committees) == 16 == kb.street.committee_count
    assert all(committee.overview is not None for committee in kb.committees)
    assert {c.short_name for c in kb.committees} >= {"孝和", "建二", "新天地", "建四"}


def test_every_fact_has_enough_phrasings_in_both_languages() -> None:
    for fact in load_knowledge(KNOWLEDGE).facts:
        assert len(fact.phrasings_zh) >= 6, fact.id
        assert len(fact.phrasings_en) >= 3, fact.id
        assert fact.answer.zh and fact.answer.en, fact.id


def _article_sections() -> dict[str, str]:
    """Committee name → its paragraph in the source article."""
    lines = ARTICLE.read_text(encoding="utf-8").splitlines()
    sections: dict[str, str] = {}
    for heading, body in itertools.pairwise(lines):
        if re.fullmatch(r"\S{2,3}居委", heading.strip()):
            sections[heading.strip()] = body
    return sections


def test_every_figure_in_an_answer_comes_from_that_committees_section() -> None:
    sections = _article_sections()
    assert len(sections) == 16
    kb = load_knowledge(KNOWLEDGE)
    for committee in kb.committees:
        section = sections[committee.name]
        for fact in committee.facts:
            for text in (fact.answer.zh, fact.answer.en, fact.title.zh, fact.title.en):
                for figure in re.findall(r"\d+(?:\.\d+)?", text):
                    assert figure in section, f"{fact.id}: {figure} is not in the article"


def test_every_name_in_an_answer_comes_from_that_committees_section() -> None:
    # a person's name (张建强) or a quoted name (“民心在线”) changed by one character is a
    # different person or team: it must be the article's, not only the digits
    sections = _article_sections()
    kb = load_knowledge(KNOWLEDGE)
    committee_names = [name for c in kb.committees for name in c.all_names]
    checked = 0
    for committee in kb.committees:
        section = sections[committee.name]
        for fact in committee.facts:
            names = person_names(fact.answer.zh, kb.asking, committee_names)
            quoted = re.findall(r"“([^”]+)”", fact.answer.zh)
            for name in (*names, *quoted):
                assert name in section, f"{fact.id}: {name} is not in the article"
                checked += 1
    assert checked >= 20  # the names are really read (张建强, 刘秀军, “食行生鲜” …)


def test_the_street_answers_come_from_the_article() -> None:
    # the street's facts: their figures (16 committees, 2018) are the introduction's, and
    # the committees they list are the article's sections, all of them
    article = ARTICLE.read_text(encoding="utf-8")
    sections = _article_sections()
    introduction = article[: article.index(next(iter(sections)))]
    kb = load_knowledge(KNOWLEDGE)
    for fact in kb.street_facts:
        for text in (fact.answer.zh, fact.answer.en):
            for figure in re.findall(r"\d+(?:\.\d+)?", text):
                assert figure in introduction, f"{fact.id}: {figure} is not in the article"
    listed = kb.fact("street-committees")
    assert listed is not None
    named = set(
        re.findall(r"[\u4e00-\u9fff]{2,3}(?=[、:])|(?<=、)[\u4e00-\u9fff]{2,3}", listed.answer.zh)
    )
    short = {name.removesuffix("居委") for name in sections}
    assert short <= named | {"淮海中路街道"}, short - named
    assert str(len(sections)) in listed.answer.zh


def test_contact_fields_stay_empty_until_an_admin_fills_them() -> None:
    for committee in load_knowledge(KNOWLEDGE).committees:
        assert committee.contact.filled() == [], committee.id


def test_check_command_accepts_the_shipped_knowledge() -> None:
    result = run_bot("check", "--lang", "en")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "16 committees" in result.stdout
    assert "孝和" in result.stdout


# --- broken edits ----------------------------------------------------------------------
def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_yaml_syntax_error_names_file_and_line(knowledge_copy: Path) -> None:
    path = knowledge_copy / "committees" / "xiaohe.yaml"
    _edit(path, "  short_name: 孝和", "  short_name: [孝和")
    (problem,) = problems_of(knowledge_copy)
    assert "committees/xiaohe.yaml:" in problem
    assert "YAML syntax error" in problem


def test_unknown_key_is_an_error_with_a_suggestion(knowledge_copy: Path) -> None:
    path = knowledge_copy / "committees" / "xiaohe.yaml"
    _edit(path, "    answer:\n", "    answr:\n")
    problems = problems_of(knowledge_copy)
    line = _line_of(path, "answr:")
    assert problems == [
        f"knowledge/committees/xiaohe.yaml:{line}: facts[0].answr: "
        "unknown field 'answr' (did you mean 'answer'?)"
    ]  # one problem, one line: not "missing 'answer'" and "not a mapping" as well


def test_a_missing_field_is_one_line(knowledge_copy: Path) -> None:
    path = knowledge_copy / "committees" / "xiaohe.yaml"
    _edit(path, "  english_name: Xiaohe\n", "")
    line = path.read_text(encoding="utf-8").splitlines().index("committee:") + 1
    assert problems_of(knowledge_copy) == [
        f"knowledge/committees/xiaohe.yaml:{line}: committee: missing required field 'english_name'"
    ]  # not "must not be empty" as well


def test_missing_field_and_wrong_type_are_both_reported(knowledge_copy: Path) -> None:
    path = knowledge_copy / "committees" / "xiaohe.yaml"
    _edit(path, "  english_name: Xiaohe\n", "")
    _edit(path, "    tags: [买菜与便民, 买菜, 老年人]", "    tags: 买菜")
    problems = problems_of(knowledge_copy)
    assert any("committee" in p and "missing required field 'english_name'" in p for p in problems)
    tag_line = _line_of(path, "tags: 买菜")
    assert any(f"xiaohe.yaml:{tag_line}:" in p and "should be a list" in p for p in problems)


def test_duplicate_id_across_files_points_at_the_first_one(knowledge_copy: Path) -> None:
    path = knowledge_copy / "committees" / "jianer.yaml"
    text = path.read_text(encoding="utf-8")
    first_id = re.search(r"- id: (\S+)", text).group(1)  # type: ignore[union-attr]
    _edit(path, f"- id: {first_id}", "- id: xiaohe-fresh-market")
    problems = problems_of(knowledge_copy)
    assert any(
        "id 'xiaohe-fresh-market' is already used at" in p and "xiaohe.yaml" in p for p in problems
    ), problems


def test_unknown_tag_and_theme_are_reported(knowledge_copy: Path) -> None:
    path = knowledge_copy / "committees" / "xiaohe.yaml"
    _edit(path, "theme: difficulties", "theme: dificulties")
    _edit(path, "tags: [买菜与便民, 买菜, 老年人]", "tags: [买菜与便民, 卖菜, 老年人]")
    problems = problems_of(knowledge_copy)
    assert any(
        "unknown theme 'dificulties'" in p and "did you mean 'difficulties'" in p for p in problems
    )
    assert any("unknown tag '卖菜'" in p for p in problems)


def test_alias_shared_by_two_committees_is_an_error(knowledge_copy: Path) -> None:
    path = knowledge_copy / "committees" / "jianer.yaml"
    _edit(path, "aliases: [", "aliases: [孝和居民区, ")
    problems = problems_of(knowledge_copy)
    assert any("'孝和居民区' is used by several committees" in p for p in problems), problems


def test_empty_file_and_non_utf8_file_are_reported_together(knowledge_copy: Path) -> None:
    (knowledge_copy / "committees" / "heyi.yaml").write_text("", encoding="utf-8")
    (knowledge_copy / "committees" / "dahua.yaml").write_bytes("name: 大华".encode("gb18030"))
    problems = problems_of(knowledge_copy)
    assert any("heyi.yaml:1: file is empty" in p for p in problems)
    assert any("dahua.yaml:1: file is not UTF-8" in p for p in problems)


def test_missing_directory_is_reported() -> None:
    problems = problems_of(Path("/nonexistent/knowledge"))
    assert problems == ["/nonexistent/knowledge: knowledge directory does not exist"]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("  short_name: 孝和", "  short_name: [孝和"), "YAML syntax error"),
        (("    answer:\n", "    answr:\n"), "unknown field 'answr'"),
        (("  english_name: Xiaohe\n", ""), "missing required field 'english_name'"),
    ],
)
def test_check_command_exits_1_with_the_problems_and_no_traceback(
    knowledge_copy: Path, edit: tuple[str, str], expected: str
) -> None:
    _edit(knowledge_copy / "committees" / "xiaohe.yaml", *edit)
    result = run_bot("check", "--knowledge", str(knowledge_copy), "--lang", "en")
    assert result.returncode == 1
    assert expected in result.stdout
    assert "xiaohe.yaml:" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_check_command_on_a_missing_directory(tmp_path: Path) -> None:
    result = run_bot("check", "--knowledge", str(tmp_path / "nowhere"), "--lang", "en")
    assert result.returncode == 1
    assert "does not exist" in result.stdout
    assert "Traceback" not in result.stderr
