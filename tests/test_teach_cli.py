"""`python -m bot teach` and `python -m bot report --teach` as an admin uses them."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.dialogue import Dialogue, TextMessage, User
from bot.kb import load_knowledge
from bot.match import LiveKnowledge, MatcherSettings
from bot.store import Store

ROOT = Path(__file__).resolve().parent.parent
DECLINED = "有没有上门理发"  # declined by the shipped knowledge; nearest: jianer-volunteer-services
FACT = "jianer-volunteer-services"


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", target)
    return target


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, knowledge: Path) -> Path:
    """A database where two residents asked the declined question, one a near variant."""
    path = tmp_path / "bot.sqlite3"
    monkeypatch.setenv("BOT_DB", str(path))
    store = Store(path)
    dialogue = Dialogue(LiveKnowledge(knowledge, MatcherSettings()), store)
    for user, question in (("a", DECLINED), ("b", DECLINED + "?"), ("c", "今天天气怎么样")):
        dialogue.handle(User(f"test:{user}"), TextMessage(question))
    store.close()
    return path


def phrasings(knowledge: Path) -> tuple[str, ...]:
    fact = load_knowledge(knowledge).fact(FACT)
    assert fact is not None
    return fact.phrasings_zh


def test_teach_command_says_what_it_did_and_exits_0(knowledge, database, capsys) -> None:
    assert main(["teach", DECLINED, FACT, "--knowledge", str(knowledge)]) == 0
    taught, followups = capsys.readouterr().out.splitlines()
    assert DECLINED in taught and FACT in taught
    # the two residents have no Telegram chat: nobody is "told" yet; they see it next time
    assert followups.startswith("2 位下次打开网页时会看到") and "已发" not in followups
    assert phrasings(knowledge)[-1] == DECLINED


def test_teach_command_refuses_an_unknown_fact_with_exit_1(knowledge, database, capsys) -> None:
    before = (knowledge / "committees" / "jianer.yaml").read_bytes()
    args = ["teach", DECLINED, "jianer-volunteer", "--knowledge", str(knowledge), "--lang", "en"]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "unknown fact id 'jianer-volunteer'" in out and "Traceback" not in out
    assert (knowledge / "committees" / "jianer.yaml").read_bytes() == before


def walk(knowledge: Path, answers: str, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(answers))
    return main(["report", "--teach", "--knowledge", str(knowledge)])


def test_report_teach_lists_groups_with_numbered_nearest_facts_and_teaches(
    knowledge, database, capsys, monkeypatch
) -> None:
    assert walk(knowledge, "1\ns\n", monkeypatch) == 0
    out = capsys.readouterr().out
    assert f"2 次:“{DECLINED}”" in out  # the two residents' wordings are one group
    assert "1) “民心在线”志愿便民服务队:送到家门口的服务(建二)" in out
    assert "s 跳过" in out and "u 撤销" in out
    assert DECLINED in phrasings(knowledge)
    assert "全部看完了" in out


def test_report_teach_undo_restores_the_file_and_skip_leaves_it(
    knowledge, database, capsys, monkeypatch
) -> None:
    file = knowledge / "committees" / "jianer.yaml"
    before = file.read_bytes()
    assert walk(knowledge, "1\nu\ns\n", monkeypatch) == 0
    out = capsys.readouterr().out
    assert "已撤销" in out
    assert file.read_bytes() == before
    assert walk(knowledge, "s\ns\n", monkeypatch) == 0
    assert file.read_bytes() == before


def test_report_teach_answers_a_typo_with_help_not_a_traceback(
    knowledge, database, capsys, monkeypatch
) -> None:
    assert walk(knowledge, "9\n²\nx\nq\n", monkeypatch) == 0
    out = capsys.readouterr().out
    assert out.count("输入编号") >= 4 and "Traceback" not in out


def test_teach_undo_reverts_the_last_command_line_teach(knowledge, database, capsys) -> None:
    """Once no group is open, `report --teach` has no `u` to read: `teach --undo` is it."""
    file = knowledge / "committees" / "jianer.yaml"
    before = file.read_bytes()
    assert main(["teach", DECLINED, FACT, "--knowledge", str(knowledge)]) == 0
    assert main(["teach", "--undo", "--knowledge", str(knowledge)]) == 0
    out = capsys.readouterr().out
    assert "已撤销" in out and file.read_bytes() == before
    assert main(["teach", "--undo", "--knowledge", str(knowledge)]) == 1
    assert "没有可以撤销" in capsys.readouterr().out
    assert main(["teach", "--knowledge", str(knowledge)]) == 2, "a teach needs both arguments"


def test_report_teach_lists_the_other_wordings_to_tick_and_the_wording_is_editable(
    knowledge, tmp_path, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("BOT_DB", str(tmp_path / "spelling.sqlite3"))
    store = Store(tmp_path / "spelling.sqlite3")
    dialogue = Dialogue(LiveKnowledge(knowledge, MatcherSettings()), store)
    for user, question in (("a", "附近有没有上门理发服务"), ("b", "附近有没有上门理发服务")):
        dialogue.handle(User(f"test:{user}"), TextMessage(question))
    dialogue.handle(User("test:c"), TextMessage("附近有没有上门开锁服务"))
    store.close()
    assert walk(knowledge, "e 附近有人上门理发吗\n1\n\ns\n", monkeypatch) == 0
    out = capsys.readouterr().out
    assert "1. 附近有没有上门开锁服务" in out and "也要通知" in out
    assert "将写入的问法:“附近有没有上门理发服务”" in out
    assert "2 位下次打开网页时会看到" in out, "the haircut askers, not the locksmith one"
    taught = [f for f in load_knowledge(knowledge).facts if "附近有人上门理发吗" in f.phrasings_zh]
    assert taught, "the edited wording is what was written"
