"""Configuration: file, environment (which wins) and defaults; bad values named by line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import SHIPPED_KNOWLEDGE, ConfigError, load_config

ROOT = Path(__file__).resolve().parent.parent


def test_example_config_is_valid_and_token_comes_from_the_environment() -> None:
    config = load_config(ROOT / "config.example.yaml", env={"TELEGRAM_BOT_TOKEN": "123:abc"})
    assert config.token == "123:abc"
    assert "123:abc" not in repr(config)
    assert 0 < config.matcher.clarify_threshold < 100
    assert config.matcher.answer_confidence is None  # the fitted calibration decides


def test_without_a_file_the_shipped_knowledge_is_used(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(env={})
    assert config.knowledge_dir == SHIPPED_KNOWLEDGE
    assert config.token is None


def test_environment_wins_over_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("admin_ids: [1]\ndb_path: a.sqlite3\ntelegram:\n  base_url: http://x/bot\n")
    env = {
        "BOT_ADMIN_IDS": "7, 8",
        "BOT_DB": "/tmp/other.sqlite3",
        "BOT_KNOWLEDGE_DIR": "/srv/knowledge",
        "TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot",
    }
    config = load_config(path, env=env)
    assert config.admin_ids == {7, 8}
    assert config.db_path == Path("/tmp/other.sqlite3")
    assert config.knowledge_dir == Path("/srv/knowledge")
    assert config.telegram.base_url == "http://127.0.0.1:9/bot"


def test_relative_paths_in_the_file_are_relative_to_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("db_path: data/x.sqlite3\n")
    assert load_config(path, env={}).db_path == tmp_path / "data" / "x.sqlite3"


def test_every_bad_value_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "admin_ids: [12, abc]\n"
        "default_language: fr\n"
        "matcher:\n"
        "  answer_confidence: 1.5\n"
        "  clarify_treshold: 30\n"
        "token: 123:secret\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    messages = [str(problem) for problem in caught.value.problems]
    assert any(":1: admin_ids[1]" in m for m in messages)
    assert any(":2: default_language" in m for m in messages)
    assert any(":4: matcher.answer_confidence" in m and "0 to 1" in m for m in messages)
    assert any(":5:" in m and "did you mean 'clarify_threshold'" in m for m in messages)
    assert any(":6: token" in m and "TELEGRAM_BOT_TOKEN" in m for m in messages)
    assert all("secret" not in m for m in messages)


def test_bad_admin_ids_in_the_environment() -> None:
    with pytest.raises(ConfigError, match="BOT_ADMIN_IDS"):
        load_config(ROOT / "config.example.yaml", env={"BOT_ADMIN_IDS": "12,bob"})


def test_check_validates_the_config_file_too(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("default_language: fr\n")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 1
    assert "default_language" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("value", ["0", "²", "-5", "12,٣", "4503599627370496", "1e3"])
def test_admin_ids_from_the_environment_must_be_positive_decimal_ids(value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(ROOT / "config.example.yaml", env={"BOT_ADMIN_IDS": value})
    (problem,) = caught.value.problems
    assert str(problem).startswith("BOT_ADMIN_IDS: ")
    assert "Telegram user id" in str(problem)


def test_admin_id_zero_in_the_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("admin_ids: [0, 4503599627370496]\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert len(caught.value.problems) == 2


@pytest.mark.parametrize("url", ["ftp://x/bot", "127.0.0.1:8081/bot", "http://", "http:// x/bot"])
def test_a_base_url_from_the_environment_is_checked_like_the_files(
    url: str, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(ROOT / "config.example.yaml", env={"TELEGRAM_BASE_URL": url})
    (problem,) = caught.value.problems
    assert str(problem).startswith("TELEGRAM_BASE_URL: ")
    path = tmp_path / "config.yaml"
    path.write_text(f"telegram:\n  base_url: '{url}'\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    (in_file,) = caught.value.problems
    assert str(in_file).endswith(str(problem).removeprefix("TELEGRAM_BASE_URL: "))


def test_a_good_base_url_from_the_environment_is_kept() -> None:
    config = load_config(
        ROOT / "config.example.yaml", env={"TELEGRAM_BASE_URL": " http://127.0.0.1:8081/bot "}
    )
    assert config.telegram.base_url == "http://127.0.0.1:8081/bot"


def test_a_path_in_an_unknown_home_directory_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("db_path: ~nosuchuser-kb/x.sqlite3\n")
    with pytest.raises(ConfigError, match=r"config.yaml:1: db_path: '~nosuchuser-kb/x.sqlite3'"):
        load_config(path, env={})
    with pytest.raises(ConfigError, match="BOT_KNOWLEDGE_DIR: '~nosuchuser-kb'"):
        load_config(ROOT / "config.example.yaml", env={"BOT_KNOWLEDGE_DIR": "~nosuchuser-kb"})
