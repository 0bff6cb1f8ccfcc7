"""Teaching into committee files as admins keep them: `.yml`, symlinked, with trailing
spaces or document markers, taught by two processes at once; and a question YAML reads
as an impossible date. Each teach lands (or is refused with the true reason), and an
undo restores the file byte for byte."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.cli import main
from bot.kb import load_knowledge
from bot.kb.teach import TeachError, teach, untaught

ROOT = Path(__file__).resolve().parent.parent
FACT = "xiaohe-fresh-market"
QUESTION = "孝和能不能在网上订菜"


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", target)
    return target


def xiaohe(knowledge: Path) -> Path:
    return knowledge / "committees" / "xiaohe.yaml"


def phrasings(knowledge: Path) -> tuple[str, ...]:
    fact = load_knowledge(knowledge).fact(FACT)
    assert fact is not None
    return fact.phrasings_zh


def test_an_impossible_date_is_refused_with_a_reason_not_a_traceback(
    knowledge: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    before = xiaohe(knowledge).read_bytes()
    with pytest.raises(TeachError, match="date"):
        teach("2019-02-30", FACT, knowledge)
    monkeypatch.setenv("BOT_DB", str(tmp_path / "bot.sqlite3"))
    assert main(["teach", "2019-02-30", FACT, "--knowledge", str(knowledge), "--lang", "en"]) == 1
    out = capsys.readouterr()
    assert "Not taught" in out.out and "date" in out.out and "Traceback" not in out.err
    assert xiaohe(knowledge).read_bytes() == before


def test_a_yml_committee_file_is_taught_and_undone(knowledge: Path) -> None:
    yml = xiaohe(knowledge).with_suffix(".yml")
    xiaohe(knowledge).rename(yml)
    before = yml.read_bytes()
    taught = teach(QUESTION, FACT, knowledge)
    assert taught.added and taught.file == yml and QUESTION in phrasings(knowledge)
    assert untaught(FACT, QUESTION, "zh", knowledge)
    assert yml.read_bytes() == before and not xiaohe(knowledge).exists()


def test_a_symlinked_committee_file_is_written_through_to_its_target(
    knowledge: Path, tmp_path: Path
) -> None:
    shared = tmp_path / "shared" / "xiaohe.yaml"
    shared.parent.mkdir()
    shutil.move(xiaohe(knowledge), shared)
    xiaohe(knowledge).symlink_to(shared)
    before = shared.read_bytes()
    teach(QUESTION, FACT, knowledge)
    assert xiaohe(knowledge).is_symlink(), "the link stays a link"
    assert QUESTION in shared.read_text()
    assert untaught(FACT, QUESTION, "zh", knowledge)
    assert xiaohe(knowledge).is_symlink() and shared.read_bytes() == before


def test_trailing_spaces_and_document_markers_do_not_block_a_teach(knowledge: Path) -> None:
    path = xiaohe(knowledge)
    lines = path.read_text().splitlines(keepends=True)
    spaced = [
        line.replace("\n", " \n") if line.strip().startswith("id:") else line for line in lines
    ]
    path.write_text("---\n" + "".join(spaced) + "...\n")
    before = path.read_bytes()
    taught = teach(QUESTION, FACT, knowledge)
    assert taught.added and QUESTION in phrasings(knowledge)
    after = path.read_text()
    assert after.replace(f"        - {QUESTION}\n", "", 1) == before.decode()
    assert untaught(FACT, QUESTION, "zh", knowledge)
    assert path.read_bytes() == before


# Each process waits before its rename until the other has reached its own rename too
# (or 3 s have passed): without a lock around read-modify-write both renames happen and
# one teach is lost.
RACER = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    import bot.kb.teach as teach_module

    root, question, mine, other = sys.argv[1:5]
    replace = os.replace

    def paused_replace(source, target):
        Path(mine).touch()
        deadline = time.monotonic() + 3
        while not Path(other).exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        replace(source, target)

    teach_module.os.replace = paused_replace
    print(teach_module.teach(question, "xiaohe-fresh-market", root).added)
    """
)


@pytest.mark.slow
def test_two_processes_teaching_one_file_both_land(knowledge: Path, tmp_path: Path) -> None:
    questions = ("孝和能不能网上订菜吗", "孝和的菜场几点开门呀")
    marks = [str(tmp_path / "a.ready"), str(tmp_path / "b.ready")]
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, str(knowledge), question, marks[i], marks[1 - i]],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        for i, question in enumerate(questions)
    ]
    outputs = [racer.communicate(timeout=120)[0].strip() for racer in racers]
    assert outputs == ["True", "True"], "both were reported taught"
    assert set(questions) <= set(phrasings(knowledge)), "and both are in the file"
