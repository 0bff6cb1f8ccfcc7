"""YAML a careless or hostile admin might save: every case is `file:line: what is wrong`,
never a traceback, never silent, and bounded in time and memory."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config
from bot.kb import KnowledgeBaseError, load_knowledge

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
PHRASING = "        - 家门口的菜场\n"  # a phrasing line in committees/xiaohe.yaml


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge(directory)
    return [str(problem) for problem in caught.value.problems]


def edit(path: Path, old: str, new: str) -> int:
    """Replace `old` once; return the line number where `new` starts."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def run_bot(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


BAD_PHRASINGS = {
    "custom tag": ("        - !NEW 家门口的菜场\n", "tag '!NEW'"),
    "impossible date": ("        - 2019-02-30\n", "2019-02-30"),
    "5000-digit integer": ("        - " + "7" * 5000 + "\n", "digits"),
    "unknown python tag": ("        - !!python/object:os.system x\n", "python/object"),
    "bad base64": ("        - !!binary 'zz'\n", "binary"),
}


@pytest.mark.parametrize(("line", "expected"), BAD_PHRASINGS.values(), ids=BAD_PHRASINGS.keys())
def test_a_value_the_loader_cannot_build_is_named_by_file_and_line(
    knowledge_copy: Path, line: str, expected: str
) -> None:
    number = edit(knowledge_copy / "committees" / "xiaohe.yaml", PHRASING, line)
    (problem,) = problems_of(knowledge_copy)
    assert problem.startswith(f"knowledge/committees/xiaohe.yaml:{number}:"), problem
    assert expected in problem


def test_an_impossible_date_in_street_yaml_names_its_line(knowledge_copy: Path) -> None:
    number = edit(knowledge_copy / "street.yaml", "published: 2019-02-15", "published: 2019-02-30")
    (problem,) = problems_of(knowledge_copy)
    assert problem.startswith(f"knowledge/street.yaml:{number}:")
    assert "2019-02-30" in problem and "date" in problem


def test_a_tag_on_a_mapping_is_refused_not_ignored(knowledge_copy: Path) -> None:
    path = knowledge_copy / "committees" / "xiaohe.yaml"
    number = edit(
        path,
        "    source:\n      article: huaihai-2018",
        "    source: !NEW\n      article: huaihai-2018",
    )
    problems = problems_of(knowledge_copy)
    assert any(p.startswith(f"knowledge/committees/xiaohe.yaml:{number}:") for p in problems)
    assert any("'!NEW'" in p for p in problems), problems


def test_a_nul_byte_gives_a_line_not_a_position(knowledge_copy: Path) -> None:
    number = edit(
        knowledge_copy / "committees" / "xiaohe.yaml", PHRASING, "        - 家门口\x00的菜场\n"
    )
    (problem,) = problems_of(knowledge_copy)
    assert problem.startswith(f"knowledge/committees/xiaohe.yaml:{number}:"), problem
    assert "position" not in problem
    assert "U+0000" in problem


def test_a_duplicate_key_names_both_lines(knowledge_copy: Path) -> None:
    path = knowledge_copy / "committees" / "xiaohe.yaml"
    text = path.read_text(encoding="utf-8")
    first = text[: text.index("    answer:\n")].count("\n") + 1
    second = edit(
        path, "    tags: [买菜与便民]\n", "    answer: 第二个答案\n    tags: [买菜与便民]\n"
    )
    problems = problems_of(knowledge_copy)
    assert any(
        p.startswith(f"knowledge/committees/xiaohe.yaml:{second}:")
        and "'answer'" in p
        and f"line {first}" in p
        for p in problems
    ), problems


def test_a_duplicate_key_in_the_config_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("default_language: en\ndb_path: a.sqlite3\ndefault_language: zh\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    (problem,) = [str(p) for p in caught.value.problems]
    assert f"{path}:3:" in problem and "line 1" in problem


BOMB = "".join(
    f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 9)}]\n" for level in range(1, 10)
)


def test_the_billion_laughs_is_refused_quickly_with_a_line(knowledge_copy: Path) -> None:
    path = knowledge_copy / "committees" / "xiaohe.yaml"
    path.write_text("l0: &l0 [lol]\n" + BOMB, encoding="utf-8")
    tracemalloc.start()
    start = time.perf_counter()
    problems = problems_of(knowledge_copy)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 30 and peak < 50_000_000  # time: a hang bound (benchmarks/worst_inputs.py)
    assert any(
        p.startswith("knowledge/committees/xiaohe.yaml:2:") and "alias" in p for p in problems
    )


def test_a_recursive_alias_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("admin_ids: &ids [1, *ids]\n")
    with pytest.raises(ConfigError, match=r"config.yaml:1: .*alias"):
        load_config(path, env={})


