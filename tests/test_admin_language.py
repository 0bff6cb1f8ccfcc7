"""Admins read Chinese: check, report, eval and run speak Chinese unless asked otherwise
(--lang, then the config's admin_language, then the locale), and one mistake in a file
gives one line that names it."""

from __future__ import annotations

import shutil
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

import bot.admin.teach_texts
import bot.admin.texts
from bot.admin.language import admin_language
from bot.cli import main
from bot.store import Store
from bot.text import Text

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
CJK = range(0x4E00, 0xA000)


@pytest.fixture(autouse=True)
def locale(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No config.yaml from the working directory, no token, and a Chinese locale."""
    monkeypatch.chdir(tmp_path)
    for name in ("LC_ALL", "LC_MESSAGES", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    yield


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


def break_answer(knowledge: Path) -> None:
    """The typo of the issue: `answr:` for `answer:` in the first fact of xiaohe.yaml."""
    path = knowledge / "committees" / "xiaohe.yaml"
    text = path.read_text(encoding="utf-8")
    assert "\n    answer:\n" in text
    path.write_text(text.replace("\n    answer:\n", "\n    answr:\n", 1), encoding="utf-8")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# --- the rule ----------------------------------------------------------------------------


def test_lang_flag_then_config_then_locale_then_chinese() -> None:
    assert admin_language("en", "zh", {"LANG": "zh_CN.UTF-8"}) == "en"
    assert admin_language(None, "en", {"LANG": "zh_CN.UTF-8"}) == "en"
    assert admin_language(None, None, {"LANG": "en_GB.UTF-8"}) == "en"
    assert admin_language(None, None, {"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US"}) == "zh"
    assert admin_language(None, None, {"LANG": "C.UTF-8"}) == "zh"
    assert admin_language(None, None, {}) == "zh"


# --- check -------------------------------------------------------------------------------


def test_check_prints_chinese_under_a_chinese_locale(
    capsys: pytest.CaptureFixture[str], knowledge_copy: Path
) -> None:
    break_answer(knowledge_copy)
    code, out, _ = run(capsys, "check", "--knowledge", str(knowledge_copy))
    assert code == 1
    assert "facts[0].answr: 未知字段 'answr'(是不是想写 'answer'?)" in out
    assert "knowledge/committees/xiaohe.yaml:" in out  # the prefix an editor jumps to
    assert "unknown field" not in out


def test_check_prints_english_with_lang_en(
    capsys: pytest.CaptureFixture[str], knowledge_copy: Path
) -> None:
    break_answer(knowledge_copy)
    code, out, _ = run(capsys, "check", "--knowledge", str(knowledge_copy), "--lang", "en")
    assert code == 1
    assert "facts[0].answr: unknown field 'answr' (did you mean 'answer'?)" in out
    assert "未知字段" not in out


def test_the_answr_typo_gives_exactly_one_line(
    capsys: pytest.CaptureFixture[str], knowledge_copy: Path
) -> None:
    break_answer(knowledge_copy)
    _, out, _ = run(capsys, "check", "--knowledge", str(knowledge_copy))
    problems = [line for line in out.splitlines() if line.startswith("  ")]
    assert len(problems) == 1, out
    assert "answr" in problems[0] and "'answer'" in problems[0]
    assert "1 个问题" in out


def test_a_valid_knowledge_base_is_confirmed_in_chinese(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "check")
    assert code == 0
    assert "16 个居委" in out
    assert out.rstrip().splitlines()[-1].startswith("✓ 知识库没有问题")


def test_a_list_item_indented_one_space_too_far_is_flagged(
    capsys: pytest.CaptureFixture[str], knowledge_copy: Path
) -> None:
    """Valid YAML that silently joins two phrasings into one: check warns, naming both."""
    path = knowledge_copy / "committees" / "jianliu.yaml"
    text = path.read_text(encoding="utf-8")
    line = "        - 寒暑假班是干什么的\n"
    assert line in text
    path.write_text(text.replace(line, " " + line, 1), encoding="utf-8")
    code, out, _ = run(capsys, "check", "--knowledge", str(knowledge_copy), "--quiet")
    assert code == 0
    assert "jianliu-holiday-class" in out and "- 寒暑假班是干什么的”像是两句连在了一起" in out


def test_the_config_admin_language_wins_over_the_locale(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("admin_language: en\n", encoding="utf-8")
    code, out, _ = run(capsys, "check", "--config", str(config))
    assert code == 0
    assert out.rstrip().splitlines()[-1].startswith("✓ knowledge base is valid")


def test_a_config_problem_is_told_in_the_admin_language(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("admin_languag: en\n", encoding="utf-8")
    code, _, err = run(capsys, "check", "--config", str(config))
    assert code == 1
    assert "admin_languag: 未知字段 'admin_languag'(是不是想写 'admin_language'?)" in err


# --- report, eval, run ---------------------------------------------------------------------


def test_report_follows_the_admin_language(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, store: Store
) -> None:
    monkeypatch.setenv("BOT_DB", str(store.path))
    _, chinese, _ = run(capsys, "report")
    _, english, _ = run(capsys, "report", "--lang", "en")
    assert chinese.startswith("提问报告")
    assert english.startswith("Question report")


def test_eval_follows_the_admin_language(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    questions = tmp_path / "mine.yaml"
    questions.write_text("- {q: 明天会下雨吗, expect: [孝和]}\n", encoding="utf-8")
    _, chinese, _ = run(capsys, "eval", str(questions))
    _, english, _ = run(capsys, "eval", str(questions), "--lang", "en")
    assert "没答对" in chinese or "答错" in chinese
    assert "问题集 / 类别" in chinese and "first = 第一次回复就答对" in chinese
    assert "expected 孝和" in english and "set / category" in english
    code, _, err = run(capsys, "eval", str(questions), "--min", "speed=9")
    assert code == 2 and "未知的指标 'speed'" in err


def test_run_without_a_token_prints_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "run")
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "TELEGRAM_BOT_TOKEN" in err and "没有机器人令牌" in err


# --- the catalogues ------------------------------------------------------------------------


def catalogue() -> dict[str, Text]:
    """Every message the admin tools print: the check, report, eval, teach and run texts, and
    each table of problems found in the YAML files, the knowledge base and the config."""
    found = {
        f"{module.__name__}.{name}": value
        for module in (bot.admin.texts, bot.admin.teach_texts)
        for name, value in vars(module).items()
        if isinstance(value, Text)
    }
    for module_name in ("bot.yamlmessages", "bot.kb.messages", "bot.config"):
        module = __import__(module_name, fromlist=["MESSAGES"])
        for key, value in module.MESSAGES.items():
            found[f"{module_name}.MESSAGES[{key}]"] = value
    return found


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_admin_message_has_both_languages() -> None:
    messages = catalogue()
    assert len(messages) > 60
    for name, message in messages.items():
        assert isinstance(message, Text), f"{name} is not translated"
        assert message.zh.strip() and message.en.strip(), name
        assert placeholders(message.zh) == placeholders(message.en), name
        if message.zh != message.en:  # some texts are the same in both (👍, a symbol)
            assert any(ord(char) in CJK for char in message.zh), f"{name}: zh is not Chinese"


def test_the_words_put_into_messages_have_both_languages() -> None:
    """Kinds of value (空的, 列表), kinds of reference (标签) and PyYAML's commonest reasons."""
    import bot.kb.messages
    import bot.yamlmessages

    tables = (bot.yamlmessages.KINDS, bot.yamlmessages.SYNTAX_REASONS, bot.kb.messages.KINDS)
    for table in tables:
        for key, text in table.items():
            assert isinstance(text, Text) and text.zh and text.en, key
            if text.zh != text.en:
                assert any(ord(char) in CJK for char in text.zh), key


def test_a_common_yaml_syntax_error_is_explained_in_chinese(
    capsys: pytest.CaptureFixture[str], knowledge_copy: Path
) -> None:
    """The colon typed with a Chinese input method: PyYAML says "could not find expected
    ':'", the admin reads what to look for."""
    path = knowledge_copy / "committees" / "jianliu.yaml"
    text = path.read_text(encoding="utf-8")
    colon = "  short_name\uff1a建六"  # the colon a Chinese input method types
    path.write_text(text.replace("  short_name: 建六", colon, 1), encoding="utf-8")
    code, out, _ = run(capsys, "check", "--knowledge", str(knowledge_copy))
    assert code == 1
    assert "jianliu.yaml:" in out and "YAML 格式错误" in out and "中文冒号“\uff1a”" in out


def test_aliases_joined_by_a_chinese_comma_are_flagged(
    capsys: pytest.CaptureFixture[str], knowledge_copy: Path
) -> None:
    """`[建六居委会,建六居民区]` is valid YAML holding one name: check warns."""
    path = knowledge_copy / "committees" / "jianliu.yaml"
    text = path.read_text(encoding="utf-8")
    assert "aliases: [建六居委会, 建六居民区]" in text
    joined = "[建六居委会\uff0c建六居民区]"  # the comma a Chinese input method types
    path.write_text(text.replace("[建六居委会, 建六居民区]", joined), encoding="utf-8")
    code, out, _ = run(capsys, "check", "--knowledge", str(knowledge_copy), "--quiet")
    assert code == 0
    assert "jianliu:别名“建六居委会\uff0c建六居民区”里有中文逗号" in out


def test_a_failed_reload_tells_each_admin_the_problem_in_their_language(
    knowledge_copy: Path,
) -> None:
    """The Telegram notice of a broken edit: its problem lines are translated too."""
    from bot.match.live import LiveKnowledge
    from bot.match.types import MatcherSettings
    from bot.telegram.reloading import reload_failed_text

    live = LiveKnowledge(knowledge_copy, MatcherSettings())
    break_answer(knowledge_copy)
    result = live.reload()
    assert not result.ok
    chinese = reload_failed_text(result, "zh")
    english = reload_failed_text(result, "en")
    assert "facts[0].answr: 未知字段 'answr'(是不是想写 'answer'?)" in chinese
    assert "facts[0].answr: unknown field 'answr' (did you mean 'answer'?)" in english


def test_teach_refuses_in_the_admin_language(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, knowledge_copy: Path
) -> None:
    """Why a teach wrote nothing is said in Chinese too, with the did-you-mean."""
    monkeypatch.setenv("BOT_DB", str(knowledge_copy.parent / "bot.sqlite3"))
    before = (knowledge_copy / "committees" / "jianliu.yaml").read_bytes()
    args = ["teach", "居委会给学生办班吗", "jianliu-holiday", "--knowledge", str(knowledge_copy)]
    code, out, _ = run(capsys, *args)
    assert code == 1
    assert out.strip() == (
        "✗ 没有学:没有 id 为 'jianliu-holiday' 的条目(是不是想写 'jianliu-holiday-class'?)"
    )
    code, out, _ = run(capsys, *args, "--lang", "en")
    assert "unknown fact id 'jianliu-holiday' (did you mean 'jianliu-holiday-class'?)" in out
    assert (knowledge_copy / "committees" / "jianliu.yaml").read_bytes() == before