@pytest.mark.parametrize("case", ["custom tag", "impossible date", "5000-digit integer"])
def test_check_reports_unbuildable_values_without_a_traceback(
    knowledge_copy: Path, case: str
) -> None:
    edit(knowledge_copy / "committees" / "xiaohe.yaml", PHRASING, BAD_PHRASINGS[case][0])
    result = run_bot("check", "--knowledge", str(knowledge_copy))
    assert result.returncode == 1
    assert "knowledge/committees/xiaohe.yaml:" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_chat_start_up_reports_a_custom_tag_without_a_traceback(knowledge_copy: Path) -> None:
    edit(knowledge_copy / "committees" / "xiaohe.yaml", PHRASING, "        - !NEW 菜场\n")
    result = run_bot("chat", "--knowledge", str(knowledge_copy), stdin="你好\n")
    assert result.returncode != 0
    assert "xiaohe.yaml:" in result.stderr and "'!NEW'" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("default_language: !NEW en\n", "config.yaml:1:"),
        ("matcher:\n  answer_threshold: " + "9" * 5000 + "\n", "config.yaml:2:"),
        ("db_path: x\nknowledge_dir: 2019-02-30\n", "config.yaml:2:"),
    ],
)
def test_check_reports_unbuildable_config_values(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    result = run_bot("check", "--config", str(path))
    assert result.returncode != 0
    assert expected in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


# --- knowledge that vanishes -----------------------------------------------------------
@pytest.mark.parametrize("suffix", [".yml", ".YAML"])
def test_a_committee_file_with_another_yaml_suffix_is_still_read(
    knowledge_copy: Path, suffix: str
) -> None:
    committees = knowledge_copy / "committees"
    (committees / "xiaohe.yaml").rename(committees / f"xiaohe{suffix}")
    kb = load_knowledge(knowledge_copy)
    assert len(kb.committees) == 16
    assert kb.committee("xiaohe") is not None


def test_a_committee_written_twice_is_an_error(knowledge_copy: Path) -> None:
    committees = knowledge_copy / "committees"
    shutil.copy(committees / "xiaohe.yaml", committees / "xiaohe.yml")
    problems = problems_of(knowledge_copy)
    assert any("xiaohe.yml" in p and "xiaohe.yaml" in p for p in problems), problems


@pytest.mark.parametrize("name", ["xiaohe.yaml.bak", "xiaohe.txt", "xiaohe.json"])
def test_any_other_file_in_committees_is_flagged(knowledge_copy: Path, name: str) -> None:
    committees = knowledge_copy / "committees"
    (committees / "xiaohe.yaml").rename(committees / name)
    problems = problems_of(knowledge_copy)
    assert any(p.startswith(f"knowledge/committees/{name}:") for p in problems), problems


def test_editor_files_in_committees_are_left_alone(knowledge_copy: Path) -> None:
    committees = knowledge_copy / "committees"
    (committees / ".xiaohe.yaml.swp").write_bytes(b"\x00vim swap")
    (committees / "xiaohe.yaml~").write_text("old: copy\n")
    assert len(load_knowledge(knowledge_copy).committees) == 16


def test_a_deleted_committee_breaks_the_committee_count(knowledge_copy: Path) -> None:
    (knowledge_copy / "committees" / "xiaohe.yaml").unlink()
    street = knowledge_copy / "street.yaml"
    text = street.read_text(encoding="utf-8")
    line = text[: text.index("committee_count")].count("\n") + 1
    (problem,) = problems_of(knowledge_copy)
    assert problem.startswith(f"knowledge/street.yaml:{line}: street.committee_count:")
    assert "16" in problem and "15" in problem


def test_check_no_longer_says_valid_after_a_rename(knowledge_copy: Path) -> None:
    committees = knowledge_copy / "committees"
    (committees / "xiaohe.yaml").rename(committees / "xiaohe.yaml.old")
    result = run_bot("check", "--knowledge", str(knowledge_copy))
    assert result.returncode == 1
    assert "valid" not in result.stdout
    assert "xiaohe.yaml.old" in result.stdout


def test_a_pipe_in_place_of_street_yaml_is_refused_not_waited_on(knowledge_copy: Path) -> None:
    street = knowledge_copy / "street.yaml"
    street.unlink()
    os.mkfifo(street)
    (problem,) = problems_of(knowledge_copy)
    assert problem == "knowledge/street.yaml: is not a regular file (a folder, a pipe or a device)"


def test_a_close_topic_that_is_no_synonym_word_names_its_line(knowledge_copy: Path) -> None:
    """synonyms.yaml's `related` may only name words of its groups: a typo there would
    otherwise link nothing, silently."""
    number = edit(knowledge_copy / "synonyms.yaml", "  - [助医, 健康医疗]", "  - [助医, 健康医了]")
    (problem,) = problems_of(knowledge_copy)
    assert problem.startswith(f"knowledge/synonyms.yaml:{number}:"), problem
    assert "健康医了" in problem and "related" in problem
